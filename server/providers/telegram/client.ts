import { z } from 'zod';

/**
 * Telegram Bot API (wire-spec §6): getMe and sendMessage over fetch + zod, at
 * `${apiRoot}/bot<token>/<method>` (api.telegram.org, or the sandbox).
 *
 * - Texts longer than Telegram's 4,096 characters are split at paragraph, then line,
 *   then word boundaries and sent as consecutive messages.
 * - 429 "Too Many Requests" waits `parameters.retry_after` seconds and sends again,
 *   up to a bound; a wait longer than `maxRetryAfterSeconds` gives up with a
 *   TelegramError carrying the wait, so a job can reschedule instead of sleeping.
 * - The bot token sits in the URL path: no error message, log line or thrown error
 *   from here ever contains the URL.
 */

export const TELEGRAM_API_ROOT = 'https://api.telegram.org';
export const TELEGRAM_MAX_TEXT = 4096;

export type TelegramErrorKind = 'auth' | 'chat' | 'blocked' | 'invalid' | 'rate_limited' | 'server' | 'network' | 'bad_response';

export class TelegramError extends Error {
  constructor(
    readonly kind: TelegramErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
    /** Messages already delivered before the failure (a split text can fail half-way). */
    readonly sentMessageIds: number[] = [],
  ) {
    super(message);
    this.name = 'TelegramError';
  }
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'server' || this.kind === 'network';
  }
}

const envelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }).loose(),
  z.object({ ok: z.literal(false), error_code: z.number().int(), description: z.string().optional(), parameters: z.object({ retry_after: z.number().optional(), migrate_to_chat_id: z.number().optional() }).loose().optional() }).loose(),
]);
const userSchema = z.object({ id: z.number().int(), is_bot: z.boolean(), first_name: z.string(), username: z.string().optional() }).loose();
export type TelegramBot = z.infer<typeof userSchema>;
const messageSchema = z.object({ message_id: z.number().int(), date: z.number().int(), chat: z.object({ id: z.number().int(), type: z.string(), title: z.string().optional() }).loose() }).loose();

export interface TelegramClientOptions {
  token: string;
  apiRoot?: string;
  timeoutMs?: number;
  /** Longest 429 wait honoured in-process (default 60 s). */
  maxRetryAfterSeconds?: number;
  /** 429 answers waited out per message (default 5). */
  max429Retries?: number;
  /** First wait before retrying a 5xx (doubles; default 500 ms). */
  retryBaseMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Splits a text into parts of at most `max` characters (UTF-16 units, as Telegram counts),
 * preferring paragraph breaks, then line breaks, then spaces; never splits a surrogate pair.
 */
export function splitMessage(text: string, max = TELEGRAM_MAX_TEXT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = -1;
    for (const sep of ['\n\n', '\n', ' ']) {
      const at = window.lastIndexOf(sep, max);
      if (at > max / 2) {
        cut = at;
        break;
      }
    }
    if (cut <= 0) {
      cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

export class TelegramClient {
  calls = 0;
  private readonly root: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TelegramClientOptions) {
    this.root = (options.apiRoot ?? TELEGRAM_API_ROOT).replace(/\/+$/, '');
    this.sleep = options.sleep ?? defaultSleep;
  }

  async getMe(signal?: AbortSignal): Promise<TelegramBot> {
    return userSchema.parse(await this.call('getMe', {}, signal));
  }

  /** Sends `text` as one message or, past 4,096 characters, several; returns their ids in order. */
  async sendMessage(chatId: string | number, text: string, options: { disablePreview?: boolean; signal?: AbortSignal } = {}): Promise<{ messageIds: number[]; chatTitle: string | null }> {
    const messageIds: number[] = [];
    let chatTitle: string | null = null;
    for (const part of splitMessage(text)) {
      try {
        const result = messageSchema.parse(
          await this.call('sendMessage', { chat_id: chatId, text: part, ...(options.disablePreview ? { link_preview_options: { is_disabled: true } } : {}) }, options.signal),
        );
        messageIds.push(result.message_id);
        chatTitle = result.chat.title ?? chatTitle;
      } catch (error) {
        if (error instanceof TelegramError) throw new TelegramError(error.kind, error.message, error.status, error.retryAfterMs, messageIds);
        throw error;
      }
    }
    return { messageIds, chatTitle };
  }

  private async call(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    let rateLimited = 0;
    let failures = 0;
    for (;;) {
      signal?.throwIfAborted();
      this.calls += 1;
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 20_000);
        res = await (this.options.fetch ?? fetch)(`${this.root}/bot${this.options.token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // sendMessage may have been delivered before the connection dropped: retry only reads
        if (method === 'getMe' && failures < 2) {
          failures += 1;
          await this.sleep((this.options.retryBaseMs ?? 500) * 2 ** failures);
          continue;
        }
        throw new TelegramError('network', `Telegram could not be reached (${error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'connection failed'}).`);
      }
      let body: z.infer<typeof envelope>;
      try {
        body = envelope.parse(await res.json());
      } catch {
        if (res.status >= 500 && failures < 2) {
          failures += 1;
          await this.sleep((this.options.retryBaseMs ?? 500) * 2 ** failures);
          continue;
        }
        throw new TelegramError('bad_response', `Telegram answered HTTP ${res.status} with an unexpected body.`, res.status);
      }
      if (body.ok) return body.result;
      const description = (body.description ?? '').slice(0, 200);
      if (body.error_code === 429) {
        const seconds = body.parameters?.retry_after ?? 1;
        if (seconds > (this.options.maxRetryAfterSeconds ?? 60) || rateLimited >= (this.options.max429Retries ?? 5)) {
          throw new TelegramError('rate_limited', `Telegram asked to wait ${seconds} s before sending more.`, 429, seconds * 1000);
        }
        rateLimited += 1;
        await this.sleep(seconds * 1000);
        continue;
      }
      if (body.error_code >= 500 && failures < 2) {
        failures += 1;
        await this.sleep((this.options.retryBaseMs ?? 500) * 2 ** failures);
        continue;
      }
      if (body.error_code === 401 || body.error_code === 404) throw new TelegramError('auth', 'Telegram refused the bot token.', body.error_code);
      if (body.error_code === 403) throw new TelegramError('blocked', `Telegram refused to deliver: ${description || 'forbidden'}.`, 403);
      if (body.error_code === 400 && /chat not found|chat_id is empty/i.test(description)) throw new TelegramError('chat', 'Telegram does not know that chat, or the bot is not in it.', 400);
      if (body.error_code >= 500) throw new TelegramError('server', `Telegram failed with HTTP ${body.error_code}.`, body.error_code);
      throw new TelegramError('invalid', `Telegram refused the message: ${description || `HTTP ${body.error_code}`}.`, body.error_code);
    }
  }
}
