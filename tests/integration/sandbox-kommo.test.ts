import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';

/**
 * Kommo has no official JS SDK: the sandbox is driven with raw fetch exactly as the
 * API v4 docs describe (Bearer token, HAL bodies, bracket query parameters).
 */

const CLIENT_ID = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
const CLIENT_SECRET = 'kommo-sandbox-secret-0123456789abcdefghijklmnopqrstuv';
const LONG_LIVED = 'kommo-sandbox-long-lived-token';
const REDIRECT = 'http://127.0.0.1:5173/oauth/kommo/callback';

let sb: RunningSandbox<KommoStore>;
const auth = (token = LONG_LIVED) => ({ authorization: `Bearer ${token}` });
const api = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${sb.url}${path}`, { ...init, headers: { ...auth(init.token), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) } });
const post = (path: string, body: unknown, method = 'POST') => api(path, { method, body: JSON.stringify(body) });

beforeAll(async () => {
  sb = await startSandbox<KommoStore>('kommo', { seed: 7, records: 10_200, latencyMs: 0 });
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => {
  // most tests are not about the 7 rps limit; the rate-limit test turns it back on
  Object.assign(sb.store.limits, { enabled: false, perSecond: 7, violationsToBlock: 20, violationWindowSeconds: 60, blockSeconds: 60 });
  sb.store.limiter.reset();
  sb.store.blockedUntil = 0;
  sb.faults.reset();
  // the expiry test expires every token, the demo long-lived one included
  sb.store.installLongLivedToken(LONG_LIVED, 86_400);
});

async function authorize(decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const query = new URLSearchParams({ client_id: CLIENT_ID, state: 'st-42', mode: 'post_message', redirect_uri: REDIRECT });
  const page = await fetch(`${sb.url}/oauth?${query}`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  const html = await page.text();
  expect(html).toContain('Local sandbox');
  expect(html).toContain('action="/oauth"');
  const form = new URLSearchParams(query);
  form.set('decision', decision);
  const res = await fetch(`${sb.url}/oauth`, { method: 'POST', body: form, redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

const token = (body: Record<string, string>) => fetch(`${sb.url}/oauth2/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('Kommo OAuth', () => {
  it('runs the consent → code → token round trip and rotates single-use refresh tokens', async () => {
    const back = await authorize();
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-42');
    expect(back.searchParams.get('referer')).toBe(new URL(sb.url).host);
    expect(back.searchParams.get('subdomain')).toBe('crmhubsandbox');
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const first = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(first.status).toBe(200);
    const tokens = await first.json();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 });
    expect(typeof tokens.server_time).toBe('number');

    const account = await api('/api/v4/account', { token: tokens.access_token });
    expect(account.status).toBe(200);
    expect(account.headers.get('content-type')).toBe('application/hal+json');
    expect(await account.json()).toMatchObject({ id: 31_905_001, subdomain: 'crmhubsandbox', name: 'CRM Hub Sandbox', current_user_id: 10_450_001 });

    // a code works once
    const again = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(again.status).toBe(400);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(await again.json()).toMatchObject({ status: 400, hint: 'Authorization code has been revoked' });

    // refresh: a new pair; the old refresh token is refused afterwards
    const refreshed = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'refresh_token', refresh_token: tokens.refresh_token, redirect_uri: REDIRECT });
    expect(refreshed.status).toBe(200);
    const next = await refreshed.json();
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.access_token).not.toBe(tokens.access_token);
    const reused = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'refresh_token', refresh_token: tokens.refresh_token, redirect_uri: REDIRECT });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ hint: 'Token has been revoked' });

    // expiry: 401, then refresh and carry on
    const expired = await fetch(`${sb.url}/_sandbox/tokens/expire`, { method: 'POST' });
    expect((await expired.json()).expired).toBeGreaterThan(0);
    const denied = await api('/api/v4/account', { token: next.access_token });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ title: 'Unauthorized', type: 'https://httpstatus.es/401', status: 401, detail: 'The access token has expired' });
    const third = await (await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'refresh_token', refresh_token: next.refresh_token, redirect_uri: REDIRECT })).json();
    expect((await api('/api/v4/account', { token: third.access_token })).status).toBe(200);

    // the revoke-all knob
    await fetch(`${sb.url}/_sandbox/tokens/revoke-refresh`, { method: 'POST' });
    expect((await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'refresh_token', refresh_token: third.refresh_token, redirect_uri: REDIRECT })).status).toBe(400);
    expect(sb.store.oauth.counters).toMatchObject({ codeExchanges: 1, refreshes: 2 });
  });

  it('refuses bad clients, bad bodies, denied consent and foreign redirect URIs', async () => {
    const back = await authorize();
    const badSecret = await token({ client_id: CLIENT_ID, client_secret: 'nope', grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT });
    expect(badSecret.status).toBe(401);
    expect(await badSecret.json()).toMatchObject({ status: 401, hint: 'Client authentication failed' });
    const noGrant = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(noGrant.status).toBe(400);
    const wrongRedirect = await token({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'authorization_code', code: (await authorize()).searchParams.get('code')!, redirect_uri: 'http://127.0.0.1:1/other' });
    expect(wrongRedirect.status).toBe(400);

    const denied = await authorize('deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('code')).toBeNull();
    const foreign = await fetch(`${sb.url}/oauth?client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent('https://evil.example.com/cb')}`);
    expect(foreign.status).toBe(400);
    const unknownClient = await fetch(`${sb.url}/oauth?client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    expect(unknownClient.status).toBe(400);
  });

  it('accepts long-lived tokens, including freshly minted ones, and answers 401 in problem+json', async () => {
    const minted = await (await fetch(`${sb.url}/_sandbox/long-lived-token`, { method: 'POST', body: JSON.stringify({ days: 30 }) })).json();
    expect(minted.token).toMatch(/^kommo_llt_/);
    expect(minted.expires_at).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    expect((await api('/api/v4/users', { token: minted.token })).status).toBe(200);
    const none = await fetch(`${sb.url}/api/v4/leads`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(await none.json()).toMatchObject({ title: 'Unauthorized', status: 401 });
    expect((await api('/api/v4/leads', { token: 'forged' })).status).toBe(401);
    const sub = await (await fetch(`${sb.url}/oauth2/account/subdomain`, { headers: auth() })).json();
    expect(sub).toMatchObject({ subdomain: 'crmhubsandbox', domain: new URL(sb.url).host });
  });
});

describe('Kommo reads', () => {
  it('pages through every lead 250 at a time by following _links.next, then answers 204', async () => {
    const seen = new Set<number>();
    let next: string | undefined = `${sb.url}/api/v4/leads?limit=250&with=contacts`;
    let pages = 0;
    while (next) {
      const res: Response = await fetch(next, { headers: auth() });
      expect(res.status).toBe(200);
      const body: { _page: number; _links: { self: { href: string }; next?: { href: string } }; _embedded: { leads: { id: number; _embedded: { contacts: unknown[] } }[] } } = await res.json();
      pages += 1;
      expect(body._page).toBe(pages);
      expect(body._links.self.href.startsWith(sb.url)).toBe(true);
      for (const lead of body._embedded.leads) {
        expect(seen.has(lead.id)).toBe(false);
        seen.add(lead.id);
      }
      expect(body._embedded.leads[0]!._embedded.contacts[0]).toMatchObject({ is_main: true });
      next = body._links.next?.href;
      if (next) expect(next.startsWith(`${sb.url}/api/v4/leads?`)).toBe(true);
    }
    expect(seen.size).toBe(sb.store.leadsById.length);
    expect(seen.size).toBeGreaterThanOrEqual(10_000);
    expect(pages).toBe(Math.ceil(seen.size / 250));
    const after = await api(`/api/v4/leads?limit=250&page=${pages + 1}`);
    expect(after.status).toBe(204);
    expect(await after.text()).toBe('');
  });

  it('syncs incrementally with filter[updated_at][from] and order[updated_at]=asc, seeing admin modifications', async () => {
    const since = sb.store.stamp(); // 'now' for the store: never before the generated data
    const modified = await (await fetch(`${sb.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 7 }) })).json();
    expect(modified.ids).toHaveLength(7);
    const res = await api(`/api/v4/leads?filter[updated_at][from]=${since}&order[updated_at]=asc&limit=250`);
    expect(res.status).toBe(200);
    const leads = (await res.json())._embedded.leads as { id: number; updated_at: number }[];
    expect(leads.map((l) => String(l.id)).sort()).toEqual([...modified.ids].sort());
    for (let i = 1; i < leads.length; i++) expect(leads[i]!.updated_at).toBeGreaterThanOrEqual(leads[i - 1]!.updated_at);
    const desc = await (await api(`/api/v4/leads?order[updated_at]=desc&limit=3`)).json();
    expect(desc._embedded.leads[0].updated_at).toBeGreaterThanOrEqual(since);
    // a window in the past with both bounds, ordered by id (range from the index, then sorted)
    const window = await (await api(`/api/v4/leads?filter[updated_at][from]=1780000000&filter[updated_at][to]=1785000000&limit=250`)).json();
    for (const l of window._embedded.leads) expect(l.updated_at >= 1_780_000_000 && l.updated_at <= 1_785_000_000).toBe(true);
    const ids = window._embedded.leads.map((l: { id: number }) => l.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
    // If-Modified-Since works as the docs recommend
    const ims = await api('/api/v4/leads?limit=250', { headers: { 'if-modified-since': new Date(since * 1000).toUTCString() } });
    expect((await ims.json())._embedded.leads).toHaveLength(7);
    const nothing = await api(`/api/v4/leads?filter[updated_at][from]=${since + 86_400 * 365}`);
    expect(nothing.status).toBe(204);
  });

  it('filters by pipeline, status, responsible user and text query', async () => {
    const pipelines = await (await api('/api/v4/leads/pipelines')).json();
    const sales = pipelines._embedded.pipelines.find((p: { is_main: boolean }) => p.is_main);
    expect(sales._embedded.statuses.map((s: { id: number }) => s.id)).toEqual(expect.arrayContaining([142, 143]));
    const status = sales._embedded.statuses[2];
    const res = await (await api(`/api/v4/leads?filter[statuses][0][pipeline_id]=${sales.id}&filter[statuses][0][status_id]=${status.id}&limit=250`)).json();
    expect(res._embedded.leads.length).toBeGreaterThan(0);
    for (const l of res._embedded.leads) expect([l.pipeline_id, l.status_id]).toEqual([sales.id, status.id]);
    const users = (await (await api('/api/v4/users')).json())._embedded.users;
    expect(users).toHaveLength(6);
    const byUser = await (await api(`/api/v4/leads?filter[responsible_user_id][]=${users[2].id}&limit=50`)).json();
    for (const l of byUser._embedded.leads) expect(l.responsible_user_id).toBe(users[2].id);
    const some = sb.store.leadsById[100]!;
    const byName = await (await api(`/api/v4/leads?query=${encodeURIComponent(some.name)}`)).json();
    expect(byName._embedded.leads.map((l: { id: number }) => l.id)).toContain(some.id);
    const byId = await (await api(`/api/v4/leads?filter[id][]=${some.id}&filter[id][]=${sb.store.leadsById[5]!.id}`)).json();
    expect(byId._embedded.leads).toHaveLength(2);
  });

  it('finds contacts by phone (digits-normalised) and e-mail, with leads and links both ways', async () => {
    const lead = (await (await api('/api/v4/leads?limit=1&page=3&with=contacts')).json())._embedded.leads[0];
    const contactId = lead._embedded.contacts[0].id;
    const contact = await (await api(`/api/v4/contacts/${contactId}?with=leads`)).json();
    expect(contact._embedded.leads.map((l: { id: number }) => l.id)).toContain(lead.id);
    const phoneField = contact.custom_fields_values.find((f: { field_code: string }) => f.field_code === 'PHONE');
    const emailField = contact.custom_fields_values.find((f: { field_code: string }) => f.field_code === 'EMAIL');
    expect(phoneField.values[0]).toMatchObject({ enum_code: expect.stringMatching(/MOB|WORK/) });
    const phone: string = phoneField.values[0].value;
    expect(phone).toMatch(/^\+\d{10,14}$/);
    // "+33 6 12-34-56-78" style and bare digits find the same contact
    const spaced = `${phone.slice(0, 3)} ${phone.slice(3, 6)}-${phone.slice(6, 9)} ${phone.slice(9)}`;
    for (const q of [phone, spaced, phone.slice(1)]) {
      const found = await api(`/api/v4/contacts?query=${encodeURIComponent(q)}`);
      expect(found.status).toBe(200);
      expect((await found.json())._embedded.contacts.map((c: { id: number }) => c.id)).toContain(contactId);
    }
    const byEmail = await (await api(`/api/v4/contacts?query=${encodeURIComponent(emailField.values[0].value.toUpperCase())}`)).json();
    expect(byEmail._embedded.contacts.map((c: { id: number }) => c.id)).toEqual([contactId]);
    const nobody = await api('/api/v4/contacts?query=%2B10000000000');
    expect(nobody.status).toBe(204);

    const leadLinks = await (await api(`/api/v4/leads/${lead.id}/links`)).json();
    expect(leadLinks._embedded.links[0]).toMatchObject({ entity_id: lead.id, entity_type: 'leads', to_entity_id: contactId, to_entity_type: 'contacts', metadata: { main_contact: true } });
    const contactLinks = await (await api(`/api/v4/contacts/${contactId}/links?filter[to_entity_type]=leads`)).json();
    expect(contactLinks._embedded.links.map((l: { to_entity_id: number }) => l.to_entity_id)).toContain(lead.id);
    expect((await api('/api/v4/leads/999/links')).status).toBe(204);
    expect((await api('/api/v4/leads/999')).status).toBe(204);
    expect((await api('/api/v4/contacts/999')).status).toBe(204);
    const fields = await (await api('/api/v4/contacts/custom_fields')).json();
    expect(fields._embedded.custom_fields.map((f: { code: string }) => f.code)).toEqual(['PHONE', 'EMAIL', 'POSITION']);
  });

  it('answers Kommo validation errors, 404 and invalid JSON in problem+json', async () => {
    const tooMany = await api('/api/v4/leads?limit=251');
    expect(tooMany.status).toBe(400);
    expect(tooMany.headers.get('content-type')).toBe('application/problem+json');
    expect(await tooMany.json()).toMatchObject({ title: 'Bad Request', status: 400, detail: 'Request validation failed', 'validation-errors': [{ request_id: '0', errors: [{ code: 'TooBig', path: 'limit' }] }] });
    expect((await api('/api/v4/leads?order[price]=asc')).status).toBe(400);
    const unknown = await api('/api/v4/nothing');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, type: 'https://httpstatus.es/404' });
    const broken = await api('/api/v4/leads', { method: 'PATCH', body: '{"oops"' });
    expect(broken.status).toBe(400);
    expect((await broken.json())['validation-errors'][0].errors[0].code).toBe('InvalidJson');
  });
});

