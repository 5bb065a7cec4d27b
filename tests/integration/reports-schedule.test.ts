import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportRuns, reports, reportSettings } from '../../db/schema/reports';
import { latestCompletePeriod, periodContaining, zonedInstant } from '../../server/services/reports/periods';
import { startDueRuns } from '../../server/services/reports/schedule';
import { nextScheduled, saveAutomation } from '../../server/services/reports/settings';
import { useTestDatabase } from '../support/database';
import { makeTenant, makeUser, servicesFor } from '../support/factories';
import { reportDeps } from '../support/reports';

/**
 * Scheduled reports follow the tenant's time zone and the hour its business day
 * starts — across DST changes, when a local day lasts 23 or 25 hours (Europe/Berlin:
 * clocks go forward on 2026-03-29 at 01:00 UTC and back on 2026-10-25 at 01:00 UTC).
 */

const database = useTestDatabase();
const Z = (iso: string) => new Date(iso);
const hours = (p: { start: Date; end: Date }) => (p.end.getTime() - p.start.getTime()) / 3_600_000;

describe('periods in the tenant time zone', () => {
  it('a local day starting at 03:00 lasts 23 hours over the spring change and 25 over the autumn one', () => {
    const spring = latestCompletePeriod('daily', Z('2026-03-29T05:00:00Z'), 'Europe/Berlin', 3);
    expect(spring).toEqual({ start: Z('2026-03-28T02:00:00Z'), end: Z('2026-03-29T01:00:00Z') });
    expect(hours(spring)).toBe(23);
    const autumn = latestCompletePeriod('daily', Z('2026-10-25T05:00:00Z'), 'Europe/Berlin', 3);
    expect(autumn).toEqual({ start: Z('2026-10-24T01:00:00Z'), end: Z('2026-10-25T02:00:00Z') });
    expect(hours(autumn)).toBe(25);
    const ordinary = latestCompletePeriod('daily', Z('2026-06-10T05:00:00Z'), 'Europe/Berlin', 3);
    expect(ordinary).toEqual({ start: Z('2026-06-09T01:00:00Z'), end: Z('2026-06-10T01:00:00Z') });
  });

  it('a boundary inside the spring gap moves forward; inside the autumn overlap it takes the later hour', () => {
    expect(zonedInstant(2026, 3, 29, 2, 'Europe/Berlin')).toEqual(Z('2026-03-29T01:00:00Z')); // 02:00 does not exist → 03:00 CEST
    expect(zonedInstant(2026, 10, 25, 2, 'Europe/Berlin')).toEqual(Z('2026-10-25T01:00:00Z')); // 02:00 happens twice → 02:00 CET
    expect(zonedInstant(2026, 11, 1, 1, 'America/New_York')).toEqual(Z('2026-11-01T06:00:00Z'));
    const day = periodContaining('daily', Z('2026-03-29T12:00:00Z'), 'Europe/Berlin', 2);
    expect(day).toEqual({ start: Z('2026-03-29T01:00:00Z'), end: Z('2026-03-30T00:00:00Z') });
    expect(hours(day)).toBe(23);
  });

  it('before the boundary hour it is still the previous business day', () => {
    // 02:30 in Berlin on 29 March (00:30 UTC) belongs to the 28th when days start at 03:00
    expect(periodContaining('daily', Z('2026-03-29T00:30:00Z'), 'Europe/Berlin', 3)).toEqual({ start: Z('2026-03-28T02:00:00Z'), end: Z('2026-03-29T01:00:00Z') });
    expect(periodContaining('daily', Z('2026-03-29T01:00:00Z'), 'Europe/Berlin', 3).start).toEqual(Z('2026-03-29T01:00:00Z'));
  });

  it('weeks start on the chosen weekday at the boundary (167 hours over the spring change); months on the 1st', () => {
    const week = periodContaining('weekly', Z('2026-03-29T12:00:00Z'), 'Europe/Berlin', 0, 1);
    expect(week).toEqual({ start: Z('2026-03-22T23:00:00Z'), end: Z('2026-03-29T22:00:00Z') });
    expect(hours(week)).toBe(167);
    const fridays = periodContaining('weekly', Z('2026-06-10T12:00:00Z'), 'UTC', 6, 5);
    expect(fridays).toEqual({ start: Z('2026-06-05T06:00:00Z'), end: Z('2026-06-12T06:00:00Z') });
    expect(latestCompletePeriod('monthly', Z('2026-04-01T12:00:00Z'), 'Europe/Berlin', 0)).toEqual({ start: Z('2026-02-28T23:00:00Z'), end: Z('2026-03-31T22:00:00Z') });
    // Tokyo, months starting at 09:00: at 08:30 on 1 January it is still December, at 09:30 January
    expect(latestCompletePeriod('monthly', Z('2026-12-31T23:30:00Z'), 'Asia/Tokyo', 9)).toEqual({ start: Z('2026-11-01T00:00:00Z'), end: Z('2026-12-01T00:00:00Z') });
    expect(latestCompletePeriod('monthly', Z('2027-01-01T00:30:00Z'), 'Asia/Tokyo', 9)).toEqual({ start: Z('2026-12-01T00:00:00Z'), end: Z('2027-01-01T00:00:00Z') });
    expect(nextScheduled(Z('2026-03-28T12:00:00Z'), 'Europe/Berlin', 3, 1, ['weekly', 'daily']).map((n) => [n.type, n.at.toISOString()])).toEqual([
      ['daily', '2026-03-29T01:00:00.000Z'],
      ['weekly', '2026-03-30T01:00:00.000Z'],
    ]);
  });
});

