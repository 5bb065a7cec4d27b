import fs from 'node:fs';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, contacts, leadActivities, leadStages, leads, organizations } from '../../db/schema';
import { migrationsFolder } from '../../db/migrate';
import { crmTenant, fieldErrorsOf, outcome, saved, type CrmTenant } from '../support/crm';
import { useTestDatabase } from '../support/database';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { SECURE_COOKIE } from '../../server/auth/cookie';
import { createSession } from '../../server/auth/session';
import { appRouter } from '../../server/root';
import { createContext } from '../../server/trpc';
import { makeTenant, servicesFor } from '../support/factories';

const database = useTestDatabase();

describe('lead stages', () => {
  it('creates the five default stages with each tenant', async () => {
    const tenant = await makeTenant(database.current);
    const stages = await database.current.db.select().from(leadStages).where(eq(leadStages.organizationId, tenant.id)).orderBy(leadStages.position);
    expect(stages.map((s) => [s.name, s.position, s.isQualified, s.isWon, s.isLost])).toEqual([
      ['New', 0, false, false, false],
      ['Contacted', 1, false, false, false],
      ['Qualified', 2, true, false, false],
      ['Won', 3, true, true, false],
      ['Lost', 4, false, false, true],
    ]);
  });

  it('backfills the same stages, once, for tenants that existed before the CRM (migration 0004)', async () => {
    const { db } = database.current;
    const [org] = await db.insert(organizations).values({ name: 'Old tenant', slug: `old-${Date.now()}` }).returning();
    const migration = fs.readFileSync(`${migrationsFolder}/0004_crm_triggers.sql`, 'utf8');
    const backfill = migration.slice(migration.indexOf('INSERT INTO lead_stages'));
    await database.current.sql.unsafe(backfill);
    await database.current.sql.unsafe(backfill);
    const stages = await db.select().from(leadStages).where(eq(leadStages.organizationId, org!.id)).orderBy(leadStages.position);
    expect(stages.map((s) => s.name)).toEqual(['New', 'Contacted', 'Qualified', 'Won', 'Lost']);
  });

  it('adds, renames, recolours and reorders stages; deleting one that holds leads asks where to move them', async () => {
    const t = await crmTenant(database.current);
    const admin = t.callers.admin.crm;
    const demo = await admin.stages.create({ name: 'Demo', color: '#123456', isQualified: true });
    expect(await fieldErrorsOf(admin.stages.create({ name: 'demo' }))).toHaveProperty('name');
    expect(await fieldErrorsOf(admin.stages.create({ name: 'Odd', isWon: true, isLost: true }))).toHaveProperty('isLost');
    await admin.stages.update({ id: demo.id, name: 'Product demo', color: '#654321' });
    const before = await admin.stages.list();
    const reversed = before.map((s) => s.id).reverse();
    expect((await admin.stages.reorder({ stageIds: reversed })).map((s) => s.id)).toEqual(reversed);
    expect(await fieldErrorsOf(admin.stages.reorder({ stageIds: reversed.slice(1) }))).toHaveProperty('stageIds');

    const lead1 = saved(await t.callers.sales.crm.leads.create({ name: 'In demo 1', stageId: demo.id })).lead;
    const lead2 = saved(await t.callers.manager.crm.leads.create({ name: 'In demo 2', stageId: demo.id })).lead;
    expect(lead1).toMatchObject({ status: 'qualified' });
    expect(lead1.qualifiedAt).toBeInstanceOf(Date);

    expect(await outcome(admin.stages.delete({ id: demo.id }))).toBe('CONFLICT');
    const lost = before.find((s) => s.name === 'Lost')!;
    expect(await admin.stages.delete({ id: demo.id, moveToStageId: lost.id })).toEqual({ ok: true, moved: 2 });
    expect((await admin.stages.list()).map((s) => s.name)).not.toContain('Product demo');
    const moved = await t.callers.manager.crm.leads.byId({ id: lead2.id });
    expect(moved).toMatchObject({ stageId: lost.id, status: 'lost' });
    const timeline = await t.callers.sales.crm.activities.list({ leadId: lead1.id });
    expect(timeline.items[0]).toMatchObject({ kind: 'system', title: 'Moved from Product demo to Lost (stage deleted)' });

    // an empty stage goes without a target; the last stage never goes
    const empty = await admin.stages.create({ name: 'Empty' });
    expect(await admin.stages.delete({ id: empty.id })).toEqual({ ok: true, moved: 0 });
    const remaining = await admin.stages.list();
    for (const stage of remaining.slice(1)) await admin.stages.delete({ id: stage.id, moveToStageId: remaining[0]!.id });
    expect(await outcome(admin.stages.delete({ id: remaining[0]!.id }))).toBe('CONFLICT');
  });
});

