import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { GeminiStore } from '../../server/sandbox/gemini/index';

/** Driven through the official @google/genai SDK (3.1.0), changed only by `httpOptions.baseUrl`. */

const KEY = 'gemini-sandbox-key';
let sb: RunningSandbox<GeminiStore>;
let ai: GoogleGenAI;
const client = (apiKey: string, extra: Record<string, unknown> = {}) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sb.url, ...extra } });

const PROMPT = [
  '### Dialog 1 — Lead 21000005 (manager: Anna Smirnova)',
  '[2026-10-30 15:11] client: Hi, is the support contract still available? We need something for our sales team.',
  '[2026-10-30 15:50] manager Anna Smirnova: Good afternoon, Rosa. Anna here, sorry for the wait.',
  "[2026-10-31 10:00] client: That's more than we planned. Is there any discount?",
  '[2026-10-31 10:05] manager Anna Smirnova: We can offer 10% off with an annual contract.',
  '---',
  '### Dialog 2 — Lead 21000009',
  'Manager: Lukas Becker',
  '[2026-10-31 09:00] client: Thanks, but we decided to go with another vendor.',
  '[2026-10-31 09:30] Lukas Becker (manager): Thanks for letting us know.',
  '### Dialog 3 — Lead 21000011',
  '[2026-11-01 08:00] manager Lukas Becker: Just checking in — did you have a chance to look at the proposal?',
].join('\n');
const SYSTEM = 'You are a sales analyst. Answer with Summary, Per manager, Risks, Next steps.';

async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: { error: { code: number; status: string; message: string; details?: { '@type': string; retryDelay?: string; reason?: string }[] } } }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const e = error as ApiError;
  return { status: e.status, body: JSON.parse(e.message) };
}

