import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { connections, recordLinks } from '../../db/schema';
import { crmTenant, outcome, saved } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

/** crm.<contacts|accounts>.mergePreview: what the merge screen says will move, then the merge moving exactly that. */
describe('merge preview', () => {
  it('lists what an account merge moves (contacts, timeline, converted leads, CRM links) and the merge moves it', async () => {
    const t = await crmTenant(database.current);
    const crm = t.callers.manager.crm;
    const db = database.current.db;
    const survivor = await crm.accounts.create({ name: 'Acme Corp', domain: 'acme.test' });
    const merged = await crm.accounts.create({ name: 'ACME Corporation', domain: 'acme.test', industry: 'Anvils' });
    const ada = saved(await crm.contacts.create({ firstName: 'Ada', lastName: 'Byron', email: 'ada@acme.test', accountId: merged.id })).contact;
    saved(await crm.contacts.create({ firstName: 'Bob', lastName: 'Bell', email: 'bob@acme.test', accountId: merged.id }));
    await crm.activities.create({ accountId: merged.id, kind: 'call', title: 'Call about anvils' });
    await crm.activities.create({ accountId: merged.id, kind: 'note', title: 'Prefers e-mail' });
    const lead = saved(await crm.leads.create({ name: 'Acme lead', company: 'ACME Corporation' })).lead;
    await crm.leads.convert({ id: lead.id, accountId: merged.id });

    // the merged account is linked in Salesforce and HubSpot; the survivor already in HubSpot
    const [salesforce] = await db.insert(connections).values({ organizationId: t.tenant.id, provider: 'salesforce', status: 'connected', authUrl: 'http://127.0.0.1:9', usesSandbox: true }).returning();
    const [hubspot] = await db.insert(connections).values({ organizationId: t.tenant.id, provider: 'hubspot', status: 'connected', authUrl: 'http://127.0.0.1:9', usesSandbox: true }).returning();
    await db.insert(recordLinks).values([
      { organizationId: t.tenant.id, connectionId: salesforce!.id, entity: 'account', appId: merged.id, remoteId: '001000000000001AAA' },
      { organizationId: t.tenant.id, connectionId: hubspot!.id, entity: 'account', appId: merged.id, remoteId: '9001' },
      { organizationId: t.tenant.id, connectionId: hubspot!.id, entity: 'account', appId: survivor.id, remoteId: '9000' },
    ]);

    const preview = await crm.accounts.mergePreview({ survivorId: survivor.id, mergedId: merged.id });
    // conversion writes one timeline entry on the account too
    expect(preview.activities).toBe(3);
    expect(preview.convertedLeads).toBe(1);
    // Ada, Bob and the contact the conversion created
    expect(preview.contacts.map((c) => c.email)).toEqual(expect.arrayContaining(['ada@acme.test', 'bob@acme.test']));
    expect(preview.contacts).toHaveLength(3);
    expect(preview.links.sort((a, b) => a.provider.localeCompare(b.provider))).toEqual([
      { provider: 'hubspot', remoteId: '9001', outcome: 'dropped' },
      { provider: 'salesforce', remoteId: '001000000000001AAA', outcome: 'moved' },
    ]);

    const result = await crm.accounts.merge({ survivorId: survivor.id, mergedId: merged.id, fields: { industry: 'merged' } });
    expect(result.movedContacts).toBe(preview.contacts.length);
    expect(result.movedActivities).toBe(preview.activities);
    const links = await db.select().from(recordLinks).where(eq(recordLinks.organizationId, t.tenant.id));
    expect(links.map((l) => [l.appId, l.remoteId]).sort()).toEqual([
      [survivor.id, '001000000000001AAA'],
      [survivor.id, '9000'],
    ]);
    expect((await crm.contacts.byId({ id: ada.id })).accountId).toBe(survivor.id);
    const after = await crm.accounts.byId({ id: survivor.id });
    expect(after.industry).toBe('Anvils');
    expect(after.leads.map((l) => l.id)).toEqual([lead.id]);
  });

  it('lists what a contact merge moves; managers only, two different contacts of the tenant', async () => {
    const t = await crmTenant(database.current);
    const crm = t.callers.manager.crm;
    const a = saved(await crm.contacts.create({ firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.test' })).contact;
    const b = saved(await crm.contacts.create({ firstName: 'G.', lastName: 'Hopper', phone: '+14155550100' })).contact;
    await crm.activities.create({ contactId: b.id, kind: 'meeting', title: 'Met at the conference' });
    expect(await crm.contacts.mergePreview({ survivorId: a.id, mergedId: b.id })).toEqual({
      activities: 1,
      convertedLeads: 0,
      earlierMerges: 0,
      contacts: [],
      moreContacts: false,
      links: [],
    });
    expect(await outcome(t.callers.sales.crm.contacts.mergePreview({ survivorId: a.id, mergedId: b.id }))).toBe('FORBIDDEN');
    expect(await outcome(crm.contacts.mergePreview({ survivorId: a.id, mergedId: a.id }))).toBe('BAD_REQUEST');
    await crm.contacts.merge({ survivorId: a.id, mergedId: b.id });
    // the merged contact is gone from the active set: no preview of it any more
    expect(await outcome(crm.contacts.mergePreview({ survivorId: a.id, mergedId: b.id }))).toBe('NOT_FOUND');
  });
});
