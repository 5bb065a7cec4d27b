import type { z } from 'zod';
import { json, type SandboxDefinition } from '../core/sandbox';
import {
  chatsQuery,
  contactsQuery,
  ERROR_CODES,
  messagesQuery,
  offsetPageQuery,
  sendMessageBody,
  withContactsQuery,
  type Chat,
  type ErrorName,
  type Message,
} from './schemas';
import { COMPANY, CONNECTIONS, CONNECTIONS_ONLY_KEY, DEMO_API_KEY, RadistStore, type RadistChat, type RadistContact } from './store';

/**
 * Radist.online API v2 sandbox — wire-spec §4; all shapes in ./schemas.ts.
 *
 * Base URL: `${sandbox.url}/v2` (in place of https://api.radist.online/v2).
 * Auth: header `X-Api-Key: radist-sandbox-api-key` (all scopes) or
 * `radist-sandbox-connections-key` (connections only). Company id 100501.
 *
 *   GET  /v2/companies/?limit&offset
 *   GET  /v2/companies/{id}/connections/
 *   GET  /v2/companies/{id}/messaging/chats/sources/
 *   GET  /v2/companies/{id}/messaging/chats/with_contacts/?limit&cursor   newest activity first
 *   GET  /v2/companies/{id}/messaging/chats/?contact_id&limit&cursor       (contact_id filter: UNCONFIRMED)
 *   GET  /v2/companies/{id}/messaging/chats/{chat_id}/
 *   GET  /v2/companies/{id}/messaging/messages/?chat_id&limit&until        plain array, newest first, `until` inclusive
 *   POST /v2/companies/{id}/messaging/messages/                           send a text
 *   GET  /v2/companies/{id}/contacts/?phone|email|search&limit&offset      (UNCONFIRMED endpoint)
 *   GET  /v2/companies/{id}/contacts/{contact_id}/                         contact with its chats (UNCONFIRMED)
 * Rate limit: 10 requests/s per key (number UNCONFIRMED) → 429 TOO_MANY_REQUESTS with
 * Retry-After; 20 violations within 60 s block the key for 60 s (429 with the remaining
 * time). Admin ops: records/modify adds a new client message to N chats (activity);
 * records/delete removes N contacts with their chats.
 */

export function radistError(name: ErrorName, message: string, detail: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const { code, status } = ERROR_CODES[name];
  return json({ error_code: code, error_name: name, message, detail }, { status, headers });
}

const validation = (error: z.ZodError) =>
  radistError('REQUEST_VALIDATION_ERROR', 'request data validation error', { errors: error.issues.map((i) => ({ loc: i.path.map(String), msg: i.message })) });

const iso = (ms: number) => new Date(ms).toISOString();

function encodeCursor(contact: RadistContact): string {
  return Buffer.from(`${contact.lastAt}:${contact.id}`).toString('base64url');
}
function decodeCursor(cursor: string): { lastAt: number; id: number } | null {
  const m = Buffer.from(cursor, 'base64url').toString('utf8').match(/^(\d+):(\d+)$/);
  return m ? { lastAt: Number(m[1]), id: Number(m[2]) } : null;
}

function serializeChat(store: RadistStore, chat: RadistChat): Chat {
  const messages = store.messages(chat);
  const last = messages[messages.length - 1]!;
  let unanswered = 0;
  for (let i = messages.length - 1; i >= 0 && messages[i]!.direction === 'inbound'; i--) unanswered += 1;
  const phone = chat.source === 'telegram' ? null : chat.contact.person.phone.replace(/\D/g, '');
  return {
    chat_id: chat.id,
    connection_id: chat.connectionId,
    source: chat.source,
    source_chat_id: chat.source === 'telegram' ? String(5_000_000_000 + chat.contact.person.index) : `${phone}@c.us`,
    phone,
    contact_id: chat.contact.id,
    unanswered_count: unanswered,
    created_at: messages[0]!.created_at,
    updated_at: last.created_at,
    last_message: { message_id: last.message_id, created_at: last.created_at, direction: last.direction, text: last.text },
  };
}

function serializeContact(c: RadistContact) {
  return {
    id: c.id,
    name: `${c.person.firstName} ${c.person.lastName}`.trim(),
    phones: [c.person.phone.replace(/\D/g, '')],
    emails: [c.person.email],
    created_at: iso(c.person.createdAt),
    updated_at: iso(Math.max(c.person.updatedAt, c.lastAt)),
  };
}

/** Contacts by last activity, newest first, after the cursor. */
function activityPage(store: RadistStore, cursor: string | undefined, limit: number, predicate: (c: RadistContact) => boolean = () => true) {
  const items = store.byActivity.items;
  let pos = items.length - 1;
  if (cursor) {
    const at = decodeCursor(cursor);
    if (!at) return null;
    pos = store.byActivity.lowerBound(at.lastAt, at.id) - 1;
  }
  const page: RadistContact[] = [];
  for (; pos >= 0 && page.length < limit; pos--) if (predicate(items[pos]!)) page.push(items[pos]!);
  let more = false;
  for (let p = pos; p >= 0; p--) {
    if (predicate(items[p]!)) {
      more = true;
      break;
    }
  }
  return { page, nextCursor: more && page.length ? encodeCursor(page[page.length - 1]!) : '' };
}

