import { SlidingWindowLimiter } from '../core/rate-limit';
import type { SandboxDefinition } from '../core/sandbox';
import { analyse, renderJson, renderMarkdown, responseIdOf, tokensOf } from './analysis';
import { invalidKey, quotaExceeded, rpcError } from './errors';
import { findModel, MODELS, type GeminiModel } from './models';
import { countTokensRequestSchema, generateRequestSchema, KNOWN_TOP_LEVEL, type Content, type GenerateRequest } from './schemas';

/**
 * Google Gemini API sandbox (Developer API, wire-spec §5) for the official
 * `@google/genai` SDK: `new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sandbox.url } })`.
 * @google/genai 3.x defaults to API version `v1` (2.x used `v1beta`); both, and
 * `v1alpha`, are served.
 *
 * Keys: `gemini-sandbox-key` works; `gemini-sandbox-suspended-key` answers 403
 * PERMISSION_DENIED; any other key answers 400 API_KEY_INVALID (as Google does); no key
 * answers 403; a Bearer token without a key answers 401 UNAUTHENTICATED.
 *
 *   GET  /{v}/models?pageSize&pageToken    GET /{v}/models/{model}
 *   POST /{v}/models/{model}:generateContent | :streamGenerateContent[?alt=sse] | :countTokens
 *
 * The "model" is a deterministic analysis of the prompt (./analysis.ts), marked
 * "SANDBOX OUTPUT — not a real model". Tokens ≈ characters / 4. A prompt over the
 * model's inputTokenLimit answers 400; `models/sandbox-tiny` has a 2,048-token limit.
 * Rate limit: `limits.rpm` requests per minute per key and model (default 1,000) →
 * 429 RESOURCE_EXHAUSTED with QuotaFailure, Help and RetryInfo details.
 */

export const DEMO_API_KEY = 'gemini-sandbox-key';
export const SUSPENDED_API_KEY = 'gemini-sandbox-suspended-key';

export interface GeminiCall {
  at: number;
  model: string;
  method: string;
  promptTokenCount: number;
  candidatesTokenCount: number;
}

export class GeminiStore {
  readonly apiKeys = new Set([DEMO_API_KEY]);
  readonly suspendedKeys = new Set([SUSPENDED_API_KEY]);
  readonly limits = { rpm: 1_000, enabled: true };
  readonly limiter = new SlidingWindowLimiter(1_000, 60_000);
  readonly calls: GeminiCall[] = [];
  readonly models: GeminiModel[] = MODELS;

  record(call: GeminiCall): void {
    this.calls.push(call);
    if (this.calls.length > 10_000) this.calls.splice(0, this.calls.length - 10_000);
  }
}

const textOf = (contents: Content[]) =>
  contents
    .flatMap((c) => c.parts)
    .map((p) => p.text ?? '')
    .filter(Boolean)
    .join('\n');

function promptTokens(req: Pick<GenerateRequest, 'contents' | 'systemInstruction'>): number {
  const all = [...req.contents, ...(req.systemInstruction ? [req.systemInstruction as Content] : [])];
  const chars = all.flatMap((c) => c.parts).reduce((n, p) => n + (p.text?.length ?? 0), 0);
  const media = all.flatMap((c) => c.parts).filter((p) => p.inlineData || p.fileData).length;
  return tokensOf(chars) + media * 258;
}

function authenticate(request: Request, url: URL): Response | string {
  const key = request.headers.get('x-goog-api-key') ?? url.searchParams.get('key');
  if (!key) {
    if (request.headers.get('authorization'))
      return rpcError('UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED', domain: 'googleapis.com' },
      ]);
    return rpcError('PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  }
  return key;
}

function badJsonField(name: string): Response {
  return rpcError('INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: `Invalid JSON payload received. Unknown name "${name}": Cannot find field.` }] },
  ]);
}

async function readBody(request: Request): Promise<{ body: Record<string, unknown> } | { error: Response }> {
  const text = await request.text();
  try {
    const body = JSON.parse(text || '{}') as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: rpcError('INVALID_ARGUMENT', 'Invalid JSON payload received. Expected an object.') };
    return { body: body as Record<string, unknown> };
  } catch {
    return { error: rpcError('INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.') };
  }
}

