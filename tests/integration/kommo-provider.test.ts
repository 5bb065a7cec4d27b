import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import { KommoAccessBlocked } from '../../server/providers/kommo/errors';
import { accountBaseUrl, hostPolicy, KommoHostRefused, parseAccountAddress } from '../../server/providers/kommo/hosts';
import { authorizationUrl, exchangeCode, refreshTokens } from '../../server/providers/kommo/oauth';
import { KommoReadClient } from '../../server/providers/kommo/read';
import { contactChannels } from '../../server/providers/kommo/schemas';
import { KommoTransport, LocalPacer, type RequestPacer } from '../../server/providers/kommo/transport';
import { ProviderRateLimited, ReauthorizationNeeded } from '../../server/providers/types';

/**
 * The Kommo provider (server/providers/kommo) against the Kommo sandbox, no database:
 * host allow-list, OAuth with rotating refresh tokens, long-lived tokens, the read
 * client paging to the end, 429 back-off and the 403 stop.
 */

const CLIENT = { clientId: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', clientSecret: 'kommo-sandbox-secret-0123456789abcdefghijklmnopqrstuv' };
const LONG_LIVED = 'kommo-sandbox-long-lived-token';
const REDIRECT = 'http://localhost:3000/integrations/kommo/callback/acme';

let sb: RunningSandbox<KommoStore>;
const policy = () => hostPolicy(sb.url, { sandboxOrigin: sb.url });

function client(options: { token?: string; pacer?: RequestPacer; refreshed?: (stale: string) => Promise<string | null>; onBlocked?: (e: KommoAccessBlocked) => Promise<void>; max429Retries?: number } = {}) {
  const transport = new KommoTransport({
    policy: policy(),
    pacer: options.pacer ?? new LocalPacer(200),
    auth: { accessToken: async () => options.token ?? LONG_LIVED, refreshed: options.refreshed ?? (async () => null) },
    onBlocked: options.onBlocked,
    max429Retries: options.max429Retries,
  });
  return { transport, reader: new KommoReadClient(transport) };
}

beforeAll(async () => {
  sb = await startSandbox<KommoStore>('kommo', { seed: 11, records: 1_300, latencyMs: 0 });
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => {
  Object.assign(sb.store.limits, { enabled: false, perSecond: 7, violationsToBlock: 20, violationWindowSeconds: 60, blockSeconds: 60 });
  sb.store.limiter.reset();
  sb.store.blockedUntil = 0;
  sb.store.violations = [];
  sb.store.installLongLivedToken(LONG_LIVED, 86_400);
});

describe('the account host allow-list', () => {
  it('accepts only <subdomain>.kommo.com / .amocrm.ru / .amocrm.com over https, or the sandbox exactly', () => {
    expect(parseAccountAddress('Acme')).toEqual({ subdomain: 'acme', domain: 'kommo.com' });
    expect(parseAccountAddress('https://acme.amocrm.ru/leads/')).toEqual({ subdomain: 'acme', domain: 'amocrm.ru' });
    expect(parseAccountAddress('acme.amocrm.com')).toEqual({ subdomain: 'acme', domain: 'amocrm.com' });
    for (const bad of ['', 'acme.evil.com', 'http://acme.kommo.com', 'https://acme.kommo.com:8443', 'acme.kommo.com.evil.io', 'www', 'a_b', '-acme', 'https://user:pw@acme.kommo.com', 'acme.sub.kommo.com']) {
      expect(parseAccountAddress(bad), bad).toBeNull();
    }
    expect(accountBaseUrl('acme', 'kommo.com')).toBe('https://acme.kommo.com');
    expect(hostPolicy('https://acme.kommo.com/x').baseUrl).toBe('https://acme.kommo.com');
    expect(() => hostPolicy('https://acme.evil.com')).toThrow(KommoHostRefused);
    expect(() => hostPolicy('http://127.0.0.1:9')).toThrow(KommoHostRefused);
    expect(hostPolicy(sb.url, { sandboxOrigin: sb.url })).toEqual({ baseUrl: new URL(sb.url).origin, sandbox: true });
  });

  it('refuses a next-page link to another host before sending anything', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ _links: { next: { href: 'https://evil.example.com/api/v4/leads?page=2' } }, _embedded: { users: [{ id: 1, name: 'A' }] } }), { status: 200, headers: { 'content-type': 'application/hal+json' } }));
    const transport = new KommoTransport({ policy: hostPolicy('https://acme.kommo.com'), pacer: new LocalPacer(1000), auth: { accessToken: async () => 't', refreshed: async () => null }, fetch: fetchMock as unknown as typeof fetch });
    await expect(new KommoReadClient(transport).users()).rejects.toBeInstanceOf(KommoHostRefused);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(String((fetchMock.mock.calls[0] as unknown as [URL])[0])).toMatch(/^https:\/\/acme\.kommo\.com\/api\/v4\/users\?limit=250$/);
  });
});

