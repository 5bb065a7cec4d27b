import type { z } from 'zod';
import { ManualAction } from '../../services/kommo/manual-action';
import { ProviderRateLimited, ReauthorizationNeeded } from '../types';
import { KommoAccessBlocked, KommoApiError, KommoBadResponse } from './errors';
import { allowedUrl, safeForLog, type HostPolicy } from './hosts';
import { problemSchema } from './schemas';

/**
 * HTTP to one Kommo account: the base of the read client and of the separate write
 * module. Every request
 *
 * - goes only to the connection's own host (hosts.ts), `_links.next` included;
 * - first takes a slot from the account's shared pacer (7 requests/s per account across
 *   every process: services/kommo/rate-limit.ts backs it with one Postgres row);
 * - on 429 waits (Retry-After, else 1 s doubling), tells the pacer so every worker of the
 *   account backs off, and tries again a bounded number of times;
 * - on 401 asks for a fresh token once (OAuth refresh or nothing for long-lived tokens);
 * - on 403 stops: Kommo blocks accounts that keep hammering it, so nothing retries, the
 *   `onBlocked` hook records the alert, and KommoAccessBlocked is thrown.
 *
 * Reads (GET) are retried on 5xx and dropped connections. The only write path is
 * `writeOnce`, which needs a ManualAction (a person's click, spent by the request) and is
 * never retried: a write that may have happened must not happen twice.
 */

export interface RequestPacer {
  /** Resolves when this account may send one more request. */
  take(accountKey: string): Promise<void>;
  /** Kommo answered 429: nobody on this account sends before `ms` from now. */
  penalize(accountKey: string, ms: number): Promise<void>;
}

export interface KommoAuth {
  accessToken(): Promise<string>;
  /** The token was refused (401): a fresh one, or null when there is none to be had. */
  refreshed(stale: string): Promise<string | null>;
}

export interface TransportOptions {
  policy: HostPolicy;
  auth: KommoAuth;
  pacer: RequestPacer;
  /** Which bucket the requests count against; default: the account host. */
  accountKey?: string;
  onBlocked?: (error: KommoAccessBlocked) => Promise<void>;
  /** 429 answers waited out before giving up (default 5). */
  max429Retries?: number;
  /** Longest single wait for a 429 (default 30 s). */
  maxBackoffMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  userAgent?: string;
  sleep?: (ms: number) => Promise<void>;
}

export type QueryInit = Record<string, string | number | (string | number)[] | undefined>;

interface RequestInitKommo<S extends z.ZodType | undefined> {
  query?: QueryInit | URLSearchParams;
  body?: unknown;
  schema: S;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function toSearchParams(query: QueryInit | URLSearchParams | undefined): URLSearchParams {
  if (!query) return new URLSearchParams();
  if (query instanceof URLSearchParams) return query;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  return params;
}

function retryAfterMs(res: Response): number | null {
  const raw = res.headers.get('retry-after');
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

async function problemOf(res: Response): Promise<{ detail: string; errors: { path: string; detail: string; code?: string }[] }> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = problemSchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const errors = (parsed.data['validation-errors'] ?? []).flatMap((v) => v.errors.map((e) => ({ path: e.path, detail: e.detail, code: e.code })));
      return { detail: parsed.data.detail ?? parsed.data.hint ?? parsed.data.title ?? res.statusText, errors };
    }
  } catch {
    // not JSON: fall through
  }
  return { detail: text.slice(0, 200) || res.statusText || `HTTP ${res.status}`, errors: [] };
}

