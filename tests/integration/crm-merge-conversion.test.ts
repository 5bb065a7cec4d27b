import { and, count, eq, inArray, or } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, auditLog, contacts, leadActivities, leads } from '../../db/schema';
import { crmTenant, outcome, saved, type CrmTenant } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

describe('merge', () => {
  let t: CrmTenant;
  beforeAll(async () => {
    t = await crmTenant(database.current);
    await t.callers.admin.crm.customFields.create({ entity: 'lead', key: 'budget', label: 'Budget', type: 'number' });
    await t.callers.admin.crm.customFields.create({ entity: 'lead', key: 'segment', label: 'Segment', type: 'select', options: ['smb', 'enterprise'] });
  });

  it('merges two leads without losing anything: per-field winners, activities, custom values and history move to the survivor', async () => {
    const { db } = database.current;
    const manager = t.callers.manager.crm;
    const survivor = saved(
      await manager.leads.create({ name: 'Acme buyer', email: 'buyer@acme.test', company: 'Acme', custom: { budget: 100 }, assignedTo: t.users.sales.id }),
    ).lead;
    const merged = saved(
      await manager.leads.create({
        name: 'Acme Buyer (dup)',
        phone: '+1 415 555 0123',
        company: 'ACME Corp',
        position: 'Head of Procurement',
        source: 'event',
        custom: { budget: 200, segment: 'enterprise' },
        assignedTo: t.users.colleague.id,
      }),
    ).lead;
    await t.callers.sales.crm.activities.create({ leadId: survivor.id, kind: 'call', title: 'Call with survivor' });
    await t.callers.sales.crm.activities.create({ leadId: survivor.id, kind: 'note', title: 'Note on survivor' });
    await t.callers.colleague.crm.activities.create({ leadId: merged.id, kind: 'email', title: 'E-mail to duplicate' });
    await t.callers.colleague.crm.leads.update({ id: merged.id, status: 'contacted' });

    const activitiesOf = (id: string) => db.select().from(leadActivities).where(eq(leadActivities.leadId, id));
    const before = {
      survivor: (await db.select().from(leads).where(eq(leads.id, survivor.id)))[0]!,
      merged: (await db.select().from(leads).where(eq(leads.id, merged.id)))[0]!,
      activityIds: [...(await activitiesOf(survivor.id)), ...(await activitiesOf(merged.id))].map((a) => a.id).sort(),
    };

    const result = await manager.leads.merge({
      survivorId: survivor.id,
      mergedId: merged.id,
      fields: { company: 'merged', status: 'merged' },
      custom: { budget: 'merged' },
    });

    // the survivor: its own values where picked or filled, the merged record's where chosen or where it had none
    expect(result.lead).toMatchObject({
      id: survivor.id,
      name: 'Acme buyer',
      email: 'buyer@acme.test',
      phone: '+14155550123',
      company: 'ACME Corp',
      position: 'Head of Procurement',
      source: 'other',
      status: 'contacted',
      assignedTo: t.users.sales.id,
      custom: { budget: 200, segment: 'enterprise' },
    });
    // every activity of both is now on the survivor's timeline, plus the merge entry
    const after = await activitiesOf(survivor.id);
    expect(after.map((a) => a.id).filter((id) => before.activityIds.includes(id)).sort()).toEqual(before.activityIds);
    expect(await activitiesOf(merged.id)).toEqual([]);
    const mergeEntry = after.find((a) => a.details.event === 'merged')!;
    expect(mergeEntry.details).toMatchObject({ mergedId: merged.id, notTaken: { name: 'Acme Buyer (dup)', source: 'event', assignedTo: t.users.colleague.id } });
    // the merged record: soft-deleted, pointing at the survivor, every original value still in its row
    const [mergedRow] = await db.select().from(leads).where(eq(leads.id, merged.id));
    const { deletedAt, mergedIntoId, updatedAt: _u, changeSeq: _c, ...mergedValues } = mergedRow!;
    const { deletedAt: _d, mergedIntoId: _m, updatedAt: _u2, changeSeq: _c2, ...originalValues } = before.merged;
    expect(mergedValues).toEqual(originalValues);
    expect(deletedAt).toBeInstanceOf(Date);
    expect(mergedIntoId).toBe(survivor.id);
    // what the survivor gave up is in the audit summary
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'crm.lead.merge'), eq(auditLog.targetId, survivor.id)));
    expect(audit!.details).toMatchObject({ mergedId: merged.id, before: { company: 'Acme', 'custom.budget': 100 }, after: { company: 'ACME Corp', 'custom.budget': 200 } });
    // the survivor's history includes the merged lead's audit trail
    const history = await manager.leads.history({ id: survivor.id });
    const trail = history.map((h) => [h.action, h.targetId]);
    expect(trail).toContainEqual(['crm.lead.create', merged.id]);
    expect(trail).toContainEqual(['crm.lead.update', merged.id]);
    expect(trail).toContainEqual(['crm.lead.create', survivor.id]);
    expect(trail[0]).toEqual(['crm.lead.merge', survivor.id]);

    // the merged lead is gone from every view; merging again or into itself is refused
    expect(await outcome(manager.leads.byId({ id: merged.id }))).toBe('NOT_FOUND');
    expect(await outcome(manager.leads.merge({ survivorId: survivor.id, mergedId: merged.id }))).toBe('NOT_FOUND');
    expect(await outcome(manager.leads.merge({ survivorId: survivor.id, mergedId: survivor.id }))).toBe('BAD_REQUEST');
    expect(await outcome(manager.leads.merge({ survivorId: survivor.id, mergedId: merged.id, fields: { createdBy: 'merged' } as never }))).toBe('BAD_REQUEST');
  });

  it('follows earlier merges: a lead merged into a lead that is merged later points at the final survivor', async () => {
    const manager = t.callers.manager.crm;
    const [a, b, c] = await Promise.all(['Chain A', 'Chain B', 'Chain C'].map(async (name) => saved(await manager.leads.create({ name })).lead));
    await manager.leads.merge({ survivorId: b!.id, mergedId: c!.id });
    await manager.leads.merge({ survivorId: a!.id, mergedId: b!.id });
    const rows = await database.current.db.select({ id: leads.id, mergedIntoId: leads.mergedIntoId }).from(leads).where(inArray(leads.id, [b!.id, c!.id]));
    expect(rows.every((r) => r.mergedIntoId === a!.id)).toBe(true);
    const history = await manager.leads.history({ id: a!.id });
    expect(history.map((h) => h.targetId)).toEqual(expect.arrayContaining([a!.id, b!.id, c!.id]));
  });

  it('refuses to merge converted leads', async () => {
    const manager = t.callers.manager.crm;
    const a = saved(await manager.leads.create({ name: 'Converted one', company: 'Conv Co' })).lead;
    const b = saved(await manager.leads.create({ name: 'Open one' })).lead;
    await manager.leads.convert({ id: a.id });
    expect(await outcome(manager.leads.merge({ survivorId: b.id, mergedId: a.id }))).toBe('CONFLICT');
  });

  it('merges contacts: the e-mail can move to the survivor, activities and conversion pointers follow', async () => {
    const { db } = database.current;
    const crm = t.callers.manager.crm;
    const account = await crm.accounts.create({ name: 'Contact Merge Co' });
    const survivor = saved(await crm.contacts.create({ firstName: 'Dana', lastName: 'Scully', phone: '+1 202 555 0147' })).contact;
    const merged = saved(await crm.contacts.create({ firstName: 'D.', lastName: 'Scully', email: 'dana@fbi.test', accountId: account.id })).contact;
    await crm.activities.create({ contactId: merged.id, kind: 'call', title: 'Called the duplicate' });
    const lead = saved(await crm.leads.create({ name: 'Dana lead', email: 'DANA@fbi.test' })).lead;
    const converted = await crm.leads.convert({ id: lead.id });
    expect(converted.contact).toMatchObject({ id: merged.id, created: false });

    const result = await crm.contacts.merge({ survivorId: survivor.id, mergedId: merged.id });
    expect(result.contact).toMatchObject({ firstName: 'Dana', email: 'dana@fbi.test', phone: '+12025550147', accountId: account.id });
    const timeline = await crm.activities.list({ contactId: survivor.id });
    expect(timeline.items.map((i) => i.title)).toEqual(expect.arrayContaining(['Called the duplicate', 'Merged contact "D. Scully" into this one']));
    const [leadRow] = await db.select().from(leads).where(eq(leads.id, lead.id));
    expect(leadRow!.convertedToContactId).toBe(survivor.id);
    const [mergedRow] = await db.select().from(contacts).where(eq(contacts.id, merged.id));
    expect(mergedRow).toMatchObject({ email: 'dana@fbi.test', mergedIntoId: survivor.id });
    expect(mergedRow!.deletedAt).toBeInstanceOf(Date);
    expect(await outcome(t.callers.sales.crm.contacts.merge({ survivorId: survivor.id, mergedId: merged.id }))).toBe('FORBIDDEN');
  });

  it('merges accounts: contacts, activities and converted leads move to the survivor', async () => {
    const { db } = database.current;
    const crm = t.callers.manager.crm;
    const survivor = await crm.accounts.create({ name: 'Globex', domain: 'https://www.Globex.test/about' });
    const merged = await crm.accounts.create({ name: 'Globex Corporation', industry: 'Energy', taxId: '7707083893' });
    expect(survivor.domain).toBe('globex.test');
    const contact = saved(await crm.contacts.create({ firstName: 'Hank', lastName: 'Scorpio', accountId: merged.id })).contact;
    await crm.activities.create({ accountId: merged.id, kind: 'meeting', title: 'Volcano tour' });
    const lead = saved(await crm.leads.create({ name: 'Globex lead', taxId: '7707083893' })).lead;
    expect((await crm.leads.convert({ id: lead.id })).account).toMatchObject({ id: merged.id, created: false });

    const result = await crm.accounts.merge({ survivorId: survivor.id, mergedId: merged.id, fields: { name: 'merged' } });
    expect(result.account).toMatchObject({ name: 'Globex Corporation', domain: 'globex.test', industry: 'Energy', taxId: '7707083893' });
    expect(result.movedContacts).toBe(2); // Hank, and the contact the conversion created
    const detail = await crm.accounts.byId({ id: survivor.id });
    expect(detail.contacts.map((c) => c.id)).toContain(contact.id);
    expect(detail.leads.map((l) => l.id)).toEqual([lead.id]);
    const timeline = await crm.activities.list({ accountId: survivor.id });
    expect(timeline.items.map((i) => i.title)).toEqual(expect.arrayContaining(['Volcano tour']));
    const [mergedRow] = await db.select().from(accounts).where(eq(accounts.id, merged.id));
    expect(mergedRow!.mergedIntoId).toBe(survivor.id);
    expect(await outcome(crm.accounts.byId({ id: merged.id }))).toBe('NOT_FOUND');
  });
});

