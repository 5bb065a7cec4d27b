import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GeminiClient, GeminiError } from '../../server/providers/gemini/client';
import { phoneKey, RadistClient, RadistError } from '../../server/providers/radist/client';
import { splitMessage, TelegramClient, TelegramError } from '../../server/providers/telegram/client';
import type { GeminiStore } from '../../server/sandbox/gemini/index';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { RadistStore } from '../../server/sandbox/radist/store';
import type { TelegramStore } from '../../server/sandbox/telegram/store';

/**
 * The report pipeline's three clients against their sandboxes (demo credentials from
 * each sandbox's header): Radist chats and messages by phone, Gemini models.list and
 * generateContent with usage and the context window, Telegram getMe and sendMessage
 * split at 4,096 characters with retry_after honoured.
 */

const RADIST_KEY = 'radist-sandbox-api-key';
const COMPANY = 100_501;
const GEMINI_KEY = 'gemini-sandbox-key';
const BOT = '7000000001:AAH-sandbox-telegram-demo-token-0001';
const GROUP = -1_001_000_000_001;

let radist: RunningSandbox<RadistStore>;
let gemini: RunningSandbox<GeminiStore>;
let telegram: RunningSandbox<TelegramStore>;

beforeAll(async () => {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
  radist = await startSandbox<RadistStore>('radist', { seed: 5, records: 60, latencyMs: 0 });
  gemini = await startSandbox<GeminiStore>('gemini', { latencyMs: 0 });
  telegram = await startSandbox<TelegramStore>('telegram', { latencyMs: 0 });
});
afterAll(async () => {
  await radist?.close();
  await gemini?.close();
  await telegram?.close();
});
beforeEach(() => {
  radist.faults.reset();
  // the stubbed sleep below skips the client's pacing: only the pacing test meets the sandbox's limit
  radist.store.limits.enabled = false;
  radist.store.limiter.reset();
  radist.store.violations.clear();
  radist.store.blockedUntil.clear();
  gemini.faults.reset();
  telegram.faults.reset();
});

const radistClient = (options: Partial<ConstructorParameters<typeof RadistClient>[0]> = {}) =>
  new RadistClient({ apiKey: RADIST_KEY, companyId: COMPANY, baseUrl: `${radist.url}/v2`, requestsPerSecond: 50, sleep: async () => {}, ...options });

describe('Radist client', () => {
  it('finds the chats of a phone in any format and reads their messages oldest first, within a period', async () => {
    const contact = radist.store.contactsById[0]!;
    const e164 = contact.person.phone;
    const client = radistClient();
    const byPhone = await client.chatsByPhone(e164.replace(/^\+/, '00'));
    expect(byPhone.map((c) => c.contactId)).toEqual([contact.id]);
    expect(byPhone[0]!.chats.map((c) => c.chat_id).sort()).toEqual(contact.chats.map((c) => c.id).sort());

    const chatId = contact.chats[0]!.id;
    const all = await client.messages(chatId, { pageSize: 3 });
    const expected = radist.store.messages(contact.chats[0]!);
    expect(all.map((m) => m.message_id)).toEqual(expected.map((m) => m.message_id));
    const since = new Date(expected[2]!.created_at);
    const until = new Date(expected[expected.length - 2]!.created_at);
    const window = await client.messages(chatId, { since, until, pageSize: 2 });
    expect(window.map((m) => m.message_id)).toEqual(expected.slice(2, expected.length - 1).map((m) => m.message_id));
  });

  it('matches many phones with one listing of the chats, and stops at contacts idle before the period', async () => {
    const client = radistClient();
    const contacts = radist.store.contactsById.slice(0, 12);
    const phones = contacts.map((c) => c.person.phone);
    const found = await client.chatsForPhones([...phones, '+10000000000'], {});
    expect([...found.keys()].sort()).toEqual(phones.map((p) => phoneKey(p)!).sort());
    const listingCalls = client.calls;
    expect(listingCalls).toBeLessThanOrEqual(Math.ceil(radist.store.contactsById.length / 100) + 1);

    const newest = Math.max(...radist.store.contactsById.map((c) => c.lastAt));
    const recent = radistClient();
    const onlyRecent = await recent.chatsForPhones(radist.store.contactsById.map((c) => c.person.phone), { activeSince: new Date(newest - 7 * 86_400_000) });
    const expected = radist.store.contactsById.filter((c) => c.lastAt >= newest - 7 * 86_400_000).length;
    expect(new Set([...onlyRecent.values()].flat().map((c) => c.contactId)).size).toBe(expected);
  });

  it('waits out a 429 storm, refuses a bad key in plain words, and never puts the key in an error', async () => {
    const waits: number[] = [];
    radist.faults.set({ rateLimitStorm: { requests: 2, retryAfterSeconds: 1 } });
    const client = radistClient({ sleep: async (ms) => void waits.push(ms) });
    expect((await client.companies()).map((c) => c.id)).toEqual([COMPANY]);
    expect(waits.filter((w) => w >= 1000)).toHaveLength(2);

    const bad = radistClient({ apiKey: 'wrong-key-123' });
    const error = await bad.companies().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadistError);
    expect((error as RadistError).kind).toBe('auth');
    expect(String((error as Error).message)).not.toContain('wrong-key-123');
    const scoped = radistClient({ apiKey: 'radist-sandbox-connections-key' });
    expect(((await scoped.messages(700_001).catch((e: unknown) => e)) as RadistError).kind).toBe('forbidden');
  });

  it('paces its requests under the per-second limit', async () => {
    radist.store.limits.enabled = true;
    const client = new RadistClient({ apiKey: RADIST_KEY, companyId: COMPANY, baseUrl: `${radist.url}/v2`, requestsPerSecond: 8 });
    const started = Date.now();
    for (let i = 0; i < 12; i++) await client.companies();
    expect(Date.now() - started).toBeGreaterThanOrEqual(11 * 125 - 30);
    expect(radist.requests.all().slice(-12).every((r) => r.status === 200)).toBe(true);
  });
});

