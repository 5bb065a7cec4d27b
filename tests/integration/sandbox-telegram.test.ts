import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { TelegramStore } from '../../server/sandbox/telegram/store';

/** Raw fetch exactly as core.telegram.org/bots/api "Making requests" describes: /bot<token>/<method>. */

const TOKEN = '7000000001:AAH-sandbox-telegram-demo-token-0001';
const ANNA = 600_000_001;
const GROUP = -1_001_000_000_001;
let sb: RunningSandbox<TelegramStore>;
const method = (name: string, token = TOKEN) => `${sb.url}/bot${token}/${name}`;
const call = (name: string, params: Record<string, unknown>, token = TOKEN) => fetch(method(name, token), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
const send = (params: Record<string, unknown>) => call('sendMessage', params);

async function expectError(res: Response, code: number, description: string) {
  expect(res.status).toBe(code);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = await res.json();
  expect(body).toMatchObject({ ok: false, error_code: code, description });
  return body;
}

beforeAll(async () => {
  sb = await startSandbox<TelegramStore>('telegram', { latencyMs: 0 });
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => {
  sb.faults.reset();
  Object.assign(sb.store.limits, { enabled: true, perBotPerSecond: 30, perGroupPerMinute: 20, perPrivateChatPerSecond: 4 });
  sb.store.botLimiter.reset();
  sb.store.groupLimiter.reset();
  sb.store.privateLimiter.reset();
});

describe('Telegram Bot API', () => {
  it('answers getMe over GET and POST, with any method-name case', async () => {
    const viaGet = await fetch(method('getMe'));
    expect(viaGet.status).toBe(200);
    expect(await viaGet.json()).toEqual({
      ok: true,
      result: { id: 7_000_000_001, is_bot: true, first_name: 'CRM Hub Sandbox Bot', username: 'crmhub_sandbox_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false },
    });
    expect((await (await call('GETME', {})).json()).result.username).toBe('crmhub_sandbox_bot');
    const chat = await (await fetch(`${method('getChat')}?chat_id=@crmhub_reports`)).json();
    expect(chat.result).toMatchObject({ id: -1_001_000_000_002, type: 'channel', title: 'CRM Hub reports' });
    expect((await (await call('getUpdates', { timeout: 30 })).json())).toEqual({ ok: true, result: [] });
  });

  it('sends messages from JSON, form, query-string and multipart bodies and keeps them', async () => {
    const json = await send({ chat_id: ANNA, text: 'Daily report is ready' });
    expect(json.status).toBe(200);
    const first = (await json.json()).result;
    expect(first).toMatchObject({ message_id: expect.any(Number), from: { id: 7_000_000_001, is_bot: true }, chat: { id: ANNA, type: 'private', first_name: 'Anna', last_name: 'Smirnova' }, date: expect.any(Number), text: 'Daily report is ready' });
    expect(first.entities).toBeUndefined();

    const form = await fetch(method('sendMessage'), { method: 'POST', body: new URLSearchParams({ chat_id: String(GROUP), text: '<b>Sales</b> digest', parse_mode: 'HTML', disable_notification: 'true', reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Open', url: 'https://example.com/r/1' }]] }) }) });
    const group = (await form.json()).result;
    expect(group).toMatchObject({ chat: { id: GROUP, type: 'supergroup', title: 'Sales team' }, text: 'Sales digest', entities: [{ type: 'bold', offset: 0, length: 5 }], reply_markup: { inline_keyboard: [[{ text: 'Open', url: 'https://example.com/r/1' }]] } });

    const query = await (await fetch(`${method('sendMessage')}?chat_id=${ANNA}&text=${encodeURIComponent('via query')}`)).json();
    expect(query.result.message_id).toBe(first.message_id + 1);
    const multipart = new FormData();
    multipart.set('chat_id', '@crmhub_reports');
    multipart.set('text', 'channel post');
    const channel = (await (await fetch(method('sendMessage'), { method: 'POST', body: multipart })).json()).result;
    expect(channel).toMatchObject({ sender_chat: { id: -1_001_000_000_002, type: 'channel' }, chat: { username: 'crmhub_reports' }, text: 'channel post' });
    expect(channel.from).toBeUndefined();

    const reply = await (await send({ chat_id: ANNA, text: 'follow-up', reply_parameters: { message_id: first.message_id } })).json();
    expect(reply.result.reply_to_message).toMatchObject({ message_id: first.message_id, text: 'Daily report is ready' });
    await expectError(await send({ chat_id: ANNA, text: 'x', reply_parameters: { message_id: 999 } }), 400, 'Bad Request: message to be replied not found');

    expect(sb.store.sentTo(ANNA).map((m) => m.text)).toEqual(['Daily report is ready', 'via query', 'follow-up']);
    const summary = await (await fetch(`${sb.url}/_sandbox`)).json();
    expect(summary).toMatchObject({ provider: 'telegram', messagesSent: 5 });
    expect(summary.lastMessages.at(-1)).toMatchObject({ chatId: ANNA, text: 'follow-up' });
  });

  it('parses HTML and MarkdownV2 into entities with UTF-16 offsets', async () => {
    const html = (await (await send({ chat_id: ANNA, parse_mode: 'HTML', text: '📊 <b>Report</b> for <i>Anna &amp; Co</i>: <a href="https://crm.example/r?id=1&amp;x=2">open</a>\n<pre><code class="language-json">{"deals": 3}</code></pre><tg-spoiler>secret</tg-spoiler>' })).json()).result;
    expect(html.text).toBe('📊 Report for Anna & Co: open\n{"deals": 3}secret');
    expect(html.entities).toEqual([
      { type: 'bold', offset: 3, length: 6 },
      { type: 'italic', offset: 14, length: 9 },
      { type: 'text_link', offset: 25, length: 4, url: 'https://crm.example/r?id=1&x=2' },
      { type: 'pre', offset: 30, length: 12, language: 'json' },
      { type: 'spoiler', offset: 42, length: 6 },
    ]);
    const md = (await (await send({ chat_id: ANNA, parse_mode: 'MarkdownV2', text: '*Won:* 3 deals \\(\\+12%\\)\n_Lost_ __2__ ~old~ ||hidden|| [link](https://example.com/a\\)b) `code\\`x`\n>quoted line' })).json()).result;
    expect(md.text).toBe('Won: 3 deals (+12%)\nLost 2 old hidden link code`x\nquoted line');
    expect(md.entities).toEqual([
      { type: 'bold', offset: 0, length: 4 },
      { type: 'italic', offset: 20, length: 4 },
      { type: 'underline', offset: 25, length: 1 },
      { type: 'strikethrough', offset: 27, length: 3 },
      { type: 'spoiler', offset: 31, length: 6 },
      { type: 'text_link', offset: 38, length: 4, url: 'https://example.com/a)b' },
      { type: 'code', offset: 43, length: 6 },
      { type: 'blockquote', offset: 50, length: 11 },
    ]);
    const legacy = (await (await send({ chat_id: ANNA, parse_mode: 'Markdown', text: '*bold* and _it_ [x](http://e.com)' })).json()).result;
    expect(legacy.entities.map((e: { type: string }) => e.type)).toEqual(['bold', 'italic', 'text_link']);
  });

  it("refuses markup it can't parse, with Telegram's wording", async () => {
    await expectError(await send({ chat_id: ANNA, parse_mode: 'HTML', text: '<b>open' }), 400, 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"');
    await expectError(await send({ chat_id: ANNA, parse_mode: 'HTML', text: 'Прибыль <blink>x</blink>' }), 400, 'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 15');
    await expectError(await send({ chat_id: ANNA, parse_mode: 'HTML', text: 'a</b>' }), 400, "Bad Request: can't parse entities: Unexpected end tag at byte offset 1");
    await expectError(await send({ chat_id: ANNA, parse_mode: 'HTML', text: '<b><i>x</b></i>' }), 400, 'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"');
    await expectError(await send({ chat_id: ANNA, parse_mode: 'MarkdownV2', text: 'Total: 3.5 deals' }), 400, "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
    await expectError(await send({ chat_id: ANNA, parse_mode: 'MarkdownV2', text: 'ok *bold' }), 400, "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 3");
    await expectError(await send({ chat_id: ANNA, parse_mode: 'MarkdownV2', text: '`code' }), 400, "Bad Request: can't parse entities: Can't find end of Code entity at byte offset 0");
    await expectError(await send({ chat_id: ANNA, parse_mode: 'Markdown', text: '*x' }), 400, "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0");
    await expectError(await send({ chat_id: ANNA, parse_mode: 'Fancy', text: 'x' }), 400, 'Bad Request: unsupported parse_mode');
  });

  it('refuses messages over 4096 characters after parsing, but counts only visible text', async () => {
    await expectError(await send({ chat_id: ANNA, text: 'x'.repeat(4097) }), 400, 'Bad Request: message is too long');
    const markup = `<b>${'y'.repeat(4096)}</b>`; // 4103 characters sent, 4096 visible
    const fits = await send({ chat_id: ANNA, parse_mode: 'HTML', text: markup });
    expect(fits.status).toBe(200);
    expect((await fits.json()).result.text).toHaveLength(4096);
    await expectError(await send({ chat_id: ANNA, parse_mode: 'HTML', text: `<b>${'y'.repeat(4097)}</b>` }), 400, 'Bad Request: message is too long');
    await expectError(await send({ chat_id: ANNA, parse_mode: 'HTML', text: '<b></b>' }), 400, 'Bad Request: message text is empty');
  });

  it('answers chat, token, method and parameter errors in the {ok:false} format', async () => {
    await expectError(await send({ chat_id: 42, text: 'hi' }), 400, 'Bad Request: chat not found');
    await expectError(await send({ chat_id: '@nobody_here', text: 'hi' }), 400, 'Bad Request: chat not found');
    await expectError(await send({ chat_id: 'not a chat', text: 'hi' }), 400, 'Bad Request: chat not found');
    await expectError(await send({ text: 'hi' }), 400, 'Bad Request: chat_id is empty');
    await expectError(await send({ chat_id: ANNA }), 400, 'Bad Request: message text is empty');
    await expectError(await send({ chat_id: 600_000_999, text: 'hi' }), 403, 'Forbidden: bot was blocked by the user');
    await expectError(await call('getMe', {}, '7000000001:AAH-wrong-token-wrong-token-wrong-00'), 401, 'Unauthorized');
    await expectError(await call('getMe', {}, 'garbage'), 401, 'Unauthorized');
    await expectError(await call('sendPigeon', {}), 404, 'Not Found');
    await expectError(await fetch(`${sb.url}/bot${TOKEN}`), 404, 'Not Found');
    await expectError(await fetch(method('sendMessage'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"chat_id":' }), 400, "Bad Request: can't parse request JSON object");
    await expectError(await send({ chat_id: ANNA, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'no action' }]] } }), 400, "Bad Request: can't parse reply keyboard markup JSON object");
  });

  it('applies flood control with 429 and parameters.retry_after', async () => {
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => send({ chat_id: 600_000_002, text: `burst ${i}` })));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await expectError(burst.find((r) => r.status === 429)!, 429, 'Too Many Requests: retry after 1');
    expect(limited.parameters).toEqual({ retry_after: 1 });
    // other chats are not affected by one chat's window
    expect((await send({ chat_id: 600_000_003, text: 'hi' })).status).toBe(200);

    sb.store.limits.perGroupPerMinute = 2;
    await send({ chat_id: GROUP, text: 'g1' });
    await send({ chat_id: GROUP, text: 'g2' });
    const group = await expectError(await send({ chat_id: GROUP, text: 'g3' }), 429, expect.stringMatching(/^Too Many Requests: retry after \d+$/) as unknown as string);
    expect(group.parameters.retry_after).toBeGreaterThan(50);

    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 35 } });
    const storm = await expectError(await send({ chat_id: ANNA, text: 'x' }), 429, 'Too Many Requests: retry after 35');
    expect(storm.parameters.retry_after).toBe(35);
    sb.faults.set({ serverErrorRate: 1 });
    const down = await send({ chat_id: ANNA, text: 'x' });
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect((await down.json()).ok).toBe(false);
    sb.faults.reset();
    sb.requests.clear();
    await send({ chat_id: ANNA, text: 'counted' });
    expect(sb.requests.count({ pathPrefix: `/bot${TOKEN}/sendMessage`, status: 200 })).toBe(1);
  });
});
