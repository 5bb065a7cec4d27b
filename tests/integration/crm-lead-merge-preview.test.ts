import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { connections, kommoLinks, leadActivities, leads } from '../../db/schema';
import { KOMMO_PROVIDER } from '../../server/services/kommo/connection';
import { crmTenant, outcome, saved } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

/** crm.leads.mergePreview: what the lead merge screen says will move, then the merge moving exactly that. */
describe('lead merge preview', () => {
  it('lists what a lead merge moves (timeline, earlier merges, custom values, Kommo links) and the merge moves it', async () => {
    const t = await crmTenant(database.current);
    const crm = t.callers.manager.crm;
    const db = database.current.db;
    const org = t.tenant.id;
    await t.callers.admin.crm.customFields.create({ entity: 'lead', key: 'budget', label: 'Budget', type: 'number' });
    await t.callers.admin.crm.customFields.create({ entity: 'lead', key: 'segment', label: 'Segment', type: 'select', options: ['smb', 'enterprise'] });
    const survivor = saved(await crm.leads.create({ name: 'Ada Byron', email: 'ada@acme.test', custom: { segment: 'smb' } })).lead;
    const merged = saved(await crm.leads.create({ name: 'Ada B.', phone: '+1 415 555 0101', custom: { budget: 5000, segment: 'enterprise' } })).lead;
    const earlier = saved(await crm.leads.create({ name: 'A. Byron', company: 'Acme' })).lead;
    await crm.leads.merge({ survivorId: merged.id, mergedId: earlier.id });
    await crm.activities.create({ leadId: merged.id, kind: 'call', title: 'Call about anvils' });
    await crm.activities.create({ leadId: merged.id, kind: 'note', title: 'Prefers e-mail' });

    // the merged lead is linked in two Kommo accounts; the survivor already in the second
    const kommo = async () =>
      (
        await db
          .insert(connections)
          .values({ organizationId: org, provider: KOMMO_PROVIDER, status: 'connected', authUrl: 'http://127.0.0.1:9', usesSandbox: true, outboundPolicy: 'manual_only', frequency: 'manual' })
          .returning()
      )[0]!;
    const first = await kommo();
    const second = await kommo();
    await db.insert(kommoLinks).values([
      { organizationId: org, connectionId: first.id, profileType: 'lead', profileId: merged.id, kommoLeadId: 7001, origin: 'created' },
      { organizationId: org, connectionId: second.id, profileType: 'lead', profileId: merged.id, kommoLeadId: 8001, origin: 'linked' },
      { organizationId: org, connectionId: second.id, profileType: 'lead', profileId: survivor.id, kommoLeadId: 8000, origin: 'linked' },
    ]);

    const activitiesOf = async (leadId: string) => (await db.select({ id: leadActivities.id }).from(leadActivities).where(eq(leadActivities.leadId, leadId))).length;
    const mergedActivities = await activitiesOf(merged.id);
    const survivorActivitiesBefore = await activitiesOf(survivor.id);

    const preview = await crm.leads.mergePreview({ survivorId: survivor.id, mergedId: merged.id });
    // the two entries above plus its creation entry and the earlier merge's entry
    expect(preview.activities).toBe(mergedActivities);
    expect(preview.activities).toBeGreaterThanOrEqual(2);
    expect(preview.earlierMerges).toBe(1);
    expect(preview.customValues).toEqual([
      { key: 'budget', outcome: 'taken' },
      { key: 'segment', outcome: 'kept' },
    ]);
    expect(preview.links.sort((a, b) => a.remoteId.localeCompare(b.remoteId))).toEqual([
      { provider: 'kommo', remoteId: '7001', outcome: 'moved' },
      { provider: 'kommo', remoteId: '8001', outcome: 'dropped' },
    ]);

    // before/after: the merge moves exactly what the preview listed
    const result = await crm.leads.merge({ survivorId: survivor.id, mergedId: merged.id });
    expect(result.movedActivities).toBe(preview.activities);
    // the survivor has its own entries, the moved ones, and the merge's entry
    expect(await activitiesOf(survivor.id)).toBe(survivorActivitiesBefore + preview.activities + 1);
    expect(await activitiesOf(merged.id)).toBe(0);
    const mergedIntoSurvivor = await db.select({ id: leads.id }).from(leads).where(eq(leads.mergedIntoId, survivor.id));
    expect(mergedIntoSurvivor.map((r) => r.id).sort()).toEqual([earlier.id, merged.id].sort());
    expect(mergedIntoSurvivor).toHaveLength(preview.earlierMerges + 1);
    expect(result.lead.custom).toEqual({ budget: 5000, segment: 'smb' });
    const links = await db.select().from(kommoLinks).where(and(eq(kommoLinks.organizationId, org), eq(kommoLinks.profileType, 'lead')));
    expect(links.map((l) => [l.connectionId === first.id ? 'first' : 'second', l.profileId === survivor.id ? 'survivor' : 'other', l.kommoLeadId]).sort()).toEqual([
      ['first', 'survivor', 7001],
      ['second', 'survivor', 8000],
    ]);
    expect(await db.select().from(leads).where(and(eq(leads.id, merged.id), isNull(leads.deletedAt)))).toEqual([]);
  });

  it('managers only, two different leads of the tenant', async () => {
    const t = await crmTenant(database.current);
    const crm = t.callers.manager.crm;
    const a = saved(await crm.leads.create({ name: 'One' })).lead;
    const b = saved(await crm.leads.create({ name: 'Two' })).lead;
    expect(await outcome(t.callers.sales.crm.leads.mergePreview({ survivorId: a.id, mergedId: b.id }))).toBe('FORBIDDEN');
    expect(await outcome(t.callers.viewer.crm.leads.mergePreview({ survivorId: a.id, mergedId: b.id }))).toBe('FORBIDDEN');
    expect(await outcome(crm.leads.mergePreview({ survivorId: a.id, mergedId: a.id }))).toBe('BAD_REQUEST');
    expect(await crm.leads.mergePreview({ survivorId: a.id, mergedId: b.id })).toEqual({ activities: 1, earlierMerges: 0, customValues: [], links: [] });
    const other = await crmTenant(database.current);
    const foreign = saved(await other.callers.manager.crm.leads.create({ name: 'Elsewhere' })).lead;
    expect(await outcome(crm.leads.mergePreview({ survivorId: a.id, mergedId: foreign.id }))).toBe('NOT_FOUND');
  });
});