export class KommoTransport {
  /** Requests sent (each HTTP attempt counts). */
  calls = 0;
  readonly accountKey: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TransportOptions) {
    this.accountKey = options.accountKey ?? new URL(options.policy.baseUrl).host;
    this.sleep = options.sleep ?? defaultSleep;
  }

  get baseUrl(): string {
    return this.options.policy.baseUrl;
  }

  /** GET: the validated body, or null for Kommo's 204 "nothing here". */
  get<S extends z.ZodType>(path: string, init: Omit<RequestInitKommo<S>, 'body'>): Promise<z.output<S> | null> {
    return this.send('GET', path, init);
  }

  /**
   * The one write request a person's click allows: spends the ManualAction (refused
   * without a genuine, fresh, unspent one) and is never retried once it may have
   * reached Kommo. Only server/providers/kommo/write.ts calls this.
   */
  writeOnce<S extends z.ZodType>(action: ManualAction, method: 'POST' | 'PATCH', path: string, init: RequestInitKommo<S>): Promise<z.output<S> | null> {
    ManualAction.spend(action, `${method} ${path}`);
    return this.send(method, path, init);
  }

  /**
   * Every item of a list, page after page, following `_links.next` (on the same host)
   * until Kommo stops offering one or answers 204.
   */
  async *paginate<I>(path: string, key: string, pageSchema: z.ZodType, query?: QueryInit): AsyncGenerator<I[]> {
    const first = allowedUrl(this.options.policy, path);
    for (const [k, v] of toSearchParams(query)) first.searchParams.append(k, v);
    let url: string | null = first.toString();
    const seen = new Set<string>();
    while (url) {
      if (seen.has(url)) break;
      seen.add(url);
      const page = (await this.send('GET', url, { schema: pageSchema })) as { _links?: { next?: { href: string } }; _embedded: Record<string, unknown> } | null;
      if (!page) return;
      const items = (page._embedded[key] ?? []) as I[];
      if (items.length) yield items;
      const next = page._links?.next?.href;
      url = next ? allowedUrl(this.options.policy, next).toString() : null;
    }
  }

  private async send<S extends z.ZodType | undefined>(method: string, pathOrUrl: string, init: RequestInitKommo<S>): Promise<any> {
    const url = allowedUrl(this.options.policy, pathOrUrl);
    const extra = toSearchParams(init.query);
    for (const [k, v] of extra) url.searchParams.append(k, v);
    const isRead = method === 'GET';
    const maxRetries = this.options.max429Retries ?? 5;
    let rateLimited = 0;
    let failures = 0;
    let refreshed = false;
    let token = await this.options.auth.accessToken();
    for (;;) {
      await this.options.pacer.take(this.accountKey);
      this.calls += 1;
      let res: Response;
      try {
        res = await (this.options.fetch ?? fetch)(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/hal+json, application/json',
            'user-agent': this.options.userAgent ?? 'crm-hub/kommo',
            ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
        });
      } catch (error) {
        if (isRead && failures < 2) {
          failures += 1;
          await this.sleep(500 * 2 ** failures);
          continue;
        }
        throw error;
      }

      if (res.status === 204) return null;
      if (res.ok) {
        const text = await res.text();
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          throw new KommoBadResponse(url.pathname, 'not JSON');
        }
        if (!init.schema) return body;
        const parsed = init.schema.safeParse(body);
        if (!parsed.success) throw new KommoBadResponse(url.pathname, parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        return parsed.data;
      }
      if (res.status === 401) {
        await res.body?.cancel().catch(() => {});
        if (refreshed) throw new ReauthorizationNeeded('Kommo refused the refreshed token');
        refreshed = true;
        const next = await this.options.auth.refreshed(token);
        if (!next) throw new ReauthorizationNeeded('Kommo refused the access token');
        token = next;
        continue;
      }
      if (res.status === 429) {
        await res.body?.cancel().catch(() => {});
        const wait = Math.min(this.options.maxBackoffMs ?? 30_000, retryAfterMs(res) ?? 1000 * 2 ** rateLimited);
        await this.options.pacer.penalize(this.accountKey, wait);
        if (rateLimited >= maxRetries) throw new ProviderRateLimited(wait, 'Kommo kept answering 429 (too many requests)');
        rateLimited += 1;
        await this.sleep(wait);
        continue;
      }
      if (res.status === 403) {
        const wait = retryAfterMs(res);
        const { detail } = await problemOf(res);
        const blocked = new KommoAccessBlocked(detail, wait);
        await this.options.onBlocked?.(blocked);
        throw blocked;
      }
      if (res.status >= 500 && isRead && failures < 2) {
        await res.body?.cancel().catch(() => {});
        failures += 1;
        await this.sleep(500 * 2 ** failures);
        continue;
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => {});
        throw new KommoApiError(res.status, `unexpected redirect from ${safeForLog(url.toString())}`);
      }
      const { detail, errors } = await problemOf(res);
      throw new KommoApiError(res.status, detail, errors);
    }
  }
}

/** A pacer for one process (tests, scripts): spacing between requests, no sharing. */
export class LocalPacer implements RequestPacer {
  private next = new Map<string, number>();
  constructor(private readonly perSecond = 7) {}

  async take(key: string): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, slot + 1000 / this.perSecond);
    if (slot > now) await defaultSleep(slot - now);
  }

  async penalize(key: string, ms: number): Promise<void> {
    this.next.set(key, Math.max(this.next.get(key) ?? 0, Date.now() + ms));
  }
}
