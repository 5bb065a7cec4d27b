import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import { KOMMO_USERS } from '../../server/sandbox/kommo/people';
import type { RadistStore } from '../../server/sandbox/radist/store';
import { errorBodySchema, messagesResponse, withContactsResponse, contactsResponse, chatSchema } from '../../server/sandbox/radist/schemas';

/** Radist has no SDK: raw fetch with `X-Api-Key`, as the docs and every client found do. */

const KEY = 'radist-sandbox-api-key';
const SEED = 11;
const RECORDS = 3_000;
let radist: RunningSandbox<RadistStore>;
let kommo: RunningSandbox<KommoStore>;
const base = () => `${radist.url}/v2/companies/100501`;
const get = (path: string, key: string | null = KEY) => fetch(`${path.startsWith('http') ? path : base() + path}`, { headers: key ? { 'x-api-key': key } : {} });

beforeAll(async () => {
  radist = await startSandbox<RadistStore>('radist', { seed: SEED, records: RECORDS, latencyMs: 0 });
  kommo = await startSandbox<KommoStore>('kommo', { seed: SEED, records: RECORDS, latencyMs: 0 });
});
afterAll(async () => {
  await radist?.close();
  await kommo?.close();
});
beforeEach(() => {
  Object.assign(radist.store.limits, { enabled: false, perSecond: 10, violationsToBlock: 20, violationWindowSeconds: 60, blockSeconds: 60 });
  radist.store.limiter.reset();
  radist.store.blockedUntil.clear();
  radist.store.violations.clear();
  radist.faults.reset();
});

