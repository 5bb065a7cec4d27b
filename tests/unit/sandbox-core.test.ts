import { afterEach, describe, expect, it } from 'vitest';
import { serveOnLoopback } from '../../server/sandbox/core/http-server';
import { OAuthTokenStore, pkceChallenge } from '../../server/sandbox/core/oauth';
import { SlidingWindowLimiter } from '../../server/sandbox/core/rate-limit';
import { createSandbox, json, type SandboxDefinition } from '../../server/sandbox/core/sandbox';
import { generatePeople } from '../../server/sandbox/core/generator';
import { isValidPhoneNumber } from 'libphonenumber-js/max';

interface EchoStore {
  items: string[];
}
const echo: SandboxDefinition<EchoStore> = {
  provider: 'telegram',
  createStore: ({ records }) => ({ items: Array.from({ length: records }, (_, i) => `item-${i}`) }),
  handle: async (request, ctx) => json({ path: new URL(request.url).pathname, count: ctx.store.items.length, base: ctx.baseUrl() }),
  rateLimited: (s) => json({ ok: false, error_code: 429, parameters: { retry_after: s } }, { status: 429, headers: { 'retry-after': String(s) } }),
  deleteRecords: (store, n) => store.items.splice(0, n),
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function start(options: Parameters<typeof createSandbox>[1] = {}) {
  let url = '';
  const instance = createSandbox(echo, { records: 5, latencyMs: 0, ...options }, () => url);
  const served = await serveOnLoopback(instance.handler, { onClose: () => instance.abort.abort() });
  url = served.url;
  closers.push(served.close);
  return { ...instance, url };
}

describe('sandbox core', () => {
  it('serves the provider at the root of a loopback port and logs every request', async () => {
    const sb = await start();
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = await (await fetch(`${sb.url}/services/data/v59.0/query`)).json();
    expect(body).toEqual({ path: '/services/data/v59.0/query', count: 5, base: sb.url });
    expect(sb.requests.count({ pathPrefix: '/services/' })).toBe(1);
  });

  it('answers 429 storms with the provider body and Retry-After, then recovers', async () => {
    const sb = await start({ faults: { rateLimitStorm: { requests: 2, retryAfterSeconds: 3 } } });
    const first = await fetch(`${sb.url}/x`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await first.json()).parameters.retry_after).toBe(3);
    expect((await fetch(`${sb.url}/x`)).status).toBe(429);
    expect((await fetch(`${sb.url}/x`)).status).toBe(200);
  });

  it('drops connections, hangs requests, breaks JSON and throws 5xx on demand', async () => {
    const sb = await start();
    sb.faults.set({ dropConnections: 1 });
    await expect(fetch(`${sb.url}/x`)).rejects.toThrow();
    sb.faults.set({ hangRequests: 1 });
    await expect(fetch(`${sb.url}/x`, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
    sb.faults.set({ malformedJson: 1 });
    const broken = await fetch(`${sb.url}/x`);
    await expect(broken.json()).rejects.toThrow();
    sb.faults.set({ serverErrorRate: 1 });
    expect((await fetch(`${sb.url}/x`)).status).toBeGreaterThanOrEqual(500);
    sb.faults.reset();
    expect((await fetch(`${sb.url}/x`)).status).toBe(200);
  });

  it('exposes the /_sandbox admin path: faults, latency, request log, delete N', async () => {
    const sb = await start();
    const set = await fetch(`${sb.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ extraLatencyMs: 50 }) });
    expect((await set.json()).extraLatencyMs).toBe(50);
    const t0 = performance.now();
    await fetch(`${sb.url}/slow`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    const bad = await fetch(`${sb.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ serverErrorRate: 7 }) });
    expect(bad.status).toBe(400);
    const deleted = await (await fetch(`${sb.url}/_sandbox/records/delete`, { method: 'POST', body: JSON.stringify({ count: 2 }) })).json();
    expect(deleted.ids).toEqual(['item-0', 'item-1']);
    const state = await (await fetch(`${sb.url}/_sandbox`)).json();
    expect(state).toMatchObject({ provider: 'telegram', faults: { extraLatencyMs: 50 } });
    const log = await (await fetch(`${sb.url}/_sandbox/requests`)).json();
    expect(log.map((r: { path: string }) => r.path)).toEqual(['/slow']);
  });
});

describe('sandbox OAuth state', () => {
  it('checks PKCE, single-use codes, rotation and revocation', () => {
    const store = new OAuthTokenStore({ accessTokenTtlSeconds: 60, rotateRefreshTokens: true });
    store.registerClient({ clientId: 'c', clientSecret: 's', redirectUris: ['http://localhost/cb'] });
    const verifier = 'v'.repeat(50);
    const grant = { clientId: 'c', redirectUri: 'http://localhost/cb', scope: 'api', codeChallenge: pkceChallenge(verifier), codeChallengeMethod: 'S256' as const, subject: 'u1' };
    const wrongPkce = store.exchangeCode({ code: store.issueCode(grant), clientId: 'c', redirectUri: grant.redirectUri, codeVerifier: 'w'.repeat(50) });
    expect(wrongPkce).toMatchObject({ error: 'invalid_grant' });
    const code = store.issueCode(grant);
    const tokens = store.exchangeCode({ code, clientId: 'c', redirectUri: grant.redirectUri, codeVerifier: verifier });
    expect(tokens).toHaveProperty('token');
    expect(store.exchangeCode({ code, clientId: 'c', redirectUri: grant.redirectUri, codeVerifier: verifier })).toMatchObject({ error: 'invalid_grant' });
    const first = tokens as { refreshToken: string; token: string };
    const rotated = store.refresh({ refreshToken: first.refreshToken, clientId: 'c' }) as { refreshToken: string };
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    expect(store.refresh({ refreshToken: first.refreshToken, clientId: 'c' })).toMatchObject({ error: 'invalid_grant' });
    expect(store.expireAllAccessTokens()).toBeGreaterThan(0);
    expect(store.validate(first.token)).toBe('expired');
    store.revokeAllRefreshTokens();
    expect(store.refresh({ refreshToken: rotated.refreshToken, clientId: 'c' })).toMatchObject({ error: 'invalid_grant' });
  });

  it('limits with a sliding window', () => {
    const limiter = new SlidingWindowLimiter(3, 1000);
    expect([0, 1, 2, 3].map((i) => limiter.take('k', 10_000 + i).allowed)).toEqual([true, true, true, false]);
    expect(limiter.take('k', 11_001).allowed).toBe(true);
  });
});

describe('data generator', () => {
  it('is deterministic, realistic and valid', () => {
    const a = generatePeople(500, { seed: 42, companies: 50 });
    const b = generatePeople(500, { seed: 42, companies: 50 });
    expect(a).toEqual(b);
    expect(new Set(a.map((p) => p.email)).size).toBe(500);
    expect(a.every((p) => isValidPhoneNumber(p.phone))).toBe(true);
    expect(new Set(a.map((p) => p.country)).size).toBeGreaterThanOrEqual(5);
    expect(a.every((p) => p.updatedAt >= p.createdAt)).toBe(true);
  });
});
