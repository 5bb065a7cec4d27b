import { describe, expect, it } from 'vitest';
import { passesFilters, ruleMatches } from '../../server/services/sync/filters';
import { mergeRecord, type MergeField, type MergeInput } from '../../server/services/sync/merge';
import { similarity, suggestMappings } from '../../server/services/sync/mappings';
import { nextDailyBoundary, nextSyncAt } from '../../server/services/sync/schedule';
import { canonical, toApp, toRemote, transformSchema, type TransformStep } from '../../server/services/sync/transforms';

const field = (key: string, over: Partial<MergeField> = {}): MergeField => ({ key, direction: 'both', override: 'strategy', ...over });
const merge = (over: Partial<MergeInput>) =>
  mergeRecord({ fields: [field('f')], app: {}, remote: {}, base: {}, strategy: 'last_write_wins', appModifiedAt: 1, remoteModifiedAt: 2, ...over });

describe('the three-way merge', () => {
  it('equal to the base on both sides is no change (echo suppression)', () => {
    const out = merge({ app: { f: 'x' }, remote: { f: 'x' }, base: { f: 'x' } });
    expect(out).toMatchObject({ toApp: {}, toRemote: {}, base: { f: 'x' }, conflicts: [], settled: [] });
  });

  it('one-sided changes flow the other way', () => {
    expect(merge({ app: { f: 'a' }, remote: { f: 'b' }, base: { f: 'a' } })).toMatchObject({ toApp: { f: 'b' }, toRemote: {}, base: { f: 'b' } });
    expect(merge({ app: { f: 'b' }, remote: { f: 'a' }, base: { f: 'a' } })).toMatchObject({ toApp: {}, toRemote: { f: 'b' }, base: { f: 'b' } });
  });

  it('the same change on both sides converges without a conflict', () => {
    expect(merge({ app: { f: 'n' }, remote: { f: 'n' }, base: { f: 'o' } })).toMatchObject({ toApp: {}, toRemote: {}, base: { f: 'n' }, settled: [] });
  });

  it('a never-synced link (no base): blanks are filled from the other side, differing values are conflicts', () => {
    const out = mergeRecord({
      fields: [field('a'), field('b'), field('c')],
      app: { a: null, b: 'app', c: 'x' },
      remote: { a: 'crm', b: null, c: 'y' },
      base: {},
      strategy: 'manual_review',
      appModifiedAt: 0,
      remoteModifiedAt: 0,
    });
    expect(out.toApp).toEqual({ a: 'crm' });
    expect(out.toRemote).toEqual({ b: 'app' });
    expect(out.conflicts).toEqual([{ key: 'c', app: 'x', remote: 'y', base: null }]);
  });

  it('settles both-sided changes by strategy', () => {
    const both = { app: { f: 'app' }, remote: { f: 'crm' }, base: { f: 'old' } };
    expect(merge({ ...both, strategy: 'crm_wins' })).toMatchObject({ toApp: { f: 'crm' }, settled: [{ key: 'f', winner: 'crm' }] });
    expect(merge({ ...both, strategy: 'app_wins' })).toMatchObject({ toRemote: { f: 'app' }, settled: [{ key: 'f', winner: 'app' }] });
    expect(merge({ ...both, strategy: 'last_write_wins', appModifiedAt: 5, remoteModifiedAt: 4 })).toMatchObject({ toRemote: { f: 'app' } });
    expect(merge({ ...both, strategy: 'last_write_wins', appModifiedAt: 4, remoteModifiedAt: 4 })).toMatchObject({ toApp: { f: 'crm' } }); // ties: the CRM
    const parked = merge({ ...both, strategy: 'manual_review' });
    expect(parked).toMatchObject({ toApp: {}, toRemote: {}, base: { f: 'old' }, conflicts: [{ key: 'f', app: 'app', remote: 'crm', base: 'old' }] });
  });

  it('manual review parks only the conflicting field and merges the rest', () => {
    const out = mergeRecord({
      fields: [field('t'), field('n')],
      app: { t: 'app', n: 'same' },
      remote: { t: 'crm', n: 'renamed' },
      base: { t: 'old', n: 'same' },
      strategy: 'manual_review',
      appModifiedAt: 0,
      remoteModifiedAt: 0,
    });
    expect(out.toApp).toEqual({ n: 'renamed' });
    expect(out.conflicts.map((c) => c.key)).toEqual(['t']);
  });

  it('field overrides beat the strategy', () => {
    const both = { app: { f: 'app' }, remote: { f: 'crm' }, base: { f: 'old' }, strategy: 'manual_review' as const };
    expect(merge({ ...both, fields: [field('f', { override: 'always_app' })] }).toRemote).toEqual({ f: 'app' });
    expect(merge({ ...both, fields: [field('f', { override: 'always_crm' })] }).toApp).toEqual({ f: 'crm' });
    expect(merge({ ...both, fields: [field('f', { override: 'prefer_crm_unless_blank' })] }).toApp).toEqual({ f: 'crm' });
    expect(merge({ ...both, remote: { f: null }, fields: [field('f', { override: 'prefer_crm_unless_blank' })] }).toRemote).toEqual({ f: 'app' });
  });

  it('directions: pull-only follows the CRM, push-only follows the app, none is left alone', () => {
    const both = { app: { f: 'app' }, remote: { f: 'crm' }, base: { f: 'old' }, strategy: 'app_wins' as const };
    expect(merge({ ...both, fields: [field('f', { direction: 'pull' })] })).toMatchObject({ toApp: { f: 'crm' }, toRemote: {} });
    expect(merge({ ...both, fields: [field('f', { direction: 'push' })] })).toMatchObject({ toApp: {}, toRemote: { f: 'app' } });
    expect(merge({ ...both, fields: [field('f', { direction: 'none' })] })).toMatchObject({ toApp: {}, toRemote: {}, base: { f: 'old' } });
    expect(merge({ app: { f: 'app' }, remote: { f: 'old' }, base: { f: 'old' }, fields: [field('f', { direction: 'pull' })] })).toMatchObject({ toApp: {}, toRemote: {} });
  });

  it('open conflicts stay parked; ignored ones stay quiet until a value changes; agreement closes them', () => {
    const both = { app: { f: 'app' }, remote: { f: 'crm' }, base: { f: 'old' }, strategy: 'crm_wins' as const };
    expect(merge({ ...both, parked: new Set(['f']) })).toMatchObject({ toApp: {}, conflicts: [{ key: 'f' }] });
    const ignored = new Map([['f', { app: 'app', remote: 'crm' }]]);
    expect(merge({ ...both, strategy: 'manual_review', ignored }).conflicts).toEqual([]);
    expect(merge({ ...both, remote: { f: 'crm2' }, strategy: 'manual_review', ignored }).conflicts).toHaveLength(1);
    expect(merge({ app: { f: 'x' }, remote: { f: 'x' }, base: { f: 'old' }, parked: new Set(['f']) }).converged).toEqual(['f']);
  });

  it('costs well under 20 µs per record (conflict detection, 12 fields)', () => {
    const fields = Array.from({ length: 12 }, (_, i) => field(`f${i}`));
    const app = Object.fromEntries(fields.map((f, i) => [f.key, `a${i}`]));
    const remote = Object.fromEntries(fields.map((f, i) => [f.key, i % 3 ? `a${i}` : `r${i}`]));
    const base = Object.fromEntries(fields.map((f, i) => [f.key, i % 2 ? `a${i}` : `b${i}`]));
    const n = 50_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) mergeRecord({ fields, app, remote, base, strategy: 'last_write_wins', appModifiedAt: i, remoteModifiedAt: n - i });
    const perRecordUs = ((performance.now() - started) * 1000) / n;
    expect(perRecordUs).toBeLessThan(20);
  });
});