describe('Kommo writes', () => {
  it('creates a lead with its contact and company through /leads/complex, then finds it', async () => {
    const res = await post('/api/v4/leads/complex', [
      {
        name: 'Website order #501',
        price: 125_000,
        _embedded: {
          tags: [{ name: 'from-complex' }],
          contacts: [
            {
              first_name: 'Ivan',
              last_name: 'Testov',
              custom_fields_values: [
                { field_code: 'PHONE', values: [{ value: '+7 912 000-11-22', enum_code: 'MOB' }] },
                { field_code: 'EMAIL', values: [{ value: 'ivan.testov@example.ru', enum_code: 'WORK' }] },
              ],
            },
          ],
          companies: [{ name: 'Testov & Sons' }],
        },
      },
    ]);
    expect(res.status).toBe(200);
    const [created] = await res.json();
    expect(created).toMatchObject({ id: expect.any(Number), contact_id: expect.any(Number), company_id: expect.any(Number), request_id: ['0'], merged: false });
    const lead = await (await api(`/api/v4/leads/${created.id}?with=contacts`)).json();
    expect(lead).toMatchObject({ name: 'Website order #501', price: 125_000, responsible_user_id: 10_450_001, pipeline_id: 7_510_001 });
    expect(lead._embedded.contacts).toEqual([expect.objectContaining({ id: created.contact_id, is_main: true })]);
    expect(lead._embedded.companies[0].id).toBe(created.company_id);
    expect(lead._embedded.tags.map((t: { name: string }) => t.name)).toEqual(['from-complex']);
    const byPhone = await (await api('/api/v4/contacts?query=89120001122')).json();
    expect(byPhone._embedded.contacts.map((c: { id: number }) => c.id)).toEqual([created.contact_id]);
    expect((await (await api(`/api/v4/companies/${created.company_id}`)).json()).name).toBe('Testov & Sons');

    const invalid = await post('/api/v4/leads/complex', [{ name: 'ok' }, { name: 'bad', custom_fields_values: [{ field_id: 1, values: [{ value: 'x' }] }], _embedded: { contacts: [{ custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'not-an-email' }] }] }] } }]);
    expect(invalid.status).toBe(400);
    const problem = await invalid.json();
    expect(problem['validation-errors']).toEqual([
      {
        request_id: '1',
        errors: [
          { code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id', detail: expect.any(String) },
          { code: 'InvalidEmail', path: '_embedded.contacts.0.custom_fields_values.0.values.0.value', detail: expect.any(String) },
        ],
      },
    ]);
    const fiftyOne = await post('/api/v4/leads/complex', Array.from({ length: 51 }, (_, i) => ({ name: `L${i}` })));
    expect(fiftyOne.status).toBe(400);
    const twoContacts = await post('/api/v4/leads/complex', [{ _embedded: { contacts: [{ name: 'a' }, { name: 'b' }] } }]);
    expect(twoContacts.status).toBe(400);
  });

  it('patches leads one by one and in batches, with status moves, tags and reference checks', async () => {
    const [a, b] = sb.store.leadsById.slice(10, 12);
    const one = await post(`/api/v4/leads/${a!.id}`, { price: 4_200, status_id: 142, tags_to_add: [{ name: 'patched' }] }, 'PATCH');
    expect(one.status).toBe(200);
    const body = await one.json();
    expect(body).toMatchObject({ id: a!.id, updated_at: expect.any(Number), _links: { self: { href: `${sb.url}/api/v4/leads/${a!.id}` } } });
    const lead = await (await api(`/api/v4/leads/${a!.id}`)).json();
    expect(lead).toMatchObject({ price: 4_200, status_id: 142, closed_at: expect.any(Number) });
    expect(lead._embedded.tags.map((t: { name: string }) => t.name)).toContain('patched');
    const tags = await (await api('/api/v4/leads/tags?query=patch')).json();
    expect(tags._embedded.tags.map((t: { name: string }) => t.name)).toEqual(['patched']);

    const batch = await post('/api/v4/leads', [{ id: a!.id, name: 'Renamed A' }, { id: b!.id, responsible_user_id: 10_450_003 }], 'PATCH');
    expect(batch.status).toBe(200);
    expect((await batch.json())._embedded.leads.map((l: { id: number }) => l.id)).toEqual([a!.id, b!.id]);
    expect(sb.store.liveLead(b!.id)!.responsibleUserId).toBe(10_450_003);

    const badRefs = await post('/api/v4/leads', [{ id: a!.id, status_id: 61_000_012 }, { id: 5, name: 'x' }, { id: b!.id, responsible_user_id: 1 }], 'PATCH');
    expect(badRefs.status).toBe(400);
    const errors = (await badRefs.json())['validation-errors'];
    expect(errors.map((e: { request_id: string }) => e.request_id)).toEqual(['0', '1', '2']);
    expect((await post('/api/v4/leads/5', { name: 'x' }, 'PATCH')).status).toBe(404);
    const wrongType = await post(`/api/v4/leads/${a!.id}`, { price: 'lots' }, 'PATCH');
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json())['validation-errors'][0].errors[0]).toMatchObject({ code: 'InvalidType', path: 'price' });

    const created = await post('/api/v4/leads', [{ name: 'Plain create', pipeline_id: 7_510_002 }]);
    expect(created.status).toBe(200);
    const createdBody = await created.json();
    expect(createdBody._embedded.leads[0]).toMatchObject({ id: expect.any(Number), request_id: '0' });
    expect(sb.store.liveLead(createdBody._embedded.leads[0].id)!.statusId).toBe(61_000_012);
  });
});