describe('Gemini client (Google SDK)', () => {
  const client = (apiKey = GEMINI_KEY) => new GeminiClient({ apiKey, baseUrl: gemini.url, sleep: async () => {} });

  it('lists the models that generate text, with their context windows', async () => {
    const models = await client().listModels();
    expect(models.map((m) => m.id)).toContain('gemini-2.5-flash');
    expect(models.map((m) => m.id)).not.toContain('text-embedding-004');
    expect(models.find((m) => m.id === 'sandbox-tiny')).toMatchObject({ inputTokenLimit: 2_048, outputTokenLimit: 256 });
    expect(await client().model('gemini-2.0-flash')).toMatchObject({ inputTokenLimit: 1_048_576, outputTokenLimit: 8_192 });
  });

  it('generates with usage metadata, counts tokens, and maps the window overflow', async () => {
    const answer = await client().generate({ model: 'gemini-2.5-flash', prompt: '### Dialog 1\n[2026-10-30 15:11] client: Is there a discount?\n[2026-10-30 15:20] manager Anna: 10% off yearly.' });
    expect(answer.text).toContain('SANDBOX OUTPUT');
    expect(answer.usage.promptTokens).toBeGreaterThan(0);
    expect(answer.usage.totalTokens).toBe(answer.usage.promptTokens + answer.usage.outputTokens);
    expect(await client().countTokens('gemini-2.5-flash', 'x'.repeat(400))).toBe(100);
    const tooBig = await client().generate({ model: 'sandbox-tiny', prompt: 'client: hello\n'.repeat(1_000) }).catch((e: unknown) => e);
    expect((tooBig as GeminiError).kind).toBe('too_large');
  });

  it('retries a quota error with the delay Google names, and refuses a bad key without retrying', async () => {
    const waits: number[] = [];
    gemini.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 3 } });
    const c = new GeminiClient({ apiKey: GEMINI_KEY, baseUrl: gemini.url, sleep: async (ms) => void waits.push(ms) });
    expect((await c.listModels()).length).toBeGreaterThan(0);
    expect(waits).toEqual([3000]);
    const before = gemini.requests.count();
    const bad = await client('not-a-real-key').listModels().catch((e: unknown) => e);
    expect((bad as GeminiError).kind).toBe('auth');
    expect(gemini.requests.count() - before).toBe(1);
    expect((bad as Error).message).not.toContain('not-a-real-key');
  });
});

describe('Telegram client', () => {
  beforeEach(() => {
    Object.assign(telegram.store.limits, { enabled: true, perBotPerSecond: 30, perGroupPerMinute: 20, perPrivateChatPerSecond: 4 });
    telegram.store.botLimiter.reset();
    telegram.store.groupLimiter.reset();
    telegram.store.privateLimiter.reset();
  });

  it('splits long texts at paragraph, line or word boundaries, never over 4,096 characters', () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: ${'word '.repeat(60)}`).join('\n\n');
    const parts = splitMessage(paragraphs);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(paragraphs.replace(/\s+/g, ' ').trim());
    expect(splitMessage('😀'.repeat(3000)).every((p) => p.length <= 4096 && !/[\ud800-\udbff]$/.test(p))).toBe(true);
  });

  it('getMe, then a long report sent as consecutive messages in order', async () => {
    const client = new TelegramClient({ token: BOT, apiRoot: telegram.url });
    expect(await client.getMe()).toMatchObject({ is_bot: true, username: 'crmhub_sandbox_bot' });
    const text = `${'A'.repeat(4000)}\n\n${'B'.repeat(4000)}\n\n${'C'.repeat(100)}`;
    const sent = await client.sendMessage(GROUP, text);
    expect(sent.messageIds).toHaveLength(3);
    const delivered = telegram.store.messages.filter((m) => sent.messageIds.includes(m.messageId) && m.chatId === GROUP);
    expect(delivered.map((m) => m.text[0])).toEqual(['A', 'B', 'C']);
  });

  it('honours retry_after on 429, and gives up with the wait when it is too long', async () => {
    const waits: number[] = [];
    telegram.faults.set({ rateLimitStorm: { requests: 2, retryAfterSeconds: 2 } });
    const client = new TelegramClient({ token: BOT, apiRoot: telegram.url, sleep: async (ms) => void waits.push(ms) });
    expect((await client.sendMessage(GROUP, 'after the storm')).messageIds).toHaveLength(1);
    expect(waits).toEqual([2000, 2000]);

    telegram.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 120 } });
    const error = await client.sendMessage(GROUP, 'too long a wait').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramError);
    expect((error as TelegramError).retryAfterMs).toBe(120_000);
  });

  it('refuses a bad token and an unknown chat in plain words, without the token', async () => {
    const bad = new TelegramClient({ token: '7000000001:AAH-wrong-token-wrong-token-wrong-00', apiRoot: telegram.url });
    const error = (await bad.getMe().catch((e: unknown) => e)) as TelegramError;
    expect(error.kind).toBe('auth');
    expect(error.message).not.toContain('AAH-wrong');
    const good = new TelegramClient({ token: BOT, apiRoot: telegram.url });
    expect(((await good.sendMessage(-42, 'x').catch((e: unknown) => e)) as TelegramError).kind).toBe('chat');
  });
});
