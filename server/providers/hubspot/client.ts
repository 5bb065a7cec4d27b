import {
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
} from '../types';
import { HubSpotTransportError, isApiException, translateError } from './errors';
import { byStampAndId, compareIds, dedupeKey, OBJECT_TYPE, parseStamp, propertiesFor, STAMP, stampOf, toRemoteField, toRemoteRecord, type HsObject, type HsProperty } from './mapping';
import { createHubSpotOAuth, type HubSpotOAuthOptions } from './oauth';
import { buildSdk, DEFAULT_API_BASE, type ObjectApis, type Sdk, type SdkMiddleware } from './sdk';
import { searchGate, type SearchGate } from './throttle';
import { HubSpotWriter } from './writes';

/**
 * The HubSpot CrmClient, on @hubspot/api-client 14 (see sdk.ts for how it is built).
 *
 * Pulls use the CRM search API on `hs_lastmodifieddate`, sorted ascending, 200 per
 * page, as keyset pages: every page is a fresh search anchored at the cursor —
 * `(stamp > S) OR (stamp = S AND hs_object_id > id)` — so `after` is never sent and
 * the search API's 10,000-result cap (after + limit ≤ 10,000) never bites however
 * many records changed; the window moves with every page. Offset paging across calls
 * would also lose records: when an already-read record changes, it moves to the end
 * of the result set and every later record shifts one offset back.
 *
 * HubSpot sorts by one property only, so records sharing a stamp come in no defined
 * order: a full page drops its trailing group of equal stamps (re-read on the next
 * page, in order), and a page made entirely of one stamp is re-read as
 * `stamp = T AND hs_object_id > id` sorted by id — the tie-break walk, which also
 * carries any number of records modified in the same millisecond (a mass update).
 * While such a walk is under way the next page goes straight to it (a hint kept in
 * the instance; without it, one extra search).
 *
 * Search requests pass a per-connection gate (`searchPerSecond`, default 5) — the
 * search endpoints' own SECONDLY limit; everything else is throttled by the engine's
 * `beforeCall`, which runs before every HTTP request including the client's retries.
 */

export interface RateLimitInfo {
  remaining?: number;
  limit?: number;
  windowMs?: number;
  dailyUsed?: number;
  dailyLimit?: number;
}

export interface HubSpotClientOptions {
  tokens: TokenSet;
  oauth: HubSpotOAuthOptions;
  /** API base URL; default `oauth.baseUrl`, else https://api.hubapi.com. */
  baseUrl?: string;
  onTokensRefreshed: (tokens: TokenSet) => Promise<void>;
  /** Awaited before every HTTP request to the CRM APIs (the engine's shared per-connection limiter); `search` for the search endpoints. */
  beforeCall?: (kind: 'api' | 'search') => Promise<void>;
  onRateLimitInfo?: (info: RateLimitInfo) => void;
  /** Clients with the same key share the search gate; default: the connection's refresh token. */
  throttleKey?: string;
  /** Search requests per second (HubSpot documents 5 per second per token). */
  searchPerSecond?: number;
  /** The in-process search gate (default on); off when `beforeCall` paces search requests itself. */
  searchGate?: boolean;
  /**
   * The engine retries rate limits (default false: the official client's own retries, which
   * wait a fixed 10 s / 20 s on a TEN_SECONDLY 429 and ignore Retry-After). When true, a 429
   * surfaces at once as ProviderRateLimited and 5xx answers are retried here (200, 400 ms).
   */
  engineRetries?: boolean;
  /** Upper bound for one call including the client's own retries (default 90 s). */
  requestTimeoutMs?: number;
  /** Refresh this long before `tokens.expiresAt` (default 60 s). */
  refreshSkewMs?: number;
}

export const PAGE_SIZE = 200;
export const BATCH_SIZE = 100;

type CallKind = 'api' | 'search' | 'introspect';

interface SearchBody {
  filterGroups: { filters: { propertyName: string; operator: string; value?: string; values?: string[] }[] }[];
  sorts: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  properties: string[];
  limit: number;
  after?: string;
}

interface SearchPage {
  total: number;
  results: HsObject[];
  paging?: { next?: { after: string } };
}

