import { eq, sql } from 'drizzle-orm';
import { connections } from '../../../db/schema';
import { BULK_JOB_MIN_REQUESTS, type SalesforceClient } from '../../providers/salesforce/client';
import { crmClient, DEFAULT_DAILY_ALLOCATION, setupOfConnection, type ProviderSetup } from '../../providers/registry';
import {
  ProviderRateLimited,
  ReauthorizationNeeded,
  type ChangePage,
  type CrmClient,
  type CrmEntity,
  type CrmIdentity,
  type PullCursor,
  type PullOptions,
  type RemoteField,
  type RemoteRecord,
  type TokenSet,
  type WriteInput,
  type WriteResult,
} from '../../providers/types';
import type { Executor } from '../crm/context';
import { ApiBudgetExhausted } from './errors';
import { pacing, SharedPacer } from './rate-limit';
import { announceReauthorization, currentTokens, markReauthorizationNeeded, refreshTokens, REFRESH_AHEAD_MS, type SyncDeps } from './tokens';

/**
 * The CrmClient the engine uses: the provider's client (server/providers/<vendor>)
 * wrapped with what belongs to the connection rather than to the vendor —
 *
 * - tokens: refreshed ahead of expiry and after a rejection through tokens.ts (one
 *   refresh across processes), then the call is repeated once with the new token;
 * - rate limits: the connection's pacer shared by every process (rate-limit.ts, one
 *   Postgres row): GCRA slots at the provider's published/advertised limit (HubSpot's
 *   X-HubSpot-RateLimit-Max per interval; its search endpoints' 5/s), and ProviderRateLimited
 *   answers (429, Retry-After) push the shared slot back for every process, then the call is
 *   retried a bounded number of times;
 * - the daily API budget: the connection may spend `daily_api_budget_percent` of the
 *   provider's daily allocation, counted across processes in the same row; once it is
 *   reached the next call throws ApiBudgetExhausted.
 */

const MAX_RATE_LIMIT_WAITS = 8;
const MAX_WAIT_MS = 120_000;
const today = () => new Date().toISOString().slice(0, 10);

/**
 * HubSpot: 100 calls per 10 s for an OAuth app until its headers say otherwise; search 5/s
 * (215 ms apart, used ≤ 70 ms late: ⌊1070 / 215⌋ + 1 = 5 in any second). Salesforce has no
 * short-interval limit.
 */
export const HUBSPOT_PACING = pacing(100, 10_000);
export const HUBSPOT_SEARCH_PACING = { spacingMs: 215, toleranceMs: 70 };

export interface SyncClientOptions {
  /** Stop before the connection's share of the daily allocation is spent. */
  enforceBudget?: boolean;
  /** Per HTTP request timeout of the provider client (default: the client's own, 90–120 s). */
  requestTimeoutMs?: number;
  /** Most pacer slots reserved per round trip (default 8). */
  maxSlotBatch?: number;
}

export class SyncClient implements CrmClient {
  readonly provider: CrmClient['provider'];
  readonly writeBatchSize: number;
  readonly pushPageSize: number | undefined;
  private inner: CrmClient;
  /** The connection's shared pacer (every process of this connection sees the same one). */
  readonly pacer: SharedPacer;
  /** HTTP requests made through this client (the clients call beforeCall before each). */
  calls = 0;
  private flushedCalls = 0;
  private dailyLimit: number;

  private constructor(
    private readonly deps: SyncDeps,
    readonly connection: { id: string; organizationId: string; dailyApiBudgetPercent: number; apiCallsDay: string | null; apiCallsCount: number },
    private readonly setup: ProviderSetup,
    private tokens: TokenSet,
    private readonly options: SyncClientOptions,
  ) {
    this.dailyLimit = DEFAULT_DAILY_ALLOCATION[setup.provider];
    const hubspot = setup.provider === 'hubspot';
    this.pacer = new SharedPacer(deps.sql, connection.id, {
      spacingMs: hubspot ? HUBSPOT_PACING.spacingMs : 0,
      toleranceMs: hubspot ? HUBSPOT_PACING.toleranceMs : 0,
      searchSpacingMs: hubspot ? HUBSPOT_SEARCH_PACING.spacingMs : 0,
      searchToleranceMs: hubspot ? HUBSPOT_SEARCH_PACING.toleranceMs : 0,
      maxBatch: options.maxSlotBatch,
      budget: () => (this.options.enforceBudget ? this.budget() : null),
    });
    this.inner = this.build();
    this.provider = this.inner.provider;
    this.writeBatchSize = this.inner.writeBatchSize;
    this.pushPageSize = this.inner.pushPageSize;
  }

