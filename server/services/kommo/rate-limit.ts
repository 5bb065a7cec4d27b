import type { Sql } from '../../../db/client';
import type { RequestPacer } from '../../providers/kommo/transport';
import { KOMMO_REQUESTS_PER_SECOND } from '../../shared/kommo';

/**
 * Kommo allows 7 requests per second per account (wire-spec §3.6) and blocks accounts
 * that keep exceeding it, so the limit is shared by every web process and worker: one
 * `kommo_rate_limits` row per account host holds the next free request slot. Taking a
 * slot is ONE statement (an upsert that moves `next_slot_at` one spacing ahead and
 * returns how long this caller waits) — a GCRA token bucket with a burst of one, which
 * needs no lock held across the wait and serves callers in arrival order. Times come
 * from the database clock, so machines with skewed clocks still agree.
 *
 * The spacing is 1000/7 ms plus a small margin: arrivals at Kommo jitter by a few
 * milliseconds, and 7 requests must never land inside one second.
 */
export class PostgresPacer implements RequestPacer {
  readonly spacingMs: number;

  constructor(
    private readonly sql: Sql,
    perSecond = KOMMO_REQUESTS_PER_SECOND,
    marginMs = 8,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.spacingMs = Math.ceil(1000 / perSecond) + marginMs;
  }

  async take(accountKey: string): Promise<void> {
    const spacing = this.spacingMs;
    const [row] = await this.sql<{ wait_ms: number }[]>`
      insert into kommo_rate_limits as r (account_key, next_slot_at)
      values (${accountKey}, statement_timestamp() + ${spacing} * interval '1 millisecond')
      on conflict (account_key) do update
        set next_slot_at = greatest(r.next_slot_at, statement_timestamp()) + ${spacing} * interval '1 millisecond'
      returning (extract(epoch from (r.next_slot_at - statement_timestamp())) * 1000)::float8 - ${spacing} as wait_ms`;
    const wait = Math.ceil(Number(row?.wait_ms ?? 0));
    if (wait > 0) await this.sleep(wait);
  }

  /** After a 429: nobody on this account sends before `ms` from now. */
  async penalize(accountKey: string, ms: number): Promise<void> {
    await this.sql`
      insert into kommo_rate_limits as r (account_key, next_slot_at)
      values (${accountKey}, statement_timestamp() + ${Math.max(0, Math.round(ms))} * interval '1 millisecond')
      on conflict (account_key) do update
        set next_slot_at = greatest(r.next_slot_at, statement_timestamp() + ${Math.max(0, Math.round(ms))} * interval '1 millisecond')`;
  }
}