describe('Kommo rate limit', () => {
  it('answers 429 past 7 requests a second and escalates repeated violations to 403 for a while', async () => {
    Object.assign(sb.store.limits, { enabled: true, perSecond: 7, violationsToBlock: 4, violationWindowSeconds: 10, blockSeconds: 1 });
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => api('/api/v4/account')))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const limited = await api('/api/v4/account');
    expect(limited.status).toBe(403); // the 4th violation within the window blocks
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(await limited.json()).toMatchObject({ title: 'Forbidden', status: 403 });
    expect((await api('/api/v4/users')).status).toBe(403);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await api('/api/v4/account')).status).toBe(200);

    // the 429 itself: empty body with Retry-After
    sb.store.limiter.reset();
    const burst = await Promise.all(Array.from({ length: 8 }, () => api('/api/v4/account')));
    const tooMany = burst.find((r) => r.status === 429)!;
    expect(tooMany.headers.get('retry-after')).toBe('1');
    expect(await tooMany.text()).toBe('');
    const limits = await (await fetch(`${sb.url}/_sandbox/limits`, { method: 'POST', body: JSON.stringify({ perSecond: 100 }) })).json();
    expect(limits.perSecond).toBe(100);
  });

  it('honours the core fault knobs with Kommo-shaped answers and logs every request', async () => {
    sb.requests.clear();
    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 2 } });
    const storm = await api('/api/v4/account');
    expect(storm.status).toBe(429);
    expect(storm.headers.get('retry-after')).toBe('2');
    sb.faults.set({ serverErrorRate: 1 });
    const broken = await api('/api/v4/account');
    expect(broken.status).toBeGreaterThanOrEqual(500);
    expect(broken.headers.get('content-type')).toBe('application/problem+json');
    sb.faults.reset();
    await api('/api/v4/users');
    expect(sb.requests.count({ pathPrefix: '/api/v4/' })).toBe(3);
    expect(sb.requests.count({ status: 429 })).toBe(1);
    const summary = await (await fetch(`${sb.url}/_sandbox`)).json();
    expect(summary).toMatchObject({ provider: 'kommo', leads: sb.store.leadsById.length, account: { subdomain: 'crmhubsandbox' } });
  });
});