function zodToRpc(issues: { path: PropertyKey[]; message: string }[], request = 'GenerateContentRequest'): Response {
  const message = issues.map((i) => `* ${request}.${i.path.map(String).join('.')}: ${i.message}\n`).join('');
  return rpcError('INVALID_ARGUMENT', message, [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: issues.map((i) => ({ field: i.path.map(String).join('.'), description: i.message })) }]);
}

interface Generated {
  text: string;
  finishReason: 'STOP' | 'MAX_TOKENS';
  promptTokenCount: number;
  candidatesTokenCount: number;
}

function generate(model: GeminiModel, req: GenerateRequest): Generated | Response {
  const prompt = promptTokens(req);
  if (prompt > model.inputTokenLimit) return rpcError('INVALID_ARGUMENT', `The input token count (${prompt}) exceeds the maximum number of tokens allowed (${model.inputTokenLimit}).`);
  const id = model.name.slice('models/'.length);
  const analysis = analyse(textOf(req.contents));
  const config = req.generationConfig ?? {};
  let text = config.responseMimeType === 'application/json' ? renderJson(analysis, id) : renderMarkdown(analysis, id, prompt);
  let finishReason: Generated['finishReason'] = 'STOP';
  for (const stop of config.stopSequences ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  const maxTokens = Math.min(config.maxOutputTokens ?? model.outputTokenLimit, model.outputTokenLimit);
  if (tokensOf(text.length) > maxTokens) {
    text = text.slice(0, maxTokens * 4);
    finishReason = 'MAX_TOKENS';
  }
  return { text, finishReason, promptTokenCount: prompt, candidatesTokenCount: tokensOf(text.length) };
}

function usage(g: { promptTokenCount: number; candidatesTokenCount: number }) {
  return {
    promptTokenCount: g.promptTokenCount,
    candidatesTokenCount: g.candidatesTokenCount,
    totalTokenCount: g.promptTokenCount + g.candidatesTokenCount,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: g.promptTokenCount }],
  };
}

