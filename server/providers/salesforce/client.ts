import { AsyncLocalStorage } from 'node:async_hooks';
import { stringify } from 'csv-stringify/sync';
import jsforce from 'jsforce';
import { StreamPromise } from 'jsforce/lib/util/promise.js';
import { createLazyStream } from 'jsforce/lib/util/stream.js';
import type { Connection, HttpRequest, HttpRequestOptions, HttpResponse, IdentityInfo, QueryResult, Record as SfRecord, TokenResponse } from 'jsforce';
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
} from '../types';
import { isNetworkError, isRetryable, RETRYABLE_SAVE_CODES, retryableErrorCode, SalesforceApiError } from './errors';
import {
  chunk,
  COLLECTION_BATCH,
  cursorCondition,
  domainOf,
  isSalesforceId,
  KEY_PREFIX,
  MAX_QUERY_PAGE,
  selectList,
  soqlContains,
  soqlString,
  SOBJECT,
  toIso,
  toRemoteField,
  toRemoteRecord,
  appIdOf,
  assertFieldName,
  type DescribeFieldLike,
} from './mapping';
import { SalesforceOAuth } from './oauth';

/**
 * The Salesforce CrmClient on jsforce 3 (REST API). Provider quirks kept here:
 *
 * - Pulls are keyset pages: `WHERE SystemModstamp > X OR (SystemModstamp = X AND Id > Y)
 *   ORDER BY SystemModstamp, Id LIMIT n` (n ≤ 2000, one REST page), so no server-side
 *   query cursor stays open (an org keeps 10 per user) and a page can be re-read.
 * - Writes go through sObject Collections, 200 records a call; creates with a dedupe key
 *   are upserts by the external id field (External_Id__c by default), so a retried batch
 *   cannot create twice.
 * - jsforce refreshes an expired session on a 401 by itself; our refresh function does the
 *   refresh (through SalesforceOAuth), reports the new TokenSet, turns invalid_grant into
 *   ReauthorizationNeeded and refuses a second refresh in one call when the fresh token is
 *   rejected too (jsforce would loop).
 * - jsforce's transport retries GET/PUT/DELETE on 429/5xx/socket errors with 0.5 s, 1 s, …
 *   backoff and ignores Retry-After; we cap that at `transportRetries` (default 2) and then
 *   surface ProviderRateLimited with the Retry-After. POST/PATCH are never retried by
 *   jsforce (non-idempotent).
 * - HttpApiError carries no status or headers, so every HTTP exchange of a call is recorded
 *   (AsyncLocalStorage) and used to classify the error; Sforce-Limit-Info is reported to
 *   onRateLimitInfo from every response.
 */

export interface RateLimitInfo {
  remaining?: number;
  limit?: number;
  windowMs?: number;
  dailyUsed?: number;
  dailyLimit?: number;
}

export interface SalesforceClientOptions {
  tokens: TokenSet;
  oauth: { clientId: string; clientSecret: string; loginUrl: string };
  onTokensRefreshed: (tokens: TokenSet) => Promise<void>;
  /**
   * Awaited before every API request the client starts (the engine's per-connection limiter):
   * once per REST call, and once per HTTP request of a Bulk API 2.0 job (create, upload, close,
   * each status poll, the three result downloads) — Salesforce counts each of them.
   */
  beforeCall?: () => Promise<void>;
  onRateLimitInfo?: (info: RateLimitInfo) => void;
  /** REST API version; jsforce's default (50.0) is too old for collection upserts. */
  apiVersion?: string;
  /** External id field used for idempotent creates; null → plain creates (not idempotent). */
  externalIdField?: string | null;
  /** Account field holding the domain for findByDedupeKeys: Website (parsed) or a custom field with the bare domain. */
  accountDomainField?: string;
  /** Retries jsforce's transport does on 429/5xx/socket errors for GET/PUT/DELETE (its own default is 5: 15.5 s). */
  transportRetries?: number;
  /** Per HTTP request timeout (jsforce's default is 30 minutes). */
  requestTimeoutMs?: number;
  /**
   * Updates/upserts of one write at or above this many records go through one Bulk API 2.0
   * ingest job instead of sObject Collections (decision 009; default BULK_THRESHOLD; null: never).
   */
  bulkThreshold?: number | null;
  /** Bulk job status polling interval and give-up time (defaults 1 s, 10 min). */
  bulkPollIntervalMs?: number;
  bulkTimeoutMs?: number;
}