describe('transforms (data, never code)', () => {
  const ctx = { country: 'DE' as const };
  const pull = (value: unknown, steps: TransformStep[], extra: Record<string, string> = {}) => toApp({ v: value as string, ...extra }, 'v', steps, ctx);

  it('normalise on the way in and convert back on the way out', () => {
    expect(pull('  Ada  ', [{ op: 'trim' }])).toBe('Ada');
    expect(pull('Ada@X.COM', [{ op: 'lower' }])).toBe('ada@x.com');
    expect(pull('030 1234567', [{ op: 'phone_e164' }])).toBe('+49301234567');
    expect(pull('not a phone', [{ op: 'phone_e164' }])).toBeNull();
    expect(pull('https://www.Acme.com/about', [{ op: 'domain' }])).toBe('acme.com');
    expect(pull('1735689600000', [{ op: 'date', format: 'epoch_ms' }])).toBe('2025-01-01T00:00:00.000Z');
    expect(pull('12/31/2025', [{ op: 'date', format: 'us_date' }])).toBe('2025-12-31');
    expect(toRemote('2025-12-31', [{ op: 'date', format: 'eu_date' }])).toBe('31.12.2025');
    const map: TransformStep = { op: 'value_map', map: { Gold: 'A', Silver: 'B' }, otherwise: 'null' };
    expect(pull('Gold', [map])).toBe('A');
    expect(pull('Bronze', [map])).toBeNull();
    expect(toRemote('B', [map])).toBe('Silver');
    expect(pull('Ada', [{ op: 'concat', fields: ['w'], separator: ' ' }], { w: 'Lovelace' })).toBe('Ada Lovelace');
    expect(pull('', [{ op: 'default', value: 'n/a' }])).toBe('n/a');
    expect(canonical(3)).toBe('3');
    expect(canonical(false)).toBe('false');
  });

  it('refuses anything outside the fixed set', () => {
    expect(transformSchema.safeParse([{ op: 'eval', code: '1' }]).success).toBe(false);
    expect(transformSchema.safeParse([{ op: 'trim', extra: 1 }]).success).toBe(false);
    expect(transformSchema.safeParse([{ op: 'concat', fields: ['a; DROP'] }]).success).toBe(false);
  });
});