describe('Kommo webhooks', () => {
  let receiver: http.Server;
  let receiverUrl = '';
  const received: { contentType: string; body: URLSearchParams }[] = [];
  const waitFor = async (n: number) => {
    await sb.store.webhooks.idle();
    for (let i = 0; i < 50 && received.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received.length).toBeGreaterThanOrEqual(n);
  };

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ contentType: req.headers['content-type'] ?? '', body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/kommo?secret=s1`;
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
  });

  it('posts form-encoded lead and contact events for API writes and admin ops', async () => {
    const reg = await fetch(`${sb.url}/_sandbox/webhooks`, { method: 'POST', body: JSON.stringify({ url: receiverUrl }) });
    expect(reg.status).toBe(201);

    // complex create: contacts[add] and leads[add] in one delivery
    const [created] = await (
      await post('/api/v4/leads/complex', [{ name: 'Hooked', price: 900, _embedded: { contacts: [{ name: 'Hook Person', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+4915112345678' }] }] }] } }])
    ).json();
    await waitFor(1);
    const add = received[0]!;
    expect(add.contentType).toBe('application/x-www-form-urlencoded');
    expect(add.body.get('leads[add][0][id]')).toBe(String(created.id));
    expect(add.body.get('leads[add][0][name]')).toBe('Hooked');
    expect(add.body.get('leads[add][0][price]')).toBe('900');
    expect(add.body.get('leads[add][0][pipeline_id]')).toBe('7510001');
    expect(add.body.get('contacts[add][0][id]')).toBe(String(created.contact_id));
    expect(add.body.get('contacts[add][0][custom_fields][0][code]')).toBe('PHONE');
    expect(add.body.get('contacts[add][0][custom_fields][0][values][0][value]')).toBe('+4915112345678');
    expect(add.body.get('account[subdomain]')).toBe('crmhubsandbox');
    expect(add.body.get('account[id]')).toBe('31905001');
    expect(add.body.get('account[_links][self]')).toBe(sb.url);

    // status change through the API: leads[update] and leads[status] with the old status
    await post(`/api/v4/leads/${created.id}`, { status_id: 61_000_004 }, 'PATCH');
    await waitFor(2);
    const status = received[1]!.body;
    expect(status.get('leads[update][0][id]')).toBe(String(created.id));
    expect(status.get('leads[status][0][status_id]')).toBe('61000004');
    expect(status.get('leads[status][0][old_status_id]')).toBe('61000002');
    expect(status.get('leads[status][0][pipeline_id]')).toBe('7510001');

    // contact update through the API
    await post(`/api/v4/contacts/${created.contact_id}`, { first_name: 'Renamed' }, 'PATCH');
    await waitFor(3);
    expect(received[2]!.body.get('contacts[update][0][id]')).toBe(String(created.contact_id));
    expect(received[2]!.body.get('contacts[update][0][name]')).toBe('Renamed Person');

    // admin ops: delete and modify
    const deleted = await (await fetch(`${sb.url}/_sandbox/records/delete`, { method: 'POST', body: JSON.stringify({ count: 2 }) })).json();
    await waitFor(4);
    const del = received[3]!.body;
    expect([del.get('leads[delete][0][id]'), del.get('leads[delete][1][id]')].sort()).toEqual([...deleted.ids].sort());
    expect((await api(`/api/v4/leads/${deleted.ids[0]}`)).status).toBe(204);
    const modified = await (await fetch(`${sb.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 3 }) })).json();
    await waitFor(5);
    const mod = received[4]!.body;
    expect([0, 1, 2].map((i) => mod.get(`leads[update][${i}][id]`)).sort()).toEqual([...modified.ids].sort());
    expect(mod.get('leads[status][0][id]')).toBe(modified.ids[0]);
    const contacts = await (await fetch(`${sb.url}/_sandbox/contacts/modify`, { method: 'POST', body: JSON.stringify({ count: 1 }) })).json();
    await waitFor(6);
    expect(received[5]!.body.get('contacts[update][0][id]')).toBe(contacts.ids[0]);
    const log = await (await fetch(`${sb.url}/_sandbox/webhooks`)).json();
    expect(log.deliveries.every((d: { status: number }) => d.status === 200)).toBe(true);
  });

  it('registers through POST /api/v4/webhooks with a settings filter', async () => {
    await fetch(`${sb.url}/_sandbox/webhooks`, { method: 'DELETE' });
    const before = received.length;
    const reg = await post('/api/v4/webhooks', { destination: receiverUrl, settings: ['status_lead'] });
    expect(reg.status).toBe(201);
    expect(await reg.json()).toMatchObject({ destination: receiverUrl, settings: ['status_lead'] });
    expect((await post('/api/v4/webhooks', { destination: receiverUrl, settings: ['nope'] })).status).toBe(400);
    const lead = sb.store.leadsById[20]!;
    await post(`/api/v4/leads/${lead.id}`, { price: 1 }, 'PATCH'); // update only: not subscribed
    await post(`/api/v4/leads/${lead.id}`, { status_id: 143 }, 'PATCH');
    await waitFor(before + 1);
    const body = received[before]!.body;
    expect(received).toHaveLength(before + 1);
    expect(body.get('leads[status][0][status_id]')).toBe('143');
    expect(body.get('leads[update][0][id]')).toBeNull();
    const list = await (await api('/api/v4/webhooks')).json();
    expect(list._embedded.webhooks).toHaveLength(1);
    expect((await api('/api/v4/webhooks', { method: 'DELETE', body: JSON.stringify({ destination: receiverUrl }) })).status).toBe(204);
    expect((await api('/api/v4/webhooks')).status).toBe(204);
  });
});