export const DEFAULT_API_VERSION = '62.0';
/** Records from which a write goes through a Bulk API 2.0 job (decision 009: the measured wall-time crossover, and fewer API calls above it). */
export const BULK_THRESHOLD = 2_000;
/** App rows per push page when Bulk is on: pages big enough for a job (the engine asks `pushPageSize`). */
export const BULK_PUSH_PAGE = 10_000;
/** HTTP requests a Bulk API 2.0 job makes at least: create, upload, close, one status poll, successful/failed/unprocessed results. */
export const BULK_JOB_MIN_REQUESTS = 7;
export const DEFAULT_EXTERNAL_ID_FIELD = 'External_Id__c';
/** When a 429 carries no Retry-After. */
const DEFAULT_THROTTLE_MS = 10_000;
/** 403 REQUEST_LIMIT_EXCEEDED "TotalRequests": the rolling 24-hour allocation is used up. */
const DAILY_LIMIT_BACKOFF_MS = 60 * 60_000;
/** 403 REQUEST_LIMIT_EXCEEDED for anything else (concurrent long-running requests). */
const CONCURRENCY_BACKOFF_MS = 30_000;
/** getDeleted answers for this far back at most (REST docs: 15 days; SOAP: 30). */
const DELETED_LOOKBACK_MS = 15 * 86_400_000 - 10 * 60_000;
/** Ids per `Id IN (...)` query, dedupe keys per lookup query: keeps the GET URL well under 16 KB. */
const IDS_PER_QUERY = 200;
const EMAILS_PER_QUERY = 100;
const DOMAINS_PER_QUERY = 25;

interface CallContext {
  last: HttpResponse | null;
  refreshed: boolean;
  okSinceRefresh: boolean;
  refreshError: unknown;
  /** beforeCall runs before each HTTP request of this call (a Bulk job) instead of once before it. */
  perRequest?: boolean;
}

const calls = new AsyncLocalStorage<CallContext>();

type SaveResultLike = { id?: string; success: boolean; created?: boolean; errors?: { statusCode?: string; errorCode?: string; message?: string; fields?: string[] }[] };

