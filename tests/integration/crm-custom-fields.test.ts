import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { leads } from '../../db/schema';
import { crmTenant, fieldErrorsOf, outcome, saved, type CrmTenant } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

describe('custom fields', () => {
  let t: CrmTenant;
  beforeAll(async () => {
    t = await crmTenant(database.current);
    const admin = t.callers.admin.crm.customFields;
    await admin.create({ entity: 'lead', key: 'notes_extra', label: 'Extra notes', type: 'text' });
    await admin.create({ entity: 'lead', key: 'budget', label: 'Budget', type: 'number' });
    await admin.create({ entity: 'lead', key: 'next_call', label: 'Next call', type: 'date' });
    await admin.create({ entity: 'lead', key: 'segment', label: 'Segment', type: 'select', options: ['smb', 'enterprise'], required: true });
  });

  it('are defined per tenant and entity by an admin, with their rules checked', async () => {
    const admin = t.callers.admin.crm.customFields;
    expect((await t.callers.sales.crm.customFields.list({ entity: 'lead' })).map((f) => [f.key, f.type, f.position])).toEqual([
      ['notes_extra', 'text', 0],
      ['budget', 'number', 1],
      ['next_call', 'date', 2],
      ['segment', 'select', 3],
    ]);
    expect(await fieldErrorsOf(admin.create({ entity: 'lead', key: 'tier', label: 'Tier', type: 'select' }))).toHaveProperty('options');
    expect(await fieldErrorsOf(admin.create({ entity: 'lead', key: 'size', label: 'Size', type: 'number', options: ['1'] }))).toHaveProperty('options');
    expect(await fieldErrorsOf(admin.create({ entity: 'lead', key: 'budget', label: 'Budget 2', type: 'number' }))).toHaveProperty('key');
    expect(await outcome(admin.create({ entity: 'lead', key: 'Bad Key!', label: 'Bad', type: 'text' }))).toBe('BAD_REQUEST');
    // the same key on another entity is a different field
    await admin.create({ entity: 'account', key: 'budget', label: 'Annual budget', type: 'number' });
    expect((await t.callers.sales.crm.customFields.list({ entity: 'account' })).map((f) => f.key)).toEqual(['budget']);
  });

  it('validates text, number, date and select values on write, keyed custom.<key>', async () => {
    const crm = t.callers.sales.crm.leads;
    expect(await fieldErrorsOf(crm.create({ name: 'No segment' }))).toEqual({ 'custom.segment': ['Segment is required.'] });
    expect(
      await fieldErrorsOf(
        crm.create({
          name: 'All wrong',
          custom: { budget: 'lots', next_call: '2025-02-30', segment: 'mid-market', notes_extra: 'x'.repeat(2001), unknown_key: 'x' },
        }),
      ),
    ).toEqual({
      'custom.budget': ['Must be a number.'],
      'custom.next_call': ['Must be a date (YYYY-MM-DD).'],
      'custom.segment': ['Must be one of: smb, enterprise.'],
      'custom.notes_extra': ['At most 2000 characters.'],
      'custom.unknown_key': ['No such custom field.'],
    });
    expect(await fieldErrorsOf(crm.create({ name: 'Bad date', custom: { segment: 'smb', next_call: 'tomorrow' } }))).toHaveProperty('custom.next_call');

    const lead = saved(await crm.create({ name: 'All right', custom: { budget: '42', next_call: '2025-03-01', segment: 'smb', notes_extra: ' hello ' } })).lead;
    expect(lead.custom).toEqual({ budget: 42, next_call: '2025-03-01', segment: 'smb', notes_extra: 'hello' });

    // a patch touches only its keys; null removes a value; a required value cannot be removed
    const updated = saved(await crm.update({ id: lead.id, custom: { budget: 1500.5, notes_extra: null } })).lead;
    expect(updated.custom).toEqual({ budget: 1500.5, next_call: '2025-03-01', segment: 'smb' });
    expect(await fieldErrorsOf(crm.update({ id: lead.id, custom: { segment: null } }))).toEqual({ 'custom.segment': ['Segment is required.'] });
    expect(await fieldErrorsOf(crm.update({ id: lead.id, custom: { segment: 'huge' } }))).toHaveProperty('custom.segment');
    expect((await crm.byId({ id: lead.id })).custom).toEqual({ budget: 1500.5, next_call: '2025-03-01', segment: 'smb' });
    const timeline = await t.callers.sales.crm.activities.list({ leadId: lead.id });
    expect(timeline.items[0]!.details).toMatchObject({ before: { 'custom.budget': 42, 'custom.notes_extra': 'hello' }, after: { 'custom.budget': 1500.5, 'custom.notes_extra': null } });
  });

  it('apply to accounts and contacts too', async () => {
    const crm = t.callers.sales.crm;
    expect(await fieldErrorsOf(crm.accounts.create({ name: 'Acc', custom: { budget: 'n/a' } }))).toHaveProperty('custom.budget');
    expect((await crm.accounts.create({ name: 'Acc', custom: { budget: 10 } })).custom).toEqual({ budget: 10 });
    expect(await fieldErrorsOf(crm.contacts.create({ firstName: 'C', custom: { budget: 1 } }))).toEqual({ 'custom.budget': ['No such custom field.'] });
  });

  it('changes label, options and required flag; deleting a field strips its values from every record', async () => {
    const admin = t.callers.admin.crm.customFields;
    const [budget] = (await admin.list({ entity: 'lead' })).filter((f) => f.key === 'budget');
    const [segment] = (await admin.list({ entity: 'lead' })).filter((f) => f.key === 'segment');
    await admin.update({ id: segment!.id, options: ['smb', 'enterprise', 'mid'], required: false, label: 'Market segment' });
    const lead = saved(await t.callers.sales.crm.leads.create({ name: 'Mid', custom: { segment: 'mid', budget: 7 } })).lead;
    expect(await fieldErrorsOf(admin.update({ id: budget!.id, options: ['x'] }))).toHaveProperty('options');

    const result = await admin.delete({ id: budget!.id });
    expect(result.strippedRecords).toBeGreaterThanOrEqual(2);
    const [row] = await database.current.db.select({ custom: leads.custom }).from(leads).where(eq(leads.id, lead.id));
    expect(row!.custom).toEqual({ segment: 'mid' });
    const all = await database.current.db.select({ custom: leads.custom }).from(leads).where(eq(leads.organizationId, t.tenant.id));
    expect(all.some((r) => 'budget' in r.custom)).toBe(false);
    // the account field with the same key is untouched
    expect((await t.callers.sales.crm.accounts.list({ q: 'Acc' })).items[0]!.custom).toEqual({ budget: 10 });
    expect(await outcome(admin.delete({ id: budget!.id }))).toBe('NOT_FOUND');
  });
});