function checkRate(store: RadistStore, key: string, now = Date.now()): Response | null {
  const limits = store.limits;
  if (!limits.enabled) return null;
  const blocked = store.blockedUntil.get(key) ?? 0;
  if (blocked > now) {
    const s = Math.ceil((blocked - now) / 1000);
    return radistError('TOO_MANY_REQUESTS', 'too many requests: temporarily blocked', { retry_after: s }, { 'retry-after': String(s) });
  }
  store.limiter.limit = limits.perSecond;
  const taken = store.limiter.take(key, now);
  if (taken.allowed) return null;
  const recent = (store.violations.get(key) ?? []).filter((t) => t > now - limits.violationWindowSeconds * 1000);
  recent.push(now);
  store.violations.set(key, recent);
  if (recent.length >= limits.violationsToBlock) {
    store.blockedUntil.set(key, now + limits.blockSeconds * 1000);
    store.violations.delete(key);
  }
  const s = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
  return radistError('TOO_MANY_REQUESTS', 'too many requests', { retry_after: s }, { 'retry-after': String(s) });
}

async function route(request: Request, store: RadistStore): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.startsWith('/v2/')) return radistError('NOT_FOUND', 'not found');
  const key = request.headers.get('x-api-key');
  if (!key) return radistError('UNAUTHORIZED', 'api key is required');
  const scopes = store.apiKeys.get(key);
  if (!scopes) return radistError('UNAUTHORIZED', 'invalid api key');
  const limited = checkRate(store, key);
  if (limited) return limited;
  const query = Object.fromEntries(url.searchParams);
  const parts = path.slice('/v2/'.length).split('/');
  const method = request.method;

  if (parts[0] !== 'companies') return radistError('NOT_FOUND', 'not found');
  if (parts.length === 1) {
    if (method !== 'GET') return radistError('NOT_FOUND', 'method not allowed');
    const q = offsetPageQuery.safeParse(query);
    if (!q.success) return validation(q.error);
    return json({ companies: [COMPANY].slice(q.data.offset, q.data.offset + q.data.limit) });
  }
  if (parts[1] !== String(COMPANY.id)) return radistError('FORBIDDEN', 'no access to the company', { company_id: parts[1] });
  const rest = parts.slice(2).join('/');
  const need = (scope: 'messaging' | 'connections') => (scopes.has(scope) ? null : radistError('FORBIDDEN', `the api key has no "${scope}" scope`));

  if (rest === 'connections' && method === 'GET') {
    return need('connections') ?? json({ count: CONNECTIONS.length, connections: CONNECTIONS });
  }
  const denied = need('messaging');
  if (denied) return denied;

  if (rest === 'messaging/chats/sources' && method === 'GET') return json(CONNECTIONS.map((c) => ({ connection_id: c.id, type: c.type })));

  if (rest === 'messaging/chats/with_contacts' && method === 'GET') {
    const q = withContactsQuery.safeParse(query);
    if (!q.success) return validation(q.error);
    const result = activityPage(store, q.data.cursor || undefined, q.data.limit);
    if (!result) return radistError('REQUEST_VALIDATION_ERROR', 'request data validation error', { errors: [{ loc: ['cursor'], msg: 'invalid cursor' }] });
    return json({
      data: result.page.map((c) => {
        const chats = c.chats.map((chat) => serializeChat(store, chat));
        return {
          contact_id: c.id,
          contact_name: `${c.person.firstName} ${c.person.lastName}`.trim(),
          avatar_url: null,
          is_group: false,
          unanswered_count: chats.reduce((n, ch) => n + ch.unanswered_count, 0),
          last_chat_updated_at: iso(c.lastAt),
          chats,
        };
      }),
      response_metadata: { next_cursor: result.nextCursor },
    });
  }

  if (rest === 'messaging/chats' && method === 'GET') {
    const q = chatsQuery.safeParse(query);
    if (!q.success) return validation(q.error);
    if (q.data.contact_id !== undefined) {
      const contact = store.contacts.get(q.data.contact_id);
      if (!contact) return radistError('CONTACT_NOT_FOUND', 'contact not found', { contact_id: q.data.contact_id });
      return json({ data: contact.chats.map((c) => serializeChat(store, c)), response_metadata: { next_cursor: '' } });
    }
    const result = activityPage(store, q.data.cursor || undefined, q.data.limit);
    if (!result) return radistError('REQUEST_VALIDATION_ERROR', 'request data validation error', { errors: [{ loc: ['cursor'], msg: 'invalid cursor' }] });
    return json({ data: result.page.flatMap((c) => c.chats.map((chat) => serializeChat(store, chat))), response_metadata: { next_cursor: result.nextCursor } });
  }

  const chatMatch = rest.match(/^messaging\/chats\/(\d+)$/);
  if (chatMatch && method === 'GET') {
    const chat = store.chats.get(Number(chatMatch[1]));
    return chat ? json(serializeChat(store, chat)) : radistError('CHAT_NOT_FOUND', 'chat not found', { chat_id: Number(chatMatch[1]) });
  }

  if (rest === 'messaging/messages' && method === 'GET') {
    const q = messagesQuery.safeParse(query);
    if (!q.success) return validation(q.error);
    const chat = store.chats.get(q.data.chat_id);
    if (!chat) return radistError('CHAT_NOT_FOUND', 'chat not found', { chat_id: q.data.chat_id });
    const until = q.data.until ? Date.parse(q.data.until) : Infinity;
    const all = store.messages(chat);
    const page: Message[] = [];
    for (let i = all.length - 1; i >= 0 && page.length < q.data.limit; i--) if (Date.parse(all[i]!.created_at) <= until) page.push(all[i]!);
    return json(page);
  }

  if (rest === 'messaging/messages' && method === 'POST') {
    const text = await request.text();
    if (text.length > 1_000_000) return radistError('REQUEST_TOO_LARGE', 'request too large');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return radistError('REQUEST_VALIDATION_ERROR', 'request data validation error', { errors: [{ loc: ['body'], msg: 'invalid JSON' }] });
    }
    const body = sendMessageBody.safeParse(raw);
    if (!body.success) return validation(body.error);
    const chat = store.chats.get(body.data.chat_id);
    if (!chat) return radistError('CHAT_NOT_FOUND', 'chat not found', { chat_id: body.data.chat_id });
    if (chat.connectionId !== body.data.connection_id) return radistError('REQUEST_VALIDATION_ERROR', 'request data validation error', { errors: [{ loc: ['connection_id'], msg: 'chat belongs to another connection' }] });
    return json(store.append(chat, { direction: 'outbound', text: body.data.text.text }), { status: 201 });
  }

  if (rest === 'contacts' && method === 'GET') {
    const q = contactsQuery.safeParse(query);
    if (!q.success) return validation(q.error);
    let found: RadistContact[];
    if (q.data.phone) found = store.findByPhone(q.data.phone);
    else if (q.data.email) found = store.findByEmail(q.data.email);
    else if (q.data.search) {
      const s = q.data.search.toLowerCase();
      found = store.contactsById.filter((c) => `${c.person.firstName} ${c.person.lastName}`.toLowerCase().includes(s));
    } else found = store.contactsById;
    return json({ count: found.length, contacts: found.slice(q.data.offset, q.data.offset + q.data.limit).map(serializeContact) });
  }

  const contactMatch = rest.match(/^contacts\/(\d+)$/);
  if (contactMatch && method === 'GET') {
    const contact = store.contacts.get(Number(contactMatch[1]));
    if (!contact) return radistError('CONTACT_NOT_FOUND', 'contact not found', { contact_id: Number(contactMatch[1]) });
    return json({ ...serializeContact(contact), chats: contact.chats.map((c) => serializeChat(store, c)) });
  }

  return radistError('NOT_FOUND', 'not found');
}

