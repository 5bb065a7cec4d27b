import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditLog } from '../../db/schema';
import { kommoLinks, kommoOutboundSyncs } from '../../db/schema/kommo';
import type { RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import type { AppServices } from '../../server/app-services';
import { contactChannels } from '../../server/providers/kommo/schemas';
import { serializeContact } from '../../server/sandbox/kommo/serialize';
import { KOMMO_SYNCS_PER_TENANT_PER_MINUTE, KOMMO_SYNCS_PER_USER_PER_MINUTE } from '../../server/shared/kommo';
import { outcome, saved } from '../support/crm';
import { useTestDatabase } from '../support/database';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { KOMMO_LONG_LIVED, kommoServices, relaxKommoLimits, startKommoSandbox } from '../support/kommo';

/**
 * "Sync to Kommo" (DESIGN §5): one lead per click, found by phone / found by e-mail /
 * created, idempotent under a double submit, refused in bursts, audited and logged.
 */

const database = useTestDatabase();
let sb: RunningSandbox<KommoStore>;
let services: AppServices;
let tenant: { id: string; slug: string };
type Caller = Awaited<ReturnType<typeof callerAs>>['caller'];
let owner: Caller;
let sales: Caller;
let salesUser: Awaited<ReturnType<typeof makeUser>>;
let colleague: Caller;
const logs: string[] = [];
let phoneCounter = 100;

const kommoLeadCount = () => sb.store.leadsById.length;
/** A US number Kommo (the sandbox) does not have. */
const newPhone = () => `+1415555${String(phoneCounter++).padStart(4, '0')}`;

/** An existing Kommo contact with a lead, its phone and e-mail. */
function existingKommoPerson(index: number) {
  const lead = sb.store.leadsById[index]!;
  const contact = sb.store.contacts.get(lead.contactIds[0]!)!;
  const { phones, emails } = contactChannels(serializeContact(contact, sb.url, false).custom_fields_values as never);
  return { lead, contact, phone: phones[0]!, email: emails[0]! };
}

async function newLead(caller: Caller, fields: { name: string; phone?: string | null; email?: string | null }) {
  return saved(await caller.crm.leads.create({ ...fields, saveAnyway: { reason: 'test data' } })).lead;
}

beforeAll(async () => {
  sb = await startKommoSandbox(500);
  services = kommoServices(database.current, sb.url);
  tenant = await makeTenant(database.current);
  const ownerUser = await makeUser(database.current, 'owner', tenant.id);
  salesUser = await makeUser(database.current, 'sales', tenant.id);
  owner = (await callerAs(database.current, ownerUser, services)).caller;
  sales = (await callerAs(database.current, salesUser, services)).caller;
  colleague = (await callerAs(database.current, await makeUser(database.current, 'sales', tenant.id), services)).caller;
  await owner.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
});
afterAll(async () => {
  vi.restoreAllMocks();
  await sb?.close();
});
beforeEach(async () => {
  relaxKommoLimits(sb);
  // each test starts with a quiet minute for the burst guard
  await database.current.db.delete(kommoOutboundSyncs).where(eq(kommoOutboundSyncs.organizationId, tenant.id));
});

describe('Sync to Kommo', () => {
  it('found by phone: shows the existing Kommo lead (name, pipeline, status, responsible, link) and creates nothing', async () => {
    const person = existingKommoPerson(10);
    const lead = await newLead(sales, { name: 'Phone Match', phone: person.phone, email: 'someone-else@example.test' });
    const before = kommoLeadCount();
    logs.length = 0;
    const result = await sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id });
    expect(result).toMatchObject({ outcome: 'found', matchedBy: 'phone', contact: { id: person.contact.id } });
    if (result.outcome !== 'found') throw new Error('not found');
    const newest = person.contact.leadIds.map((id) => sb.store.liveLead(id)!).sort((a, b) => b.updatedAt - a.updatedAt)[0]!;
    expect(result.lead).toEqual({ id: newest.id, name: newest.name, pipeline: expect.any(String), status: expect.any(String), responsible: expect.any(String), url: `${new URL(sb.url).origin}/leads/detail/${newest.id}` });
    expect(kommoLeadCount()).toBe(before);
    expect(sb.requests.all().filter((r) => r.method !== 'GET' && r.path.startsWith('/api/'))).toEqual([]);
    expect(logs.some((l) => l.startsWith(`[Kommo Sync] MANUAL SYNC initiated for profile: ${lead.id} user=${salesUser.email}`) && l.includes('outcome=found existing (by phone)'))).toBe(true);
    const audit = await database.current.db.select().from(auditLog).where(and(eq(auditLog.action, 'kommo.sync_lead'), eq(auditLog.targetId, lead.id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: salesUser.id, outcome: 'success', details: { outcome: 'found', matchedBy: 'phone', kommoLeadId: newest.id } });
    expect(await database.current.db.select().from(kommoLinks).where(eq(kommoLinks.profileId, lead.id))).toEqual([]);

    // linking is a separate, explicit step — and writes nothing to Kommo either
    const linked = await sales.kommo.linkLead({ profileType: 'lead', profileId: lead.id, kommoLeadId: newest.id });
    expect(linked.lead.id).toBe(newest.id);
    expect(await outcome(sales.kommo.linkLead({ profileType: 'lead', profileId: lead.id, kommoLeadId: newest.id }))).toBe('CONFLICT');
    expect(await sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id })).toMatchObject({ outcome: 'already_linked', lead: { id: newest.id } });
    expect(kommoLeadCount()).toBe(before);
  });

  it('found by e-mail when the phone is unknown to Kommo', async () => {
    const person = existingKommoPerson(20);
    const lead = await newLead(sales, { name: 'Mail Match', phone: newPhone(), email: person.email.toUpperCase() });
    const before = kommoLeadCount();
    const result = await sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id });
    expect(result).toMatchObject({ outcome: 'found', matchedBy: 'email', contact: { id: person.contact.id }, lead: { id: expect.any(Number) } });
    expect(kommoLeadCount()).toBe(before);
  });

  it('creates ONE lead with its contact through the complex endpoint when nothing matches, and links it', async () => {
    const phone = newPhone();
    const lead = await newLead(sales, { name: 'Grace Hopper', phone, email: 'grace@example.test' });
    const before = kommoLeadCount();
    const complexBefore = sb.requests.count({ method: 'POST', pathPrefix: '/api/v4/leads/complex' });
    logs.length = 0;
    const result = await sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id });
    expect(result).toMatchObject({ outcome: 'created', lead: { name: 'Grace Hopper', pipeline: expect.any(String), status: expect.any(String) } });
    if (result.outcome !== 'created') throw new Error('not created');
    expect(kommoLeadCount()).toBe(before + 1);
    expect(sb.requests.count({ method: 'POST', pathPrefix: '/api/v4/leads/complex' })).toBe(complexBefore + 1);
    expect(sb.requests.all().filter((r) => r.method !== 'GET' && r.path.startsWith('/api/') && r.path !== '/api/v4/leads/complex')).toEqual([]);
    const created = sb.store.liveLead(result.lead.id)!;
    const contact = sb.store.contacts.get(created.contactIds[0]!)!;
    expect(contact.phones.map((p) => p.value)).toEqual([phone]);
    expect(contact.emails.map((e) => e.value)).toEqual(['grace@example.test']);
    expect(`${contact.firstName} ${contact.lastName}`).toBe('Grace Hopper');
    const [link] = await database.current.db.select().from(kommoLinks).where(eq(kommoLinks.profileId, lead.id));
    expect(link).toMatchObject({ kommoLeadId: result.lead.id, kommoContactId: contact.id, origin: 'created' });
    expect(logs.filter((l) => l.includes(`MANUAL SYNC initiated for profile: ${lead.id}`))).toEqual([expect.stringContaining(`outcome=created kommo_lead=${result.lead.id}`)]);
    // a retry after success sends nothing
    expect(await sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id })).toMatchObject({ outcome: 'already_linked', lead: { id: result.lead.id } });
    expect(kommoLeadCount()).toBe(before + 1);
  });

  it('is idempotent under a double submit: two clicks at once create one lead and both see it', async () => {
    const lead = await newLead(sales, { name: 'Double Click', phone: newPhone(), email: null });
    const before = kommoLeadCount();
    const [a, b] = await Promise.all([sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id }), sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id })]);
    expect(kommoLeadCount()).toBe(before + 1);
    expect(a.outcome).toBe('created');
    expect(b.outcome).toBe('created');
    expect(a.lead?.id).toBe(b.lead?.id);
    expect([a, b].filter((r) => 'joined' in r && r.joined)).toHaveLength(1);
    const rows = await database.current.db.select().from(kommoOutboundSyncs).where(eq(kommoOutboundSyncs.profileId, lead.id));
    expect(rows).toHaveLength(1);
  });

  it(`refuses a burst: more than ${KOMMO_SYNCS_PER_USER_PER_MINUTE} per user per minute, and the tenant-wide ceiling, with a clear message`, async () => {
    const leads = [];
    for (let i = 0; i < KOMMO_SYNCS_PER_USER_PER_MINUTE + 1; i++) leads.push(await newLead(sales, { name: `Burst ${i}`, phone: newPhone() }));
    const before = kommoLeadCount();
    for (const lead of leads.slice(0, KOMMO_SYNCS_PER_USER_PER_MINUTE)) expect((await sales.kommo.syncLead({ profileType: 'lead', profileId: lead.id })).outcome).toBe('created');
    const refused = await sales.kommo.syncLead({ profileType: 'lead', profileId: leads.at(-1)!.id }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/You have sent 10 records to Kommo in the last minute\. Please wait a minute/) });
    expect(kommoLeadCount()).toBe(before + KOMMO_SYNCS_PER_USER_PER_MINUTE);
    const audit = await database.current.db.select().from(auditLog).where(and(eq(auditLog.action, 'kommo.sync_lead'), eq(auditLog.targetId, leads.at(-1)!.id)));
    expect(audit[0]).toMatchObject({ outcome: 'denied', details: { outcome: 'refused' } });
    // another user of the same tenant is still fine…
    const other = await newLead(colleague, { name: 'Colleague lead', phone: newPhone() });
    expect((await colleague.kommo.syncLead({ profileType: 'lead', profileId: other.id })).outcome).toBe('created');
    // …until the whole tenant reaches its ceiling in the minute
    const [conn] = await database.current.db.select({ id: kommoOutboundSyncs.connectionId }).from(kommoOutboundSyncs).where(eq(kommoOutboundSyncs.organizationId, tenant.id)).limit(1);
    await database.current.db.insert(kommoOutboundSyncs).values(
      Array.from({ length: KOMMO_SYNCS_PER_TENANT_PER_MINUTE }, (_, i) => ({
        organizationId: tenant.id,
        connectionId: conn!.id,
        profileType: 'lead' as const,
        profileId: crypto.randomUUID(),
        userEmail: `someone-${i}@example.test`,
        status: 'found' as const,
        finishedAt: new Date(),
      })),
    );
    const late = await newLead(colleague, { name: 'Late', phone: newPhone() });
    const tenantRefused = await colleague.kommo.syncLead({ profileType: 'lead', profileId: late.id }).catch((e: unknown) => e);
    expect(tenantRefused).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/Your team has sent 30 records to Kommo in the last minute/) });

    // the admin's activity view: per user and day, and the burst highlighted
    const activity = await owner.kommo.activity({ days: 1 });
    const mine = activity.perDay.filter((r) => r.userEmail === salesUser.email);
    expect(mine.reduce((n, r) => n + r.created, 0)).toBe(KOMMO_SYNCS_PER_USER_PER_MINUTE);
    expect(mine.reduce((n, r) => n + r.refused, 0)).toBe(1);
    const bursts = activity.bursts.filter((b) => b.userEmail === salesUser.email);
    expect(bursts.reduce((n, b) => n + b.syncs, 0)).toBe(KOMMO_SYNCS_PER_USER_PER_MINUTE + 1);
    expect(bursts.reduce((n, b) => n + b.refused, 0)).toBe(1);
    expect(activity.recent[0]).toMatchObject({ status: 'refused' });
    expect(await outcome(sales.kommo.activity({ days: 1 }))).toBe('FORBIDDEN');
  });

  it('one lead per call, sales only for their own leads, and only the roles that hold kommo.sync', async () => {
    const mine = await newLead(sales, { name: 'Mine', phone: newPhone() });
    const theirs = await newLead(colleague, { name: 'Theirs', phone: newPhone() });
    expect(await outcome(sales.kommo.syncLead({ profileType: 'lead', profileId: theirs.id }))).toBe('NOT_FOUND');
    expect(await outcome(sales.kommo.syncLead({ profileType: 'lead', profileIds: [mine.id, theirs.id] } as never))).toBe('BAD_REQUEST');
    expect(await outcome(sales.kommo.syncLead({ profileType: 'lead', profileId: [mine.id, theirs.id] } as never))).toBe('BAD_REQUEST');
    for (const role of ['manager', 'viewer'] as const) {
      const { caller } = await callerAs(database.current, await makeUser(database.current, role, tenant.id), services);
      expect(await outcome(caller.kommo.syncLead({ profileType: 'lead', profileId: mine.id })), role).toBe('FORBIDDEN');
    }
    const bare = await newLead(sales, { name: 'No channel' });
    expect(await outcome(sales.kommo.syncLead({ profileType: 'lead', profileId: bare.id }))).toBe('BAD_REQUEST');
    expect(await sales.kommo.linkStatus({ profileType: 'lead', profileId: mine.id })).toEqual({ connected: true, link: null });
  });

  it('a contact profile syncs the same way; an unconnected tenant is told so', async () => {
    const contact = saved(await owner.crm.contacts.create({ firstName: 'Ada', lastName: 'Lovelace', phone: newPhone(), email: 'ada@example.test' })).contact;
    expect(await owner.kommo.syncLead({ profileType: 'contact', profileId: contact.id })).toMatchObject({ outcome: 'created', lead: { name: 'Ada Lovelace' } });
    const other = await makeTenant(database.current);
    const otherOwner = (await callerAs(database.current, await makeUser(database.current, 'owner', other.id), services)).caller;
    const lead = await newLead(otherOwner, { name: 'Unconnected', phone: newPhone() });
    expect(await outcome(otherOwner.kommo.syncLead({ profileType: 'lead', profileId: lead.id }))).toBe('PRECONDITION_FAILED');
  });
});