describe('leads', () => {
  let t: CrmTenant;
  beforeAll(async () => {
    t = await crmTenant(database.current);
  });

  it('normalises phones to E.164 with the tenant default country; an invalid phone is a field error', async () => {
    const manager = t.callers.manager.crm;
    expect(saved(await manager.leads.create({ name: 'US phone', phone: '(415) 555-0123' })).lead.phone).toBe('+14155550123');
    expect(saved(await manager.leads.create({ name: 'Intl phone', phone: '+44 20 7946 0958' })).lead.phone).toBe('+442079460958');
    expect(await fieldErrorsOf(manager.leads.create({ name: 'Bad phone', phone: '12345' }))).toEqual({ phone: ['Not a valid phone number.'] });
    expect(await fieldErrorsOf(manager.leads.create({ name: 'Bad email', email: 'not-an-email' }))).toHaveProperty('email');

    await t.callers.owner.org.updateSettings({ name: 'Berlin GmbH', timezone: 'Europe/Berlin', dayBoundaryHour: 0, defaultCountry: 'de' });
    expect(saved(await manager.leads.create({ name: 'DE phone', phone: '030 12345678' })).lead.phone).toBe('+493012345678');
    await t.callers.owner.org.updateSettings({ name: 'Berlin GmbH', timezone: 'Europe/Berlin', dayBoundaryHour: 0, defaultCountry: 'US' });
    expect(await outcome(t.callers.owner.org.updateSettings({ name: 'X Co', timezone: 'UTC', dayBoundaryHour: 0, defaultCountry: 'XX' }))).toBe('BAD_REQUEST');
  });

  it('sends field errors over HTTP the way input validation does, keyed by field', async () => {
    const { token } = await createSession(database.current.db, { userId: t.users.sales.id, activeOrganizationId: t.tenant.id });
    const post = async (path: string, input: unknown) => {
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request(`http://localhost:3000/api/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: `${SECURE_COOKIE}=${token}` },
          body: JSON.stringify(input),
        }),
        router: appRouter,
        createContext: ({ req, resHeaders }) => createContext({ app: servicesFor(database.current), request: req, responseHeaders: resHeaders }),
      });
      return { status: response.status, body: JSON.parse(await response.text()) };
    };
    const bad = await post('crm.leads.create', { name: 'Wire', phone: '12345' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data.fieldErrors).toEqual({ phone: ['Not a valid phone number.'] });
    const ok = await post('crm.leads.create', { name: 'Wire', phone: '415 555 0188' });
    expect(ok.body.result.data).toMatchObject({ status: 'saved', lead: { phone: '+14155550188' } });
  });

  it('flags duplicates by case-insensitive e-mail and normalised phone; saving anyway needs a reason and is audited', async () => {
    const manager = t.callers.manager.crm;
    const first = saved(await manager.leads.create({ name: 'Ann Original', email: 'Ann@Example.test', phone: '+1 415 555 0111' })).lead;

    const byEmail = await manager.leads.create({ name: 'Ann Again', email: 'ann@EXAMPLE.test' });
    expect(byEmail).toEqual({
      status: 'duplicate',
      matches: [{ id: first.id, visible: true, name: 'Ann Original', email: 'Ann@Example.test', phone: '+14155550111', matchedOn: ['email'] }],
    });
    const byPhone = await manager.leads.create({ name: 'Ann by phone', phone: '(415) 555-0111' });
    expect(byPhone).toMatchObject({ status: 'duplicate', matches: [{ id: first.id, matchedOn: ['phone'] }] });
    expect((await manager.leads.list({ q: 'Ann' })).total).toBe(1);

    expect(await outcome(manager.leads.create({ name: 'Ann Again', email: 'ann@example.test', saveAnyway: { reason: '' } }))).toBe('BAD_REQUEST');
    const second = saved(await manager.leads.create({ name: 'Ann Again', email: 'ann@example.test', saveAnyway: { reason: 'Different person, shared inbox' } }));
    expect(second.overriddenDuplicates.map((m) => m.id)).toEqual([first.id]);
    const [audit] = await database.current.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'crm.lead.create'), eq(auditLog.targetId, second.lead.id)));
    expect(audit!.details).toMatchObject({ saveAnyway: { reason: 'Different person, shared inbox', matches: [first.id] } });
    const timeline = await manager.activities.list({ leadId: second.lead.id });
    expect(timeline.items[0]!.details).toMatchObject({ event: 'created', savedDespiteDuplicates: { reason: 'Different person, shared inbox' } });

    // updates are checked too, only when the e-mail or phone changes
    const other = saved(await manager.leads.create({ name: 'Bob', email: 'bob@example.test' })).lead;
    expect(await manager.leads.update({ id: other.id, email: 'ANN@example.test' })).toMatchObject({ status: 'duplicate' });
    expect((await manager.leads.byId({ id: other.id })).email).toBe('bob@example.test');
    expect(saved(await manager.leads.update({ id: first.id, name: 'Ann Original (edited)' })).lead.name).toBe('Ann Original (edited)');
  });

  it('contacts: e-mail is unique among active contacts (merge instead), a shared phone may be saved anyway', async () => {
    const crm = t.callers.sales.crm;
    const first = saved(await crm.contacts.create({ firstName: 'Cora', email: 'Cora@Example.test', phone: '415 555 0142' })).contact;
    expect(await crm.contacts.create({ firstName: 'Cora', lastName: 'Two', email: 'cora@example.TEST' })).toMatchObject({
      status: 'duplicate',
      matches: [{ id: first.id, matchedOn: ['email'] }],
    });
    expect(await outcome(crm.contacts.create({ firstName: 'Cora', email: 'cora@example.test', saveAnyway: { reason: 'really' } }))).toBe('CONFLICT');
    expect(await crm.contacts.create({ firstName: 'Reception', phone: '+14155550142' })).toMatchObject({ status: 'duplicate', matches: [{ matchedOn: ['phone'] }] });
    saved(await crm.contacts.create({ firstName: 'Reception', phone: '+14155550142', saveAnyway: { reason: 'Same switchboard' } }));

    // the database enforces it too, and a deleted contact frees its address
    await expect(
      database.current.db.insert(contacts).values({ organizationId: t.tenant.id, firstName: 'Raw', email: 'CORA@example.test' }),
    ).rejects.toThrow();
    await crm.contacts.delete({ id: first.id });
    saved(await crm.contacts.create({ firstName: 'Cora', lastName: 'New', email: 'cora@example.test' }));
  });

  it('writes every change to the timeline and the audit log with a before/after summary', async () => {
    const crm = t.callers.sales.crm;
    const stages = await crm.stages.list();
    const lead = saved(await crm.leads.create({ name: 'Timeline Tim', company: 'Initrode', amount: 1200 })).lead;
    await crm.leads.update({ id: lead.id, name: 'Timeline Timothy', stageId: stages[1]!.id, status: 'contacted' });
    await crm.activities.create({ leadId: lead.id, kind: 'meeting', title: 'Intro meeting', dueAt: new Date('2030-01-02T10:00:00Z') });
    const timeline = await crm.activities.list({ leadId: lead.id });
    expect(timeline.items.map((i) => [i.kind, i.title])).toEqual([
      ['meeting', 'Intro meeting'],
      ['system', 'Updated name, status'],
      ['system', 'Moved from New to Contacted'],
      ['system', 'Lead created'],
    ]);
    expect(timeline.items[1]!.details).toMatchObject({ before: { name: 'Timeline Tim', status: 'new' }, after: { name: 'Timeline Timothy', status: 'contacted' } });
    expect(timeline.items[0]!.author?.id).toBe(t.users.sales.id);

    const rows = await database.current.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.organizationId, t.tenant.id), eq(auditLog.targetId, lead.id)))
      .orderBy(auditLog.id);
    expect(rows.map((r) => r.action)).toEqual(['crm.lead.create', 'crm.lead.update']);
    expect(rows[1]!.details).toEqual({
      before: { name: 'Timeline Tim', status: 'new', stageId: stages[0]!.id },
      after: { name: 'Timeline Timothy', status: 'contacted', stageId: stages[1]!.id },
    });
    expect(rows[1]).toMatchObject({ actorUserId: t.users.sales.id, targetType: 'lead', ip: '127.0.0.1', outcome: 'success' });
    const activityAudit = await database.current.db.select().from(auditLog).where(and(eq(auditLog.organizationId, t.tenant.id), eq(auditLog.action, 'crm.activity.create')));
    expect(activityAudit.length).toBeGreaterThan(0);

    // system entries cannot be edited; activities can, and only authors or managers delete them
    expect(await outcome(crm.activities.update({ id: timeline.items[1]!.id, title: 'Rewritten' }))).toBe('FORBIDDEN');
    await crm.activities.update({ id: timeline.items[0]!.id, completedAt: new Date() });
    const note = await t.callers.manager.crm.activities.create({ leadId: lead.id, kind: 'note', title: 'Manager note' });
    expect(await outcome(crm.activities.delete({ id: note.id }))).toBe('FORBIDDEN');
    await crm.activities.delete({ id: timeline.items[0]!.id });
    expect((await crm.activities.list({ leadId: lead.id })).items.map((i) => i.title)).not.toContain('Intro meeting');
  });

  it('stamps each change with the next change_seq and bumps updated_at (the push cursor)', async () => {
    const { db } = database.current;
    const crm = t.callers.manager.crm;
    const lead = saved(await crm.leads.create({ name: 'Seq' })).lead;
    const seqOf = async () => (await db.select({ seq: leads.changeSeq, updatedAt: leads.updatedAt }).from(leads).where(eq(leads.id, lead.id)))[0]!;
    const created = await seqOf();
    expect(created.seq).toBeGreaterThan(0);
    await crm.leads.update({ id: lead.id, company: 'Seq Co' });
    const updated = await seqOf();
    expect(updated.seq).toBeGreaterThan(created.seq);
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    // a write that changes nothing keeps the stamp; an explicit change_seq is overridden
    await db.update(leads).set({ company: 'Seq Co' }).where(eq(leads.id, lead.id));
    expect((await seqOf()).seq).toBe(updated.seq);
    await db.update(leads).set({ changeSeq: 1, company: 'Seq Co 2' }).where(eq(leads.id, lead.id));
    expect((await seqOf()).seq).toBeGreaterThan(updated.seq);
    const timelineSeqs = await db.select({ seq: leadActivities.changeSeq }).from(leadActivities).where(eq(leadActivities.leadId, lead.id));
    expect(timelineSeqs.every((r) => r.seq > 0)).toBe(true);
    const [{ max } = { max: 0 }] = await db.execute<{ max: number }>(sql`select last_value::bigint::int as max from crm_change_seq`);
    expect(Number(max)).toBeGreaterThanOrEqual((await seqOf()).seq);
  });

  it('soft-deletes: the lead disappears from every view but stays in the database', async () => {
    const crm = t.callers.manager.crm;
    const lead = saved(await crm.leads.create({ name: 'Soon gone', email: 'gone@example.test' })).lead;
    await crm.leads.delete({ id: lead.id });
    expect(await outcome(crm.leads.byId({ id: lead.id }))).toBe('NOT_FOUND');
    expect(await outcome(crm.leads.delete({ id: lead.id }))).toBe('NOT_FOUND');
    expect((await crm.leads.list({ q: 'Soon gone' })).total).toBe(0);
    const [row] = await database.current.db.select().from(leads).where(eq(leads.id, lead.id));
    expect(row!.deletedAt).toBeInstanceOf(Date);
    // and it no longer counts as a duplicate
    expect((await crm.leads.create({ name: 'Back again', email: 'gone@example.test' })).status).toBe('saved');
  });
});

describe('accounts and contacts', () => {
  it('list with search, sort and pages; an account shows its contacts', async () => {
    const t = await crmTenant(database.current);
    const crm = t.callers.sales.crm;
    const umbrella = await crm.accounts.create({ name: 'Umbrella', domain: 'umbrella.test', industry: 'Pharma', phone: '+44 20 7946 0321' });
    expect(await fieldErrorsOf(crm.accounts.create({ name: 'Bad', phone: 'abc' }))).toHaveProperty('phone');
    await crm.accounts.create({ name: 'Aperture', taxId: '7701234567' });
    await crm.accounts.create({ name: 'Black Mesa' });
    expect((await crm.accounts.list({ q: 'umbrella.test' })).items.map((a) => a.name)).toEqual(['Umbrella']);
    expect((await crm.accounts.list({ q: '77012' })).items.map((a) => a.name)).toEqual(['Aperture']);
    const page1 = await crm.accounts.list({ limit: 2 });
    const page2 = await crm.accounts.list({ limit: 2, offset: 2 });
    expect({ total: page1.total, names: [...page1.items, ...page2.items].map((a) => a.name) }).toEqual({ total: 3, names: ['Aperture', 'Black Mesa', 'Umbrella'] });
    expect((await crm.accounts.list({ sort: 'name', direction: 'desc' })).items[0]!.name).toBe('Umbrella');
    expect(await outcome(crm.accounts.list({ sort: 'industry' as 'name' }))).toBe('BAD_REQUEST');

    saved(await crm.contacts.create({ firstName: 'Alice', lastName: 'Abernathy', email: 'alice@umbrella.test', phone: '+44 20 7946 0400', accountId: umbrella.id }));
    saved(await crm.contacts.create({ firstName: 'Albert', lastName: 'Wesker', email: 'wesker@umbrella.test', accountId: umbrella.id }));
    saved(await crm.contacts.create({ firstName: 'Gordon', lastName: 'Freeman', email: 'gordon@mesa.test' }));
    expect((await crm.contacts.list({ q: 'alice aber' })).items.map((c) => c.lastName)).toEqual(['Abernathy']);
    expect((await crm.contacts.list({ q: 'MESA.test' })).items.map((c) => c.lastName)).toEqual(['Freeman']);
    expect((await crm.contacts.list({ q: '7946 0400' })).items.map((c) => c.lastName)).toEqual(['Abernathy']);
    expect((await crm.contacts.list({ sort: 'name' })).items.map((c) => c.lastName)).toEqual(['Abernathy', 'Freeman', 'Wesker']);
    const detail = await crm.accounts.byId({ id: umbrella.id });
    expect(detail).toMatchObject({ name: 'Umbrella', phone: '+442079460321', owner: { id: t.users.sales.id } });
    expect(detail.contacts.map((c) => c.lastName)).toEqual(['Abernathy', 'Wesker']);
    expect((await crm.contacts.byId({ id: detail.contacts[0]!.id })).account).toEqual({ id: umbrella.id, name: 'Umbrella' });
    const renamed = await crm.accounts.update({ id: umbrella.id, name: 'Umbrella Corp', ownerId: t.users.manager.id });
    expect(renamed).toMatchObject({ name: 'Umbrella Corp', ownerId: t.users.manager.id });
    expect(await outcome(crm.accounts.update({ id: umbrella.id, ownerId: t.users.viewer.id }))).toBe('NOT_FOUND');
    await crm.accounts.delete({ id: umbrella.id });
    expect(await outcome(crm.accounts.byId({ id: umbrella.id }))).toBe('NOT_FOUND');
    expect(await outcome(crm.contacts.create({ firstName: 'Late', accountId: umbrella.id }))).toBe('NOT_FOUND');
  });

  it('a tenant with CRM data can still be deleted (everything cascades)', async () => {
    const t = await crmTenant(database.current);
    const lead = saved(await t.callers.sales.crm.leads.create({ name: 'Doomed', company: 'Doom Co' })).lead;
    await t.callers.sales.crm.activities.create({ leadId: lead.id, kind: 'note', title: 'Bye' });
    await t.callers.sales.crm.leads.convert({ id: lead.id });
    const { deleteTenant } = await import('../../server/services/admin/tenants');
    expect((await deleteTenant(database.current.db, t.tenant.id, t.tenant.slug)).ok).toBe(true);
    expect(await database.current.db.select().from(leads).where(eq(leads.organizationId, t.tenant.id))).toEqual([]);
    expect(await database.current.db.select().from(leadStages).where(eq(leadStages.organizationId, t.tenant.id))).toEqual([]);
  });
});

describe('lead search, filters, sort and pagination', () => {
  let t: CrmTenant;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await crmTenant(database.current);
    const manager = t.callers.manager.crm;
    const stages = await manager.stages.list();
    const rows = [
      { name: 'Alice Zephyr', email: 'alice@globex.test', phone: '+1 212 555 0101', company: 'Globex', source: 'website', amount: 500, assignedTo: t.users.sales.id },
      { name: 'Bruno Yates', email: 'bruno@initech.test', phone: '+1 212 555 0102', company: 'Initech', source: 'referral', amount: 1500, stageId: stages[1]!.id, assignedTo: t.users.sales.id },
      { name: 'Carla Xu', email: 'carla@umbrella.test', phone: '+44 20 7946 0103', company: 'Umbrella 100%', source: 'event', amount: 50, assignedTo: t.users.colleague.id },
      { name: 'Dmitri Walsh', email: 'dmitri@globex.test', company: 'Globex', source: 'cold_call', stageId: stages[1]!.id, assignedTo: null },
      { name: 'Eve Vance', email: 'eve@hooli.test', phone: '+1 212 555 0199', company: null, source: 'inbound_email', status: 'lost', assignedTo: t.users.manager.id },
      { name: 'Frank Underwood', email: 'frank@wh.test', company: 'White House', source: 'other', amount: 9000, assignedTo: t.users.sales.id },
      { name: 'Gina Torres', email: 'gina@serenity.test', company: 'Serenity', source: 'website', assignedTo: t.users.sales.id },
    ] as const;
    for (const row of rows) ids[row.name.split(' ')[0]!] = saved(await manager.leads.create(row)).lead.id;
  });

  const names = (items: { name: string }[]) => items.map((i) => i.name.split(' ')[0]);

  it('searches name, e-mail, company and phone', async () => {
    const crm = t.callers.manager.crm;
    expect(names((await crm.leads.list({ q: 'zephyr' })).items)).toEqual(['Alice']);
    expect(names((await crm.leads.list({ q: 'INITECH.test' })).items)).toEqual(['Bruno']);
    expect(names((await crm.leads.list({ q: 'globex', sort: 'name', direction: 'asc' })).items)).toEqual(['Alice', 'Dmitri']);
    expect(names((await crm.leads.list({ q: '555 0199' })).items)).toEqual(['Eve']);
    expect(names((await crm.leads.list({ q: '212-555-0101' })).items)).toEqual(['Alice']);
    expect(names((await crm.leads.list({ q: '+44 20 7946 0103' })).items)).toEqual(['Carla']);
    expect(names((await crm.leads.list({ q: '(212) 555-01', sort: 'name', direction: 'asc' })).items)).toEqual(['Alice', 'Bruno', 'Eve']);
    expect(names((await crm.leads.list({ q: '100%' })).items)).toEqual(['Carla']);
    expect((await crm.leads.list({ q: '%' })).total).toBe(1);
    expect((await crm.leads.list({ q: 'nobody-here' })).total).toBe(0);
  });

  it('filters by stage, status, assignee, source and creation range', async () => {
    const crm = t.callers.manager.crm;
    const stages = await crm.stages.list();
    const sorted = { sort: 'name', direction: 'asc' } as const;
    expect(names((await crm.leads.list({ stageIds: [stages[1]!.id], ...sorted })).items)).toEqual(['Bruno', 'Dmitri']);
    expect(names((await crm.leads.list({ statuses: ['lost'], ...sorted })).items)).toEqual(['Eve']);
    expect(names((await crm.leads.list({ sources: ['website', 'event'], ...sorted })).items)).toEqual(['Alice', 'Carla', 'Gina']);
    expect(names((await crm.leads.list({ assignees: ['unassigned'], ...sorted })).items)).toEqual(['Dmitri']);
    expect(names((await crm.leads.list({ assignees: ['me', t.users.colleague.id], ...sorted })).items)).toEqual(['Carla', 'Eve']);
    expect((await crm.leads.list({ assignees: [t.users.sales.id] })).total).toBe(4);
    expect((await crm.leads.list({ createdFrom: new Date(Date.now() + 60_000) })).total).toBe(0);
    expect((await crm.leads.list({ createdTo: new Date(Date.now() + 60_000), createdFrom: new Date(Date.now() - 600_000) })).total).toBe(7);
    expect(names((await crm.leads.list({ q: 'globex', stageIds: [stages[0]!.id] })).items)).toEqual(['Alice']);
    const pipeline = await crm.leads.pipeline({});
    expect(pipeline.slice(0, 2).map((s) => [s.name, s.count, s.total])).toEqual([
      ['New', 5, 500 + 50 + 9000],
      ['Contacted', 2, 1500],
    ]);
  });

  it('sorts only by allow-listed keys', async () => {
    const crm = t.callers.manager.crm;
    expect(names((await crm.leads.list({ sort: 'name', direction: 'desc' })).items)).toEqual(['Gina', 'Frank', 'Eve', 'Dmitri', 'Carla', 'Bruno', 'Alice']);
    expect(names((await crm.leads.list({ sort: 'amount', direction: 'desc', limit: 3 })).items)).toEqual(['Frank', 'Bruno', 'Alice']);
    const byCompany = names((await crm.leads.list({ sort: 'company', direction: 'asc', limit: 4 })).items);
    expect([byCompany[0], [byCompany[1], byCompany[2]].sort(), byCompany[3]]).toEqual(['Eve', ['Alice', 'Dmitri'], 'Bruno']);
    expect(names((await crm.leads.list({ sort: 'createdAt', direction: 'asc', limit: 1 })).items)).toEqual(['Alice']);
    for (const sort of ['email', 'organization_id', 'name; drop table leads']) {
      expect(await outcome(crm.leads.list({ sort: sort as 'name' }))).toBe('BAD_REQUEST');
    }
  });

  it('pages with a keyset cursor in every sort order, with the total on the first page', async () => {
    const crm = t.callers.manager.crm;
    for (const order of [
      { sort: 'createdAt', direction: 'desc' },
      { sort: 'name', direction: 'asc' },
      { sort: 'amount', direction: 'desc' },
      { sort: 'company', direction: 'asc' },
    ] as const) {
      const all = (await crm.leads.list({ ...order, limit: 200 })).items.map((i) => i.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await crm.leads.list({ ...order, limit: 3, cursor });
        if (pages === 0) expect(page.total).toBe(7);
        else expect(page.total).toBeNull();
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(all);
    }
    // a cursor from another tenant (or nowhere) gives an empty page, not someone else's data
    expect((await crm.leads.list({ cursor: crypto.randomUUID() })).items).toEqual([]);
  });
});
