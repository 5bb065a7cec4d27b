import { eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { loginThrottles } from '../../db/schema';

/**
 * Brute-force limits on log-in, stored in Postgres so every web process shares them.
 * Per e-mail (known or not, so the answer reveals nothing): 10 failures in 15 minutes
 * lock that e-mail for 15 minutes. Per IP: 50 failures in 15 minutes lock the IP.
 */
export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const LOCK_MS = 15 * 60 * 1000;
export const limits = { email: 10, ip: 50 } as const;

export const emailKey = (email: string) => `email:${email.trim().toLowerCase()}`;
export const ipKey = (ip: string) => `ip:${ip}`;

export async function lockedUntil(db: Db, keys: string[], now = new Date()): Promise<Date | null> {
  let latest: Date | null = null;
  for (const key of keys) {
    const [row] = await db.select().from(loginThrottles).where(eq(loginThrottles.key, key));
    if (row?.lockedUntil && row.lockedUntil > now && (!latest || row.lockedUntil > latest)) latest = row.lockedUntil;
  }
  return latest;
}

/** Counts one failure against a key; locks it when the window's limit is reached. */
export async function recordFailure(db: Db, key: string, limit: number, now = new Date()): Promise<void> {
  const at = now.toISOString();
  const windowStart = new Date(now.getTime() - THROTTLE_WINDOW_MS).toISOString();
  const lockUntil = new Date(now.getTime() + LOCK_MS).toISOString();
  const expired = sql`login_throttles.window_started_at < ${windowStart}::timestamptz`;
  const failures = sql`case when ${expired} then 1 else login_throttles.failures + 1 end`;
  await db.execute(sql`
    insert into login_throttles (key, failures, window_started_at, locked_until)
    values (${key}, 1, ${at}::timestamptz, ${limit <= 1 ? lockUntil : null}::timestamptz)
    on conflict (key) do update set
      failures = ${failures},
      window_started_at = case when ${expired} then ${at}::timestamptz else login_throttles.window_started_at end,
      locked_until = case when ${failures} >= ${limit} then ${lockUntil}::timestamptz else login_throttles.locked_until end
  `);
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottles).where(eq(loginThrottles.key, key));
}

export async function deleteStaleThrottles(db: Db, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - THROTTLE_WINDOW_MS - LOCK_MS);
  const rows = await db.delete(loginThrottles).where(lt(loginThrottles.windowStartedAt, cutoff)).returning({ key: loginThrottles.key });
  return rows.length;
}