describe('Radist data', () => {
  it('pages through every contact with chats by cursor, newest activity first', async () => {
    const seen = new Set<number>();
    let cursor = '';
    let previous = Infinity;
    let pages = 0;
    do {
      const res = await get(`/messaging/chats/with_contacts/?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = withContactsResponse.parse(await res.json());
      pages += 1;
      for (const item of body.data) {
        expect(seen.has(item.contact_id)).toBe(false);
        seen.add(item.contact_id);
        const at = Date.parse(item.last_chat_updated_at);
        expect(at).toBeLessThanOrEqual(previous);
        previous = at;
        expect(item.chats.length).toBeGreaterThanOrEqual(1);
      }
      cursor = body.response_metadata.next_cursor;
    } while (cursor);
    expect(seen.size).toBe(radist.store.contactsById.length);
    expect(seen.size / RECORDS).toBeGreaterThan(0.6);
    expect(seen.size / RECORDS).toBeLessThan(0.8);
    expect(pages).toBe(Math.ceil(seen.size / 100));
  });

  it('holds the same people and phones as the Kommo sandbox, and the same managers', async () => {
    let matched = 0;
    for (const contact of kommo.store.contactsById.slice(0, 60)) {
      const phone = contact.phones[0]!.value;
      const res = await get(`/contacts/?phone=${encodeURIComponent(phone)}`);
      expect(res.status).toBe(200);
      const body = contactsResponse.parse(await res.json());
      if (!body.count) continue;
      matched += 1;
      const [found] = body.contacts;
      expect(found!.name).toBe(contact.name);
      expect(found!.phones[0]).toBe(phone.replace(/\D/g, ''));
      // the manager answering the chat is the contact's responsible user in Kommo
      const detail = await (await get(`/contacts/${found!.id}/`)).json();
      const chat = detail.chats[0];
      const messages = messagesResponse.parse(await (await get(`/messaging/messages/?chat_id=${chat.chat_id}`)).json());
      const operators = new Set(messages.filter((m) => m.direction === 'outbound').map((m) => m.sender.name));
      expect([...operators]).toEqual([KOMMO_USERS.find((u) => u.id === contact.responsibleUserId)!.name]);
    }
    expect(matched).toBeGreaterThan(30);
    // digits-normalised search: "+7 (9xx) ..." and e-mail
    const someone = radist.store.contactsById[3]!;
    const p = someone.person.phone;
    const formatted = `${p.slice(0, -7)} (${p.slice(-7, -4)}) ${p.slice(-4, -2)}-${p.slice(-2)}`;
    expect((await (await get(`/contacts/?phone=${encodeURIComponent(formatted)}`)).json()).contacts[0].id).toBe(someone.id);
    expect((await (await get(`/contacts/?email=${encodeURIComponent(someone.person.email.toUpperCase())}`)).json()).contacts[0].id).toBe(someone.id);
    expect((await (await get('/contacts/?phone=%2B10000000000')).json())).toEqual({ count: 0, contacts: [] });
  });

  it("lists a contact's chats and pages a chat's messages backwards with until", async () => {
    const contact = radist.store.contactsById.find((c) => c.chats.length === 2)!;
    const chats = await (await get(`/messaging/chats/?contact_id=${contact.id}`)).json();
    expect(chats.data.map((c: { chat_id: number }) => c.chat_id)).toEqual(contact.chats.map((c) => c.id));
    expect(chats.data.map((c: { source: string }) => c.source)).toContain('telegram');
    for (const c of chats.data) chatSchema.parse(c);
    const chatId = chats.data[0].chat_id;
    const one = chatSchema.parse(await (await get(`/messaging/chats/${chatId}/`)).json());
    expect(one.contact_id).toBe(contact.id);

    const all = messagesResponse.parse(await (await get(`/messaging/messages/?chat_id=${chatId}&limit=100`)).json());
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(new Set(all.map((m) => m.direction))).toEqual(new Set(['inbound', 'outbound']));
    for (let i = 1; i < all.length; i++) expect(Date.parse(all[i]!.created_at)).toBeLessThan(Date.parse(all[i - 1]!.created_at));
    expect(all.at(-1)!.direction).toBe('inbound'); // conversations open with the client
    const paged: number[] = [];
    let until: string | undefined;
    for (;;) {
      const page = messagesResponse.parse(await (await get(`/messaging/messages/?chat_id=${chatId}&limit=3${until ? `&until=${encodeURIComponent(until)}` : ''}`)).json());
      paged.push(...page.map((m) => m.message_id));
      if (page.length < 3) break;
      until = new Date(Date.parse(page.at(-1)!.created_at) - 1).toISOString();
    }
    expect(paged).toEqual(all.map((m) => m.message_id));
  });

  it('is deterministic for a seed and sends messages that move the chat to the top', async () => {
    const twin = await startSandbox<RadistStore>('radist', { seed: SEED, records: 200, latencyMs: 0 });
    try {
      const chatId = twin.store.contactsById[0]!.chats[0]!.id;
      const a = await (await get(`/messaging/messages/?chat_id=${chatId}`)).json();
      const b = await (await fetch(`${twin.url}/v2/companies/100501/messaging/messages/?chat_id=${chatId}`, { headers: { 'x-api-key': KEY } })).json();
      expect(b).toEqual(a);
    } finally {
      await twin.close();
    }
    const chat = radist.store.contactsById.at(-1)!.chats[0]!;
    const sent = await fetch(`${base()}/messaging/messages/`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ connection_id: chat.connectionId, chat_id: chat.id, mode: 'async', message_type: 'text', text: { text: 'Hello from the test' } }),
    });
    expect(sent.status).toBe(201);
    expect(await sent.json()).toMatchObject({ chat_id: chat.id, direction: 'outbound', status: 'sent', text: { text: 'Hello from the test' } });
    const top = withContactsResponse.parse(await (await get('/messaging/chats/with_contacts/?limit=1')).json());
    expect(top.data[0]!.contact_id).toBe(chat.contact.id);
    expect(top.data[0]!.chats.find((c) => c.chat_id === chat.id)!.last_message!.text.text).toBe('Hello from the test');
    const newest = (await (await get(`/messaging/messages/?chat_id=${chat.id}&limit=1`)).json())[0];
    expect(newest.text.text).toBe('Hello from the test');

    // admin: new client activity
    const touched = await (await fetch(`${radist.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 1 }) })).json();
    const head = withContactsResponse.parse(await (await get('/messaging/chats/with_contacts/?limit=1')).json());
    expect(String(head.data[0]!.chats[0]!.chat_id)).toBe(touched.ids[0]);
    expect(head.data[0]!.unanswered_count).toBeGreaterThanOrEqual(1);
    const removed = await (await fetch(`${radist.url}/_sandbox/records/delete`, { method: 'POST', body: JSON.stringify({ count: 1 }) })).json();
    expect((await get(`/contacts/${removed.ids[0]}/`)).status).toBe(404);
  });
});

