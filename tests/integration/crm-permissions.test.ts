import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, leads } from '../../db/schema';
import { crmTenant, outcome, saved, type CrmTenant } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

describe('CRM permissions', () => {
  let t: CrmTenant;
  let colleagueLeadId: string;
  let ownLeadId: string;
  let colleagueActivityId: string;

  beforeAll(async () => {
    t = await crmTenant(database.current);
    const colleagueLead = saved(
      await t.callers.colleague.crm.leads.create({ name: 'Colleague lead', email: 'colleague-lead@example.test', phone: '+1 415 555 0100', company: 'Hooli' }),
    ).lead;
    colleagueLeadId = colleagueLead.id;
    ownLeadId = saved(await t.callers.sales.crm.leads.create({ name: 'Own lead', company: 'Pied Piper' })).lead.id;
    colleagueActivityId = (await t.callers.colleague.crm.activities.create({ leadId: colleagueLeadId, kind: 'call', title: 'Colleague call' })).id;
  });

  it('viewers read nothing of the CRM', async () => {
    const viewer = t.callers.viewer.crm;
    const calls: Promise<unknown>[] = [
      viewer.leads.list({}),
      viewer.leads.byId({ id: ownLeadId }),
      viewer.leads.pipeline({}),
      viewer.leads.export({}),
      viewer.leads.history({ id: ownLeadId }),
      viewer.accounts.list({}),
      viewer.contacts.list({}),
      viewer.stages.list(),
      viewer.customFields.list(),
      viewer.activities.list({ leadId: ownLeadId }),
      viewer.leads.create({ name: 'Nope' }),
    ];
    for (const call of calls) expect(await outcome(call)).toBe('FORBIDDEN');
  });

  it("a sales user sees only their own leads: a colleague's lead is NOT_FOUND on every path", async () => {
    const sales = t.callers.sales.crm;

    // list and search
    const list = await sales.leads.list({});
    expect(list.items.map((l) => l.id)).toEqual([ownLeadId]);
    expect(list.total).toBe(1);
    expect((await sales.leads.list({ q: 'Colleague' })).total).toBe(0);
    expect((await sales.leads.list({ q: 'Hooli' })).total).toBe(0);
    expect((await sales.leads.list({ q: '415 555 0100' })).total).toBe(0);
    expect((await sales.leads.list({ assignees: [t.users.colleague.id] })).total).toBe(0);
    const pipeline = await sales.leads.pipeline({});
    expect(pipeline.reduce((n, s) => n + s.count, 0)).toBe(1);

    // every id path answers as for a missing lead
    expect(await outcome(sales.leads.byId({ id: colleagueLeadId }))).toBe('NOT_FOUND');
    expect(await outcome(sales.leads.history({ id: colleagueLeadId }))).toBe('NOT_FOUND');
    expect(await outcome(sales.leads.update({ id: colleagueLeadId, name: 'Stolen' }))).toBe('NOT_FOUND');
    expect(await outcome(sales.leads.update({ id: colleagueLeadId, stageId: pipeline[1]!.id }))).toBe('NOT_FOUND');
    expect(await outcome(sales.leads.delete({ id: colleagueLeadId }))).toBe('NOT_FOUND');
    expect(await outcome(sales.leads.convert({ id: colleagueLeadId }))).toBe('NOT_FOUND');
    expect(await outcome(sales.activities.create({ leadId: colleagueLeadId, kind: 'note', title: 'Peek' }))).toBe('NOT_FOUND');
    expect(await outcome(sales.activities.list({ leadId: colleagueLeadId }))).toBe('NOT_FOUND');
    expect(await outcome(sales.activities.update({ id: colleagueActivityId, title: 'Edited' }))).toBe('NOT_FOUND');
    expect(await outcome(sales.activities.delete({ id: colleagueActivityId }))).toBe('NOT_FOUND');

    // export of "the current view" holds only their own lead
    const csv = (await sales.leads.export({})).csv;
    expect(csv).toContain('Own lead');
    expect(csv).not.toContain('Colleague lead');
    expect(csv).not.toContain('colleague-lead@example.test');

    // manager-only paths are refused outright
    expect(await outcome(sales.leads.assign({ id: ownLeadId, assignedTo: t.users.colleague.id }))).toBe('FORBIDDEN');
    expect(await outcome(sales.leads.bulkAssign({ ids: [colleagueLeadId], assignedTo: t.users.sales.id }))).toBe('FORBIDDEN');
    expect(await outcome(sales.leads.bulkSetStage({ ids: [colleagueLeadId], stageId: pipeline[1]!.id }))).toBe('FORBIDDEN');
    expect(await outcome(sales.leads.merge({ survivorId: ownLeadId, mergedId: colleagueLeadId }))).toBe('FORBIDDEN');
    expect(await outcome(sales.import.run({ csv: 'name\nx', mapping: ['name'], dryRun: true }))).toBe('FORBIDDEN');
    expect(await outcome(sales.leads.create({ name: 'For a colleague', assignedTo: t.users.colleague.id }))).toBe('FORBIDDEN');

    // nothing of the colleague's lead changed
    const [row] = await database.current.db.select().from(leads).where(eq(leads.id, colleagueLeadId));
    expect(row).toMatchObject({ name: 'Colleague lead', deletedAt: null, status: 'new', assignedTo: t.users.colleague.id });
    const timeline = await t.callers.colleague.crm.activities.list({ leadId: colleagueLeadId });
    expect(timeline.items.map((a) => a.title)).toEqual(['Colleague call', 'Lead created']);
  });

  it("a duplicate of a colleague's lead is flagged without revealing it", async () => {
    const result = await t.callers.sales.crm.leads.create({ name: 'Same person', email: 'COLLEAGUE-LEAD@example.test' });
    expect(result).toEqual({
      status: 'duplicate',
      matches: [{ id: null, visible: false, name: null, email: null, phone: null, matchedOn: ['email'] }],
    });
    const forManager = await t.callers.manager.crm.leads.create({ name: 'Same person', phone: '(415) 555-0100' });
    expect(forManager).toMatchObject({ status: 'duplicate', matches: [{ id: colleagueLeadId, visible: true, matchedOn: ['phone'] }] });
  });

  it("sales users work their own leads: create (assigned to themselves), update, move, log activities, convert", async () => {
    const sales = t.callers.sales.crm;
    const lead = saved(await sales.leads.create({ name: 'Mine too', phone: '415-555-0177' })).lead;
    expect(lead.assignedTo).toBe(t.users.sales.id);
    const stages = await sales.stages.list();
    expect(saved(await sales.leads.update({ id: lead.id, stageId: stages[2]!.id })).lead.stage?.name).toBe('Qualified');
    await sales.activities.create({ leadId: lead.id, kind: 'call', title: 'Discovery call' });
    const converted = await sales.leads.convert({ id: lead.id });
    expect(converted.lead.status).toBe('converted');
    await sales.leads.delete({ id: ownLeadId });
    expect(await outcome(sales.leads.byId({ id: ownLeadId }))).toBe('NOT_FOUND');
  });

  it('managers, admins and owners see and change every lead of the tenant', async () => {
    for (const role of ['manager', 'admin', 'owner'] as const) {
      const crm = t.callers[role].crm;
      expect((await crm.leads.byId({ id: colleagueLeadId })).name).toBe('Colleague lead');
      const ids = (await crm.leads.list({ limit: 200 })).items.map((l) => l.id);
      expect(ids).toContain(colleagueLeadId);
      expect((await crm.leads.export({})).csv).toContain('Colleague lead');
    }
    const updated = saved(await t.callers.manager.crm.leads.update({ id: colleagueLeadId, position: 'CTO' })).lead;
    expect(updated.position).toBe('CTO');
  });

  it('bulk assign and bulk stage change are for managers, with a timeline entry per lead and an audit row', async () => {
    const manager = t.callers.manager.crm;
    const a = saved(await manager.leads.create({ name: 'Bulk A', assignedTo: null })).lead;
    const b = saved(await manager.leads.create({ name: 'Bulk B', assignedTo: t.users.colleague.id })).lead;
    expect(a.assignedTo).toBeNull();

    const assigned = await manager.leads.bulkAssign({ ids: [a.id, b.id], assignedTo: t.users.sales.id });
    expect(assigned.changed.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    const salesView = (await t.callers.sales.crm.leads.list({ q: 'Bulk' })).items.map((l) => l.name).sort();
    expect(salesView).toEqual(['Bulk A', 'Bulk B']);
    expect(await outcome(t.callers.colleague.crm.leads.byId({ id: b.id }))).toBe('NOT_FOUND');

    const stages = await manager.stages.list();
    const moved = await manager.leads.bulkSetStage({ ids: [a.id, b.id], stageId: stages[1]!.id });
    expect(moved.changed).toHaveLength(2);
    const timeline = await manager.activities.list({ leadId: b.id });
    expect(timeline.items.map((i) => i.title)).toEqual(['Moved from New to Contacted', 'Assigned', 'Lead created']);

    const audit = await database.current.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.organizationId, t.tenant.id), eq(auditLog.action, 'crm.lead.bulk_assign')));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ count: 2, after: { assignedTo: t.users.sales.id } });

    // only CRM members can receive leads; a viewer or a stranger is "not found"
    expect(await outcome(manager.leads.assign({ id: a.id, assignedTo: t.users.viewer.id }))).toBe('NOT_FOUND');
    // one id the manager cannot see refuses the whole batch
    expect(await outcome(manager.leads.bulkSetStage({ ids: [a.id, crypto.randomUUID()], stageId: stages[0]!.id }))).toBe('NOT_FOUND');
    expect((await manager.leads.byId({ id: a.id })).stage?.name).toBe('Contacted');
  });

  it('stages and custom fields are managed by owners and admins only', async () => {
    for (const role of ['manager', 'sales'] as const) {
      expect(await outcome(t.callers[role].crm.stages.create({ name: `By ${role}` }))).toBe('FORBIDDEN');
      expect(await outcome(t.callers[role].crm.customFields.create({ entity: 'lead', key: 'k', label: 'K', type: 'text' }))).toBe('FORBIDDEN');
    }
    expect((await t.callers.admin.crm.stages.create({ name: 'Negotiation', color: '#ff8800' })).position).toBe(5);
    expect((await t.callers.owner.crm.customFields.create({ entity: 'lead', key: 'k', label: 'K', type: 'text' })).key).toBe('k');
  });
});