describe('custom field order', () => {
  it('an admin reorders one entity’s fields in one audited call; every field once, of that entity only', async () => {
    const t = await crmTenant(database.current);
    const admin = t.callers.admin.crm.customFields;
    const a = await admin.create({ entity: 'contact', key: 'alpha', label: 'Alpha', type: 'text' });
    const b = await admin.create({ entity: 'contact', key: 'beta', label: 'Beta', type: 'text' });
    const c = await admin.create({ entity: 'contact', key: 'gamma', label: 'Gamma', type: 'text' });
    const other = await admin.create({ entity: 'lead', key: 'alpha', label: 'Lead alpha', type: 'text' });

    expect((await admin.reorder({ entity: 'contact', fieldIds: [c.id, a.id, b.id] })).map((f) => f.key)).toEqual(['gamma', 'alpha', 'beta']);
    expect((await t.callers.sales.crm.customFields.list({ entity: 'contact' })).map((f) => [f.key, f.position])).toEqual([
      ['gamma', 0],
      ['alpha', 1],
      ['beta', 2],
    ]);
    const [entry] = await database.current.sql`select details from audit_log where organization_id = ${t.tenant.id} and action = 'crm.custom_field.reorder'`;
    expect(entry!.details).toMatchObject({ entity: 'contact', before: { order: ['Alpha', 'Beta', 'Gamma'] }, after: { order: ['Gamma', 'Alpha', 'Beta'] } });

    expect(await fieldErrorsOf(admin.reorder({ entity: 'contact', fieldIds: [c.id, a.id] }))).toHaveProperty('fieldIds');
    expect(await fieldErrorsOf(admin.reorder({ entity: 'contact', fieldIds: [c.id, a.id, a.id] }))).toHaveProperty('fieldIds');
    expect(await outcome(admin.reorder({ entity: 'contact', fieldIds: [c.id, a.id, b.id, other.id] }))).toBe('NOT_FOUND');
    expect(await outcome(t.callers.manager.crm.customFields.reorder({ entity: 'contact', fieldIds: [a.id, b.id, c.id] }))).toBe('FORBIDDEN');
    expect((await t.callers.sales.crm.customFields.list({ entity: 'contact' })).map((f) => f.key)).toEqual(['gamma', 'alpha', 'beta']);
  });
});