beforeAll(async () => {
  sb = await startSandbox<GeminiStore>('gemini', { latencyMs: 0 });
  ai = client(KEY);
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => {
  sb.faults.reset();
  sb.store.limits.rpm = 1_000;
  sb.store.limiter.reset();
});

describe('Gemini models', () => {
  it('lists the models through the SDK pager, following nextPageToken', async () => {
    sb.requests.clear();
    const pager = await ai.models.list({ config: { pageSize: 2 } });
    const models = [];
    for await (const model of pager) models.push(model);
    expect(models.map((m) => m.name)).toEqual(['models/gemini-2.5-flash', 'models/gemini-2.5-pro', 'models/gemini-2.5-flash-lite', 'models/gemini-2.0-flash', 'models/text-embedding-004', 'models/sandbox-tiny']);
    expect(models[0]).toMatchObject({ displayName: 'Gemini 2.5 Flash', inputTokenLimit: 1_048_576, outputTokenLimit: 65_536 });
    expect(models[0]!.supportedActions).toContain('generateContent');
    expect(models[4]!.supportedActions).toEqual(['embedContent']);
    // @google/genai 3.x talks to v1 by default
    expect(sb.requests.all().map((r) => `${r.path}${r.query}`)).toEqual([
      '/v1/models?pageSize=2',
      expect.stringMatching(/^\/v1\/models\?pageSize=2&pageToken=/),
      expect.stringMatching(/^\/v1\/models\?pageSize=2&pageToken=/),
    ]);
    const one = await ai.models.get({ model: 'gemini-2.0-flash' });
    expect(one).toMatchObject({ name: 'models/gemini-2.0-flash', outputTokenLimit: 8_192 });
    const missing = await apiError(ai.models.get({ model: 'gemini-9' }));
    expect(missing.status).toBe(404);
    expect(missing.body.error.status).toBe('NOT_FOUND');
  });

  it('serves v1beta too (the 2.x default)', async () => {
    const beta = new GoogleGenAI({ apiKey: KEY, apiVersion: 'v1beta', httpOptions: { baseUrl: sb.url } });
    const res = await beta.models.generateContent({ model: 'gemini-2.5-flash', contents: 'client: hello' });
    expect(res.text).toContain('SANDBOX OUTPUT');
    expect(sb.requests.all().at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });
});

describe('Gemini generateContent', () => {
  it('answers a deterministic, clearly marked analysis with usage metadata', async () => {
    const res = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: PROMPT, config: { systemInstruction: SYSTEM, temperature: 0.2 } });
    const text = res.text!;
    expect(text.startsWith('**SANDBOX OUTPUT — not a real model** (model: gemini-2.5-flash)')).toBe(true);
    for (const section of ['## Summary', '## Per manager', '## Risks', '## Next steps']) expect(text).toContain(section);
    expect(text).toContain('Dialogs found: 3; messages: 7 (client: 3, staff: 4).');
    expect(text).toContain('| Anna Smirnova | 1 | 2 |');
    expect(text).toContain('| Lukas Becker | 2 | 2 |');
    expect(text).toContain('Price objections: 1 dialog(s).');
    expect(text).toContain('Competitor mentioned: 1 dialog(s).');
    expect(text).toContain('Client went silent after a follow-up: 1 dialog(s).');
    expect(text).toContain('> Dialog 1 — Lead 21000005 (manager: Anna Smirnova): client: Hi, is the support contract still available?');
    expect(text).toContain('Period covered: 2026-10-30 15:11 — 2026-11-01 08:00.');
    const promptTokens = Math.ceil((PROMPT.length + SYSTEM.length) / 4);
    expect(res.usageMetadata).toMatchObject({ promptTokenCount: promptTokens, candidatesTokenCount: Math.ceil(text.length / 4), totalTokenCount: promptTokens + Math.ceil(text.length / 4) });
    expect(res.candidates![0]).toMatchObject({ finishReason: 'STOP', index: 0, content: { role: 'model' } });
    expect(res.modelVersion).toBe('gemini-2.5-flash');
    const again = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: PROMPT, config: { systemInstruction: SYSTEM } });
    expect(again.text).toBe(text);
    expect(again.responseId).toBe(res.responseId);
    expect(sb.store.calls.at(-1)).toMatchObject({ model: 'gemini-2.5-flash', promptTokenCount: promptTokens });
  });

  it('answers JSON for responseMimeType application/json, honours maxOutputTokens and counts tokens', async () => {
    const res = await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: [{ role: 'user', parts: [{ text: PROMPT }] }], config: { responseMimeType: 'application/json' } });
    const body = JSON.parse(res.text!);
    expect(body).toMatchObject({ sandbox: true, note: 'SANDBOX OUTPUT — not a real model', summary: { dialogs: 3, messages: 7 } });
    expect(body.perManager).toEqual([
      { manager: 'Anna Smirnova', dialogs: 1, messages: 2 },
      { manager: 'Lukas Becker', dialogs: 2, messages: 2 },
    ]);
    const short = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: PROMPT, config: { maxOutputTokens: 20 } });
    expect(short.candidates![0]!.finishReason).toBe('MAX_TOKENS');
    expect(short.usageMetadata!.candidatesTokenCount).toBeLessThanOrEqual(20);
    expect(short.text!.length).toBeLessThanOrEqual(80);
    const counted = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: PROMPT });
    expect(counted.totalTokens).toBe(Math.ceil(PROMPT.length / 4));
  });

  it('streams the same answer in several SSE chunks', async () => {
    const whole = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: PROMPT });
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: PROMPT });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.text).join('')).toBe(whole.text);
    expect(chunks.at(-1)!.candidates![0]!.finishReason).toBe('STOP');
    expect(chunks.at(-1)!.usageMetadata).toEqual(whole.usageMetadata);
    expect(sb.requests.all().at(-1)).toMatchObject({ path: '/v1/models/gemini-2.5-flash:streamGenerateContent', query: '?alt=sse', status: 200 });
  });
});

