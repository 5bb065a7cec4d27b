import { z } from 'zod';
import type { SandboxDefinition } from '../core/sandbox';
import { EntityError, parseEntities } from './entities';
import { BLOCKED_CHAT_ID, CHANNEL_CHAT_ID, DEMO_BOT_TOKEN, GROUP_CHAT_ID, MANAGER_CHAT_BASE, TOKEN_FORMAT, TelegramStore, type Bot, type Chat } from './store';

/**
 * Telegram Bot API sandbox — wire-spec §6. Clients set their API root to the sandbox
 * origin: `${url}/bot<token>/<method>` (grammY `apiRoot`, telegraf `apiRoot`,
 * node-telegram-bot-api `apiRoot`, or raw fetch). Methods are case-insensitive; GET and
 * POST; parameters from the query string, JSON, form-urlencoded or multipart bodies.
 *
 * Demo bot token: 7000000001:AAH-sandbox-telegram-demo-token-0001 (@crmhub_sandbox_bot).
 * Chats: 600000001..600000006 private chats of the six Kommo sandbox managers (same
 * order as KOMMO_USERS), -1001000000001 "Sales team" supergroup, -1001000000002 /
 * @crmhub_reports channel, 600000999 a user who blocked the bot (403).
 *
 * Methods: getMe, sendMessage, getChat, getUpdates (always an empty list), deleteWebhook,
 * getWebhookInfo. Flood control (defaults, adjustable in `store.limits`): 30 messages/s
 * per bot, 4/s per private chat, 20/min per group or channel → 429 "Too Many Requests:
 * retry after N" with parameters.retry_after. Sent messages are kept in `store.messages`.
 */

const HEADERS = { 'content-type': 'application/json' };
const ok = (result: unknown) => new Response(JSON.stringify({ ok: true, result }), { headers: HEADERS });
export function tgError(code: number, description: string, parameters?: { retry_after?: number; migrate_to_chat_id?: number }): Response {
  return new Response(JSON.stringify({ ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) }), { status: code, headers: HEADERS });
}
const badRequest = (what: string) => tgError(400, `Bad Request: ${what}`);
export const tooManyRequests = (retryAfter: number) => tgError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });

