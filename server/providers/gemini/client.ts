import { ApiError, GoogleGenAI } from '@google/genai';

/**
 * Gemini through Google's own SDK (@google/genai 3.x; wire-spec §5), pointed at a
 * base URL (the sandbox in demo and tests). The SDK talks to API version `v1` by
 * default; the tenant's prompt travels in the user content rather than as
 * `systemInstruction`, which every API version accepts.
 *
 * The SDK does not retry by default; we retry 429/500/503/504 ourselves a bounded
 * number of times, waiting the RetryInfo delay Google sends with a quota error, and
 * turn every failure into a GeminiError whose message is plain words (no key, no body).
 */

export const GEMINI_API_URL = 'https://generativelanguage.googleapis.com';

export type GeminiErrorKind = 'auth' | 'quota' | 'invalid' | 'too_large' | 'not_found' | 'unavailable' | 'blocked' | 'empty' | 'timeout' | 'network';

export class GeminiError extends Error {
  constructor(
    readonly kind: GeminiErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'GeminiError';
  }
  get retryable(): boolean {
    return this.kind === 'quota' || this.kind === 'unavailable' || this.kind === 'timeout' || this.kind === 'network';
  }
}

export interface GeminiModelInfo {
  /** Without the `models/` prefix, e.g. "gemini-2.5-flash". */
  id: string;
  displayName: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
}

