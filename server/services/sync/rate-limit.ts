import type { Sql } from '../../../db/client';

/**
 * The API pacer of one connection, shared by every process that talks to its CRM (web
 * requests, any number of workers): one `sync_rate_limits` row per connection (decision 009).
 *
 * - Short-interval limits are a GCRA (a token bucket with a burst of one): each call needs a
 *   slot, slots are `spacingMs` apart (HubSpot: 10 000 ms / (0.95 × 100) ≈ 105 ms, or what the
 *   X-HubSpot-RateLimit-Max / -Interval-Milliseconds headers advertise; the search endpoints
 *   have their own bucket at 5/s). Slots are handed out in arrival order by one UPSERT that
 *   moves `*_next_at` forward, so no lock is held across a wait. Salesforce has no
 *   short-interval limit: its spacing is 0 and the row only carries penalties and the count.
 * - A 429 (or Salesforce's 403 REQUEST_LIMIT_EXCEEDED) pushes the row's next slot to
 *   now + Retry-After: every process waits it out, not only the one that was refused.
 * - The day's calls are counted in the same statement and a reservation is cut at the
 *   connection's daily budget, so the cap holds across processes (a process that races another
 *   for the last slots may send one call more; see `exhausted`).
 *
 * Bookkeeping is batched: a process reserves up to `maxBatch` slots per round trip while it
 * keeps using them (doubling while every slot is used, back to one when slots go stale, and
 * never more than it can use within the tolerance at its own pace), so a busy sync pays one
 * statement per several calls; slots dropped unused are given back to the day's count. A reserved slot is used at or after its time
 * and at most `toleranceMs` after it (a stale slot is dropped — sent later, it could put more
 * calls into one window than the limit allows; see `pacing`). Waits are the database's (the
 * row's next slot minus its statement time), so clocks of different machines need not agree. A penalty set by another process is noticed at the next
 * reservation, i.e. after at most the slots already held (≤ `maxBatch` spacings, < 1 s on HubSpot).
 */

export type Bucket = 'api' | 'search';

/**
 * Spacing and tolerance for "at most `limit` calls in any `windowMs`": slots `windowMs / n`
 * apart with n = min(⌊0.95 · limit⌋, limit − 2), and a slot may be used up to `toleranceMs`
 * after its time. Slots are spaced globally, so the calls sent in any window have their slots
 * within window + tolerance: at most ⌊(windowMs + toleranceMs) / spacing⌋ + 1 ≤ limit of them,
 * however many processes send them.
 */
export function pacing(limit: number, windowMs: number): { spacingMs: number; toleranceMs: number } {
  const n = Math.max(1, Math.min(Math.floor(limit * 0.95), limit - 2));
  const spacingMs = windowMs / n;
  return { spacingMs, toleranceMs: Math.max(0, (limit - 1 - n) * spacingMs - 1) };
}

export interface PacerOptions {
  /** Milliseconds between general calls (0: no short-interval limit), and how late a slot may be used. */
  spacingMs: number;
  toleranceMs?: number;
  /** Milliseconds between search calls (0: none; only HubSpot has a search bucket), and its tolerance. */
  searchSpacingMs?: number;
  searchToleranceMs?: number;
  /** Most slots reserved per round trip. */
  maxBatch?: number;
  /** The daily cap (calls) when the budget is enforced; null: count only. */
  budget?: () => number | null;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const today = () => new Date().toISOString().slice(0, 10);
/** Stands for "no cap" in SQL. */
const UNLIMITED = 2_000_000_000;

interface Lane {
  slots: number[];
  batch: number;
  /** When this lane last handed out a slot, and the smoothed time between two (ms). */
  lastTake: number;
  gap: number;
  /** Reservation in flight: concurrent callers of this process share it. */
  pending: Promise<void> | null;
}

export class SharedPacer {
  spacingMs: number;
  toleranceMs: number;
  readonly searchSpacingMs: number;
  readonly searchToleranceMs: number;
  private readonly maxBatch: number;
  private readonly lanes: Record<Bucket, Lane> = {
    api: { slots: [], batch: 1, lastTake: 0, gap: 0, pending: null },
    search: { slots: [], batch: 1, lastTake: 0, gap: 0, pending: null },
  };
  private advertised: number | null = null;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Round trips to Postgres and time spent in them (for the overhead figure). */
  readonly stats = { reservations: 0, slots: 0, stale: 0, dbMs: 0 };
  /** The row's day count after the last reservation. */
  dayCalls = 0;
  private capReached = false;
  private lastBudget = UNLIMITED;

