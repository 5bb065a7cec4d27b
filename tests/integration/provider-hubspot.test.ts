import { createHash, randomBytes } from 'node:crypto';
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createHubSpotClient,
  createHubSpotOAuth,
  HubSpotApiError,
  HubSpotTransportError,
  isRetryable,
  type HubSpotClientOptions,
  type HubSpotCrmClient,
  type RateLimitInfo,
} from '../../server/providers/hubspot';
import { ProviderRateLimited, ReauthorizationNeeded, type CrmEntity, type PullCursor, type RemoteRecord, type TokenSet } from '../../server/providers/types';
import { DEMO_APP, PORTAL, type HubSpotStore } from '../../server/sandbox/hubspot';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';

/**
 * The HubSpot provider against the HubSpot sandbox: @hubspot/api-client 14 pointed at
 * it. The search endpoints keep the sandbox's default limit (5 requests per second
 * per portal) so the provider's own search throttle is what keeps pulls free of 429s.
 */

const REDIRECT_URI = 'http://localhost:5173/oauth/hubspot/callback';
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let sb: RunningSandbox<HubSpotStore>;

const oauthOptions = (sandbox: RunningSandbox<HubSpotStore>) => ({ clientId: DEMO_APP.clientId, clientSecret: DEMO_APP.clientSecret, baseUrl: sandbox.url });

const issue = (sandbox: RunningSandbox<HubSpotStore>): TokenSet => {
  const t = sandbox.store.issueTokens();
  return { accessToken: t.token, refreshToken: t.refreshToken, expiresAt: t.expiresAt };
};

interface Harness {
  client: HubSpotCrmClient;
  refreshed: TokenSet[];
  infos: RateLimitInfo[];
  beforeCalls: { n: number };
}

function harness(sandbox: RunningSandbox<HubSpotStore>, tokens: TokenSet, extra: Partial<HubSpotClientOptions> = {}): Harness {
  const refreshed: TokenSet[] = [];
  const infos: RateLimitInfo[] = [];
  const beforeCalls = { n: 0 };
  const client = createHubSpotClient({
    tokens,
    oauth: oauthOptions(sandbox),
    onTokensRefreshed: async (t) => {
      refreshed.push(t);
    },
    beforeCall: async () => {
      beforeCalls.n += 1;
    },
    onRateLimitInfo: (info) => infos.push(info),
    throttleKey: `portal:${sandbox.url}`,
    ...extra,
  });
  return { client, refreshed, infos, beforeCalls };
}

async function pullAll(client: HubSpotCrmClient, entity: CrmEntity, from: PullCursor | null, fields: string[], pageSize?: number) {
  const records: RemoteRecord[] = [];
  let cursor = from;
  let pages = 0;
  for (;;) {
    const page = await client.pullChanges(entity, cursor, { fields, pageSize });
    pages += 1;
    records.push(...page.records);
    if (page.cursor) cursor = page.cursor;
    if (!page.hasMore) break;
    if (pages > 2_000) throw new Error('pull does not end');
  }
  return { records, cursor, pages };
}

/** (modifiedAt, numeric id) strictly increasing. */
function expectOrdered(records: RemoteRecord[]) {
  for (let i = 1; i < records.length; i++) {
    const a = records[i - 1]!;
    const b = records[i]!;
    const ok = a.modifiedAt < b.modifiedAt || (a.modifiedAt === b.modifiedAt && Number(a.id) < Number(b.id));
    if (!ok) throw new Error(`out of order at ${i}: ${a.modifiedAt}/${a.id} then ${b.modifiedAt}/${b.id}`);
  }
}

