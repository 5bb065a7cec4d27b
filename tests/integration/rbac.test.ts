import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connections, fieldMappings, memberships, recordLinks, reportComments, reportRuns, reports, syncConflicts, syncRuns } from '../../db/schema';
import { appRouter } from '../../server/root';
import { allRoles, roleCan, tenantPermissions, platformPermissions, type Permission, type Role } from '../../server/security/rbac';
import type { ProcedureMeta } from '../../server/trpc';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: ProcedureMeta; inputs: unknown[] };
}
const procedures = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures);

function call(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const fn = path.split('.').reduce((node: any, key) => node[key], caller) as (input: unknown) => Promise<unknown>;
  return fn(input);
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

const knownPermissions = new Set<string>(['public', 'authenticated', ...Object.keys(tenantPermissions), ...Object.keys(platformPermissions)]);

describe('the permission matrix covers the whole router', () => {
  it('every procedure declares a known permission', () => {
    expect(procedures.length).toBeGreaterThan(10);
    const missing = procedures.filter(([, p]) => !p._def.meta?.permission || !knownPermissions.has(p._def.meta.permission)).map(([path]) => path);
    expect(missing).toEqual([]);
  });
});

describe('every procedure, called as each of the 7 roles', () => {
  const users = {} as Record<Role, { id: string; organizationId: string | null }>;
  beforeAll(async () => {
    const tenant = await makeTenant(database.current);
    for (const role of allRoles) users[role] = await makeUser(database.current, role, tenant.id);
  });

  for (const [path, procedure] of procedures) {
    const permission = procedure._def.meta!.permission;
    it(`${path} (${permission})`, async () => {
      const anonymous = await callerAs(database.current, null);
      const anonymousOutcome = await outcome(call(anonymous.caller, path, undefined));
      if (permission === 'public') expect(anonymousOutcome).not.toBe('UNAUTHORIZED');
      else expect(anonymousOutcome).toBe('UNAUTHORIZED');

      for (const role of allRoles) {
        const { caller } = await callerAs(database.current, users[role]);
        // no input: a granted call fails validation (or succeeds), a refused one is FORBIDDEN first
        const result = await outcome(call(caller, path, undefined));
        const allowed = permission === 'public' || permission === 'authenticated' || roleCan(role, permission as Permission);
        if (allowed) expect(result, `${role} should be allowed ${path}`).not.toMatch(/FORBIDDEN|UNAUTHORIZED/);
        else expect(result, `${role} should be refused ${path}`).toBe('FORBIDDEN');
      }
    });
  }
});

/** One of each CRM row in the caller's tenant, made through the API. */
async function crmRowsOf(owner: { id: string; organizationId: string | null }) {
  const { caller } = await callerAs(database.current, owner);
  const [stage, otherStage] = await caller.crm.stages.list();
  const lead = await caller.crm.leads.create({ name: 'A lead', email: 'a-lead@example.test' });
  const otherLead = await caller.crm.leads.create({ name: 'Another A lead' });
  if (lead.status !== 'saved' || otherLead.status !== 'saved') throw new Error('lead');
  const account = await caller.crm.accounts.create({ name: 'A account' });
  const otherAccount = await caller.crm.accounts.create({ name: 'Another A account' });
  const contact = await caller.crm.contacts.create({ firstName: 'A', lastName: 'Contact', accountId: account.id });
  const otherContact = await caller.crm.contacts.create({ firstName: 'Another', lastName: 'Contact' });
  if (contact.status !== 'saved' || otherContact.status !== 'saved') throw new Error('contact');
  const activity = await caller.crm.activities.create({ leadId: lead.lead.id, kind: 'call', title: 'A call' });
  const field = await caller.crm.customFields.create({ entity: 'lead', key: 'budget', label: 'Budget', type: 'number' });
  return {
    leadId: lead.lead.id,
    otherLeadId: otherLead.lead.id,
    accountId: account.id,
    otherAccountId: otherAccount.id,
    contactId: contact.contact.id,
    otherContactId: otherContact.contact.id,
    stageId: stage!.id,
    otherStageId: otherStage!.id,
    activityId: activity.id,
    customFieldId: field.id,
    ...(await syncRowsOf(owner.organizationId!, contact.contact.id)),
    ...(await reportRowsOf(owner.organizationId!, owner.id)),
  };
}

/** A report with a run and a comment in a tenant, written directly (no providers needed). */
async function reportRowsOf(organizationId: string, userId: string) {
  const db = database.current.db;
  const [report] = await db
    .insert(reports)
    .values({ organizationId, type: 'manual', periodStart: new Date(Date.UTC(2026, 9, 1)), periodEnd: new Date(Date.UTC(2026, 9, 2)), timeZone: 'UTC', status: 'published', analysis: 'unavailable' })
    .returning();
  const [run] = await db.insert(reportRuns).values({ organizationId, reportId: report!.id, trigger: 'manual', status: 'failed', currentStep: 3 }).returning();
  const [comment] = await db.insert(reportComments).values({ organizationId, reportId: report!.id, authorId: userId, body: 'A comment' }).returning();
  return { reportId: report!.id, reportRunId: run!.id, reportCommentId: comment!.id };
}

/** One of each sync row (connection, mapping, run, conflict) in a tenant, written directly: no CRM is needed to hold them. */
async function syncRowsOf(organizationId: string, contactId: string) {
  const db = database.current.db;
  const [connection] = await db.insert(connections).values({ organizationId, provider: 'salesforce', status: 'connected', authUrl: 'http://127.0.0.1:9', usesSandbox: true }).returning();
  const [mapping] = await db.insert(fieldMappings).values({ organizationId, connectionId: connection!.id, entity: 'contact', appField: 'email', remoteField: 'Email' }).returning();
  const [run] = await db.insert(syncRuns).values({ organizationId, connectionId: connection!.id, trigger: 'manual', direction: 'bidirectional', entity: 'contact', status: 'partial' }).returning();
  const [link] = await db.insert(recordLinks).values({ organizationId, connectionId: connection!.id, entity: 'contact', appId: contactId, remoteId: '003000000000001AAA' }).returning();
  const [conflict] = await db
    .insert(syncConflicts)
    .values({ organizationId, connectionId: connection!.id, recordLinkId: link!.id, entity: 'contact', appId: contactId, remoteId: link!.remoteId, field: 'position>Title', appField: 'position', remoteField: 'Title', appValue: 'a', remoteValue: 'b' })
    .returning();
  return { connectionId: connection!.id, mappingId: mapping!.id, runId: run!.id, conflictId: conflict!.id };
}

describe('tenant isolation', () => {
  /** Rows of tenant A that the id-taking procedures are called against (or random ids: "missing"). */
  const rowKeys = [
    'membershipId',
    'userId',
    'leadId',
    'otherLeadId',
    'accountId',
    'otherAccountId',
    'contactId',
    'otherContactId',
    'stageId',
    'otherStageId',
    'activityId',
    'customFieldId',
    'connectionId',
    'mappingId',
    'runId',
    'conflictId',
    'reportId',
    'reportRunId',
    'reportCommentId',
  ] as const;
  type RowIds = Record<(typeof rowKeys)[number], string>;
  const randomIds = () => Object.fromEntries(rowKeys.map((k) => [k, randomUUID()])) as RowIds;

  /** Tenant procedures that take an id, with how to call them against a row of tenant A. */
  const idCalls: Record<string, (ids: RowIds) => unknown> = {
    'org.members.updateRole': ({ membershipId }) => ({ membershipId, role: 'viewer' }),
    'org.members.remove': ({ membershipId }) => ({ membershipId }),
    'crm.leads.byId': ({ leadId }) => ({ id: leadId }),
    'crm.leads.history': ({ leadId }) => ({ id: leadId }),
    'crm.leads.create': ({ stageId }) => ({ name: 'Intruder', stageId }),
    'crm.leads.update': ({ leadId }) => ({ id: leadId, name: 'Hijacked' }),
    'crm.leads.delete': ({ leadId }) => ({ id: leadId }),
    'crm.leads.assign': ({ leadId }) => ({ id: leadId, assignedTo: null }),
    'crm.leads.bulkSetStage': ({ leadId, stageId }) => ({ ids: [leadId], stageId }),
    'crm.leads.merge': ({ leadId, otherLeadId }) => ({ survivorId: leadId, mergedId: otherLeadId }),
    'crm.leads.mergePreview': ({ leadId, otherLeadId }) => ({ survivorId: leadId, mergedId: otherLeadId }),
    'crm.leads.convert': ({ leadId }) => ({ id: leadId }),
    'crm.accounts.byId': ({ accountId }) => ({ id: accountId }),
    'crm.accounts.history': ({ accountId }) => ({ id: accountId }),
    'crm.accounts.create': ({ userId }) => ({ name: 'Intruder Inc', ownerId: userId }),
    'crm.accounts.update': ({ accountId }) => ({ id: accountId, name: 'Hijacked' }),
    'crm.accounts.delete': ({ accountId }) => ({ id: accountId }),
    'crm.accounts.merge': ({ accountId, otherAccountId }) => ({ survivorId: accountId, mergedId: otherAccountId }),
    'crm.accounts.mergePreview': ({ accountId, otherAccountId }) => ({ survivorId: accountId, mergedId: otherAccountId }),
    'crm.contacts.byId': ({ contactId }) => ({ id: contactId }),
    'crm.contacts.history': ({ contactId }) => ({ id: contactId }),
    'crm.contacts.create': ({ accountId }) => ({ firstName: 'Intruder', accountId }),
    'crm.contacts.update': ({ contactId }) => ({ id: contactId, firstName: 'Hijacked' }),
    'crm.contacts.delete': ({ contactId }) => ({ id: contactId }),
    'crm.contacts.merge': ({ contactId, otherContactId }) => ({ survivorId: contactId, mergedId: otherContactId }),
    'crm.contacts.mergePreview': ({ contactId, otherContactId }) => ({ survivorId: contactId, mergedId: otherContactId }),
    'crm.stages.update': ({ stageId }) => ({ id: stageId, name: 'Hijacked' }),
    'crm.stages.delete': ({ stageId, otherStageId }) => ({ id: stageId, moveToStageId: otherStageId }),
    'crm.activities.list': ({ leadId }) => ({ leadId }),
    'crm.activities.create': ({ leadId }) => ({ leadId, kind: 'note', title: 'Intruder note' }),
    'crm.activities.update': ({ activityId }) => ({ id: activityId, title: 'Hijacked' }),
    'crm.activities.delete': ({ activityId }) => ({ id: activityId }),
    'crm.customFields.update': ({ customFieldId }) => ({ id: customFieldId, label: 'Hijacked' }),
    'crm.customFields.delete': ({ customFieldId }) => ({ id: customFieldId }),
    'kommo.syncLead': ({ leadId }) => ({ profileType: 'lead', profileId: leadId }),
    'kommo.linkLead': ({ leadId }) => ({ profileType: 'lead', profileId: leadId, kommoLeadId: 21_000_001 }),
    'kommo.linkStatus': ({ contactId }) => ({ profileType: 'contact', profileId: contactId }),
    'kommo.leads.refresh': ({ leadId }) => ({ id: leadId }),
    'kommo.bulk.byId': ({ leadId }) => ({ id: leadId }),
    'kommo.bulk.approve': ({ leadId }) => ({ id: leadId }),
    'kommo.bulk.reject': ({ leadId }) => ({ id: leadId, reason: 'intruder' }),
    'kommo.bulk.execute': ({ leadId }) => ({ id: leadId }),
    'kommo.bulk.requestRollback': ({ leadId }) => ({ id: leadId, reason: 'an intruder rollback' }),
    'connections.byId': ({ connectionId }) => ({ id: connectionId }),
    'connections.authorize': ({ connectionId }) => ({ id: connectionId }),
    'connections.update': ({ connectionId }) => ({ id: connectionId, frequency: 'daily' }),
    'connections.test': ({ connectionId }) => ({ id: connectionId }),
    'connections.pause': ({ connectionId }) => ({ id: connectionId }),
    'connections.resume': ({ connectionId }) => ({ id: connectionId }),
    'connections.disconnect': ({ connectionId }) => ({ id: connectionId }),
    'connections.remoteFields': ({ connectionId }) => ({ id: connectionId, entity: 'contact' }),
    'connections.syncNow': ({ connectionId }) => ({ id: connectionId }),
    'mappings.list': ({ connectionId }) => ({ connectionId, entity: 'contact' }),
    'mappings.create': ({ connectionId }) => ({ connectionId, entity: 'contact', appField: 'position', remoteField: 'Title', direction: 'both' }),
    'mappings.update': ({ mappingId }) => ({ id: mappingId, direction: 'none' }),
    'mappings.delete': ({ mappingId }) => ({ id: mappingId }),
    'mappings.reset': ({ connectionId }) => ({ connectionId, entity: 'contact' }),
    'mappings.autoMap': ({ connectionId }) => ({ connectionId, entity: 'contact', apply: true }),
    'mappings.preview': ({ connectionId }) => ({ connectionId, entity: 'contact' }),
    'sync.runs': ({ connectionId }) => ({ connectionId }),
    'sync.run': ({ runId }) => ({ id: runId }),
    'sync.retryFailed': ({ runId }) => ({ runId }),
    'sync.runErrors': ({ runId }) => ({ runId }),
    'conflicts.list': ({ connectionId }) => ({ connectionId }),
    'conflicts.records': ({ connectionId }) => ({ connectionId }),
    'conflicts.count': ({ connectionId }) => ({ connectionId }),
    'conflicts.byId': ({ conflictId }) => ({ id: conflictId }),
    'conflicts.resolve': ({ conflictId }) => ({ id: conflictId, choice: 'crm' }),
    'conflicts.ignore': ({ conflictId }) => ({ id: conflictId }),
    'reports.byId': ({ reportId }) => ({ id: reportId }),
    'reports.ask': ({ reportId }) => ({ reportId, question: 'Intruder question?' }),
    'reports.runs.list': ({ reportId }) => ({ reportId }),
    'reports.runs.byId': ({ reportRunId }) => ({ id: reportRunId }),
    'reports.runs.resume': ({ reportRunId }) => ({ id: reportRunId }),
    'reports.comments.add': ({ reportId }) => ({ reportId, body: 'Intruder comment' }),
    'reports.comments.update': ({ reportCommentId }) => ({ id: reportCommentId, body: 'Hijacked' }),
    'reports.comments.delete': ({ reportCommentId }) => ({ id: reportCommentId }),
  };

  it('knows every tenant procedure that takes an id', () => {
    const takesId = procedures
      .filter(([, p]) => !String(p._def.meta?.permission).startsWith('platform.') && !['public', 'authenticated'].includes(String(p._def.meta?.permission)))
      .filter(([, p]) => p._def.inputs.some((schema) => schema instanceof z.ZodObject && Object.keys(schema.shape).some((k) => /id$/i.test(k))))
      .map(([path]) => path)
      .sort();
    expect(takesId).toEqual(Object.keys(idCalls).sort());
  });

  it("tenant B gets NOT_FOUND for tenant A's ids, exactly as for a missing id, and A's rows are untouched", async () => {
    const a = await makeTenant(database.current);
    const b = await makeTenant(database.current);
    const aOwner = await makeUser(database.current, 'owner', a.id);
    const aSales = await makeUser(database.current, 'sales', a.id);
    const bOwner = await makeUser(database.current, 'owner', b.id);
    const [aMembership] = await database.current.db.select().from(memberships).where(eq(memberships.userId, aSales.id));
    const aRows = await crmRowsOf(aOwner);
    const aIds: RowIds = { membershipId: aMembership!.id, userId: aSales.id, ...aRows };
    const { caller } = await callerAs(database.current, bOwner);
    for (const [path, input] of Object.entries(idCalls)) {
      expect(await outcome(call(caller, path, input(aIds))), `${path} with tenant A's ids`).toBe('NOT_FOUND');
      expect(await outcome(call(caller, path, input(randomIds()))), `${path} with missing ids`).toBe('NOT_FOUND');
    }
    const [after] = await database.current.db.select().from(memberships).where(eq(memberships.id, aMembership!.id));
    expect(after?.role).toBe('sales');
    const [aConnection] = await database.current.db.select().from(connections).where(eq(connections.id, aRows.connectionId));
    expect(aConnection).toMatchObject({ status: 'connected', frequency: 'hourly' });
    expect(await database.current.db.select().from(fieldMappings).where(eq(fieldMappings.id, aRows.mappingId))).toHaveLength(1);
    const [aConflict] = await database.current.db.select().from(syncConflicts).where(eq(syncConflicts.id, aRows.conflictId));
    expect(aConflict?.status).toBe('open');
    const [aComment] = await database.current.db.select().from(reportComments).where(eq(reportComments.id, aRows.reportCommentId));
    expect(aComment?.body).toBe('A comment');
    const [aRun] = await database.current.db.select().from(reportRuns).where(eq(reportRuns.id, aRows.reportRunId));
    expect(aRun?.status).toBe('failed');
    const { caller: aReader } = await callerAs(database.current, aOwner);
    const aLead = (await call(aReader, 'crm.leads.byId', { id: aRows.leadId })) as { name: string; status: string; stageId: string };
    expect(aLead).toMatchObject({ name: 'A lead', status: 'new', stageId: aRows.stageId });
    expect(await outcome(call(aReader, 'crm.accounts.byId', { id: aRows.otherAccountId }))).toBe('OK');
    expect(await outcome(call(aReader, 'crm.contacts.byId', { id: aRows.otherContactId }))).toBe('OK');
    expect(((await call(aReader, 'crm.stages.list', undefined)) as { id: string }[]).map((s) => s.id)).toContain(aRows.stageId);
    expect(((await call(aReader, 'crm.customFields.list', undefined)) as { label: string }[]).map((f) => f.label)).toEqual(['Budget']);
    const timeline = (await call(aReader, 'crm.activities.list', { leadId: aRows.leadId })) as { items: { title: string }[] };
    expect(timeline.items.map((i) => i.title)).toContain('A call');
    const bLeads = (await call(caller, 'crm.leads.list', { stageIds: [aRows.stageId] })) as { items: unknown[]; total: number };
    expect(bLeads.total).toBe(0);
    expect(((await call(caller, 'crm.leads.list', {})) as { items: { name: string }[] }).items.map((l) => l.name)).not.toContain('A lead');
    expect(await outcome(call(caller, 'crm.leads.bulkAssign', { ids: [aRows.leadId], assignedTo: null }))).toBe('NOT_FOUND');

    // lists never show the other tenant's rows
    const bMembers = (await call(caller, 'org.members.list', undefined)) as { email: string }[];
    expect(bMembers.map((m) => m.email)).toEqual([bOwner.email]);
    const { caller: aCaller } = await callerAs(database.current, aOwner);
    await call(aCaller, 'org.updateSettings', { name: 'Tenant A renamed', timezone: 'UTC', dayBoundaryHour: 6 });
    const bAudit = (await call(caller, 'audit.list', { limit: 200 })) as { items: { organizationId: string | null }[] };
    expect(bAudit.items.every((row) => row.organizationId === b.id)).toBe(true);
    const aAudit = (await call(aCaller, 'audit.list', { limit: 200 })) as { items: { action: string }[] };
    expect(aAudit.items.map((r) => r.action)).toContain('org.settings.update');
  });
});