  constructor(
    private readonly sql: Sql,
    readonly connectionId: string,
    private readonly options: PacerOptions,
  ) {
    this.spacingMs = options.spacingMs;
    this.toleranceMs = options.toleranceMs ?? options.spacingMs;
    this.searchSpacingMs = options.searchSpacingMs ?? 0;
    this.searchToleranceMs = options.searchToleranceMs ?? this.searchSpacingMs;
    this.maxBatch = Math.max(1, options.maxBatch ?? 8);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Resolves when this process may send one more call of that kind. It never refuses: a
   * reservation is cut at the daily cap (at least one slot, so a call already under way
   * finishes) and sets `exhausted`, which SyncClient checks before each of its calls.
   */
  async take(bucket: Bucket = 'api'): Promise<void> {
    const lane = this.lanes[bucket];
    for (;;) {
      const spacing = bucket === 'api' ? this.spacingMs : this.searchSpacingMs;
      const tolerance = bucket === 'api' ? this.toleranceMs : this.searchToleranceMs;
      const now = this.now();
      // a slot older than the tolerance is dropped (sent later, it could crowd a window) and given back to the day's count
      let dropped = 0;
      while (spacing > 0 && lane.slots.length && lane.slots[0]! < now - tolerance) {
        lane.slots.shift();
        dropped += 1;
      }
      if (dropped) {
        this.stats.stale += dropped;
        lane.batch = 1;
        await this.giveBack(dropped);
      }
      const slot = lane.slots.shift();
      if (slot !== undefined) {
        if (lane.lastTake) lane.gap = lane.gap ? 0.7 * lane.gap + 0.3 * (now - lane.lastTake) : now - lane.lastTake;
        lane.lastTake = now;
        if (slot > now) await this.sleep(slot - now);
        return;
      }
      if (!lane.pending) {
        lane.pending = this.reserve(bucket, lane).finally(() => {
          lane.pending = null;
        });
      }
      await lane.pending;
    }
  }

  private async reserve(bucket: Bucket, lane: Lane): Promise<void> {
    const spacing = bucket === 'api' ? this.spacingMs : this.searchSpacingMs;
    const tolerance = bucket === 'api' ? this.toleranceMs : this.searchToleranceMs;
    // no more slots than this process uses before the last one would go stale: slot k is used about k·(gap − spacing) late
    const usable = spacing > 0 && lane.gap > spacing ? 1 + Math.floor(tolerance / (lane.gap - spacing)) : this.maxBatch;
    const want = Math.max(1, Math.min(lane.batch, usable));
    const cap = this.options.budget?.() ?? null;
    const budget = cap === null ? UNLIMITED : Math.max(0, Math.floor(cap));
    const day = today();
    const started = performance.now();
    const column = bucket === 'api' ? this.sql('api_next_at') : this.sql('search_next_at');
    // the general bucket follows the spacing the provider advertised last (any process may have learned it)
    const step = bucket === 'api' ? this.sql`coalesce(r.api_spacing_ms, ${spacing}::float8)` : this.sql`${spacing}::float8`;
    const used = this.sql`(case when r.day = ${day} then r.day_calls else 0 end)`;
    const granted = this.sql`greatest(1, least(${want}::int, ${budget}::int - ${used}))`;
    const [row] = await this.sql<{ wait_ms: number; granted: number; day_calls: number; step: number }[]>`
      insert into sync_rate_limits as r (connection_id, ${column}, day, day_calls, granted)
      values (${this.connectionId}, statement_timestamp() + greatest(1, least(${want}::int, ${budget}::int)) * ${spacing}::float8 * interval '1 millisecond', ${day}, greatest(1, least(${want}::int, ${budget}::int)), greatest(1, least(${want}::int, ${budget}::int)))
      on conflict (connection_id) do update set
        ${column} = greatest(r.${column}, statement_timestamp()) + ${granted} * ${step} * interval '1 millisecond',
        day_calls = ${used} + ${granted},
        day = ${day},
        granted = ${granted}
      returning (extract(epoch from (r.${column} - statement_timestamp())) * 1000)::float8 as wait_ms, r.granted, r.day_calls,
        ${bucket === 'api' ? this.sql`coalesce(r.api_spacing_ms, ${spacing}::float8)` : this.sql`${spacing}::float8`} as step`;
    this.stats.reservations += 1;
    this.stats.dbMs += performance.now() - started;
    const got = Number(row?.granted ?? 0);
    this.dayCalls = Number(row?.day_calls ?? 0);
    this.capReached = this.dayCalls >= budget;
    this.lastBudget = budget;
    this.stats.slots += got;
    const stepMs = Number(row?.step ?? spacing);
    if (bucket === 'api' && Math.abs(stepMs - this.spacingMs) > 1e-6) {
      // another process learned a different limit: until ours is advertised to us, stay within one spacing
      this.spacingMs = stepMs;
      this.toleranceMs = Math.min(this.toleranceMs, Math.max(0, stepMs - 1));
    }
    // wait_ms is measured to the slot after the last one granted
    const first = this.now() + Number(row?.wait_ms ?? 0) - got * stepMs;
    for (let i = 0; i < got; i++) lane.slots.push(first + i * stepMs);
    lane.batch = Math.min(this.maxBatch, got === want ? want * 2 : want);
  }

  /** Slots dropped unused do not count against the day's budget. */
  private async giveBack(n: number): Promise<void> {
    const [row] = await this.sql<{ day_calls: number }[]>`
      update sync_rate_limits set day_calls = greatest(0, day_calls - ${n}::int)
      where connection_id = ${this.connectionId} and day = ${today()}
      returning day_calls`;
    if (row) {
      this.dayCalls = Number(row.day_calls);
      this.capReached = this.dayCalls >= this.lastBudget;
    }
  }

  /** Reads today's count (a client checks the budget before its first call). */
  async load(): Promise<void> {
    const [row] = await this.sql<{ day_calls: number }[]>`select day_calls from sync_rate_limits where connection_id = ${this.connectionId} and day = ${today()}`;
    this.dayCalls = Number(row?.day_calls ?? 0);
    const cap = this.options.budget?.() ?? null;
    this.capReached = cap !== null && this.dayCalls >= cap;
  }

  /** Slots this process has reserved (counted in the day's calls) and not used yet. */
  get heldSlots(): number {
    return this.lanes.api.slots.length + this.lanes.search.slots.length;
  }

  /** The daily cap is reached and this process holds no reserved slot any more: the caller stops before its next call. */
  get exhausted(): boolean {
    return this.capReached && this.lanes.api.slots.length === 0 && this.lanes.search.slots.length === 0;
  }

  /** The provider asked everyone to wait `ms` (429 Retry-After): held slots are dropped and the row moves on. */
  async penalize(ms: number): Promise<void> {
    const wait = Math.max(0, Math.round(ms));
    const held = this.lanes.api.slots.length + this.lanes.search.slots.length;
    this.lanes.api.slots = [];
    this.lanes.search.slots = [];
    this.lanes.api.batch = 1;
    this.lanes.search.batch = 1;
    await this.sql`
      insert into sync_rate_limits as r (connection_id, api_next_at, search_next_at, day)
      values (${this.connectionId}, statement_timestamp() + ${wait} * interval '1 millisecond', statement_timestamp() + ${wait} * interval '1 millisecond', ${today()})
      on conflict (connection_id) do update set
        api_next_at = greatest(r.api_next_at, statement_timestamp() + ${wait} * interval '1 millisecond'),
        search_next_at = greatest(r.search_next_at, statement_timestamp() + ${wait} * interval '1 millisecond')`;
    if (held) await this.giveBack(held);
  }

  /**
   * The provider advertised its limit (X-HubSpot-RateLimit-Max per -Interval-Milliseconds):
   * the spacing becomes `pacing(limit, windowMs)`, for every process.
   */
  async advertise(limit: number, windowMs: number): Promise<void> {
    if (!(limit > 0) || !(windowMs > 0) || this.spacingMs === 0) return;
    const { spacingMs: spacing, toleranceMs } = pacing(limit, windowMs);
    if (this.advertised !== null && Math.abs(this.advertised - spacing) < 1e-6) return;
    this.advertised = spacing;
    // slots held at a shorter spacing than the new one could crowd a window: drop them (rare: the limit went down)
    const dropped = spacing > this.spacingMs + 1e-6 ? this.lanes.api.slots.splice(0).length : 0;
    this.spacingMs = spacing;
    this.toleranceMs = toleranceMs;
    await this.sql`
      insert into sync_rate_limits as r (connection_id, api_spacing_ms, day)
      values (${this.connectionId}, ${spacing}::float8, ${today()})
      on conflict (connection_id) do update set api_spacing_ms = ${spacing}::float8
      where r.api_spacing_ms is distinct from ${spacing}::float8`;
    if (dropped) await this.giveBack(dropped);
  }
}