describe('Radist errors', () => {
  const expectError = async (res: Response, status: number, code: number, name: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = errorBodySchema.parse(await res.json());
    expect(body).toMatchObject({ error_code: code, error_name: name });
    return body;
  };

  it('answers auth, scope, not-found and validation errors in the documented body', async () => {
    await expectError(await get('/messaging/chats/sources/', null), 401, 401, 'UNAUTHORIZED');
    await expectError(await get('/messaging/chats/sources/', 'wrong'), 401, 401, 'UNAUTHORIZED');
    await expectError(await get('/messaging/chats/sources/', 'radist-sandbox-connections-key'), 403, 403, 'FORBIDDEN');
    expect((await get('/connections/', 'radist-sandbox-connections-key')).status).toBe(200);
    await expectError(await get(`${radist.url}/v2/companies/1/messaging/chats/sources/`), 403, 403, 'FORBIDDEN');
    await expectError(await get('/contacts/999/'), 404, 1000, 'CONTACT_NOT_FOUND');
    await expectError(await get('/messaging/chats/?contact_id=999'), 404, 1000, 'CONTACT_NOT_FOUND');
    await expectError(await get('/messaging/messages/?chat_id=1'), 404, 4000, 'CHAT_NOT_FOUND');
    await expectError(await get('/messaging/chats/1/'), 404, 4000, 'CHAT_NOT_FOUND');
    const v = await expectError(await get('/messaging/messages/?chat_id=700001&limit=500'), 400, 1, 'REQUEST_VALIDATION_ERROR');
    expect(v.message).toBe('request data validation error');
    await expectError(await get('/messaging/messages/?chat_id=700001&until=yesterday'), 400, 1, 'REQUEST_VALIDATION_ERROR');
    await expectError(await get('/messaging/messages/'), 400, 1, 'REQUEST_VALIDATION_ERROR');
    await expectError(await get('/messaging/chats/with_contacts/?cursor=garbage'), 400, 1, 'REQUEST_VALIDATION_ERROR');
    const badSend = await fetch(`${base()}/messaging/messages/`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: 700001, message_type: 'text' }) });
    await expectError(badSend, 400, 1, 'REQUEST_VALIDATION_ERROR');
    const sources = await (await get('/messaging/chats/sources/')).json();
    expect(sources).toEqual([
      { connection_id: 5101, type: 'whatsapp' },
      { connection_id: 5102, type: 'waba' },
      { connection_id: 5103, type: 'telegram' },
    ]);
    expect((await (await get(`${radist.url}/v2/companies/?limit=100&offset=0`)).json())).toEqual({ companies: [{ id: 100501, name: 'CRM Hub Sandbox' }] });
  });

  it('answers 429 TOO_MANY_REQUESTS past the per-second limit and blocks repeat offenders', async () => {
    Object.assign(radist.store.limits, { enabled: true, perSecond: 3, violationsToBlock: 3, blockSeconds: 30 });
    const burst = await Promise.all(Array.from({ length: 5 }, () => get('/messaging/chats/sources/')));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429]);
    const limited = burst.find((r) => r.status === 429)!;
    expect(limited.headers.get('retry-after')).toBe('1');
    await expectError(limited, 429, 429, 'TOO_MANY_REQUESTS');
    const third = await get('/messaging/chats/sources/');
    await expectError(third, 429, 429, 'TOO_MANY_REQUESTS'); // 3rd violation: blocked
    radist.store.limiter.reset();
    const blocked = await get('/messaging/chats/sources/');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(20);
    // another key is not affected
    expect((await get('/connections/', 'radist-sandbox-connections-key')).status).toBe(200);
  });

  it('honours the core fault knobs with Radist-shaped answers and logs requests', async () => {
    radist.requests.clear();
    radist.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 4 } });
    const storm = await get('/messaging/chats/sources/');
    expect(storm.headers.get('retry-after')).toBe('4');
    await expectError(storm, 429, 429, 'TOO_MANY_REQUESTS');
    radist.faults.set({ serverErrorRate: 1 });
    await expectError(await get('/messaging/chats/sources/'), 500, 500, 'INTERNAL_ERROR');
    radist.faults.reset();
    await get('/messaging/chats/sources/');
    expect(radist.requests.count({ pathPrefix: '/v2/' })).toBe(3);
    const summary = await (await fetch(`${radist.url}/_sandbox`)).json();
    expect(summary).toMatchObject({ provider: 'radist', contacts: radist.store.contactsById.length, company: { id: 100501 } });
  });
});
