import type { z } from 'zod';
import {
  chatsResponse,
  companiesResponse,
  contactsResponse,
  errorBody,
  messagesResponse,
  withContactsResponse,
  type RadistChat,
  type RadistContactWithChats,
  type RadistMessage,
} from './schemas';

/**
 * A read client for Radist.online API v2 (wire-spec §4): chats and messages of a
 * company, found by the customers' phone numbers. Plain fetch + zod; `X-Api-Key` auth.
 *
 * - Requests are spaced to `requestsPerSecond` (Radist limits requests per second per
 *   key and blocks a key that keeps exceeding it, so we stay under rather than probe).
 * - 429 waits Retry-After (else 1 s doubling) a bounded number of times; 5xx and dropped
 *   connections are retried twice; 401/403 are never retried.
 * - Errors never carry the API key or the request URL's query (phones are personal data).
 */

export const RADIST_API_URL = 'https://api.radist.online/v2';

export type RadistErrorKind = 'auth' | 'forbidden' | 'not_found' | 'invalid' | 'rate_limited' | 'server' | 'network' | 'bad_response';

export class RadistError extends Error {
  constructor(
    readonly kind: RadistErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'RadistError';
  }
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'server' || this.kind === 'network';
  }
}

export interface RadistClientOptions {
  apiKey: string;
  companyId: number;
  baseUrl?: string;
  /** Client-side pacing; the sandbox (and, reportedly, Radist) allows 10/s per key. */
  requestsPerSecond?: number;
  max429Retries?: number;
  maxRetryWaitMs?: number;
  timeoutMs?: number;
  /** First wait before retrying a 5xx or a dropped connection (doubles; default 500 ms). */
  retryBaseMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface ContactChats {
  contactId: number;
  contactName: string | null;
  /** Phone digits of the contact's chats (a Telegram chat has none). */
  phones: string[];
  chats: RadistChat[];
  lastActivityAt: string | null;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The digits that identify a phone across formats: the last 10 (drops +7/8, +1, 00 prefixes). */
export function phoneKey(phone: string | null | undefined): string | null {
  const digits = (phone ?? '').replace(/\D+/g, '');
  return digits.length >= 6 ? digits.slice(-10) : null;
}

export class RadistClient {
  /** HTTP attempts sent (for figures and tests). */
  calls = 0;
  private readonly base: string;
  private nextSlot = 0;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RadistClientOptions) {
    this.base = (options.baseUrl ?? RADIST_API_URL).replace(/\/+$/, '');
    this.sleep = options.sleep ?? defaultSleep;
  }

  private get company(): string {
    return `/companies/${this.options.companyId}`;
  }

  /** The companies the key may read; proves the key works. */
  async companies(signal?: AbortSignal) {
    return (await this.get('/companies/', { limit: 100, offset: 0 }, companiesResponse, signal)).companies;
  }

  /**
   * Contacts with their chats, most recent activity first, page after page; stops after
   * the first contact whose last activity is older than `activeSince` (nothing older can
   * hold a message of the period).
   */
  async *contactsWithChats(options: { activeSince?: Date; pageSize?: number; signal?: AbortSignal } = {}): AsyncGenerator<ContactChats[]> {
    let cursor = '';
    const seen = new Set<string>();
    for (;;) {
      const page = await this.get(`${this.company}/messaging/chats/with_contacts/`, { limit: options.pageSize ?? 100, ...(cursor ? { cursor } : {}) }, withContactsResponse, options.signal);
      const items: ContactChats[] = [];
      let older = false;
      for (const entry of page.data) {
        const last = entry.last_chat_updated_at ?? null;
        if (options.activeSince && last && Date.parse(last) < options.activeSince.getTime()) {
          older = true;
          break;
        }
        items.push(toContactChats(entry));
      }
      if (items.length) yield items;
      const next = page.response_metadata?.next_cursor ?? '';
      if (older || !next || seen.has(next)) return;
      seen.add(next);
      cursor = next;
    }
  }

  /**
   * The contacts (with chats) whose chat phone matches one of `phones`, by phone key.
   * One listing of the company's chats instead of two requests per phone.
   */
  async chatsForPhones(phones: string[], options: { activeSince?: Date; signal?: AbortSignal } = {}): Promise<Map<string, ContactChats[]>> {
    const wanted = new Set(phones.map(phoneKey).filter((k): k is string => k !== null));
    const found = new Map<string, ContactChats[]>();
    if (!wanted.size) return found;
    for await (const page of this.contactsWithChats(options)) {
      for (const contact of page) {
        for (const key of new Set(contact.phones.map(phoneKey))) {
          if (key && wanted.has(key)) found.set(key, [...(found.get(key) ?? []), contact]);
        }
      }
    }
    return found;
  }

  /** The chats of one phone number: its contacts, then each contact's chats (a few requests; for small lookups). */
  async chatsByPhone(phone: string, signal?: AbortSignal): Promise<ContactChats[]> {
    const key = phoneKey(phone);
    if (!key) return [];
    const { contacts } = await this.get(`${this.company}/contacts/`, { phone: key, limit: 20, offset: 0 }, contactsResponse, signal);
    const out: ContactChats[] = [];
    for (const contact of contacts) {
      const { data } = await this.get(`${this.company}/messaging/chats/`, { contact_id: contact.id, limit: 100 }, chatsResponse, signal);
      const chats = data;
      const last = chats.map((c) => c.updated_at ?? c.last_message?.created_at ?? '').sort().at(-1) || null;
      out.push({ contactId: contact.id, contactName: contact.name ?? null, phones: [...new Set([...(contact.phones ?? []), ...chats.map((c) => c.phone ?? '')].filter(Boolean))], chats, lastActivityAt: last });
    }
    return out;
  }

  /**
   * The messages of a chat created in [since, until], oldest first. Radist lists newest
   * first; we page backwards with `until` = the oldest seen minus 1 ms.
   */
  async messages(chatId: number, options: { since?: Date; until?: Date; pageSize?: number; signal?: AbortSignal } = {}): Promise<RadistMessage[]> {
    const limit = options.pageSize ?? 100;
    const out: RadistMessage[] = [];
    const seen = new Set<number>();
    let until = options.until ? options.until.toISOString() : undefined;
    for (;;) {
      const page = await this.get(`${this.company}/messaging/messages/`, { chat_id: chatId, limit, ...(until ? { until } : {}) }, messagesResponse, options.signal);
      let reachedStart = false;
      for (const message of page) {
        if (options.since && Date.parse(message.created_at) < options.since.getTime()) {
          reachedStart = true;
          continue;
        }
        if (!seen.has(message.message_id)) {
          seen.add(message.message_id);
          out.push(message);
        }
      }
      if (page.length < limit || reachedStart) break;
      const oldest = Math.min(...page.map((m) => Date.parse(m.created_at)));
      if (!Number.isFinite(oldest)) break;
      until = new Date(oldest - 1).toISOString();
    }
    return out.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.message_id - b.message_id);
  }