async function consent(url: string): Promise<URL> {
  const authorize = new URL(url);
  const form = new URLSearchParams(authorize.searchParams);
  form.set('decision', 'allow');
  const res = await fetch(`${sb.url}/oauth`, { method: 'POST', body: form, redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

describe('Kommo OAuth with the tenant’s own integration', () => {
  it('code → tokens; each refresh rotates the refresh token and the old one is refused (ReauthorizationNeeded)', async () => {
    const url = authorizationUrl({ policy: policy(), domain: 'kommo.com', clientId: CLIENT.clientId, state: 'state-123', redirectUri: REDIRECT });
    expect(url.startsWith(`${new URL(sb.url).origin}/oauth?`)).toBe(true);
    expect(new URL(url).searchParams.get('mode')).toBe('post_message');
    // for a real account the browser goes to www.kommo.com / www.amocrm.ru
    expect(authorizationUrl({ policy: hostPolicy('https://acme.amocrm.ru'), domain: 'amocrm.ru', clientId: 'c', state: 's', redirectUri: REDIRECT })).toMatch(/^https:\/\/www\.amocrm\.ru\/oauth\?client_id=c&state=s/);

    const back = await consent(url);
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('referer')).toBe(new URL(sb.url).host);
    const tokens = await exchangeCode(policy(), CLIENT, { code: back.searchParams.get('code')!, redirectUri: REDIRECT });
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 3_600_000);
    const { reader } = client({ token: tokens.accessToken });
    expect(await reader.account()).toMatchObject({ id: 31_905_001, subdomain: 'crmhubsandbox' });

    const next = await refreshTokens(policy(), CLIENT, { refreshToken: tokens.refreshToken!, redirectUri: REDIRECT });
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    await expect(refreshTokens(policy(), CLIENT, { refreshToken: tokens.refreshToken!, redirectUri: REDIRECT })).rejects.toBeInstanceOf(ReauthorizationNeeded);
    await expect(exchangeCode(policy(), CLIENT, { code: back.searchParams.get('code')!, redirectUri: REDIRECT })).rejects.toBeInstanceOf(ReauthorizationNeeded);
    await expect(exchangeCode(policy(), { ...CLIENT, clientSecret: 'wrong' }, { code: 'x', redirectUri: REDIRECT })).rejects.toBeInstanceOf(ReauthorizationNeeded);
  });

  it('an expired access token: the transport asks for a fresh one once, then carries on', async () => {
    const minted = await (await fetch(`${sb.url}/_sandbox/long-lived-token`, { method: 'POST', body: JSON.stringify({ days: 1 }) })).json();
    const refreshed = vi.fn(async () => minted.token as string);
    const { reader } = client({ token: 'expired-or-forged', refreshed });
    expect((await reader.account()).id).toBe(31_905_001);
    expect(refreshed).toHaveBeenCalledWith('expired-or-forged');
    const never = client({ token: 'forged', refreshed: async () => null });
    await expect(never.reader.account()).rejects.toBeInstanceOf(ReauthorizationNeeded);
  });
});

describe('the read client', () => {
  it('pages every lead (with contacts) to the end, 250 at a time', async () => {
    const { reader, transport } = client();
    const ids = new Set<number>();
    let pages = 0;
    for await (const page of reader.leadPages({ withContacts: true })) {
      pages += 1;
      for (const lead of page) ids.add(lead.id);
      expect(page[0]!._embedded?.contacts?.[0]?.is_main).toBe(true);
    }
    expect(ids.size).toBe(sb.store.leadsById.length);
    expect(pages).toBe(Math.ceil(ids.size / 250));
    expect(transport.calls).toBe(pages);
  });

  it('reads users, pipelines with statuses, tags, one lead, its links, contacts by id and by phone / e-mail', async () => {
    const { reader } = client();
    expect(await reader.users()).toHaveLength(6);
    const pipelines = await reader.pipelines();
    expect(pipelines.find((p) => p.is_main)?._embedded?.statuses.map((s) => s.id)).toEqual(expect.arrayContaining([142, 143]));
    expect((await reader.tags()).length).toBeGreaterThan(0);
    const sample = sb.store.leadsById[40]!;
    const lead = await reader.lead(sample.id, { withContacts: true });
    expect(lead).toMatchObject({ id: sample.id, name: sample.name });
    const links = await reader.leadLinks(sample.id, { toEntityType: 'contacts' });
    expect(links[0]).toMatchObject({ to_entity_type: 'contacts', to_entity_id: sample.contactIds[0] });
    const [contact] = await reader.contactsByIds([sample.contactIds[0]!]);
    const { phones, emails } = contactChannels(contact!.custom_fields_values);
    expect((await reader.searchContacts(phones[0]!, { withLeads: true })).map((c) => c.id)).toContain(contact!.id);
    expect((await reader.searchContacts(emails[0]!)).map((c) => c.id)).toEqual([contact!.id]);
    expect(await reader.searchContacts('+10000000000')).toEqual([]);
    expect(await reader.lead(999)).toBeNull();
    const byIds: number[] = [];
    for await (const page of reader.leadPages({ ids: sb.store.leadsById.slice(0, 130).map((l) => l.id) })) byIds.push(...page.map((l) => l.id));
    expect(byIds).toHaveLength(130);
  });

  it('backs off on 429 (Retry-After), tells the shared pacer, and completes every request', async () => {
    Object.assign(sb.store.limits, { enabled: true, perSecond: 3, violationsToBlock: 1_000 });
    const penalized: number[] = [];
    const local = new LocalPacer(1_000);
    const pacer: RequestPacer = { take: (k) => local.take(k), penalize: async (k, ms) => (penalized.push(ms), local.penalize(k, ms)) };
    const { reader } = client({ pacer });
    const sample = sb.store.leadsById.slice(0, 8);
    const started = Date.now();
    const leads = await Promise.all(sample.map((l) => reader.lead(l.id)));
    expect(leads.map((l) => l?.id)).toEqual(sample.map((l) => l.id));
    expect(penalized.length).toBeGreaterThan(0);
    expect(penalized.every((ms) => ms >= 1000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('gives up with ProviderRateLimited after the allowed number of 429s', async () => {
    Object.assign(sb.store.limits, { enabled: true, perSecond: 1, violationsToBlock: 1_000 });
    const { reader } = client({ pacer: new LocalPacer(1_000), max429Retries: 0 });
    await reader.account();
    await expect(reader.account()).rejects.toBeInstanceOf(ProviderRateLimited);
  });

  it('stops at the first 403 (blocked account): no retry, the alert hook runs once', async () => {
    Object.assign(sb.store.limits, { enabled: true, perSecond: 1, violationsToBlock: 1, blockSeconds: 30 });
    const onBlocked = vi.fn(async () => {});
    const { reader, transport } = client({ pacer: new LocalPacer(1_000), onBlocked });
    await reader.account();
    const error = await reader.account().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KommoAccessBlocked);
    expect((error as KommoAccessBlocked).retryAfterMs).toBeGreaterThan(20_000);
    expect(onBlocked).toHaveBeenCalledTimes(1);
    expect(transport.calls).toBe(2);
  });
});