const tryJson = (v: unknown) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const int = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);
const chatIdSchema = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number), z.string().regex(/^@[A-Za-z][A-Za-z0-9_]{3,31}$/)]);
const button = z.object({ text: z.string().min(1) }).loose();
const replyMarkupSchema = z.preprocess(
  tryJson,
  z.union([
    z.object({ inline_keyboard: z.array(z.array(button.refine((b) => ['url', 'callback_data', 'web_app', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat', 'copy_text', 'pay'].some((k) => k in b), 'button needs an action'))) }),
    z.object({ keyboard: z.array(z.array(z.union([z.string(), button]))) }).loose(),
    z.object({ remove_keyboard: z.literal(true) }).loose(),
    z.object({ force_reply: z.literal(true) }).loose(),
  ]),
);
const sendMessageSchema = z
  .object({
    chat_id: chatIdSchema,
    text: z.string(),
    parse_mode: z.string().optional(),
    entities: z.preprocess(tryJson, z.array(z.object({ type: z.string(), offset: z.number().int().min(0), length: z.number().int().min(1) }).loose())).optional(),
    link_preview_options: z.preprocess(tryJson, z.object({ is_disabled: z.boolean().optional(), url: z.string().optional() }).loose()).optional(),
    disable_web_page_preview: bool.optional(),
    disable_notification: bool.optional(),
    protect_content: bool.optional(),
    message_thread_id: int.optional(),
    reply_parameters: z.preprocess(tryJson, z.object({ message_id: z.number().int(), chat_id: chatIdSchema.optional() }).loose()).optional(),
    reply_to_message_id: int.optional(),
    reply_markup: replyMarkupSchema.optional(),
  })
  .loose();

/** All parameters of a request: query string merged with the body, whatever its encoding. */
async function readParams(request: Request, url: URL): Promise<Record<string, unknown> | Response> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (request.method === 'GET' || request.method === 'HEAD') return params;
  const type = request.headers.get('content-type') ?? '';
  if (type.includes('application/json')) {
    const text = await request.text();
    if (!text.trim()) return params;
    try {
      const body = JSON.parse(text) as unknown;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return badRequest("can't parse request JSON object");
      return { ...params, ...(body as Record<string, unknown>) };
    } catch {
      return badRequest("can't parse request JSON object");
    }
  }
  if (type.includes('application/x-www-form-urlencoded')) return { ...params, ...Object.fromEntries(new URLSearchParams(await request.text())) };
  if (type.includes('multipart/form-data')) {
    const form = await request.formData();
    for (const [key, value] of form) params[key] = typeof value === 'string' ? value : `[file ${value.name}]`;
    return params;
  }
  await request.arrayBuffer();
  return params;
}

function userOf(bot: Bot) {
  return { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username };
}

function chatOf(chat: Chat) {
  if (chat.type === 'private') return { id: chat.id, first_name: chat.firstName, ...(chat.lastName ? { last_name: chat.lastName } : {}), ...(chat.username ? { username: chat.username } : {}), type: chat.type };
  return { id: chat.id, title: chat.title, ...(chat.username ? { username: chat.username } : {}), type: chat.type };
}

function floodControl(store: TelegramStore, bot: Bot, chat: Chat, now = Date.now()): Response | null {
  const limits = store.limits;
  if (!limits.enabled) return null;
  store.botLimiter.limit = limits.perBotPerSecond;
  store.groupLimiter.limit = limits.perGroupPerMinute;
  store.privateLimiter.limit = limits.perPrivateChatPerSecond;
  const chatLimiter = chat.type === 'private' ? store.privateLimiter : store.groupLimiter;
  const perChat = chatLimiter.take(`${bot.id}:${chat.id}`, now);
  if (!perChat.allowed) return tooManyRequests(Math.max(1, Math.ceil(perChat.retryAfterMs / 1000)));
  const perBot = store.botLimiter.take(String(bot.id), now);
  if (!perBot.allowed) return tooManyRequests(Math.max(1, Math.ceil(perBot.retryAfterMs / 1000)));
  return null;
}

function sendMessage(store: TelegramStore, bot: Bot, params: Record<string, unknown>): Response {
  if (params.chat_id === undefined || params.chat_id === '') return badRequest('chat_id is empty');
  if (params.text === undefined || params.text === '') return badRequest('message text is empty');
  const parsed = sendMessageSchema.safeParse(params);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? '');
    if (field === 'chat_id') return badRequest('chat not found');
    if (field === 'reply_markup') return badRequest("can't parse reply keyboard markup JSON object");
    if (field === 'entities') return badRequest("can't parse entities JSON object");
    return badRequest(`invalid ${field || 'parameters'}`);
  }
  const p = parsed.data;
  const chat = store.findChat(p.chat_id);
  if (!chat) return badRequest('chat not found');
  if (chat.blocked) return tgError(403, 'Forbidden: bot was blocked by the user');
  const mode = p.parse_mode === undefined || p.parse_mode === '' ? null : (['HTML', 'MarkdownV2', 'Markdown'].find((m) => m.toLowerCase() === p.parse_mode!.toLowerCase()) as 'HTML' | 'MarkdownV2' | 'Markdown' | undefined);
  if (mode === undefined) return badRequest('unsupported parse_mode');
  let text: string;
  let entities;
  try {
    ({ text, entities } = parseEntities(p.text, mode));
  } catch (error) {
    if (error instanceof EntityError) return badRequest(`can't parse entities: ${error.message}`);
    throw error;
  }
  if (!mode && p.entities) entities = p.entities as typeof entities;
  if (!text.trim()) return badRequest('message text is empty');
  if (text.length > 4096) return badRequest('message is too long');
  const replyTo = p.reply_parameters?.message_id ?? p.reply_to_message_id;
  const replied = replyTo === undefined ? undefined : store.messages.find((m) => m.chatId === chat.id && m.messageId === replyTo && m.botId === bot.id);
  if (replyTo !== undefined && !replied) return badRequest('message to be replied not found');
  const limited = floodControl(store, bot, chat);
  if (limited) return limited;
  const messageId = store.nextId(chat.id);
  const date = Math.floor(Date.now() / 1000);
  store.messages.push({ botId: bot.id, chatId: chat.id, messageId, date, text, raw: p.text, parseMode: mode, entities, replyMarkup: p.reply_markup ?? null });
  const inline = p.reply_markup && 'inline_keyboard' in p.reply_markup ? p.reply_markup : undefined;
  return ok({
    message_id: messageId,
    ...(chat.type === 'channel' ? { sender_chat: chatOf(chat) } : { from: userOf(bot) }),
    chat: chatOf(chat),
    date,
    ...(p.message_thread_id !== undefined ? { message_thread_id: p.message_thread_id } : {}),
    ...(replied ? { reply_to_message: { message_id: replied.messageId, from: userOf(bot), chat: chatOf(chat), date: replied.date, text: replied.text } } : {}),
    text,
    ...(entities.length ? { entities } : {}),
    ...(p.link_preview_options ? { link_preview_options: p.link_preview_options } : {}),
    ...(inline ? { reply_markup: inline } : {}),
  });
}

async function route(request: Request, store: TelegramStore): Promise<Response> {
  const url = new URL(request.url);
  const m = url.pathname.match(/^\/bot([^/]*)\/([^/]*)$/);
  if (!m) return tgError(404, 'Not Found');
  const [, token, rawMethod] = m;
  const bot = TOKEN_FORMAT.test(token!) ? store.bots.get(token!) : undefined;
  if (!bot) return tgError(401, 'Unauthorized');
  const params = await readParams(request, url);
  if (params instanceof Response) return params;
  switch (rawMethod!.toLowerCase()) {
    case 'getme':
      return ok({ ...userOf(bot), can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false });
    case 'sendmessage':
      return sendMessage(store, bot, params);
    case 'getchat': {
      const id = chatIdSchema.safeParse(params.chat_id);
      const chat = id.success ? store.findChat(id.data) : undefined;
      if (params.chat_id === undefined) return badRequest('chat_id is empty');
      if (!chat) return badRequest('chat not found');
      return ok({ ...chatOf(chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } });
    }
    case 'getupdates':
      return ok([]);
    case 'deletewebhook':
      return ok(true);
    case 'getwebhookinfo':
      return ok({ url: '', has_custom_certificate: false, pending_update_count: 0 });
    default:
      return tgError(404, 'Not Found');
  }
}

export const definition: SandboxDefinition<TelegramStore> = {
  provider: 'telegram',
  createStore: () => new TelegramStore(),
  handle: (request, ctx) => route(request, ctx.store),
  rateLimited: (retryAfterSeconds) => tooManyRequests(retryAfterSeconds),
  serverError: (status) => tgError(status, status === 502 ? 'Bad Gateway' : 'Internal Server Error'),
  summary: (store) => ({
    bots: [...store.bots.values()].map((b) => ({ id: b.id, username: b.username })),
    demoToken: DEMO_BOT_TOKEN,
    chats: { managers: [MANAGER_CHAT_BASE, MANAGER_CHAT_BASE + 5], group: GROUP_CHAT_ID, channel: CHANNEL_CHAT_ID, blocked: BLOCKED_CHAT_ID },
    messagesSent: store.messages.length,
    lastMessages: store.messages.slice(-5).map((m) => ({ chatId: m.chatId, messageId: m.messageId, text: m.text.slice(0, 200) })),
    limits: store.limits,
  }),
};

export { TelegramStore } from './store';