const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export class HubSpotCrmClient implements CrmClient {
  readonly provider = 'hubspot' as const;
  readonly writeBatchSize = BATCH_SIZE;
  private tokens: TokenSet;
  private sdk: Sdk;
  private refreshing: Promise<void> | null = null;
  private readonly oauth;
  private readonly baseUrl: string;
  private readonly gate: SearchGate;
  /** Per entity: the stamp whose tie-break walk the last page was in. */
  private readonly tieHints = new Map<CrmEntity, number>();
  private readonly writer: HubSpotWriter;

  constructor(private readonly options: HubSpotClientOptions) {
    this.tokens = { ...options.tokens };
    this.baseUrl = (options.baseUrl ?? options.oauth.baseUrl ?? DEFAULT_API_BASE).replace(/\/+$/, '');
    this.oauth = createHubSpotOAuth({ ...options.oauth, baseUrl: options.oauth.baseUrl ?? this.baseUrl });
    this.sdk = this.build();
    const key = options.throttleKey ?? `${this.baseUrl}|${options.tokens.refreshToken ?? options.tokens.accessToken}`;
    this.gate = searchGate(key, options.searchPerSecond ?? 5);
    this.writer = new HubSpotWriter((fn) => this.call(fn));
  }

  /** The tokens in use (after any refresh). */
  currentTokens(): TokenSet {
    return { ...this.tokens };
  }

  // ---- plumbing -------------------------------------------------------------

  private readonly middleware: SdkMiddleware = {
    pre: async (context) => {
      const path = new URL(context.getUrl()).pathname;
      if (this.options.beforeCall && !path.startsWith('/oauth/')) await this.options.beforeCall(path.endsWith('/search') ? 'search' : 'api');
      return context;
    },
    post: async (context) => {
      this.reportRateLimit(context.headers);
      return context;
    },
  };

  private build(): Sdk {
    return buildSdk({ basePath: this.baseUrl, accessToken: this.tokens.accessToken, middleware: [this.middleware], ...(this.options.engineRetries ? { attempts: 1 } : {}) });
  }

  private reportRateLimit(headers: Record<string, string>): void {
    const callback = this.options.onRateLimitInfo;
    if (!callback) return;
    const num = (name: string) => {
      const raw = headers[name];
      if (raw === undefined) return undefined;
      const n = Number(raw);
      return Number.isFinite(n) ? n : undefined;
    };
    const info: RateLimitInfo = {};
    const remaining = num('x-hubspot-ratelimit-remaining');
    const limit = num('x-hubspot-ratelimit-max');
    const windowMs = num('x-hubspot-ratelimit-interval-milliseconds');
    const dailyLimit = num('x-hubspot-ratelimit-daily');
    const dailyRemaining = num('x-hubspot-ratelimit-daily-remaining');
    if (remaining !== undefined) info.remaining = remaining;
    if (limit !== undefined) info.limit = limit;
    if (windowMs !== undefined) info.windowMs = windowMs;
    if (dailyLimit !== undefined) {
      info.dailyLimit = dailyLimit;
      if (dailyRemaining !== undefined) info.dailyUsed = dailyLimit - dailyRemaining;
    }
    if (Object.keys(info).length === 0) return;
    try {
      callback(info);
    } catch {
      // an observer must not break a call
    }
  }

  private async withTimeout<T>(promise: Promise<T>): Promise<T> {
    const ms = this.options.requestTimeoutMs ?? 90_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HubSpotTransportError(`HubSpot request timed out after ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private refresh(stale: Sdk): Promise<void> {
    if (this.sdk !== stale) return Promise.resolve(); // another call refreshed already
    if (!this.refreshing) {
      const refreshToken = this.tokens.refreshToken;
      if (!refreshToken) return Promise.reject(new ReauthorizationNeeded('HubSpot access token expired and there is no refresh token'));
      this.refreshing = (async () => {
        const tokens = await this.oauth.refresh(refreshToken, this.tokens);
        this.tokens = tokens;
        this.sdk = this.build();
        await this.options.onTokensRefreshed({ ...tokens });
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private expiresSoon(): boolean {
    const { expiresAt, refreshToken } = this.tokens;
    return !!refreshToken && expiresAt !== null && expiresAt - (this.options.refreshSkewMs ?? 60_000) <= Date.now();
  }

  /**
   * One API call: proactive refresh near expiry, the search gate, a timeout, one
   * refresh-and-retry on 401 (on 404 for token introspection), error translation.
   */
  private async call<T>(fn: (sdk: Sdk) => Promise<T>, kind: CallKind = 'api'): Promise<T> {
    if (this.refreshing) await this.refreshing;
    if (this.expiresSoon()) await this.refresh(this.sdk);
    let refreshed = false;
    let serverErrors = 0;
    for (;;) {
      const sdk = this.sdk;
      try {
        const run = () => this.withTimeout(fn(sdk));
        return kind === 'search' && this.options.searchGate !== false ? await this.gate.run(run) : await run();
      } catch (error) {
        const authFailed = isApiException(error) && (error.code === 401 || (kind === 'introspect' && error.code === 404));
        if (this.options.engineRetries && isApiException(error) && error.code >= 500 && serverErrors < 2) {
          serverErrors += 1;
          await new Promise((r) => setTimeout(r, 200 * serverErrors));
          continue;
        }
        if (!authFailed) throw translateError(error);
        if (refreshed) throw new ReauthorizationNeeded('HubSpot rejected a freshly refreshed access token');
        await this.refresh(sdk);
        refreshed = true;
      }
    }
  }

  private apis(sdk: Sdk, entity: CrmEntity): ObjectApis {
    return (entity === 'contact' ? sdk.contacts : sdk.companies) as ObjectApis;
  }

  private search(entity: CrmEntity, body: SearchBody): Promise<SearchPage> {
    return this.call((sdk) => this.apis(sdk, entity).search.doSearch(body as never) as Promise<SearchPage>, 'search');
  }

  // ---- CrmClient ------------------------------------------------------------

  async identity(): Promise<CrmIdentity> {
    const info = await this.call((sdk) => sdk.oauth.accessTokens.get(this.tokens.accessToken), 'introspect');
    return {
      userId: String(info.userId),
      userName: info.user ?? String(info.userId),
      email: info.user ?? null,
      organizationName: info.hubDomain ?? `HubSpot portal ${info.hubId}`,
      accountId: info.hubId !== undefined && info.hubId !== null ? String(info.hubId) : null,
    };
  }

  async describe(entity: CrmEntity): Promise<RemoteField[]> {
    const page = await this.call((sdk) => sdk.properties.getAll(OBJECT_TYPE[entity]));
    return (page.results as unknown as HsProperty[]).map(toRemoteField);
  }

  pullChanges(entity: CrmEntity, cursor: PullCursor | null, options: PullOptions): Promise<ChangePage> {
    return this.pull(entity, cursor, options, 0);
  }

  /**
   * `total` is the search's own count of what matches from the cursor on — not capped at
   * 10,000 (only paging is) — so it holds for every page that ran the keyset search, and
   * for a tie-break walk begun from it (the walk starts where that search did). A page that
   * continues a walk straight away ran no such search and carries no total.
   */
  private async pull(entity: CrmEntity, cursor: PullCursor | null, options: PullOptions, attempt: number): Promise<ChangePage> {
    const limit = Math.max(1, Math.min(PAGE_SIZE, Math.floor(options.pageSize ?? PAGE_SIZE)));
    const properties = propertiesFor(entity, options.fields);
    const stamp = parseStamp(cursor?.modifiedAt);
    const afterId = stamp !== null ? (cursor?.id ?? null) : null;
    const page = (objects: HsObject[], hasMore: boolean, total?: number): ChangePage => {
      const records = objects.map((o) => toRemoteRecord(entity, o, options.fields));
      const last = records.at(-1);
      return { records, cursor: last ? { modifiedAt: last.modifiedAt, id: last.id } : null, hasMore, ...(total !== undefined ? { total: Math.max(total, records.length) } : {}) };
    };

    // inside a tie-break walk: continue it directly
    if (stamp !== null && this.tieHints.get(entity) === stamp) {
      const tie = await this.searchTie(entity, stamp, afterId, limit, properties);
      if (tie.length === limit) return page(tie, true);
      this.tieHints.delete(entity);
      if (tie.length) return page(tie, true);
    }

    const stampFilter = (operator: string, ms: number) => ({ propertyName: STAMP, operator, value: String(ms) });
    const filterGroups: SearchBody['filterGroups'] =
      stamp === null
        ? []
        : afterId === null
          ? [{ filters: [stampFilter('GTE', stamp)] }]
          : [{ filters: [stampFilter('GT', stamp)] }, { filters: [stampFilter('EQ', stamp), { propertyName: 'hs_object_id', operator: 'GT', value: afterId }] }];
    const found = await this.search(entity, { filterGroups, sorts: [{ propertyName: STAMP, direction: 'ASCENDING' }], properties, limit });
    const results = [...found.results].sort(byStampAndId);
    const more = results.length >= limit && (found.paging?.next !== undefined || found.total > results.length);
    const total = Number.isFinite(found.total) ? found.total : undefined;
    if (!more) return page(results, false, total);

    // a full page: its last stamp group may continue on the next page
    const lastStamp = stampOf(results.at(-1)!);
    const complete = results.filter((r) => stampOf(r) < lastStamp);
    if (complete.length) return page(complete, true, total);

    // the whole page shares one stamp: walk that stamp by id
    const tie = await this.searchTie(entity, lastStamp, lastStamp === stamp ? afterId : null, limit, properties);
    if (tie.length === limit) this.tieHints.set(entity, lastStamp);
    if (tie.length) return page(tie, true, total);
    // the group moved on between the two searches (modified again): start over once
    if (attempt < 2) return this.pull(entity, cursor, options, attempt + 1);
    return page(results, true, total);
  }

  /** Records with exactly this stamp and an id above `afterId`, in id order. */
  private async searchTie(entity: CrmEntity, stamp: number, afterId: string | null, limit: number, properties: string[]): Promise<HsObject[]> {
    const filters: SearchBody['filterGroups'][number]['filters'] = [{ propertyName: STAMP, operator: 'EQ', value: String(stamp) }];
    if (afterId !== null) filters.push({ propertyName: 'hs_object_id', operator: 'GT', value: afterId });
    const found = await this.search(entity, { filterGroups: [{ filters }], sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }], properties, limit });
    return found.results.filter((r) => stampOf(r) === stamp).sort((a, b) => compareIds(a.id, b.id));
  }

  /** Archived records (HubSpot's "deleted") from the archived listing, archivedAt ≥ since; the listing has no date filter, so it is read whole. */
  async pullDeleted(entity: CrmEntity, since: string): Promise<{ id: string; deletedAt: string }[]> {
    const sinceMs = Date.parse(since);
    const out: { id: string; deletedAt: string }[] = [];
    let after: string | undefined;
    do {
      const cursor = after;
      const page = await this.call((sdk) => this.apis(sdk, entity).basic.getPage(100, cursor, ['hs_object_id'], undefined, undefined, true));
      for (const r of page.results) {
        const at = r.archivedAt?.getTime();
        if (at !== undefined && !(at < sinceMs)) out.push({ id: r.id, deletedAt: new Date(at).toISOString() });
      }
      after = page.paging?.next?.after;
    } while (after);
    return out.sort((a, b) => a.deletedAt.localeCompare(b.deletedAt) || compareIds(a.id, b.id));
  }

  async fetchByIds(entity: CrmEntity, ids: string[], fields: string[]): Promise<RemoteRecord[]> {
    const unique = [...new Set(ids)];
    const properties = propertiesFor(entity, fields);
    const byId = new Map<string, HsObject>();
    for (const part of chunk(unique, BATCH_SIZE)) {
      const response = await this.call((sdk) => this.apis(sdk, entity).batch.read({ inputs: part.map((id) => ({ id })), properties, propertiesWithHistory: [] }, false));
      for (const r of response.results) byId.set(r.id, r);
    }
    return unique.flatMap((id) => {
      const found = byId.get(id);
      return found ? [toRemoteRecord(entity, found, fields)] : [];
    });
  }

  /**
   * Contacts: batch read by `idProperty=email` (100 per call). Accounts: search
   * `domain IN [...]` (100 values per search) — `domain` is no unique property on
   * HubSpot, so batch read by it is refused there; with several companies on one
   * domain the oldest (lowest id) wins.
   */
  async findByDedupeKeys(entity: CrmEntity, keys: string[], fields: string[]): Promise<Map<string, RemoteRecord>> {
    const wanted = [...new Set(keys.map(dedupeKey).filter(Boolean))];
    const out = new Map<string, RemoteRecord>();
    if (entity === 'contact') {
      const properties = propertiesFor(entity, fields, ['email']);
      for (const part of chunk(wanted, BATCH_SIZE)) {
        const response = await this.call((sdk) =>
          sdk.contacts.batch.read({ inputs: part.map((id) => ({ id })), idProperty: 'email', properties, propertiesWithHistory: [] }, false),
        );
        for (const r of [...response.results].sort((a, b) => compareIds(a.id, b.id))) {
          const key = r.properties.email ? dedupeKey(r.properties.email) : null;
          if (key && part.includes(key) && !out.has(key)) out.set(key, toRemoteRecord(entity, r, fields));
        }
      }
      return out;
    }
    const properties = propertiesFor(entity, fields, ['domain']);
    for (const part of chunk(wanted, 100)) {
      let after: string | undefined;
      do {
        const found = await this.search(entity, {
          filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'IN', values: part }] }],
          sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
          properties,
          limit: PAGE_SIZE,
          ...(after ? { after } : {}),
        });
        for (const r of [...found.results].sort((a, b) => compareIds(a.id, b.id))) {
          const key = r.properties.domain ? dedupeKey(r.properties.domain) : null;
          if (key && part.includes(key) && !out.has(key)) out.set(key, toRemoteRecord(entity, r, fields));
        }
        after = found.paging?.next?.after;
      } while (after && Number(after) + PAGE_SIZE <= 10_000);
    }
    return out;
  }

  write(entity: CrmEntity, inputs: WriteInput[]): Promise<WriteResult[]> {
    return this.writer.write(entity, inputs);
  }

  remove(entity: CrmEntity, ids: string[]): Promise<WriteResult[]> {
    return this.writer.remove(entity, ids);
  }
}

export function createHubSpotClient(options: HubSpotClientOptions): HubSpotCrmClient {
  return new HubSpotCrmClient(options);
}


