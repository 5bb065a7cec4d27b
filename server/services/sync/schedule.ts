import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { connections } from '../../../db/schema';
import { syncProviders, type SyncFrequency } from '../../shared/sync';

/**
 * Schedules (decision 006): a one-minute pg-boss cron job ("crm-sync-tick") enqueues a
 * crm-sync job for every connected connection whose next_sync_at has come; each run sets
 * the next one. Hourly runs an hour after the last; daily at the tenant's day boundary
 * hour in the tenant's time zone; realtime polls every minute as the safety net behind
 * webhooks; manual never. A paused, failed or disconnected connection is never due.
 *
 * The zone arithmetic is done with Intl (the platform's IANA database) in a few lines
 * rather than a date library: it is the only zone computation the engine needs.
 */

/** Milliseconds to add to UTC to get the wall time in `timeZone` at instant `at`. */
function zoneOffset(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (DST gaps resolve forward). */
export function zonedInstant(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const guess = Date.UTC(year, month, day, hour);
  let at = guess - zoneOffset(guess, timeZone);
  at = guess - zoneOffset(at, timeZone);
  return new Date(at);
}

/** The next daily boundary (hour:00 in the tenant's zone) strictly after `from`. */
export function nextDailyBoundary(from: Date, timeZone: string, hour: number): Date {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  const local = new Date(from.getTime() + zoneOffset(from.getTime(), zone));
  for (let add = 0; add < 3; add++) {
    const candidate = zonedInstant(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + add, hour, zone);
    if (candidate.getTime() > from.getTime()) return candidate;
  }
  return new Date(from.getTime() + 86_400_000);
}

export function nextSyncAt(frequency: SyncFrequency, from: Date, timeZone: string, dayBoundaryHour: number): Date | null {
  switch (frequency) {
    case 'manual':
      return null;
    case 'realtime':
      return new Date(from.getTime() + 60_000);
    case 'hourly':
      return new Date(from.getTime() + 3_600_000);
    case 'daily':
      return nextDailyBoundary(from, timeZone, dayBoundaryHour);
  }
}

/**
 * Connections due now. Their next_sync_at moves a little ahead at once (claimed), so two
 * tickers on two machines do not both enqueue; the run sets the real next time.
 */
export async function claimDueConnections(db: Db, now = new Date(), limit = 500): Promise<{ id: string; organizationId: string }[]> {
  return db
    .update(connections)
    .set({ nextSyncAt: sql`${now.toISOString()}::timestamptz + interval '15 minutes'` })
    .where(
      sql`${connections.id} in (select id from ${connections} where ${and(eq(connections.status, 'connected'), lte(connections.nextSyncAt, now), inArray(connections.provider, [...syncProviders]))} order by ${connections.nextSyncAt} limit ${limit} for update skip locked)`,
    )
    .returning({ id: connections.id, organizationId: connections.organizationId });
}