const FOLLOW_UPS = ['Any news on my request?', 'Hello, are you there?', 'Can we schedule a call tomorrow?', 'Добрый день, есть новости по моему вопросу?'];

export const definition: SandboxDefinition<RadistStore> = {
  provider: 'radist',
  createStore: ({ seed, records }) => new RadistStore(seed, records),
  handle: async (request, ctx) => route(request, ctx.store),
  rateLimited: (s) => radistError('TOO_MANY_REQUESTS', 'too many requests', { retry_after: s }, { 'retry-after': String(s) }),
  serverError: () => radistError('INTERNAL_ERROR', 'internal server error'),
  modifyRecords: (store, count, random) => {
    const touched: string[] = [];
    for (const contact of store.contactsById.length ? Array.from({ length: Math.min(count, store.contactsById.length) }, () => store.contactsById[random.int(0, store.contactsById.length - 1)]!) : []) {
      const chat = contact.chats[0]!;
      store.append(chat, { direction: 'inbound', text: random.pick(FOLLOW_UPS) });
      touched.push(String(chat.id));
    }
    return touched;
  },
  deleteRecords: (store, count, random) => {
    const ids: string[] = [];
    for (let i = 0; i < count && store.contactsById.length; i++) {
      const contact = store.contactsById[random.int(0, store.contactsById.length - 1)]!;
      store.deleteContact(contact);
      ids.push(String(contact.id));
    }
    return ids;
  },
  summary: (store) => ({
    company: COMPANY,
    contacts: store.contactsById.length,
    chats: store.chats.size,
    sentMessages: store.sentCount,
    apiKeys: { full: DEMO_API_KEY, connectionsOnly: CONNECTIONS_ONLY_KEY },
    limits: store.limits,
  }),
};

export { RadistStore } from './store';