  static async open(deps: SyncDeps, connectionId: string, options: SyncClientOptions = {}): Promise<SyncClient> {
    const [row] = await deps.db.select().from(connections).where(eq(connections.id, connectionId));
    if (!row) throw new Error('connection not found');
    const setup = setupOfConnection(row, deps.env);
    const tokens = await currentTokens(deps, connectionId);
    const client = new SyncClient(deps, row, setup, tokens, options);
    if (options.enforceBudget) await client.pacer.load();
    return client;
  }

  private build(): CrmClient {
    return crmClient(this.setup, this.tokens, {
      connectionId: this.connection.id,
      requestTimeoutMs: this.options.requestTimeoutMs,
      beforeCall: async (kind) => {
        this.calls += 1;
        await this.pacer.take(kind === 'search' ? 'search' : 'api');
      },
      onRateLimitInfo: (info) => {
        if (info.dailyLimit) this.dailyLimit = info.dailyLimit;
        // 5 % below the advertised limit (the pacer's business): the provider counts arrivals, we count departures
        if (info.limit && info.windowMs) this.pacer.advertise(info.limit, info.windowMs).catch(() => {});
      },
    });
  }

  /** The connection's daily cap in calls. */
  budget(): number {
    return Math.floor((this.dailyLimit * this.connection.dailyApiBudgetPercent) / 100);
  }

  /**
   * The calls this connection may still make today by the logged count (connections.api_calls_count
   * plus this client's unflushed calls). Every process's calls are counted by the shared pacer,
   * whose `exhausted` the calls check as well (its count includes slots reserved but not yet used).
   */
  budgetLeft(): number {
    const mine = (this.connection.apiCallsDay === today() ? this.connection.apiCallsCount : 0) + this.calls - this.flushedCalls;
    return this.budget() - mine;
  }

  /** Adds this client's calls since the last flush to the connection's daily count (in the caller's transaction). */
  async flushUsage(db: Executor): Promise<void> {
    const n = this.calls - this.flushedCalls;
    if (n <= 0) return;
    const day = today();
    const [row] = await db
      .update(connections)
      .set({
        apiCallsCount: sql`case when ${connections.apiCallsDay} = ${day} then ${connections.apiCallsCount} + ${n} else ${n} end`,
        apiCallsDay: day,
      })
      .where(eq(connections.id, this.connection.id))
      .returning({ count: connections.apiCallsCount });
    this.flushedCalls = this.calls;
    this.connection.apiCallsDay = day;
    this.connection.apiCallsCount = row?.count ?? this.connection.apiCallsCount + n;
  }

  private async invoke<T>(fn: (client: CrmClient) => Promise<T>): Promise<T> {
    let refreshed = false;
    let waits = 0;
    for (;;) {
      if (this.options.enforceBudget && (this.pacer.exhausted || this.budgetLeft() <= 0)) throw new ApiBudgetExhausted(this.budget());
      if (this.tokens.expiresAt !== null && this.tokens.expiresAt - Date.now() < REFRESH_AHEAD_MS) await this.replaceTokens();
      try {
        return await fn(this.inner);
      } catch (error) {
        if (error instanceof ReauthorizationNeeded && !refreshed) {
          refreshed = true;
          await this.replaceTokens();
          continue;
        }
        if (error instanceof ReauthorizationNeeded) {
          // a token refreshed a moment ago is refused too: only a new consent helps
          await markReauthorizationNeeded(this.deps.db, this.connection.id);
          await announceReauthorization(this.deps, this.connection.organizationId, this.connection.id);
          throw error;
        }
        if (error instanceof ProviderRateLimited && waits < MAX_RATE_LIMIT_WAITS && error.retryAfterMs <= MAX_WAIT_MS) {
          waits += 1;
          // every process of this connection waits it out; the retry's slot comes after it
          await this.pacer.penalize(Math.max(100, error.retryAfterMs));
          continue;
        }
        throw error;
      }
    }
  }