describe('the schedule tick', () => {
  let organizationId: string;
  beforeAll(async () => {
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    organizationId = tenant.id;
    await saveAutomation(reportDeps(servicesFor(database.current)), { organizationId, userId: owner.id }, { timeZone: 'Europe/Berlin', dayBoundaryHour: 3, schedule: 'daily', weeklyDay: 1, reportTypes: ['daily', 'weekly'] });
    // switched on at noon on the 28th (the service stamps "now"; the test moves it into March)
    await database.current.db.update(reportSettings).set({ automationSince: Z('2026-03-28T12:00:00Z') }).where(eq(reportSettings.organizationId, organizationId));
  });

  const tick = (now: string) => startDueRuns(reportDeps(servicesFor(database.current)), Z(now));
  const periods = async () =>
    (await database.current.db.select({ type: reports.type, start: reports.periodStart, end: reports.periodEnd }).from(reports).where(eq(reports.organizationId, organizationId)))
      .map((r) => `${r.type} ${r.start.toISOString()} → ${r.end.toISOString()}`)
      .sort();

  it('starts each due period once, in the tenant zone, across the spring change, and never backfills', async () => {
    // 01:30 CET on the 29th: the 28th (from 03:00) has not ended; the 27th ended before automation was switched on
    expect((await tick('2026-03-29T00:30:00Z')).started).toEqual([]);
    // 03:30 CEST: the 28th ended at 03:00 CEST after 23 hours
    const first = await tick('2026-03-29T01:30:00Z');
    expect(first.started.map((s) => [s.type, s.result.status])).toEqual([['daily', 'queued']]);
    // a second tick (a minute later, or another worker) finds the report and does nothing
    expect((await tick('2026-03-29T01:31:00Z')).started).toEqual([]);
    // Monday 30 March after 03:00 CEST: the daily of the 29th and the week from Monday 23rd (167 hours)
    const monday = await tick('2026-03-30T01:05:00Z');
    expect(monday.started.map((s) => s.type).sort()).toEqual(['daily', 'weekly']);
    expect(await periods()).toEqual([
      'daily 2026-03-28T02:00:00.000Z → 2026-03-29T01:00:00.000Z',
      'daily 2026-03-29T01:00:00.000Z → 2026-03-30T01:00:00.000Z',
      'weekly 2026-03-23T02:00:00.000Z → 2026-03-30T01:00:00.000Z',
    ]);
    const runs = await database.current.db.select({ trigger: reportRuns.trigger, status: reportRuns.status }).from(reportRuns).where(eq(reportRuns.organizationId, organizationId));
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.trigger === 'schedule' && r.status === 'queued')).toBe(true);
  });

  it('a manual schedule starts nothing', async () => {
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    await saveAutomation(reportDeps(servicesFor(database.current)), { organizationId: tenant.id, userId: owner.id }, { timeZone: 'UTC', dayBoundaryHour: 0, schedule: 'manual', weeklyDay: 1, reportTypes: [] });
    const { started } = await tick('2026-12-01T00:30:00Z');
    expect(started.filter((s) => s.organizationId === tenant.id)).toEqual([]);
  });
});
