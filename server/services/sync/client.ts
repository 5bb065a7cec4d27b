import { eq, sql } from 'drizzle-orm';
import { connections } from '../../../db/schema';
import { crmClient, DEFAULT_DAILY_ALLOCATION, setupOfConnection, type ProviderSetup } from '../../providers/registry';
import {
  ProviderRateLimited,
  ReauthorizationNeeded,
  type ChangePage,
  type CrmClient,
  type CrmEntity,
  type CrmIdentity,
  type PullCursor,
  type RemoteField,
  type RemoteRecord,
  type TokenSet,
  type WriteInput,
  type WriteResult,
} from '../../providers/types';
import type { Executor } from '../crm/context';
import { ApiBudgetExhausted } from './errors';
import { announceReauthorization, currentTokens, markReauthorizationNeeded, refreshTokens, REFRESH_AHEAD_MS, type SyncDeps } from './tokens';

/**
 * The CrmClient the engine uses: the provider's client (server/providers/<vendor>)
 * wrapped with what belongs to the connection rather than to the vendor —
 *
 * - tokens: refreshed ahead of expiry and after a rejection through tokens.ts (one
 *   refresh across processes), then the call is repeated once with the new token;
 * - rate limits: a sliding-window pacer at the provider's published/advertised limit
 *   (HubSpot's X-HubSpot-RateLimit-Max per interval), and ProviderRateLimited answers
 *   (429, Retry-After) waited out and retried a bounded number of times;
 * - the daily API budget: the connection may spend `daily_api_budget_percent` of the
 *   provider's daily allocation; a call that would exceed it throws ApiBudgetExhausted.
 *
 * The pacer lives in this process: a connection syncs in one job at a time (pg-boss
 * singleton key + advisory lock), so that job's pacer is the connection's. Web requests
 * (preview, test) are rare and covered by the 429 handling.
 */

const MAX_RATE_LIMIT_WAITS = 8;
const MAX_WAIT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const today = () => new Date().toISOString().slice(0, 10);

export class SlidingWindow {
  private stamps: number[] = [];
  constructor(
    public limit: number,
    public windowMs: number,
  ) {}

  /** Waits until one more call fits in the window, then records it. */
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.stamps.length && this.stamps[0]! <= now - this.windowMs) this.stamps.shift();
      if (this.stamps.length < this.limit) {
        this.stamps.push(now);
        return;
      }
      await sleep(this.stamps[0]! + this.windowMs - now + 1);
    }
  }
}

/** HubSpot's OAuth-app burst limit (100 per 10 s); Salesforce has none per short interval. */
const defaultWindow = (setup: ProviderSetup) => (setup.provider === 'hubspot' ? new SlidingWindow(95, 10_000) : null);

export interface SyncClientOptions {
  /** Stop before the connection's share of the daily allocation is spent. */
  enforceBudget?: boolean;
}

export class SyncClient implements CrmClient {
  readonly provider: CrmClient['provider'];
  readonly writeBatchSize: number;
  private inner: CrmClient;
  private window: SlidingWindow | null;
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
    this.window = defaultWindow(setup);
    this.dailyLimit = DEFAULT_DAILY_ALLOCATION[setup.provider];
    this.inner = this.build();
    this.provider = this.inner.provider;
    this.writeBatchSize = this.inner.writeBatchSize;
  }

  static async open(deps: SyncDeps, connectionId: string, options: SyncClientOptions = {}): Promise<SyncClient> {
    const [row] = await deps.db.select().from(connections).where(eq(connections.id, connectionId));
    if (!row) throw new Error('connection not found');
    const setup = setupOfConnection(row, deps.env);
    const tokens = await currentTokens(deps, connectionId);
    return new SyncClient(deps, row, setup, tokens, options);
  }

  private build(): CrmClient {
    return crmClient(this.setup, this.tokens, {
      connectionId: this.connection.id,
      beforeCall: async () => {
        this.calls += 1;
        await this.window?.take();
      },
      onRateLimitInfo: (info) => {
        if (info.dailyLimit) this.dailyLimit = info.dailyLimit;
        // 5 % below the advertised limit: the provider counts arrivals, we count departures
        const limit = info.limit ? Math.max(1, Math.floor(info.limit * 0.95)) : null;
        if (limit && info.windowMs && this.window && (limit !== this.window.limit || info.windowMs !== this.window.windowMs)) {
          this.window.limit = limit;
          this.window.windowMs = info.windowMs;
        }
      },
    });
  }

  /** The calls this connection may still make today. */
  budgetLeft(): number {
    const used = (this.connection.apiCallsDay === today() ? this.connection.apiCallsCount : 0) + this.calls - this.flushedCalls;
    return Math.floor((this.dailyLimit * this.connection.dailyApiBudgetPercent) / 100) - used;
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
      if (this.options.enforceBudget && this.budgetLeft() <= 0) throw new ApiBudgetExhausted(Math.floor((this.dailyLimit * this.connection.dailyApiBudgetPercent) / 100));
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
          await sleep(Math.max(100, error.retryAfterMs));
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
  pullChanges(entity: CrmEntity, cursor: PullCursor | null, options: { fields: string[]; pageSize?: number }): Promise<ChangePage> {
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
    return this.withResend(inputs, (part) => this.invoke((c) => c.write(entity, part)));
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
    if (wait) await sleep(Math.min(MAX_WAIT_MS, Number(wait[1])));
    else await this.replaceTokens();
    const second = await send(again.map((i) => inputs[i]!));
    again.forEach((i, k) => (results[i] = second[k]!));
    return results;
  }
}
