import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, memberships } from '../../db/schema';
import { kommoLinks } from '../../db/schema/kommo';
import type { RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import type { AppServices } from '../../server/app-services';
import { contactChannels } from '../../server/providers/kommo/schemas';
import { serializeContact } from '../../server/sandbox/kommo/serialize';
import { issueBulkExceptionAction, ManualActionRefused } from '../../server/services/kommo/manual-action';
import { outcome, saved } from '../support/crm';
import { useTestDatabase } from '../support/database';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { KOMMO_LONG_LIVED, kommoServices, startKommoSandbox } from '../support/kommo';

/**
 * The exception process (decision 007): a named list, a reason, an exact dry run, two
 * approvals by two different people (tenant owner + platform super_admin), execution by
 * a person at the shared pace with every lead recorded, and an approved rollback.
 */

const database = useTestDatabase();
let sb: RunningSandbox<KommoStore>;
let services: AppServices;
let tenant: { id: string; slug: string };
type Caller = Awaited<ReturnType<typeof callerAs>>['caller'];
let owner: Caller;
let admin: Caller;
let superAdmin: Caller;
let ownerUser: Awaited<ReturnType<typeof makeUser>>;
const leads: Record<'existing' | 'bare' | 'newPhone' | 'newEmail' | 'linked', string> = {} as never;

function kommoPerson(index: number) {
  const lead = sb.store.leadsById[index]!;
  const contact = sb.store.contacts.get(lead.contactIds[0]!)!;
  const { phones } = contactChannels(serializeContact(contact, sb.url, false).custom_fields_values as never);
  return { lead, contact, phone: phones[0]! };
}

async function newLead(fields: { name: string; phone?: string; email?: string }) {
  return saved(await admin.crm.leads.create({ ...fields, saveAnyway: { reason: 'test data' } })).lead.id;
}

beforeAll(async () => {
  sb = await startKommoSandbox(300);
  services = kommoServices(database.current, sb.url);
  tenant = await makeTenant(database.current);
  ownerUser = await makeUser(database.current, 'owner', tenant.id);
  owner = (await callerAs(database.current, ownerUser, services)).caller;
  admin = (await callerAs(database.current, await makeUser(database.current, 'admin', tenant.id), services)).caller;
  superAdmin = (await callerAs(database.current, await makeUser(database.current, 'super_admin'), services)).caller;
  await owner.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
  leads.existing = await newLead({ name: 'Known Person', phone: kommoPerson(15).phone });
  leads.bare = await newLead({ name: 'No Channel' });
  leads.newPhone = await newLead({ name: 'Bulk New One', phone: '+14155551201' });
  leads.newEmail = await newLead({ name: 'Bulk New Two', email: 'bulk.two@example.test' });
  leads.linked = await newLead({ name: 'Linked Already', phone: kommoPerson(25).phone });
  await admin.kommo.linkLead({ profileType: 'lead', profileId: leads.linked, kommoLeadId: kommoPerson(25).lead.id });
});
afterAll(async () => {
  await sb?.close();
});

describe('a bulk exception', () => {
  let exceptionId: string;

  it('is requested with a name, a reason and a list; its dry run says exactly what would happen', async () => {
    const before = sb.store.leadsById.length;
    const order = [leads.existing, leads.bare, leads.newPhone, leads.newEmail, leads.linked];
    const requested = await admin.kommo.bulk.request({ name: 'Trade fair 2026', reason: 'Leads from the trade fair booth, agreed with the customer', leadIds: order });
    exceptionId = requested.id;
    expect(requested.status).toBe('awaiting_approval');
    expect(requested.dryRun.map((i) => [i.leadId, i.action])).toEqual([
      [leads.existing, 'link'],
      [leads.bare, 'skip'],
      [leads.newPhone, 'create'],
      [leads.newEmail, 'create'],
      [leads.linked, 'skip'],
    ]);
    expect(requested.dryRun[0]!.kommoLeadId).toBeGreaterThan(0);
    expect(requested.plan).toEqual({ create: 2, link: 1, skip: 2, close: 0 });
    expect(sb.store.leadsById.length).toBe(before);
    expect(await outcome(admin.kommo.bulk.request({ name: 'Too big', reason: 'far too many leads at once', leadIds: Array.from({ length: 301 }, () => crypto.randomUUID()) }))).toBe('BAD_REQUEST');
  });

  it('does not run without both approvals, and the two must be different people', async () => {
    expect(await outcome(owner.kommo.bulk.execute({ id: exceptionId }))).toBe('CONFLICT');
    expect(await outcome(admin.kommo.bulk.approve({ id: exceptionId }))).toBe('FORBIDDEN');
    await expect(issueBulkExceptionAction(database.current.db, { exceptionId, organizationId: tenant.id, leadId: leads.newPhone, userId: ownerUser.id, userEmail: ownerUser.email })).rejects.toBeInstanceOf(ManualActionRefused);

    const afterOwner = await owner.kommo.bulk.approve({ id: exceptionId });
    expect(afterOwner).toMatchObject({ status: 'awaiting_approval', ownerApproved: true, superAdminApproved: false });
    expect(await outcome(owner.kommo.bulk.execute({ id: exceptionId }))).toBe('CONFLICT');

    // a super_admin who is also the owner cannot give the second approval
    const both = await makeUser(database.current, 'super_admin');
    await database.current.db.insert(memberships).values({ userId: both.id, organizationId: tenant.id, role: 'owner' });
    const second = await admin.kommo.bulk.request({ name: 'Second list', reason: 'another list that needs two people', leadIds: [leads.newPhone] });
    const bothAsTenant = (await callerAs(database.current, { id: both.id, organizationId: tenant.id }, services)).caller;
    const bothAsPlatform = (await callerAs(database.current, { id: both.id, organizationId: null }, services)).caller;
    await bothAsTenant.kommo.bulk.approve({ id: second.id });
    expect(await outcome(bothAsPlatform.kommoAdmin.approveBulkException({ id: second.id }))).toBe('FORBIDDEN');
    await superAdmin.kommoAdmin.rejectBulkException({ id: second.id, reason: 'not needed' });

    const pending = await superAdmin.kommoAdmin.bulkExceptions();
    expect(pending.map((p) => p.id)).toContain(exceptionId);
    const approved = await superAdmin.kommoAdmin.approveBulkException({ id: exceptionId });
    expect(approved).toMatchObject({ status: 'approved', ownerApproved: true, superAdminApproved: true });
  });

  it('runs by a person’s click: creates and links as the dry run said, records and audits every lead', async () => {
    const before = sb.store.leadsById.length;
    const done = await owner.kommo.bulk.execute({ id: exceptionId });
    expect(done.status).toBe('done');
    expect(done.results.map((r) => [r.leadId, r.outcome])).toEqual([
      [leads.existing, 'linked'],
      [leads.bare, 'skipped'],
      [leads.newPhone, 'created'],
      [leads.newEmail, 'created'],
      [leads.linked, 'skipped'],
    ]);
    expect(sb.store.leadsById.length).toBe(before + 2);
    expect(Object.keys(done.created).sort()).toEqual([leads.newPhone, leads.newEmail].sort());
    const created = sb.store.liveLead(done.created[leads.newPhone]!)!;
    expect(sb.store.contacts.get(created.contactIds[0]!)!.phones.map((p) => p.value)).toEqual(['+14155551201']);
    const links = await database.current.db.select().from(kommoLinks).where(eq(kommoLinks.organizationId, tenant.id));
    expect(links.map((l) => [l.profileId, l.origin]).sort()).toEqual(
      [
        [leads.existing, 'linked'],
        [leads.newPhone, 'created'],
        [leads.newEmail, 'created'],
        [leads.linked, 'linked'],
      ].sort(),
    );
    const audit = await database.current.db.select().from(auditLog).where(and(eq(auditLog.organizationId, tenant.id), eq(auditLog.action, 'kommo.bulk.item')));
    expect(audit).toHaveLength(5);
    expect(await outcome(owner.kommo.bulk.execute({ id: exceptionId }))).toBe('CONFLICT');
  });

  it('rolls back through a second approved exception: the created Kommo leads are closed and tagged, the links removed', async () => {
    const original = await owner.kommo.bulk.byId({ id: exceptionId });
    const rollback = await admin.kommo.bulk.requestRollback({ id: exceptionId, reason: 'The customer asked to undo the trade fair import' });
    expect(rollback).toMatchObject({ kind: 'rollback', status: 'awaiting_approval', plan: { close: 2, create: 0, link: 0, skip: 0 } });
    expect(await outcome(owner.kommo.bulk.execute({ id: rollback.id }))).toBe('CONFLICT');
    await owner.kommo.bulk.approve({ id: rollback.id });
    await superAdmin.kommoAdmin.approveBulkException({ id: rollback.id });
    const done = await owner.kommo.bulk.execute({ id: rollback.id });
    expect(done.results.map((r) => r.outcome)).toEqual(['closed', 'closed']);
    for (const kommoId of Object.values(original.created)) {
      const lead = sb.store.liveLead(kommoId)!;
      expect(lead.statusId).toBe(143);
      expect(lead.tagIds.map((t) => sb.store.tags.get(t)!.name)).toContain('crm-hub rollback');
    }
    const links = await database.current.db.select().from(kommoLinks).where(and(eq(kommoLinks.organizationId, tenant.id), eq(kommoLinks.origin, 'created')));
    expect(links).toEqual([]);
    expect((await owner.kommo.bulk.byId({ id: exceptionId })).status).toBe('rolled_back');
    expect(await outcome(admin.kommo.bulk.requestRollback({ id: exceptionId, reason: 'a second rollback is refused' }))).toBe('CONFLICT');
  });
});