describe('lead conversion', () => {
  let t: CrmTenant;
  beforeAll(async () => {
    t = await crmTenant(database.current);
  });

  async function counts() {
    const { db } = database.current;
    const org = t.tenant.id;
    const [a] = await db.select({ n: count() }).from(accounts).where(eq(accounts.organizationId, org));
    const [c] = await db.select({ n: count() }).from(contacts).where(eq(contacts.organizationId, org));
    const [x] = await db.select({ n: count() }).from(leadActivities).where(eq(leadActivities.organizationId, org));
    return { accounts: a!.n, contacts: c!.n, activities: x!.n };
  }

  it('creates the account and primary contact from the lead, writes the timeline and audit, and marks the lead converted', async () => {
    const sales = t.callers.sales.crm;
    const lead = saved(
      await sales.leads.create({ name: 'Peter Gibbons', email: 'peter@initech.test', phone: '+1 512 555 0134', company: 'Initech', position: 'Engineer', source: 'referral', taxId: 'IT-1' }),
    ).lead;
    const result = await sales.leads.convert({ id: lead.id });
    expect(result.account).toMatchObject({ name: 'Initech', created: true });
    expect(result.contact).toMatchObject({ name: 'Peter Gibbons', email: 'peter@initech.test', created: true });
    expect(result.lead).toMatchObject({
      status: 'converted',
      convertedToAccountId: result.account.id,
      convertedToContactId: result.contact.id,
      stage: { name: 'Won' },
    });
    expect(result.lead.convertedAt).toBeInstanceOf(Date);

    const account = await sales.accounts.byId({ id: result.account.id });
    expect(account).toMatchObject({ phone: '+15125550134', taxId: 'IT-1', ownerId: t.users.sales.id });
    expect(account.notes).toMatch(/source: referral/);
    expect(account.contacts).toEqual([expect.objectContaining({ id: result.contact.id, firstName: 'Peter', lastName: 'Gibbons', isPrimary: true, position: 'Engineer' })]);
    expect(account.leads.map((l) => l.id)).toEqual([lead.id]);
    const timeline = await sales.activities.list({ leadId: lead.id });
    expect(timeline.items[0]).toMatchObject({ kind: 'system', title: 'Converted to customer Initech', accountId: result.account.id, contactId: result.contact.id });
    expect((await sales.activities.list({ accountId: result.account.id })).items[0]!.title).toBe('Converted to customer Initech');
    const [audit] = await database.current.db.select().from(auditLog).where(and(eq(auditLog.action, 'crm.lead.convert'), eq(auditLog.targetId, lead.id)));
    expect(audit!.details).toMatchObject({ account: { id: result.account.id, created: true }, contact: { id: result.contact.id, created: true } });

    // twice → refused, nothing new written
    const before = await counts();
    expect(await outcome(sales.leads.convert({ id: lead.id }))).toBe('CONFLICT');
    expect(await counts()).toEqual(before);
    expect(await outcome(sales.leads.update({ id: lead.id, status: 'new' }))).toBe('CONFLICT');
  });

  it('links to an existing account (by name or tax id) and contact (by e-mail) instead of duplicating them', async () => {
    const sales = t.callers.sales.crm;
    const lead = saved(await sales.leads.create({ name: 'Michael Bolton', email: 'michael@initech.test', company: 'INITECH' })).lead;
    const result = await sales.leads.convert({ id: lead.id });
    const [initech] = (await sales.accounts.list({ q: 'Initech' })).items;
    expect(result.account).toEqual({ id: initech!.id, name: 'Initech', created: false });
    const account = await sales.accounts.byId({ id: initech!.id });
    expect(account.contacts.map((c) => [c.firstName, c.isPrimary])).toEqual([
      ['Peter', true],
      ['Michael', false],
    ]);

    const existing = saved(await sales.contacts.create({ firstName: 'Samir', email: 'samir@initech.test' })).contact;
    const samir = saved(await sales.leads.create({ name: 'Samir N.', email: 'Samir@initech.test', company: 'Other name' })).lead;
    const explicit = await sales.leads.convert({ id: samir.id, accountId: initech!.id });
    expect(explicit.account.id).toBe(initech!.id);
    expect(explicit.contact).toMatchObject({ id: existing.id, created: false });
    expect((await sales.contacts.byId({ id: existing.id })).accountId).toBe(initech!.id);
  });

  it('is atomic: a failure mid-transaction leaves nothing half-written', async () => {
    const { sql } = database.current;
    const sales = t.callers.sales.crm;
    const lead = saved(await sales.leads.create({ name: 'Milton Waddams', email: 'milton@basement.test', company: 'Basement LLC' })).lead;
    // the last step (marking the lead converted) fails, after account, contact and timeline entry were written
    await sql.unsafe(`
      create function fail_conversion() returns trigger language plpgsql as $$
      begin raise exception 'forced failure'; end $$;
      create trigger fail_conversion before update on leads for each row
        when (new.status = 'converted') execute function fail_conversion();`);
    const before = await counts();
    try {
      expect(await outcome(sales.leads.convert({ id: lead.id }))).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await sql.unsafe('drop trigger fail_conversion on leads; drop function fail_conversion();');
    }
    expect(await counts()).toEqual(before);
    const { db } = database.current;
    expect(await db.select().from(accounts).where(eq(accounts.name, 'Basement LLC'))).toEqual([]);
    expect(await db.select().from(contacts).where(or(eq(contacts.email, 'milton@basement.test')))).toEqual([]);
    expect(await sales.leads.byId({ id: lead.id })).toMatchObject({ status: 'new', convertedAt: null, convertedToAccountId: null });
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'crm.leads.convert'), eq(auditLog.actorUserId, t.users.sales.id)));
    expect(audit).toMatchObject({ outcome: 'failure' });

    // and the same conversion succeeds once the fault is gone
    expect((await sales.leads.convert({ id: lead.id })).account).toMatchObject({ name: 'Basement LLC', created: true });
  });

  it('two conversions at once: one wins, the other is refused', async () => {
    const lead = saved(await t.callers.manager.crm.leads.create({ name: 'Race Lead', company: 'Race Co' })).lead;
    const results = await Promise.allSettled([t.callers.manager.crm.leads.convert({ id: lead.id }), t.callers.owner.crm.leads.convert({ id: lead.id })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.code).toBe('CONFLICT');
    expect((await t.callers.manager.crm.accounts.list({ q: 'Race Co' })).total).toBe(1);
  });
});