function retryAfterMs(headers: Record<string, string> | undefined): number | null {
  const raw = headers?.['retry-after'];
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

function brokenJson(res: HttpResponse | null): boolean {
  if (!res || !/json/i.test(res.headers?.['content-type'] ?? '') || typeof res.body !== 'string' || res.body === '') return false;
  try {
    JSON.parse(res.body);
    return false;
  } catch {
    return true;
  }
}

const malformed = (what: string) => new SalesforceApiError(`Salesforce returned an unreadable ${what}`, { status: null, errorCode: 'MALFORMED_RESPONSE', retryable: true });

function saveFailure(result: SaveResultLike): { error: string; retryable: boolean; code: string } {
  const errors = result.errors ?? [];
  const code = errors[0]?.statusCode ?? errors[0]?.errorCode ?? 'UNKNOWN_ERROR';
  const error = errors.length
    ? errors.map((e) => `${e.statusCode ?? e.errorCode ?? 'ERROR'}: ${e.message ?? ''}${e.fields?.length ? ` [${e.fields.join(', ')}]` : ''}`).join('; ')
    : 'UNKNOWN_ERROR: Salesforce reported a failure without details';
  return { error, retryable: errors.some((e) => RETRYABLE_SAVE_CODES.has(e.statusCode ?? e.errorCode ?? '')), code };
}

export class SalesforceClient implements CrmClient {
  readonly provider = 'salesforce' as const;
  readonly writeBatchSize = COLLECTION_BATCH;
  /** Push page size that lets a large push reach the Bulk threshold; undefined without Bulk. */
  readonly pushPageSize: number | undefined;
  readonly conn: Connection;
  private readonly bulkThreshold: number | null;
  private current: TokenSet;
  private readonly oauth: SalesforceOAuth;
  private readonly externalIdField: string | null;
  private readonly domainField: string;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private lastRefreshError: unknown = null;

  constructor(private readonly options: SalesforceClientOptions) {
    this.current = { ...options.tokens };
    this.oauth = new SalesforceOAuth({ clientId: options.oauth.clientId, clientSecret: options.oauth.clientSecret, loginUrl: options.oauth.loginUrl });
    this.externalIdField = options.externalIdField === undefined ? DEFAULT_EXTERNAL_ID_FIELD : options.externalIdField && assertFieldName(options.externalIdField);
    this.domainField = assertFieldName(options.accountDomainField ?? 'Website');
    this.retries = Math.max(0, options.transportRetries ?? 2);
    this.timeoutMs = Math.max(1000, options.requestTimeoutMs ?? 120_000);
    this.bulkThreshold = options.bulkThreshold === undefined ? BULK_THRESHOLD : options.bulkThreshold;
    this.pushPageSize = this.bulkThreshold !== null && this.externalIdField ? Math.max(BULK_PUSH_PAGE, this.bulkThreshold) : undefined;
    this.conn = new jsforce.Connection({
      loginUrl: options.oauth.loginUrl,
      instanceUrl: options.tokens.instanceUrl ?? options.oauth.loginUrl,
      accessToken: options.tokens.accessToken,
      refreshToken: options.tokens.refreshToken ?? undefined,
      oauth2: { clientId: options.oauth.clientId, clientSecret: options.oauth.clientSecret, loginUrl: options.oauth.loginUrl },
      version: options.apiVersion ?? DEFAULT_API_VERSION,
      refreshFn: (conn, callback) => this.refreshSession(conn as Connection, callback),
    });
    this.hookTransport();
  }

  /** The tokens in force (after any refresh). */
  get tokens(): TokenSet {
    return { ...this.current };
  }

  // ---- plumbing ---------------------------------------------------------------------------

  /** Wraps this connection's transport: our retry cap and timeout, and a record of every answer. */
  private hookTransport(): void {
    const transport = (this.conn as unknown as { _transport: { httpRequest: (req: HttpRequest, options?: HttpRequestOptions) => StreamPromise<HttpResponse> } })._transport;
    const original = transport.httpRequest.bind(transport);
    transport.httpRequest = (req: HttpRequest, options: HttpRequestOptions = {}) => {
      const ctx = calls.getStore();
      const send = () => {
        const promise = original(req, { ...options, timeout: this.timeoutMs, retry: { ...options.retry, maxRetries: this.retries } });
        promise.then(
          (res) => this.observe(ctx, res),
          () => undefined,
        );
        return promise;
      };
      const beforeCall = this.options.beforeCall;
      if (!ctx?.perRequest || !beforeCall) return send();
      // a Bulk job: each request waits for its own slot; jsforce may already be piping the upload into the
      // stream, so hand it a lazy one that is connected to the real request once the slot is ours
      return StreamPromise.create(() => {
        const { stream, setStream } = createLazyStream();
        const promise = (async () => {
          await beforeCall();
          const sent = send();
          setStream(sent.stream());
          return await sent;
        })();
        return { stream, promise };
      });
    };
  }

  private observe(ctx: CallContext | undefined, res: HttpResponse): void {
    if (ctx) {
      ctx.last = res;
      if (res.statusCode !== 401) ctx.okSinceRefresh = true;
    }
    const info = res.headers?.['sforce-limit-info'];
    const m = info ? /api-usage=(\d+)\/(\d+)/.exec(info) : null;
    if (m && this.options.onRateLimitInfo) {
      try {
        this.options.onRateLimitInfo({ dailyUsed: Number(m[1]), dailyLimit: Number(m[2]) });
      } catch {
        // a reporting hook must not break the call
      }
    }
  }

  /** jsforce's SessionRefreshFunc: refresh once per call through our OAuth provider. */
  private refreshSession(conn: Connection, callback: (err: Error | null | undefined, accessToken?: string, res?: TokenResponse) => void): void {
    const ctx = calls.getStore();
    const run = async () => {
      if (ctx?.refreshed && !ctx.okSinceRefresh) throw new ReauthorizationNeeded('Salesforce rejected the session right after a refresh');
      const refreshToken = this.current.refreshToken;
      if (!refreshToken) throw new ReauthorizationNeeded('the Salesforce session expired and there is no refresh token');
      const { tokens, response } = await this.oauth.refreshWithResponse(refreshToken, this.current);
      this.current = tokens;
      if (tokens.instanceUrl) conn.instanceUrl = tokens.instanceUrl;
      if (tokens.refreshToken) conn.refreshToken = tokens.refreshToken;
      if (ctx) {
        ctx.refreshed = true;
        ctx.okSinceRefresh = false;
      }
      await this.options.onTokensRefreshed({ ...tokens });
      return { tokens, response };
    };
    run().then(
      ({ tokens, response }) => callback(undefined, tokens.accessToken, response),
      (error: unknown) => {
        if (ctx) ctx.refreshError = error;
        this.lastRefreshError = error;
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /** One API request of ours (plus jsforce's refresh/retries): throttle hook, context, error mapping. */
  private async call<T>(fn: (conn: Connection) => PromiseLike<T>, perRequest = false): Promise<T> {
    if (!perRequest) await this.options.beforeCall?.();
    const ctx: CallContext = { last: null, refreshed: false, okSinceRefresh: true, refreshError: null, perRequest };
    try {
      return await calls.run(ctx, async () => await fn(this.conn));
    } catch (error) {
      throw this.translate(error, ctx);
    }
  }

  private translate(error: unknown, ctx: CallContext): Error {
    if (error instanceof ReauthorizationNeeded || error instanceof ProviderRateLimited || error instanceof SalesforceApiError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (ctx.refreshError || message.startsWith('Unable to refresh session due to:')) {
      const inner = ctx.refreshError ?? this.lastRefreshError;
      if (inner instanceof ReauthorizationNeeded || inner instanceof SalesforceApiError || inner instanceof ProviderRateLimited) return inner;
      return new SalesforceApiError(message, { status: null, errorCode: 'REFRESH_FAILED', retryable: isRetryable(inner), cause: error });
    }
    if (isNetworkError(error)) return new SalesforceApiError(`Salesforce request failed: ${message}`, { status: null, errorCode: 'NETWORK_ERROR', retryable: true, cause: error });
    const last = ctx.last;
    const status = last?.statusCode ?? null;
    const errorCode = typeof (error as { errorCode?: unknown })?.errorCode === 'string' ? (error as { errorCode: string }).errorCode : null;
    if (status === 429) return new ProviderRateLimited(retryAfterMs(last?.headers) ?? DEFAULT_THROTTLE_MS, `Salesforce throttled the request (429): ${message}`);
    if (errorCode === 'REQUEST_LIMIT_EXCEEDED') {
      const daily = /TotalRequests/i.test(message);
      return new ProviderRateLimited(
        retryAfterMs(last?.headers) ?? (daily ? DAILY_LIMIT_BACKOFF_MS : CONCURRENCY_BACKOFF_MS),
        daily ? `Salesforce daily API request allocation exhausted: ${message}` : `Salesforce request limit: ${message}`,
      );
    }
    if (errorCode) {
      const retryable = (status !== null && (status >= 500 || status === 408)) || retryableErrorCode(errorCode) || brokenJson(last);
      return new SalesforceApiError(message, { status, errorCode, retryable, cause: error });
    }
    // jsforce hands an unparsable JSON body over as text, and then trips over it
    if (brokenJson(last)) return new SalesforceApiError(`Salesforce returned an unreadable response: ${message}`, { status, errorCode: 'MALFORMED_RESPONSE', retryable: true, cause: error });
    return new SalesforceApiError(message, { status, errorCode: 'UNEXPECTED', retryable: false, cause: error });
  }

  /** Every row of one SOQL query (one request unless Salesforce shrank the batch below the LIMIT). */
  private async queryRows(soql: string): Promise<SfRecord[]> {
    const rows: SfRecord[] = [];
    let page: QueryResult<SfRecord> = await this.call((c) => c.query<SfRecord>(soql));
    for (let guard = 0; ; guard++) {
      if (!page || typeof page !== 'object' || !Array.isArray(page.records)) throw malformed('query result');
      rows.push(...page.records);
      if (page.done !== false || !page.nextRecordsUrl || guard > 1000) break;
      const next = page.nextRecordsUrl;
      page = await this.call((c) => c.queryMore<SfRecord>(next));
    }
    return rows;
  }

  private fieldsFor(entity: CrmEntity, fields: string[]) {
    return { select: selectList(entity, fields).join(', '), type: SOBJECT[entity] };
  }

  // ---- CrmClient ----------------------------------------------------------------------

  async identity(): Promise<CrmIdentity> {
    // a REST call first: it refreshes an expired session (the identity URL answers 403, not 401)
    const version = this.conn.version;
    const resources = await this.call((c) => c.request<{ identity?: string }>(`/services/data/v${version}`));
    const identityUrl = resources?.identity ?? (this.conn.userInfo?.url || null);
    if (!identityUrl) throw malformed('resource list (no identity URL)');
    const info = await this.call((c) => c.request<IdentityInfo & { email?: string | null }>({ method: 'GET', url: `${identityUrl}?format=json` }));
    if (!info || typeof info !== 'object' || typeof info.user_id !== 'string') throw malformed('identity');
    let organizationName: string | null = null;
    try {
      const org = await this.queryRows('SELECT Name FROM Organization LIMIT 1');
      organizationName = typeof org[0]?.Name === 'string' ? org[0].Name : null;
    } catch (error) {
      if (isRetryable(error) || error instanceof ReauthorizationNeeded) throw error;
      // some orgs/users cannot read Organization (and the sandbox does not serve it)
    }
    return {
      userId: info.user_id,
      userName: info.username ?? info.display_name ?? info.user_id,
      email: info.email ?? null,
      organizationName: organizationName ?? `Salesforce org ${info.organization_id}`,
      accountId: typeof info.organization_id === 'string' ? info.organization_id : null,
    };
  }

  async describe(entity: CrmEntity): Promise<RemoteField[]> {
    const result = await this.call((c) => c.describe(SOBJECT[entity]));
    if (!result || !Array.isArray(result.fields)) throw malformed('describe result');
    return result.fields.map((f) => toRemoteField(f as unknown as DescribeFieldLike));
  }

  /**
   * One keyset page: `LIMIT pageSize` from the cursor. Asked `withTotal`, the same call goes
   * out without the LIMIT (a LIMIT caps `totalSize` at the page): its first batch, sized by
   * Sforce-Query-Options, is the page and its `totalSize` the count from the cursor on. The
   * rest of that result is never fetched; its query locator expires on its own (15 minutes,
   * or as the oldest of the user's open locators) — so the engine asks once per pull.
   */
  async pullChanges(entity: CrmEntity, cursor: PullCursor | null, options: PullOptions): Promise<ChangePage> {
    const limit = Math.max(1, Math.min(MAX_QUERY_PAGE, Math.floor(options.pageSize ?? MAX_QUERY_PAGE)));
    const ext = this.externalIdField;
    const { select, type } = this.fieldsFor(entity, ext ? [...options.fields, ext] : options.fields);
    const where = cursorCondition(cursor);
    const soql = `SELECT ${select} FROM ${type}${where ? ` WHERE ${where}` : ''} ORDER BY SystemModstamp ASC, Id ASC`;
    let rows: SfRecord[];
    let total: number | undefined;
    if (options.withTotal) {
      const headers = { 'Sforce-Query-Options': `batchSize=${Math.max(200, limit)}` };
      const first: QueryResult<SfRecord> = await this.call((c) => c.query<SfRecord>(soql, { headers }));
      if (!first || typeof first !== 'object' || !Array.isArray(first.records)) throw malformed('query result');
      rows = first.records.slice(0, limit);
      total = typeof first.totalSize === 'number' && Number.isFinite(first.totalSize) ? Math.max(first.totalSize, rows.length) : undefined;
    } else rows = await this.queryRows(`${soql} LIMIT ${limit}`);
    const records = rows.map((r) => {
      const record = toRemoteRecord(entity, r, options.fields);
      if (ext) record.appId = appIdOf(r[ext]);
      return record;
    });
    const last = records[records.length - 1];
    const cursorAfter = last ? { modifiedAt: last.modifiedAt, id: last.id } : null;
    if (total !== undefined) return { records, cursor: cursorAfter, hasMore: total > records.length, total };
    return { records, cursor: cursorAfter, hasMore: records.length >= limit };
  }

  async pullDeleted(entity: CrmEntity, since: string): Promise<{ id: string; deletedAt: string }[]> {
    const sinceMs = Date.parse(since);
    if (!Number.isFinite(sinceMs)) throw new Error(`not an ISO timestamp: ${JSON.stringify(since)}`);
    const now = Date.now();
    // getDeleted ignores seconds and wants end > start: the window ends a minute ahead so
    // deletions of the current minute are included; it reaches back 15 days at most
    const start = new Date(Math.max(sinceMs, now - DELETED_LOOKBACK_MS));
    const end = new Date(Math.max(now, start.getTime()) + 60_000);
    const result = await this.call((c) => c.sobject(SOBJECT[entity]).deleted(start, end));
    if (!result || !Array.isArray(result.deletedRecords)) throw malformed('getDeleted result');
    return result.deletedRecords
      .map((d) => ({ id: d.id, deletedAt: toIso(d.deletedDate) }))
      .filter((d) => Date.parse(d.deletedAt) >= sinceMs)
      .sort((a, b) => (a.deletedAt < b.deletedAt ? -1 : a.deletedAt > b.deletedAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async fetchByIds(entity: CrmEntity, ids: string[], fields: string[]): Promise<RemoteRecord[]> {
    const { select, type } = this.fieldsFor(entity, fields);
    const valid = [...new Set(ids.filter(isSalesforceId))];
    const out: RemoteRecord[] = [];
    for (const part of chunk(valid, IDS_PER_QUERY)) {
      const rows = await this.queryRows(`SELECT ${select} FROM ${type} WHERE Id IN (${part.map(soqlString).join(', ')})`);
      out.push(...rows.map((r) => toRemoteRecord(entity, r, fields)));
    }
    return out;
  }

  /**
   * Contacts: by Email (SOQL compares case-insensitively), keys lower-cased. Accounts: by
   * the domain in Website (`LIKE '%acme.com%'`, then exact host match after dropping the
   * scheme, `www.` and any path), or by a custom domain field when configured. When several
   * records match a key, the oldest (CreatedDate, Id) wins.
   */
  async findByDedupeKeys(entity: CrmEntity, keys: string[], fields: string[]): Promise<Map<string, RemoteRecord>> {
    const found = new Map<string, RemoteRecord>();
    const { type } = this.fieldsFor(entity, fields);
    if (entity === 'contact') {
      const emails = [...new Set(keys.map((k) => k.trim().toLowerCase()).filter((k) => k.includes('@')))];
      const select = selectList(entity, [...fields, 'Email']).join(', ');
      for (const part of chunk(emails, EMAILS_PER_QUERY)) {
        const rows = await this.queryRows(`SELECT ${select} FROM ${type} WHERE Email IN (${part.map(soqlString).join(', ')}) ORDER BY CreatedDate ASC, Id ASC`);
        for (const row of rows) {
          const key = typeof row.Email === 'string' ? row.Email.toLowerCase() : null;
          if (key && !found.has(key)) found.set(key, toRemoteRecord(entity, row, fields));
        }
      }
      return found;
    }
    const domains = [...new Set(keys.map((k) => domainOf(k)).filter((d): d is string => !!d))];
    const wanted = new Set(domains);
    const field = this.domainField;
    const select = selectList(entity, [...fields, field]).join(', ');
    for (const part of chunk(domains, field === 'Website' ? DOMAINS_PER_QUERY : EMAILS_PER_QUERY)) {
      const where = field === 'Website' ? part.map((d) => `${field} LIKE ${soqlContains(d)}`).join(' OR ') : `${field} IN (${part.map(soqlString).join(', ')})`;
      const rows = await this.queryRows(`SELECT ${select} FROM ${type} WHERE ${where} ORDER BY CreatedDate ASC, Id ASC`);
      for (const row of rows) {
        const key = domainOf(typeof row[field] === 'string' ? row[field] : null);
        if (key && wanted.has(key) && !found.has(key)) found.set(key, toRemoteRecord(entity, row, fields));
      }
    }
    return found;
  }

  /**
   * sObject Collections, 200 a call, allOrNone=false: updates (id given) by PATCH, creates
   * with a dedupe key as upserts by the external id field (the key is written to it), creates
   * without one but with the app record id as upserts by that id (so no create is ever
   * repeated), other creates by POST. Updates/upserts of `bulkThreshold` records or more go
   * through one Bulk API 2.0 job instead. Rate limiting / re-authorization before anything was sent throws; after
   * some batches went through, the rest are reported as retryable failures so the caller
   * keeps the results it has.
   */
  /**
   * How many Bulk API 2.0 jobs `write(entity, inputs)` would start (0–2: updates, upserts), for a
   * budget check before any is started. Counted before validation, so it may name a job that
   * invalid or duplicate inputs would shrink below the threshold — never one fewer.
   */
  bulkJobs(entity: CrmEntity, inputs: WriteInput[]): number {
    if (this.bulkThreshold === null) return 0;
    const updates = inputs.filter((i) => i.id).length;
    const upserts = this.externalIdField ? inputs.filter((i) => !i.id && (i.dedupeKey || i.appId)).length : 0;
    return (updates >= this.bulkThreshold ? 1 : 0) + (upserts >= this.bulkThreshold ? 1 : 0);
  }

  async write(entity: CrmEntity, inputs: WriteInput[]): Promise<WriteResult[]> {
    const type = SOBJECT[entity];
    const results: (WriteResult | undefined)[] = new Array(inputs.length);
    const record = (input: WriteInput): Record<string, unknown> => {
      const { Id: _id, id: _lowerId, attributes: _attributes, ...fields } = input.fields as Record<string, unknown>;
      if (entity === 'contact' && input.accountId !== undefined) fields.AccountId = input.accountId;
      return fields;
    };

    type Kind = 'update' | 'upsert' | 'create';
    const groups: Record<Kind, number[]> = { update: [], upsert: [], create: [] };
    const seenKeys = new Set<string>();
    const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
    inputs.forEach((input, i) => {
      const badField = Object.keys(input.fields).find((name) => !FIELD_NAME.test(name));
      if (badField !== undefined) {
        results[i] = { ok: false, error: `INVALID_FIELD: ${JSON.stringify(badField)} is not a field API name`, retryable: false };
        return;
      }
      if (input.id) {
        if (!isSalesforceId(input.id) || !input.id.startsWith(KEY_PREFIX[entity])) {
          results[i] = { ok: false, error: `MALFORMED_ID: ${input.id} is not a ${type} id`, retryable: false };
          return;
        }
        groups.update.push(i);
      } else if ((input.dedupeKey || input.appId) && this.externalIdField) {
        const key = (input.dedupeKey || input.appId)!.toLowerCase();
        if (seenKeys.has(key)) {
          results[i] = { ok: false, error: `DUPLICATE_EXTERNAL_ID: ${input.dedupeKey || input.appId} appears more than once in this write`, retryable: false };
          return;
        }
        seenKeys.add(key);
        groups.upsert.push(i);
      } else groups.create.push(i);
    });

    // updates/upserts above the threshold: one Bulk API 2.0 job each; the rest in collections of 200
    const bulk = (kind: Kind) => kind !== 'create' && this.bulkThreshold !== null && groups[kind].length >= this.bulkThreshold;
    const batches: { kind: Kind; indexes: number[]; bulk: boolean }[] = [];
    for (const kind of ['update', 'upsert', 'create'] as Kind[]) {
      if (bulk(kind)) batches.push({ kind, indexes: groups[kind], bulk: true });
      else for (const indexes of chunk(groups[kind], COLLECTION_BATCH)) batches.push({ kind, indexes, bulk: false });
    }

    let sent = 0;
    for (let b = 0; b < batches.length; b++) {
      const { kind, indexes, bulk: viaBulk } = batches[b]!;
      const ext = this.externalIdField!;
      const records = indexes.map((i) => {
        const input = inputs[i]!;
        const fields = record(input);
        if (kind === 'update') return { Id: input.id!, ...fields };
        if (kind === 'upsert') return { ...fields, [ext]: input.dedupeKey || input.appId!.toLowerCase() };
        return fields;
      });
      let answer: SaveResultLike[];
      try {
        answer = viaBulk
          ? await this.bulkSave(type, kind as 'update' | 'upsert', records, ext)
          : ((await this.call((c) => {
              const sobject = c.sobject(type);
              if (kind === 'update') return sobject.update(records as { Id: string }[], { allOrNone: false });
              if (kind === 'upsert') return sobject.upsert(records, ext, { allOrNone: false });
              return sobject.create(records, { allOrNone: false });
            })) as unknown as SaveResultLike[]);
        if (!Array.isArray(answer) || answer.length !== indexes.length) throw malformed('collection result');
      } catch (error) {
        if ((error instanceof ProviderRateLimited || error instanceof ReauthorizationNeeded) && sent === 0) throw error;
        if (error instanceof ProviderRateLimited || error instanceof ReauthorizationNeeded) {
          const reason = error instanceof ProviderRateLimited ? `RATE_LIMITED: retry after ${error.retryAfterMs} ms` : `REAUTHORIZATION_NEEDED: ${error.message}`;
          for (const rest of batches.slice(b)) for (const i of rest.indexes) results[i] = { ok: false, error: reason, retryable: true };
          break;
        }
        // a plain create whose answer got lost may have been applied: retrying could duplicate it
        const ambiguous = kind === 'create' && (!(error instanceof SalesforceApiError) || error.status === null || error.status >= 500);
        const retryable = isRetryable(error) && !ambiguous;
        const text = `${error instanceof SalesforceApiError ? `${error.errorCode}: ` : ''}${(error as Error).message}${ambiguous ? ' (outcome unknown: look the record up before creating it again)' : ''}`;
        for (const i of indexes) results[i] = { ok: false, error: text, retryable };
        sent++;
        continue;
      }
      sent++;
      answer.forEach((r, k) => {
        const i = indexes[k]!;
        if (r && r.success && typeof r.id === 'string') {
          results[i] = { ok: true, id: r.id, created: kind === 'create' ? true : kind === 'upsert' ? r.created === true : false, modifiedAt: null };
        } else {
          const failure = saveFailure(r ?? { success: false });
          results[i] = { ok: false, error: failure.error, retryable: failure.retryable };
        }
      });
    }
    return results.map((r) => r ?? { ok: false, error: 'NOT_ATTEMPTED', retryable: true });
  }

  /**
   * One Bulk API 2.0 ingest job (create, upload CSV, close, poll, results) for updates (by Id)
   * or upserts (by the external id field); one save result per record, in order. Results are
   * matched on the Id / external id column Salesforce echoes back. In the CSV an absent field
   * is an empty cell (left alone) and a null is `#N/A` (cleared).
   */
  private async bulkSave(type: string, kind: 'update' | 'upsert', records: Record<string, unknown>[], ext: string): Promise<SaveResultLike[]> {
    const keyColumn = kind === 'update' ? 'Id' : ext;
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
    const cell = (r: Record<string, unknown>, c: string) => {
      if (!(c in r)) return '';
      const v = r[c];
      return v === null || v === undefined ? '#N/A' : String(v);
    };
    const csv = stringify(
      records.map((r) => columns.map((c) => cell(r, c))),
      { header: true, columns },
    );
    const outcome = await this.call((c) =>
      c.bulk2.loadAndWaitForResults({
        object: type,
        operation: kind,
        ...(kind === 'upsert' ? { externalIdFieldName: ext } : {}),
        input: csv,
        pollInterval: this.options.bulkPollIntervalMs ?? 1_000,
        pollTimeout: this.options.bulkTimeoutMs ?? 600_000,
      }),
      true,
    );
    const keyOf = (row: Record<string, unknown>) => String(row[keyColumn] ?? '').toLowerCase();
    const byKey = new Map<string, SaveResultLike>();
    for (const row of outcome.successfulResults as Record<string, unknown>[]) byKey.set(keyOf(row), { id: String(row.sf__Id), success: true, created: row.sf__Created === 'true' });
    for (const row of outcome.failedResults as Record<string, unknown>[]) {
      // "STATUS_CODE:message:fields --"
      const [code, ...rest] = String(row.sf__Error ?? 'UNKNOWN_ERROR').split(':');
      byKey.set(keyOf(row), { success: false, errors: [{ statusCode: code, message: rest.join(':').replace(/:[^:]*--\s*$/, '').trim() }] });
    }
    return records.map(
      (r) => byKey.get(String(r[keyColumn] ?? '').toLowerCase()) ?? { success: false, errors: [{ statusCode: 'UNKNOWN_EXCEPTION', message: 'not processed by the Bulk API job' }] },
    );
  }

  /** DELETE /composite/sobjects?ids=…, 200 a call; records already deleted or gone count as removed. */
  async remove(entity: CrmEntity, ids: string[]): Promise<WriteResult[]> {
    const results: (WriteResult | undefined)[] = new Array(ids.length);
    const positions = new Map<string, number[]>();
    ids.forEach((id, i) => {
      if (!isSalesforceId(id) || !id.startsWith(KEY_PREFIX[entity])) {
        results[i] = { ok: false, error: `MALFORMED_ID: ${id} is not a ${SOBJECT[entity]} id`, retryable: false };
        return;
      }
      const list = positions.get(id);
      if (list) list.push(i);
      else positions.set(id, [i]);
    });
    const unique = [...positions.keys()];
    let sent = 0;
    const parts = chunk(unique, COLLECTION_BATCH);
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      const put = (id: string, result: WriteResult) => {
        for (const i of positions.get(id)!) results[i] = result;
      };
      let answer: SaveResultLike[];
      try {
        answer = (await this.call((c) => c.sobject(SOBJECT[entity]).destroy(part, { allOrNone: false }))) as unknown as SaveResultLike[];
        if (!Array.isArray(answer) || answer.length !== part.length) throw malformed('delete result');
      } catch (error) {
        if ((error instanceof ProviderRateLimited || error instanceof ReauthorizationNeeded) && sent === 0) throw error;
        const reason = error instanceof ProviderRateLimited ? `RATE_LIMITED: retry after ${error.retryAfterMs} ms` : (error as Error).message;
        const retryable = isRetryable(error) || error instanceof ReauthorizationNeeded;
        const stop = error instanceof ProviderRateLimited || error instanceof ReauthorizationNeeded;
        for (const rest of stop ? parts.slice(p) : [part]) for (const id of rest) put(id, { ok: false, error: reason, retryable });
        if (stop) break;
        sent++;
        continue;
      }
      sent++;
      answer.forEach((r, k) => {
        const id = part[k]!;
        if (r?.success) return put(id, { ok: true, id, created: false, modifiedAt: null });
        const failure = saveFailure(r ?? { success: false });
        if (failure.code === 'ENTITY_IS_DELETED' || failure.code === 'INVALID_CROSS_REFERENCE_KEY') return put(id, { ok: true, id, created: false, modifiedAt: null });
        put(id, { ok: false, error: failure.error, retryable: failure.retryable });
      });
    }
    return results.map((r) => r ?? { ok: false, error: 'NOT_ATTEMPTED', retryable: true });
  }
}

export function createSalesforceClient(options: SalesforceClientOptions): SalesforceClient {
  return new SalesforceClient(options);
}
