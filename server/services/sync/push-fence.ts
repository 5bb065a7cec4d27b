import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';

/**
 * The push fence (decision 006, migration 0006). change_seq values are handed out when a
 * row is written, but become visible when its transaction commits — possibly after a
 * higher value. Every CRM writer holds the tenant's shared advisory lock (7006,
 * hashtext(org)) until it ends; taking that lock exclusively for an instant therefore
 * proves no writer of the tenant is in flight, and the sequence value read at that moment
 * is a fence: every change of the tenant at or below it has committed or rolled back.
 * The push reads up to the fence and never past it.
 *
 * The exclusive lock is only ever *tried* (pg_try_advisory_xact_lock), so it never queues
 * writers behind it; under a constant stream of writes a few tries may be needed, and
 * after `attempts` failures the push is deferred to the next run (null).
 */
export async function pushFence(db: Db, organizationId: string, options: { attempts?: number; pauseMs?: number } = {}): Promise<number | null> {
  const attempts = options.attempts ?? 20;
  for (let i = 0; i < attempts; i++) {
    const fence = await db.transaction(async (tx) => {
      const [row] = (await tx.execute<{ fence: string | null }>(
        sql`select case when pg_try_advisory_xact_lock(7006, hashtext(${organizationId}::text))
                   then (select case when is_called then last_value else last_value - 1 end from crm_change_seq)
                   end as fence`,
      )) as unknown as { fence: string | null }[];
      return row?.fence ?? null;
    });
    if (fence !== null) return Number(fence);
    await new Promise((r) => setTimeout(r, (options.pauseMs ?? 25) * (1 + Math.min(i, 8))));
  }
  return null;
}
