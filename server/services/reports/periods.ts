import type { ScheduledReportType } from '../../shared/reports';

/**
 * Report periods in the tenant's time zone with its day boundary (the hour a business
 * day starts): a daily report covers [D boundary, D+1 boundary) of local wall time, so
 * across a DST change a "day" is 23 or 25 hours long; weeks start on the chosen
 * weekday, months on the 1st, both at the boundary hour.
 *
 * The arithmetic runs on local calendar dates and turns each boundary into an instant
 * with the platform's IANA database (Intl). A wall time that does not exist (the
 * spring-forward gap) resolves forward; an ambiguous one (fall-back) to its later
 * occurrence. No date library (luxon is only a transitive dependency here): these few
 * functions are all the reports need, and the DST test pins them down.
 */

export interface Period {
  start: Date;
  end: Date;
}

interface Wall {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday 1 (Monday) .. 7 (Sunday). */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of an instant in a zone. */
export function wallTime(at: Date, timeZone: string): Wall {
  const parts = formatter(timeZone).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const year = get('year');
  const month = get('month');
  const day = get('day');
  const weekday = ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;
  return { year, month, day, hour: get('hour'), minute: get('minute'), weekday };
}

/** Milliseconds to add to UTC to read the wall clock in `timeZone` at `at`. */
function offsetMs(at: number, timeZone: string): number {
  const w = wallTime(new Date(at), timeZone);
  const seconds = new Date(at).getUTCSeconds();
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, seconds) - Math.floor(at / 1000) * 1000;
}

/** The instant of local wall time `year-month-day hour:00` in `timeZone` (month 1..12; day may overflow). */
export function zonedInstant(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour);
  // the zone's offsets half a day either side cover any transition on that date
  const before = guess - offsetMs(guess - 12 * 3_600_000, timeZone);
  const after = guess - offsetMs(guess + 12 * 3_600_000, timeZone);
  const valid = [before, after].filter((at) => offsetMs(at, timeZone) === guess - at);
  // two valid instants: the wall time happens twice (fall back) → the later one;
  // none: it does not exist (spring forward) → the instant the pre-change offset gives, just after the gap
  return new Date(valid.length ? Math.max(...valid) : before);
}

/** A local calendar date moved by `days` (handles month and year ends). */
function addDays(date: { year: number; month: number; day: number }, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The local date of the business day containing `at` (before the boundary hour it is still yesterday). */
export function businessDate(at: Date, timeZone: string, boundaryHour: number) {
  const w = wallTime(at, timeZone);
  const date = { year: w.year, month: w.month, day: w.day };
  // compare with the boundary instant itself, so a DST change at the boundary is handled
  const boundary = zonedInstant(w.year, w.month, w.day, boundaryHour, timeZone);
  return at.getTime() >= boundary.getTime() ? date : addDays(date, -1);
}

const startOf = (date: { year: number; month: number; day: number }, hour: number, timeZone: string) => zonedInstant(date.year, date.month, date.day, hour, timeZone);

/** The period of `type` that contains `at`. */
export function periodContaining(type: ScheduledReportType, at: Date, timeZone: string, boundaryHour: number, weeklyDay = 1): Period {
  const today = businessDate(at, timeZone, boundaryHour);
  if (type === 'daily') return { start: startOf(today, boundaryHour, timeZone), end: startOf(addDays(today, 1), boundaryHour, timeZone) };
  if (type === 'weekly') {
    const weekday = ((new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7) + 1;
    const first = addDays(today, -((weekday - weeklyDay + 7) % 7));
    return { start: startOf(first, boundaryHour, timeZone), end: startOf(addDays(first, 7), boundaryHour, timeZone) };
  }
  const first = { year: today.year, month: today.month, day: 1 };
  const next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  return { start: startOf(first, boundaryHour, timeZone), end: startOf(next, boundaryHour, timeZone) };
}

/** The latest period of `type` that has fully ended at `now` (what a scheduled run reports on). */
export function latestCompletePeriod(type: ScheduledReportType, now: Date, timeZone: string, boundaryHour: number, weeklyDay = 1): Period {
  const current = periodContaining(type, now, timeZone, boundaryHour, weeklyDay);
  return periodContaining(type, new Date(current.start.getTime() - 1), timeZone, boundaryHour, weeklyDay);
}

/** "1 Oct 2026" / "28 Sep – 4 Oct 2026" / "October 2026" in the tenant's zone (the end is exclusive). */
export function describePeriod(type: string, period: Period, timeZone: string): string {
  const day = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric' }).format(d);
  const lastMoment = new Date(period.end.getTime() - 1);
  if (type === 'monthly') return new Intl.DateTimeFormat('en-GB', { timeZone, month: 'long', year: 'numeric' }).format(period.start);
  if (type === 'daily') return day(period.start);
  const dateTime = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d);
  if (type === 'weekly') return `${day(period.start)} – ${day(lastMoment)}`;
  return `${dateTime(period.start)} – ${dateTime(period.end)}`;
}