async function route(request: Request, store: GeminiStore): Promise<Response> {
  const url = new URL(request.url);
  const m = url.pathname.match(/^\/(v1|v1beta|v1alpha)\/(.+)$/);
  if (!m) return rpcError('NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
  const version = m[1]!;
  const rest = m[2]!;
  const auth = authenticate(request, url);
  if (auth instanceof Response) return auth;
  if (store.suspendedKeys.has(auth)) return rpcError('PERMISSION_DENIED', `Permission denied: Consumer 'api_key:${auth}' has been suspended.`, [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'CONSUMER_SUSPENDED', domain: 'googleapis.com' }]);
  if (!store.apiKeys.has(auth)) return invalidKey();

  if (rest === 'models' || rest === 'models/') {
    if (request.method !== 'GET') return rpcError('NOT_FOUND', 'Method not found.');
    const pageSize = Math.min(1_000, Math.max(1, Number(url.searchParams.get('pageSize') ?? 50) || 50));
    const token = url.searchParams.get('pageToken');
    let offset = 0;
    if (token) {
      offset = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, ''));
      if (!Number.isInteger(offset) || offset < 0) return rpcError('INVALID_ARGUMENT', 'Invalid page token.');
    }
    const models = store.models.slice(offset, offset + pageSize);
    const next = offset + pageSize < store.models.length ? Buffer.from(`offset:${offset + pageSize}`).toString('base64url') : undefined;
    return Response.json({ models, ...(next ? { nextPageToken: next } : {}) }, { headers: { 'content-type': 'application/json; charset=UTF-8' } });
  }

  const call = rest.match(/^models\/([^:/]+)(?::([A-Za-z]+))?$/);
  if (!call) return rpcError('NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
  const [, modelId, method] = call;
  const model = findModel(modelId!);
  if (!method) {
    if (request.method !== 'GET') return rpcError('NOT_FOUND', 'Method not found.');
    return model ? Response.json(model, { headers: { 'content-type': 'application/json; charset=UTF-8' } }) : rpcError('NOT_FOUND', `models/${modelId} is not found for API version ${version}.`);
  }
  if (request.method !== 'POST') return rpcError('NOT_FOUND', 'Method not found.');
  const supported = method === 'streamGenerateContent' ? 'generateContent' : method!;
  if (!model || !model.supportedGenerationMethods.includes(supported)) {
    return rpcError('NOT_FOUND', `models/${modelId} is not found for API version ${version}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`);
  }
  const id = model.name.slice('models/'.length);
  if (store.limits.enabled) {
    store.limiter.limit = store.limits.rpm;
    const taken = store.limiter.take(`${auth}:${id}`);
    if (!taken.allowed) return quotaExceeded(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)), id, store.limits.rpm);
  }
  const read = await readBody(request);
  if ('error' in read) return read.error;

  if (method === 'countTokens') {
    const parsed = countTokensRequestSchema.safeParse(read.body);
    if (!parsed.success) return zodToRpc(parsed.error.issues, 'CountTokensRequest');
    const contents = parsed.data.contents ?? parsed.data.generateContentRequest?.contents;
    if (!contents?.length) return rpcError('INVALID_ARGUMENT', '* CountTokensRequest.contents: contents is not specified\n');
    const total = promptTokens({ contents, systemInstruction: parsed.data.generateContentRequest?.systemInstruction });
    return Response.json({ totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] }, { headers: { 'content-type': 'application/json; charset=UTF-8' } });
  }

  const unknown = Object.keys(read.body).find((k) => !KNOWN_TOP_LEVEL.has(k));
  if (unknown) return badJsonField(unknown);
  const body = {
    ...read.body,
    systemInstruction: read.body.systemInstruction ?? read.body.system_instruction,
    generationConfig: read.body.generationConfig ?? read.body.generation_config,
  };
  const parsed = generateRequestSchema.safeParse(body);
  if (!parsed.success) return zodToRpc(parsed.error.issues);
  const result = generate(model, parsed.data);
  if (result instanceof Response) return result;
  store.record({ at: Date.now(), model: id, method: method!, promptTokenCount: result.promptTokenCount, candidatesTokenCount: result.candidatesTokenCount });
  const responseId = responseIdOf(`${id}\n${result.text}`);
  const candidates = Array.from({ length: parsed.data.generationConfig?.candidateCount ?? 1 }, (_, index) => ({
    content: { parts: [{ text: result.text }], role: 'model' },
    finishReason: result.finishReason,
    index,
  }));
  if (method === 'generateContent') {
    return Response.json({ candidates, usageMetadata: usage(result), modelVersion: id, responseId }, { headers: { 'content-type': 'application/json; charset=UTF-8' } });
  }
  // streamGenerateContent: a few chunks split at paragraph boundaries; usage on every chunk, finishReason on the last
  const paragraphs = result.text.split(/(?<=\n\n)/);
  const per = Math.max(1, Math.ceil(paragraphs.length / 4));
  const chunks: string[] = [];
  for (let i = 0; i < paragraphs.length; i += per) chunks.push(paragraphs.slice(i, i + per).join(''));
  let sent = 0;
  const events = chunks.map((chunk, i) => {
    sent += chunk.length;
    const last = i === chunks.length - 1;
    return {
      candidates: [{ content: { parts: [{ text: chunk }], role: 'model' }, ...(last ? { finishReason: result.finishReason } : {}), index: 0 }],
      usageMetadata: usage({ promptTokenCount: result.promptTokenCount, candidatesTokenCount: last ? result.candidatesTokenCount : tokensOf(sent) }),
      modelVersion: id,
      responseId,
    };
  });
  if (url.searchParams.get('alt') !== 'sse') return Response.json(events, { headers: { 'content-type': 'application/json; charset=UTF-8' } });
  return new Response(events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''), { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}

export const definition: SandboxDefinition<GeminiStore> = {
  provider: 'gemini',
  createStore: () => new GeminiStore(),
  handle: (request, ctx) => route(request, ctx.store),
  rateLimited: (retryAfterSeconds) => quotaExceeded(retryAfterSeconds),
  serverError: (status) =>
    status === 503 ? rpcError('UNAVAILABLE', 'The model is overloaded. Please try again later.') : rpcError('INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', undefined, {}, status),
  summary: (store) => ({
    models: store.models.map((m) => m.name),
    calls: store.calls.length,
    promptTokens: store.calls.reduce((n, c) => n + c.promptTokenCount, 0),
    candidatesTokens: store.calls.reduce((n, c) => n + c.candidatesTokenCount, 0),
    apiKey: DEMO_API_KEY,
    limits: store.limits,
  }),
};