describe('Gemini errors', () => {
  it('refuses unknown models, unsupported methods and bad input in Google RPC style', async () => {
    const unknown = await apiError(ai.models.generateContent({ model: 'gemini-1.0-ultra', contents: 'hi' }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND', message: expect.stringContaining('models/gemini-1.0-ultra is not found for API version v1') });
    expect((await apiError(ai.models.generateContent({ model: 'text-embedding-004', contents: 'hi' }))).status).toBe(404);
    const hot = await apiError(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { temperature: 5 } }));
    expect(hot.status).toBe(400);
    expect(hot.body.error).toMatchObject({ status: 'INVALID_ARGUMENT', message: expect.stringContaining('generationConfig.temperature') });

    const raw = (body: unknown) => fetch(`${sb.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const empty = await raw({ contents: [] });
    expect(empty.status).toBe(400);
    expect(empty.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect((await empty.json()).error.message).toBe('* GenerateContentRequest.contents: contents is not specified\n');
    const unknownField = await raw({ contents: [{ parts: [{ text: 'x' }] }], temprature: 1 });
    expect((await unknownField.json()).error.message).toBe('Invalid JSON payload received. Unknown name "temprature": Cannot find field.');
    expect((await (await raw('{"contents": [')).json()).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
  });

  it('refuses prompts over the input token limit', async () => {
    const tiny = await apiError(ai.models.generateContent({ model: 'sandbox-tiny', contents: 'x'.repeat(2_048 * 4 + 1) }));
    expect(tiny.status).toBe(400);
    expect(tiny.body.error).toMatchObject({ status: 'INVALID_ARGUMENT', message: 'The input token count (2049) exceeds the maximum number of tokens allowed (2048).' });
    const ok = await ai.models.generateContent({ model: 'sandbox-tiny', contents: 'x'.repeat(2_048 * 4) });
    expect(ok.usageMetadata!.promptTokenCount).toBe(2_048);
    const huge = await apiError(ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'client: hello\n'.repeat(300_000) }));
    expect(huge.body.error.message).toBe('The input token count (1050000) exceeds the maximum number of tokens allowed (1048576).');
  });

  it('answers bad, suspended and missing keys as Google does', async () => {
    const bad = await apiError(client('AIza-not-a-key').models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' });
    expect(bad.body.error.details![0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' });
    const suspended = await apiError(client('gemini-sandbox-suspended-key').models.list().then((p) => p.page));
    expect(suspended.status).toBe(403);
    expect(suspended.body.error.status).toBe('PERMISSION_DENIED');
    const none = await fetch(`${sb.url}/v1/models`);
    expect(none.status).toBe(403);
    expect((await none.json()).error.status).toBe('PERMISSION_DENIED');
    const bearer = await fetch(`${sb.url}/v1/models`, { headers: { authorization: 'Bearer ya29.nope' } });
    expect(bearer.status).toBe(401);
    expect((await bearer.json()).error.status).toBe('UNAUTHENTICATED');
    expect((await fetch(`${sb.url}/v1/models?key=${KEY}`)).status).toBe(200);
  });

  it('answers 429 RESOURCE_EXHAUSTED with RetryInfo, and the SDK retry option gets through a 429 storm', async () => {
    sb.store.limits.rpm = 2;
    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'a: b' });
    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'a: b' });
    const limited = await apiError(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'a: b' }));
    expect(limited.status).toBe(429);
    expect(limited.body.error.status).toBe('RESOURCE_EXHAUSTED');
    const retry = limited.body.error.details!.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo')!;
    expect(retry.retryDelay).toMatch(/^\d+s$/);
    expect(Number(retry.retryDelay!.slice(0, -1))).toBeGreaterThan(50);
    expect(limited.body.error.details!.map((d) => d['@type'])).toContain('type.googleapis.com/google.rpc.QuotaFailure');
    // the limit is per model: another model still answers
    expect((await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'a: b' })).text).toContain('SANDBOX');

    sb.store.limits.rpm = 1_000;
    sb.requests.clear();
    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 1 } });
    const patient = client(KEY, { retryOptions: { attempts: 3, initialDelay: 0.05, maxDelay: 0.1, jitter: 0 } });
    const res = await patient.models.generateContent({ model: 'gemini-2.5-flash', contents: 'a: b' });
    expect(res.text).toContain('SANDBOX');
    expect(sb.requests.all().map((r) => r.status)).toEqual([429, 200]);
    sb.faults.set({ serverErrorRate: 1 });
    const down = await apiError(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'a: b' }));
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect(['INTERNAL', 'UNAVAILABLE']).toContain(down.body.error.status);
    const summary = await (await fetch(`${sb.url}/_sandbox`)).json();
    expect(summary).toMatchObject({ provider: 'gemini', calls: sb.store.calls.length });
  });
});