describe('filters', () => {
  it('evaluate rules on mapped values', () => {
    expect(ruleMatches({ field: 'x', operator: 'contains', value: 'ACME' }, 'the acme co')).toBe(true);
    expect(ruleMatches({ field: 'x', operator: 'in', value: ['a', 'b'] }, 'B')).toBe(true);
    expect(ruleMatches({ field: 'x', operator: 'is_empty' }, '  ')).toBe(true);
    expect(passesFilters([{ field: 'a', operator: 'eq', value: '1' }, { field: 'b', operator: 'not_empty' }], (f) => (f === 'a' ? '1' : null))).toBe(false);
    expect(passesFilters(undefined, () => null)).toBe(true);
  });
});

describe('schedules', () => {
  it('daily runs at the tenant’s day boundary in its own time zone, across DST', () => {
    // Berlin, boundary 06:00: 2026-03-28 10:00Z → 2026-03-29 06:00 CEST = 04:00Z (DST starts that night)
    expect(nextDailyBoundary(new Date('2026-03-28T10:00:00Z'), 'Europe/Berlin', 6).toISOString()).toBe('2026-03-29T04:00:00.000Z');
    expect(nextDailyBoundary(new Date('2026-01-10T04:00:00Z'), 'Europe/Berlin', 6).toISOString()).toBe('2026-01-10T05:00:00.000Z');
    expect(nextDailyBoundary(new Date('2026-01-10T05:00:00Z'), 'Europe/Berlin', 6).toISOString()).toBe('2026-01-11T05:00:00.000Z');
    expect(nextDailyBoundary(new Date('2026-01-10T05:00:00Z'), 'Not/AZone', 0).toISOString()).toBe('2026-01-11T00:00:00.000Z');
    expect(nextSyncAt('manual', new Date(), 'UTC', 0)).toBeNull();
    expect(nextSyncAt('hourly', new Date(0), 'UTC', 0)!.getTime()).toBe(3_600_000);
  });
});

describe('auto-map', () => {
  it('pairs fields by name, label and known synonyms', () => {
    expect(similarity('firstName', 'firstname')).toBe(1);
    const app = [
      { name: 'position', label: 'Position', type: 'text' as const, required: false, custom: false },
      { name: 'custom.region', label: 'Region', type: 'text' as const, required: false, custom: true },
      { name: 'custom.budget', label: 'Budget', type: 'number' as const, required: false, custom: true },
    ];
    const remote = [
      { name: 'Title', label: 'Title', type: 'string' as const, required: false, updateable: true, custom: false },
      { name: 'Region__c', label: 'Region', type: 'enum' as const, required: false, updateable: true, custom: true },
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'number' as const, required: false, updateable: true, custom: false },
    ];
    expect(suggestMappings(app, remote, [])).toEqual([
      { appField: 'position', remoteField: 'Title', score: 0.95 },
      { appField: 'custom.region', remoteField: 'Region__c', score: 1 },
    ]);
  });
});