const admin = async (sandbox: RunningSandbox<HubSpotStore>, path: string, body: unknown = {}) =>
  (await fetch(`${sandbox.url}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) })).json();

/** Most search requests the sandbox logged within any `windowMs`. */
function busiestWindow(sandbox: RunningSandbox<HubSpotStore>, since: number, windowMs: number): number {
  const times = sandbox.requests
    .all()
    .filter((r) => r.at >= since && r.method === 'POST' && r.path.endsWith('/search'))
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

const searches = (sandbox: RunningSandbox<HubSpotStore>, since: number) => sandbox.requests.all().filter((r) => r.at >= since && r.path.endsWith('/search'));

beforeAll(async () => {
  sb = await startSandbox<HubSpotStore>('hubspot', { records: 5_000, seed: 11, latencyMs: 0 });
  sb.store.config.rateLimit.max = 1_000_000; // the ten-secondly limit is the engine's beforeCall's business; search stays at 5/s
});

afterAll(async () => {
  sb?.store.webhooks.stop();
  await sb?.close();
});

describe('OAuth', () => {
  it('runs the round trip with PKCE S256: consent, code exchange, identity, refresh, revoke', async () => {
    const oauth = createHubSpotOAuth(oauthOptions(sb));
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(oauth.authorizationUrl({ state: 'st-1', codeChallenge: challenge, redirectUri: REDIRECT_URI }));
    expect(url.origin + url.pathname).toBe(`${sb.url}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: DEMO_APP.clientId, redirect_uri: REDIRECT_URI, state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(url.searchParams.get('scope')).toContain('crm.objects.companies.write');
    // the real API's authorize page lives on app.hubspot.com
    expect(createHubSpotOAuth({ clientId: 'c', clientSecret: 's' }).authorizationUrl({ state: 's', codeChallenge: challenge, redirectUri: REDIRECT_URI })).toMatch(/^https:\/\/app\.hubspot\.com\/oauth\/authorize\?/);

    const consent = async (challengeFor: string) => {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const form = new URLSearchParams(url.searchParams);
      form.set('code_challenge', challengeFor);
      form.set('decision', 'allow');
      const answer = await fetch(`${sb.url}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
      expect(answer.status).toBe(302);
      const location = new URL(answer.headers.get('location')!);
      expect(location.searchParams.get('state')).toBe('st-1');
      return location.searchParams.get('code')!;
    };

    const tokens = await oauth.exchangeCode({ code: await consent(challenge), codeVerifier: verifier, redirectUri: REDIRECT_URI });
    expect(tokens.accessToken).toMatch(/^CKsandbox-/);
    expect(tokens.refreshToken).toMatch(/^rt_/);
    expect(tokens.expiresAt! - Date.now()).toBeGreaterThan(1_700_000);

    const wrong = await oauth.exchangeCode({ code: await consent(challenge), codeVerifier: randomBytes(48).toString('base64url'), redirectUri: REDIRECT_URI }).catch((e) => e);
    expect(wrong).toBeInstanceOf(HubSpotApiError);
    expect(wrong).toMatchObject({ status: 400, body: { status: 'BAD_CODE_VERIFIER' } });
    expect(isRetryable(wrong)).toBe(false);

    const { client } = harness(sb, tokens);
    expect(await client.identity()).toEqual({ userId: String(PORTAL.userId), userName: PORTAL.user, email: PORTAL.user, organizationName: PORTAL.hubDomain, accountId: String(PORTAL.hubId) });

    const refreshed = await oauth.refresh(tokens.refreshToken!, tokens);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken); // HubSpot does not rotate refresh tokens
    await oauth.revoke(refreshed);
    await oauth.revoke(refreshed); // twice is fine
    await expect(oauth.refresh(tokens.refreshToken!, refreshed)).rejects.toBeInstanceOf(ReauthorizationNeeded);
  });
});

describe('reads', () => {
  let h: Harness;
  beforeAll(() => {
    h = harness(sb, issue(sb));
  });

  it('describes contacts and companies, custom properties included', async () => {
    const contact = Object.fromEntries((await h.client.describe('contact')).map((f) => [f.name, f]));
    expect(contact.email).toMatchObject({ type: 'email', updateable: true, custom: false, required: false });
    expect(contact.phone).toMatchObject({ type: 'phone' });
    expect(contact.region).toMatchObject({ type: 'enum', custom: true, updateable: true, options: expect.arrayContaining([{ value: 'EMEA', label: 'Europe, Middle East & Africa' }]) });
    expect(contact.tier).toMatchObject({ type: 'enum', custom: true });
    expect(contact.hs_object_id).toMatchObject({ type: 'id', updateable: false });
    expect(contact.associatedcompanyid).toMatchObject({ type: 'reference', updateable: false });
    expect(contact.lastmodifieddate).toMatchObject({ type: 'datetime', updateable: false });
    const account = Object.fromEntries((await h.client.describe('account')).map((f) => [f.name, f]));
    expect(account.domain).toMatchObject({ type: 'url', updateable: true });
    expect(account.numberofemployees).toMatchObject({ type: 'number' });
    expect(account.industry!.options!.length).toBeGreaterThan(5);
    expect(account.tier).toMatchObject({ custom: true });
  });

  let fullCursor: PullCursor | null = null;

  it('pulls all 5,000 contacts to the end in (modifiedAt, id) order, under the search limit', async () => {
    const started = Date.now();
    const { records, cursor, pages } = await pullAll(h.client, 'contact', null, ['email', 'firstname', 'jobtitle']);
    fullCursor = cursor;
    expect(records).toHaveLength(5_000);
    expect(new Set(records.map((r) => r.id)).size).toBe(5_000);
    expectOrdered(records);
    expect(pages).toBeGreaterThanOrEqual(25);
    const store = sb.store.contacts;
    for (const r of records.slice(0, 50)) {
      const row = store.byId(r.id)!;
      expect(r.modifiedAt).toMatch(ISO_MS);
      expect(r.modifiedAt).toBe(new Date(row.updatedAt).toISOString());
      expect(r.fields).toEqual({ email: store.value(row, 'email'), firstname: store.value(row, 'firstname'), jobtitle: store.value(row, 'jobtitle') });
      expect(r.accountId).toBe(store.value(row, 'associatedcompanyid'));
    }
    expect(records.filter((r) => r.accountId).length).toBeGreaterThan(4_000);
    // throttled: no SECONDLY 429, never more than 5 searches in a second
    expect(sb.requests.count({ status: 429 })).toBe(0);
    expect(busiestWindow(sb, started, 950)).toBeLessThanOrEqual(5);
    expect(searches(sb, started).length).toBeLessThanOrEqual(pages + 2);
  });

  it('pulls all companies as accounts', async () => {
    const { records } = await pullAll(h.client, 'account', null, ['name', 'domain']);
    expect(records).toHaveLength(sb.store.companies.size);
    expectOrdered(records);
    expect(records[0]!.fields.domain).toMatch(/\.example\.com$/);
    expect(records[0]).not.toHaveProperty('accountId');
  });

  it('pulls exactly the records modifyRecords touched; equal stamps are walked by id, also from a cursor inside them', async () => {
    const { ids } = (await admin(sb, 'records/modify', { count: 30 })) as { ids: string[] };
    const sorted = [...ids].sort((a, b) => Number(a) - Number(b));
    const { records, cursor, pages } = await pullAll(h.client, 'contact', fullCursor, ['jobtitle', 'hs_lead_status'], 7);
    expect(records.map((r) => r.id)).toEqual(sorted);
    expect(new Set(records.map((r) => r.modifiedAt)).size).toBe(1); // one stamp for all: the tie-break carries the order
    expect(pages).toBeGreaterThanOrEqual(5);
    expect(records[0]!.fields.jobtitle).toBe(sb.store.contacts.value(sb.store.contacts.byId(records[0]!.id)!, 'jobtitle'));

    const inside = await pullAll(h.client, 'contact', { modifiedAt: records[9]!.modifiedAt, id: records[9]!.id }, ['jobtitle'], 200);
    expect(inside.records.map((r) => r.id)).toEqual(sorted.slice(10));

    const nothing = await h.client.pullChanges('contact', cursor, { fields: ['jobtitle'] });
    expect(nothing).toEqual({ records: [], cursor: null, hasMore: false, total: 0 }); // the search counts what is left: nothing
  });

  it('pullDeleted lists the contacts deleteRecords archived since an instant', async () => {
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 2));
    const { ids } = (await admin(sb, 'records/delete', { count: 12 })) as { ids: string[] };
    const deleted = await h.client.pullDeleted('contact', since);
    expect(deleted.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(deleted.every((d) => ISO_MS.test(d.deletedAt) && d.deletedAt >= since)).toBe(true);
    expect(await h.client.pullDeleted('contact', new Date(Date.now() + 60_000).toISOString())).toEqual([]);
    expect(await h.client.pullDeleted('account', since)).toEqual([]);
  });

  it('fetches by ids and finds by dedupe keys (lower-cased e-mail, domain)', async () => {
    const store = sb.store;
    const rows = store.contacts.active.slice(100, 103);
    const fetched = await h.client.fetchByIds('contact', [...rows.map((r) => String(r.id)), '999999999'], ['email']);
    expect(fetched.map((r) => r.id)).toEqual(rows.map((r) => String(r.id)));
    expect(fetched[0]!.fields.email).toBe(store.contacts.value(rows[0]!, 'email'));

    const emails = rows.map((r) => store.contacts.value(r, 'email')!);
    const found = await h.client.findByDedupeKeys('contact', [emails[0]!.toUpperCase(), emails[1]!, 'nobody@nowhere.example'], ['firstname']);
    expect([...found.keys()].sort()).toEqual([emails[0]!, emails[1]!].sort());
    expect(found.get(emails[0]!)!.id).toBe(String(rows[0]!.id));

    const companies = store.companies.active.slice(5, 8);
    const domains = companies.map((c) => store.companies.value(c, 'domain')!);
    const accounts = await h.client.findByDedupeKeys('account', [...domains.map((d) => d.toUpperCase()), 'missing.example.net'], ['name']);
    expect([...accounts.keys()].sort()).toEqual([...domains].sort());
    expect(accounts.get(domains[2]!)).toMatchObject({ id: String(companies[2]!.id), fields: { name: store.companies.value(companies[2]!, 'name') } });
  });
});

describe('writes', () => {
  let h: Harness;
  let companyId: string;
  beforeAll(() => {
    h = harness(sb, issue(sb));
    companyId = String(sb.store.companies.active[3]!.id);
  });

  const created: string[] = [];

  it('creates idempotently: 250 contacts upserted by e-mail in 3 batch calls; the same batch again creates nothing', async () => {
    const inputs = Array.from({ length: 250 }, (_, i) => ({
      dedupeKey: `idem${i}@example.org`,
      fields: { email: `Idem${i}@Example.org`, firstname: `Idem ${i}`, tier: 'tier_1' },
      ...(i % 10 === 0 ? { accountId: companyId } : {}),
    }));
    const before = sb.store.contacts.size;
    const upserts = () => sb.requests.count({ method: 'POST', pathPrefix: '/crm/v3/objects/contacts/batch/upsert' });
    const associations = () => sb.requests.count({ method: 'POST', pathPrefix: '/crm/v4/associations/contacts/companies/batch/create' });
    const [u0, a0] = [upserts(), associations()];
    const logStart = sb.requests.count();
    const first = await h.client.write('contact', inputs);
    expect(first).toHaveLength(250);
    expect(first.every((r) => r.ok && r.created)).toBe(true);
    expect(upserts() - u0).toBe(3);
    expect(associations() - a0).toBe(3);
    expect(sb.store.contacts.size).toBe(before + 250);
    for (const r of first) if (r.ok) created.push(r.id);
    const row = sb.store.contacts.byId(created[0]!)!;
    expect(sb.store.contacts.value(row, 'email')).toBe('idem0@example.org');
    expect(sb.store.contacts.value(row, 'associatedcompanyid')).toBe(companyId);
    expect(sb.store.contacts.value(sb.store.contacts.byId(created[1]!)!, 'associatedcompanyid')).toBeNull();

    const again = await h.client.write('contact', inputs);
    expect(again.map((r) => (r.ok ? r.id : r.error))).toEqual(created);
    expect(again.every((r) => r.ok && !r.created && ISO_MS.test(r.modifiedAt!))).toBe(true);
    expect(sb.store.contacts.size).toBe(before + 250);
    expect(upserts() - u0).toBe(6);

    // every HTTP request went through beforeCall, and the rate-limit headers reached onRateLimitInfo
    expect(h.beforeCalls.n).toBe(sb.requests.count() - logStart);
    expect(h.infos.at(-1)).toEqual({ remaining: expect.any(Number), limit: 1_000_000, windowMs: 10_000 });

    const accounts = await h.client.write('account', [
      { dedupeKey: 'fresh-one.example.com', fields: { name: 'Fresh One' } },
      { dedupeKey: 'fresh-two.example.com', fields: { name: 'Fresh Two', domain: 'Fresh-Two.example.com' } },
    ]);
    const companiesBefore = sb.store.companies.size;
    const accountsAgain = await h.client.write('account', [
      { dedupeKey: 'fresh-one.example.com', fields: { name: 'Fresh One Ltd' } },
      { dedupeKey: 'fresh-two.example.com', fields: { name: 'Fresh Two' } },
    ]);
    expect(accounts.every((r) => r.ok && r.created)).toBe(true);
    expect(accountsAgain.map((r) => r.ok && r.id)).toEqual(accounts.map((r) => r.ok && r.id));
    expect(sb.store.companies.size).toBe(companiesBefore);
    expect(sb.store.companies.value(sb.store.companies.byId((accounts[0] as { id: string }).id)!, 'name')).toBe('Fresh One Ltd');
  });

  it('updates by id, moves the contact to another account, and clears it', async () => {
    const id = created[5]!;
    const other = String(sb.store.companies.active[9]!.id);
    const updated = await h.client.write('contact', [{ id, fields: { jobtitle: 'CTO', tier: 'tier_2', phone: null }, accountId: other }]);
    expect(updated).toEqual([{ ok: true, id, created: false, modifiedAt: expect.stringMatching(ISO_MS) }]);
    const row = sb.store.contacts.byId(id)!;
    expect([sb.store.contacts.value(row, 'jobtitle'), sb.store.contacts.value(row, 'tier'), sb.store.contacts.value(row, 'associatedcompanyid')]).toEqual(['CTO', 'tier_2', other]);
    expect((await h.client.fetchByIds('contact', [id], ['jobtitle']))[0]).toMatchObject({ fields: { jobtitle: 'CTO' }, accountId: other });

    await h.client.write('contact', [{ id, fields: {}, accountId: null }]);
    expect(sb.store.contacts.value(row, 'associatedcompanyid')).toBeNull();
    expect((await h.client.fetchByIds('contact', [id], ['jobtitle']))[0]!.accountId).toBeNull();
  });

  it('answers one result per input, in order, when some inputs of a batch fail', async () => {
    const taken = sb.store.contacts.value(sb.store.contacts.byId(created[20]!)!, 'email')!;
    const results = await h.client.write('contact', [
      { id: created[10]!, fields: { jobtitle: 'A' } },
      { id: '999999999', fields: { jobtitle: 'B' } }, // unknown id: 207
      { id: created[11]!, fields: { jobtitle: 'C' } },
      { id: created[12]!, fields: { region: 'MARS' } }, // invalid option: the whole batch is refused (400)
      { id: created[13]!, fields: { favourite_colour: 'red' } }, // no such property (400)
      { id: created[14]!, fields: { email: taken } }, // e-mail of another contact (409)
      { dedupeKey: 'not-an-email', fields: { firstname: 'X' } }, // invalid e-mail as upsert key (400)
      { dedupeKey: 'partial-ok@example.org', fields: { firstname: 'Ok' } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.split(':')[0]))).toEqual(['ok', 'OBJECT_NOT_FOUND', 'ok', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'CONFLICT', 'VALIDATION_ERROR', 'ok']);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && !r.retryable)).toBe(true);
    expect(results[3]).toMatchObject({ error: expect.stringContaining('INVALID_OPTION') });
    expect(results[4]).toMatchObject({ error: expect.stringContaining('PROPERTY_DOESNT_EXIST') });
    expect(results[7]).toMatchObject({ ok: true, created: true });
    expect(['A', 'C']).toEqual([10, 11].map((i) => sb.store.contacts.value(sb.store.contacts.byId(created[i]!)!, 'jobtitle')));
  });

  it('removes in batches of 100: 250 archives are 3 calls', async () => {
    const archives = () => sb.requests.count({ method: 'POST', pathPrefix: '/crm/v3/objects/contacts/batch/archive' });
    const a0 = archives();
    const before = sb.store.contacts.size;
    const results = await h.client.remove('contact', created);
    expect(results.every((r, i) => r.ok && r.id === created[i])).toBe(true);
    expect(archives() - a0).toBe(3);
    expect(sb.store.contacts.size).toBe(before - 250);
  });
});

describe('tokens, rate limits and failures', () => {
  let small: RunningSandbox<HubSpotStore>;
  beforeAll(async () => {
    small = await startSandbox<HubSpotStore>('hubspot', { records: 600, seed: 5, latencyMs: 0 });
    small.store.config.rateLimit.max = 1_000_000;
  });
  afterAll(async () => {
    small?.store.webhooks.stop();
    await small?.close();
  });

  it('refreshes once when the access token expires mid-pull, tells onTokensRefreshed, and goes on', async () => {
    const tokens = issue(small);
    const h = harness(small, tokens);
    const first = await h.client.pullChanges('contact', null, { fields: ['email'], pageSize: 100 });
    expect(first.hasMore).toBe(true);
    const refreshesBefore = small.store.oauth.counters.refreshes;
    await admin(small, 'tokens/expire');
    const rest = await pullAll(h.client, 'contact', first.cursor, ['email'], 100);
    const all = [...first.records, ...rest.records];
    expect(all).toHaveLength(600);
    expectOrdered(all);
    expect(small.store.oauth.counters.refreshes - refreshesBefore).toBe(1);
    expect(h.refreshed).toHaveLength(1);
    expect(h.refreshed[0]).toMatchObject({ refreshToken: tokens.refreshToken, accessToken: expect.not.stringMatching(tokens.accessToken) });
    expect(h.client.currentTokens().accessToken).toBe(h.refreshed[0]!.accessToken);
    expect(small.requests.all().filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('throws ReauthorizationNeeded when the refresh token was revoked', async () => {
    const h = harness(small, issue(small));
    await admin(small, 'tokens/revoke-refresh');
    await admin(small, 'tokens/expire');
    const error = await h.client.pullChanges('contact', null, { fields: ['email'] }).catch((e) => e);
    expect(error).toBeInstanceOf(ReauthorizationNeeded);
    expect(isRetryable(error)).toBe(false);
    expect(h.refreshed).toHaveLength(0);
    // also when the token expires by the clock: the refresh happens before the call
    const clock = harness(small, { ...issue(small), expiresAt: Date.now() - 1 });
    await admin(small, 'tokens/revoke-refresh');
    await expect(clock.client.identity()).rejects.toBeInstanceOf(ReauthorizationNeeded);
  });

  it('429 storm: the official client retries TEN_SECONDLY_ROLLING (10 s, 20 s) — a short storm succeeds, a long one throws ProviderRateLimited', async () => {
    const h = harness(small, issue(small));
    const ids = small.store.contacts.active.slice(0, 3).map((r) => String(r.id));
    const realSetTimeout = globalThis.setTimeout;
    const waits: number[] = [];
    const timers = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms === 10_000 || ms === 20_000) {
        waits.push(ms);
        return realSetTimeout(fn, 5);
      }
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      small.faults.set({ rateLimitStorm: { requests: 2, retryAfterSeconds: 7 } });
      const before = small.requests.count();
      const fetched = await h.client.fetchByIds('contact', ids, ['email']);
      expect(fetched).toHaveLength(3);
      expect(small.requests.all().slice(before).map((r) => r.status)).toEqual([429, 429, 200]);
      expect(waits).toEqual([10_000, 20_000]);
      expect(h.infos.some((i) => i.remaining === 0 && i.limit === 100)).toBe(true); // the 429's headers

      small.faults.set({ rateLimitStorm: { requests: 3, retryAfterSeconds: 7 } });
      const error = await h.client.fetchByIds('contact', ids, ['email']).catch((e) => e);
      expect(error).toBeInstanceOf(ProviderRateLimited);
      expect(error.retryAfterMs).toBe(7_000);
      expect(isRetryable(error)).toBe(true);
    } finally {
      small.faults.reset();
      timers.mockRestore();
      errors.mockRestore();
    }
  });

  it('5xx (after the client’s retries), dropped connections, cut-off bodies and hangs are retryable errors', async () => {
    const h = harness(small, issue(small));
    // another Client built later with other settings (the client keeps retry settings process-wide) does not change ours
    void new Client({ accessToken: 'someone-else', basePath: small.url, numberOfApiCallRetries: 1 }).crm.contacts.basicApi;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      small.faults.set({ serverErrorRate: 1 });
      const before = small.requests.count();
      const server = await h.client.describe('contact').catch((e) => e);
      small.faults.reset();
      expect(server).toBeInstanceOf(HubSpotApiError);
      expect([500, 502, 503]).toContain(server.status);
      expect(isRetryable(server)).toBe(true);
      expect(small.requests.count() - before).toBe(3); // 3 attempts in all

      small.faults.set({ dropConnections: 1 });
      const dropped = await h.client.describe('contact').catch((e) => e);
      expect(dropped).toBeInstanceOf(HubSpotTransportError);
      expect(isRetryable(dropped)).toBe(true);

      small.faults.set({ malformedJson: 1 });
      const cut = await h.client.describe('contact').catch((e) => e);
      expect(isRetryable(cut)).toBe(true);

      small.faults.set({ hangRequests: 1 });
      const impatient = harness(small, issue(small), { requestTimeoutMs: 300 });
      const hung = await impatient.client.describe('contact').catch((e) => e);
      expect(hung).toBeInstanceOf(HubSpotTransportError);
      expect(hung.message).toMatch(/timed out/);
      expect(isRetryable(hung)).toBe(true);

      expect((await h.client.describe('contact')).length).toBeGreaterThan(10);
      expect(isRetryable(new HubSpotApiError(400, { category: 'VALIDATION_ERROR', message: 'x' }))).toBe(false);
      expect(isRetryable(new ReauthorizationNeeded())).toBe(false);
    } finally {
      small.faults.reset();
      errors.mockRestore();
    }
  });
});

describe('more than 10,000 changes in one pull', () => {
  let big: RunningSandbox<HubSpotStore>;
  beforeAll(async () => {
    big = await startSandbox<HubSpotStore>('hubspot', { records: 10_050, seed: 9, latencyMs: 0 });
    big.store.config.rateLimit.max = 1_000_000;
  });
  afterAll(async () => {
    big?.store.webhooks.stop();
    await big?.close();
  });

  it('walks 10,050 contacts modified in the same millisecond past the search API’s 10,000-result cap', async () => {
    const { ids } = (await admin(big, 'records/modify', { count: 10_050 })) as { ids: string[] };
    expect(ids).toHaveLength(10_050);
    const h = harness(big, issue(big));
    const started = Date.now();
    const { records, pages } = await pullAll(h.client, 'contact', null, ['email']);
    expect(records.length).toBeGreaterThan(10_000);
    expect(records.map((r) => r.id)).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
    expect(new Set(records.map((r) => r.modifiedAt)).size).toBe(1);
    expectOrdered(records);
    expect(pages).toBeGreaterThanOrEqual(51);
    expect(pages).toBeLessThanOrEqual(53);
    // no 400 for paging past 10,000, no 429 from the search limit
    expect(big.requests.all().filter((r) => r.status >= 400)).toEqual([]);
    expect(busiestWindow(big, started, 950)).toBeLessThanOrEqual(5);
    expect(searches(big, started).length).toBeLessThanOrEqual(pages + 2);
  }, 40_000);
});