  private async replaceTokens(): Promise<void> {
    this.tokens = await refreshTokens(this.deps, this.connection.id, this.tokens.accessToken);
    this.inner = this.build();
  }

  identity(): Promise<CrmIdentity> {
    return this.invoke((c) => c.identity());
  }
  describe(entity: CrmEntity): Promise<RemoteField[]> {
    return this.invoke((c) => c.describe(entity));
  }
  pullChanges(entity: CrmEntity, cursor: PullCursor | null, options: PullOptions): Promise<ChangePage> {
    return this.invoke((c) => c.pullChanges(entity, cursor, options));
  }
  pullDeleted(entity: CrmEntity, since: string): Promise<{ id: string; deletedAt: string }[]> {
    return this.invoke((c) => c.pullDeleted(entity, since));
  }
  fetchByIds(entity: CrmEntity, ids: string[], fields: string[]): Promise<RemoteRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.invoke((c) => c.fetchByIds(entity, ids, fields));
  }
  findByDedupeKeys(entity: CrmEntity, keys: string[], fields: string[]): Promise<Map<string, RemoteRecord>> {
    if (keys.length === 0) return Promise.resolve(new Map());
    return this.invoke((c) => c.findByDedupeKeys(entity, keys, fields));
  }

  /**
   * Writes; inputs a client reports as not sent because of a rate limit or an expired
   * session (after part of a batch went through) are sent again once, after waiting or
   * refreshing. Every write here is safe to repeat (updates by id, upserts by key).
   */
  async write(entity: CrmEntity, inputs: WriteInput[]): Promise<WriteResult[]> {
    await this.coverBulkJobs(entity, inputs);
    return this.withResend(inputs, (part) => this.invoke((c) => c.write(entity, part)));
  }

  /**
   * A Salesforce Bulk API 2.0 job takes a slot per HTTP request (at least BULK_JOB_MIN_REQUESTS),
   * so with the budget enforced a write that would start one checks first that today's remaining
   * budget (every process's count, re-read) covers that minimum: a job is not started to be cut
   * off half-way. Polls beyond the first may still take it past the cap, as a call under way does.
   */
  private async coverBulkJobs(entity: CrmEntity, inputs: WriteInput[]): Promise<void> {
    const bulkJobs = (this.inner as Partial<Pick<SalesforceClient, 'bulkJobs'>>).bulkJobs;
    if (!this.options.enforceBudget || !bulkJobs) return;
    const jobs = bulkJobs.call(this.inner, entity, inputs);
    if (jobs === 0) return;
    await this.pacer.load();
    const left = Math.min(this.budgetLeft(), this.budget() - this.pacer.dayCalls + this.pacer.heldSlots);
    if (left < jobs * BULK_JOB_MIN_REQUESTS) throw new ApiBudgetExhausted(this.budget());
  }
  async remove(entity: CrmEntity, ids: string[]): Promise<WriteResult[]> {
    return this.withResend(ids, (part) => this.invoke((c) => c.remove(entity, part)));
  }

  private async withResend<I>(inputs: I[], send: (part: I[]) => Promise<WriteResult[]>): Promise<WriteResult[]> {
    if (inputs.length === 0) return [];
    const results = await send(inputs);
    const again = results.map((r, i) => (!r.ok && /^(RATE_LIMITED|REAUTHORIZATION_NEEDED)/.test(r.error) ? i : -1)).filter((i) => i >= 0);
    if (again.length === 0) return results;
    const first = results[again[0]!]!;
    const wait = !first.ok && /^RATE_LIMITED: retry after (\d+)/.exec(first.error);
    if (wait) await this.pacer.penalize(Math.min(MAX_WAIT_MS, Number(wait[1])));
    else await this.replaceTokens();
    const second = await send(again.map((i) => inputs[i]!));
    again.forEach((i, k) => (results[i] = second[k]!));
    return results;
  }
}