export interface GeminiUsage {
  promptTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface GeminiAnswer {
  text: string;
  usage: GeminiUsage;
  finishReason: string | null;
  modelVersion: string | null;
}

export interface GeminiClientOptions {
  apiKey: string;
  baseUrl?: string;
  apiVersion?: string;
  /** Per HTTP request. */
  timeoutMs?: number;
  /** Attempts per call, the first included (default 3). */
  attempts?: number;
  maxRetryWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const stripModels = (name: string) => name.replace(/^models\//, '');

export class GeminiClient {
  private readonly ai: GoogleGenAI;
  private readonly sleep: (ms: number) => Promise<void>;
  calls = 0;

  constructor(private readonly options: GeminiClientOptions) {
    this.ai = new GoogleGenAI({
      apiKey: options.apiKey,
      ...(options.apiVersion ? { apiVersion: options.apiVersion } : {}),
      httpOptions: { baseUrl: options.baseUrl ?? GEMINI_API_URL, timeout: options.timeoutMs ?? 120_000 },
    });
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Models that can generate content, with their context window. */
  async listModels(): Promise<GeminiModelInfo[]> {
    return this.withRetries(async () => {
      const out: GeminiModelInfo[] = [];
      const pager = await this.ai.models.list({ config: { pageSize: 100 } });
      for await (const model of pager) {
        if (!model.name || !(model.supportedActions ?? []).includes('generateContent')) continue;
        out.push({ id: stripModels(model.name), displayName: model.displayName ?? stripModels(model.name), inputTokenLimit: model.inputTokenLimit ?? 0, outputTokenLimit: model.outputTokenLimit ?? 0 });
      }
      return out;
    });
  }

  async model(id: string): Promise<GeminiModelInfo> {
    return this.withRetries(async () => {
      const model = await this.ai.models.get({ model: id });
      return { id: stripModels(model.name ?? id), displayName: model.displayName ?? id, inputTokenLimit: model.inputTokenLimit ?? 0, outputTokenLimit: model.outputTokenLimit ?? 0 };
    });
  }

  async countTokens(model: string, text: string, signal?: AbortSignal): Promise<number> {
    return this.withRetries(async () => {
      const res = await this.ai.models.countTokens({ model, contents: text, config: signal ? { abortSignal: signal } : undefined });
      return res.totalTokens ?? 0;
    }, signal);
  }

  async generate(input: { model: string; prompt: string; maxOutputTokens?: number; temperature?: number; signal?: AbortSignal }): Promise<GeminiAnswer> {
    return this.withRetries(async () => {
      const res = await this.ai.models.generateContent({
        model: input.model,
        contents: [{ role: 'user', parts: [{ text: input.prompt }] }],
        config: {
          ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
          temperature: input.temperature ?? 0.2,
          ...(input.signal ? { abortSignal: input.signal } : {}),
        },
      });
      const blocked = res.promptFeedback?.blockReason;
      if (blocked) throw new GeminiError('blocked', `Gemini refused the prompt (${String(blocked).toLowerCase()}).`);
      const text = res.text ?? '';
      const finishReason = res.candidates?.[0]?.finishReason ?? null;
      if (!text.trim()) throw new GeminiError('empty', `Gemini answered with no text${finishReason ? ` (finish reason ${finishReason})` : ''}.`);
      const usage = res.usageMetadata;
      return {
        text,
        finishReason: finishReason ? String(finishReason) : null,
        modelVersion: res.modelVersion ?? null,
        usage: { promptTokens: usage?.promptTokenCount ?? 0, outputTokens: usage?.candidatesTokenCount ?? 0, totalTokens: usage?.totalTokenCount ?? 0 },
      };
    }, input.signal);
  }

  private async withRetries<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const attempts = Math.max(1, this.options.attempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        this.calls += 1;
        return await call();
      } catch (raw) {
        if (signal?.aborted) throw signal.reason;
        const error = toGeminiError(raw);
        if (!error.retryable || attempt >= attempts) throw error;
        const wait = Math.min(this.options.maxRetryWaitMs ?? 30_000, error.retryAfterMs ?? 1000 * 2 ** (attempt - 1));
        await this.sleep(wait);
      }
    }
  }
}

interface RpcErrorBody {
  error?: { code?: number; status?: string; message?: string; details?: { '@type'?: string; retryDelay?: string; reason?: string }[] };
}

/** ApiError (status + JSON message), fetch failures and timeouts → a GeminiError in plain words. */
export function toGeminiError(raw: unknown): GeminiError {
  if (raw instanceof GeminiError) return raw;
  if (raw instanceof ApiError) {
    let body: RpcErrorBody = {};
    try {
      body = JSON.parse(raw.message) as RpcErrorBody;
    } catch {
      // not JSON
    }
    const status = raw.status;
    const rpc = body.error?.status ?? '';
    const delay = body.error?.details?.find((d) => d['@type']?.endsWith('RetryInfo'))?.retryDelay;
    const retryAfterMs = delay && /^\d+(\.\d+)?s$/.test(delay) ? Math.round(parseFloat(delay) * 1000) : null;
    const reason = body.error?.details?.find((d) => d.reason)?.reason ?? '';
    if (status === 429) return new GeminiError('quota', 'Gemini quota exceeded (too many requests).', status, retryAfterMs);
    if (status === 401 || status === 403 || reason === 'API_KEY_INVALID') return new GeminiError('auth', reason === 'CONSUMER_SUSPENDED' ? 'Gemini refused the API key: it is suspended.' : 'Gemini refused the API key.', status);
    if (status === 404) return new GeminiError('not_found', 'Gemini does not know that model (or it cannot generate text).', status);
    if (status === 400 && /token count|exceeds the maximum number of tokens/i.test(body.error?.message ?? '')) return new GeminiError('too_large', 'The prompt is larger than the model accepts.', status);
    if (status === 400) return new GeminiError('invalid', `Gemini refused the request (${rpc || 'INVALID_ARGUMENT'}).`, status);
    if (status === 504) return new GeminiError('timeout', 'Gemini timed out.', status);
    if (status >= 500) return new GeminiError('unavailable', `Gemini is unavailable (HTTP ${status}).`, status);
    return new GeminiError('invalid', `Gemini answered HTTP ${status}.`, status);
  }
  const error = raw as Error;
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return new GeminiError('timeout', 'Gemini did not answer in time.');
  return new GeminiError('network', 'Gemini could not be reached.');
}