  private async pace(): Promise<void> {
    const gap = 1000 / (this.options.requestsPerSecond ?? 8);
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + gap;
    if (slot > now) await this.sleep(slot - now);
  }

  private async get<S extends z.ZodType>(path: string, query: Record<string, string | number>, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    let rateLimited = 0;
    let failures = 0;
    for (;;) {
      signal?.throwIfAborted();
      await this.pace();
      this.calls += 1;
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 20_000);
        res = await (this.options.fetch ?? fetch)(url, {
          headers: { 'x-api-key': this.options.apiKey, accept: 'application/json' },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (failures < 2) {
          failures += 1;
          await this.sleep((this.options.retryBaseMs ?? 500) * 2 ** failures);
          continue;
        }
        throw new RadistError('network', `Radist could not be reached (${error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'connection failed'}).`);
      }
      if (res.ok) {
        const text = await res.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          if (failures < 2) {
            failures += 1;
            continue;
          }
          throw new RadistError('bad_response', `Radist answered ${path.split('/').at(-2) ?? 'a request'} with a body that is not JSON.`, res.status);
        }
        const parsed = schema.safeParse(body);
        if (!parsed.success) throw new RadistError('bad_response', `Radist answered in an unexpected shape (${parsed.error.issues.slice(0, 2).map((i) => i.path.join('.') || 'body').join(', ')}).`, res.status);
        return parsed.data;
      }
      const problem = await readError(res);
      if (res.status === 429) {
        const wait = Math.min(this.options.maxRetryWaitMs ?? 30_000, retryAfterMs(res) ?? 1000 * 2 ** rateLimited);
        if (rateLimited >= (this.options.max429Retries ?? 4)) throw new RadistError('rate_limited', 'Radist kept answering "too many requests".', 429, wait);
        rateLimited += 1;
        // every later request of this client waits too; pace() does the sleeping
        this.nextSlot = Math.max(this.nextSlot, Date.now() + wait);
        continue;
      }
      if (res.status >= 500 && failures < 2) {
        failures += 1;
        await this.sleep((this.options.retryBaseMs ?? 500) * 2 ** failures);
        continue;
      }
      if (res.status === 401) throw new RadistError('auth', 'Radist refused the API key.', 401);
      if (res.status === 403) throw new RadistError('forbidden', `Radist refused access${problem ? `: ${problem}` : ''}.`, 403);
      if (res.status === 404) throw new RadistError('not_found', `Radist found nothing there${problem ? `: ${problem}` : ''}.`, 404);
      if (res.status >= 500) throw new RadistError('server', `Radist failed with HTTP ${res.status}.`, res.status);
      throw new RadistError('invalid', `Radist refused the request (HTTP ${res.status}${problem ? `: ${problem}` : ''}).`, res.status);
    }
  }
}

function toContactChats(entry: RadistContactWithChats): ContactChats {
  return {
    contactId: entry.contact_id,
    contactName: entry.contact_name ?? null,
    phones: [...new Set(entry.chats.map((c) => c.phone ?? '').filter(Boolean))],
    chats: entry.chats,
    lastActivityAt: entry.last_chat_updated_at ?? null,
  };
}

async function readError(res: Response): Promise<string | null> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = errorBody.safeParse(JSON.parse(text));
    if (parsed.success) return [parsed.data.error_name, parsed.data.message].filter(Boolean).join(' — ').slice(0, 200) || null;
  } catch {
    // not JSON
  }
  return null;
}

function retryAfterMs(res: Response): number | null {
  const raw = res.headers.get('retry-after');
  if (!raw) return null;
  const seconds = Number(raw);
  return Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : null;
}
