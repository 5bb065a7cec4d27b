import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSalesforceClient,
  createSalesforceOAuth,
  isRetryable,
  SalesforceApiError,
  type RateLimitInfo,
  type SalesforceClientOptions,
} from '../../server/providers/salesforce';
import { ProviderRateLimited, ReauthorizationNeeded, type PullCursor, type RemoteRecord, type TokenSet } from '../../server/providers/types';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import { DEMO_CLIENT, ORG_ID, USER_ID, type SalesforceStore } from '../../server/sandbox/salesforce/store';

/**
 * The Salesforce provider (server/providers/salesforce) against the Salesforce sandbox,
 * through jsforce with only the login/instance URL changed. No database.
 */

// jsforce sends even loopback traffic through a proxy when these are set (wire-spec §0.4)
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];

const CONTACTS = 5_500;
const VERSION = '62.0';
const REDIRECT = 'http://127.0.0.1:5173/oauth/salesforce/callback';
const CONTACT_FIELDS = ['FirstName', 'LastName', 'Email', 'Title', 'Region__c', 'Tier__c', 'External_Id__c'];
const ACCOUNT_FIELDS = ['Name', 'Website', 'NumberOfEmployees', 'Region__c'];

let sb: RunningSandbox<SalesforceStore>;
const oauthConfig = () => ({ clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, loginUrl: sb.url });
const admin = async (path: string, body: unknown = {}) => (await fetch(`${sb.url}/_sandbox${path}`, { method: 'POST', body: JSON.stringify(body) })).json();
const queryPath = `/services/data/v${VERSION}/query`;

function sessionTokens(): TokenSet {
  const s = sb.store.issueSession(sb.url);
  return { accessToken: s.access_token, refreshToken: s.refresh_token, expiresAt: null, instanceUrl: s.instance_url };
}

function connect(extra: Partial<SalesforceClientOptions> = {}) {
  const refreshed: TokenSet[] = [];
  const limits: RateLimitInfo[] = [];
  const counter = { beforeCall: 0 };
  const tokens = extra.tokens ?? sessionTokens();
  const client = createSalesforceClient({
    tokens,
    oauth: oauthConfig(),
    apiVersion: VERSION,
    onTokensRefreshed: async (t) => {
      refreshed.push(t);
    },
    beforeCall: async () => {
      counter.beforeCall += 1;
    },
    onRateLimitInfo: (info) => limits.push(info),
    ...extra,
  });
  return { client, tokens, refreshed, limits, counter };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

/** (modifiedAt, id) order as Salesforce (and the sandbox) sorts it. */
const after = (a: { modifiedAt: string; id: string }, b: { modifiedAt: string; id: string }) => a.modifiedAt > b.modifiedAt || (a.modifiedAt === b.modifiedAt && a.id > b.id);

async function pullAll(client: ReturnType<typeof connect>['client'], entity: 'account' | 'contact', cursor: PullCursor | null, fields: string[], pageSize?: number) {
  const records: RemoteRecord[] = [];
  const pages: { cursor: PullCursor | null; first: RemoteRecord | undefined; size: number }[] = [];
  let current = cursor;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await client.pullChanges(entity, current, { fields, pageSize });
    pages.push({ cursor: current, first: page.records[0], size: page.records.length });
    records.push(...page.records);
    if (page.cursor) current = page.cursor;
    if (!page.hasMore) break;
  }
  return { records, pages, cursor: current };
}

beforeAll(async () => {
  sb = await startSandbox<SalesforceStore>('salesforce', { seed: 11, records: CONTACTS, latencyMs: 0 });
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => {
  sb.faults.reset();
  sb.store.settings.dailyApiLimit = 100_000;
  sb.requests.clear();
});

describe('OAuth (web-server flow with PKCE S256)', () => {
  async function consent(authUrl: string) {
    const page = await fetch(authUrl);
    expect(page.status).toBe(200);
    const form = new URLSearchParams();
    for (const [, name, value] of (await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(name!, value!.replace(/&amp;/g, '&'));
    form.set('decision', 'allow');
    const back = await fetch(`${sb.url}/services/oauth2/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location')!);
  }

  it('authorizes, exchanges the code with the verifier, refreshes, revokes', async () => {
    const oauth = createSalesforceOAuth(oauthConfig());
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authUrl = new URL(oauth.authorizationUrl({ state: 'st-42', codeChallenge: challenge, redirectUri: REDIRECT }));
    expect(`${authUrl.origin}${authUrl.pathname}`).toBe(`${sb.url}/services/oauth2/authorize`);
    expect(Object.fromEntries(authUrl.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: DEMO_CLIENT.clientId,
      redirect_uri: REDIRECT,
      state: 'st-42',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'api refresh_token',
    });

    const redirect = await consent(authUrl.toString());
    expect(redirect.searchParams.get('state')).toBe('st-42');
    const code = redirect.searchParams.get('code')!;
    // a wrong verifier is refused (and burns the code, as one-time codes do)
    const other = await consent(authUrl.toString());
    const wrong = await rejection(oauth.exchangeCode({ code: other.searchParams.get('code')!, codeVerifier: `${verifier}x`, redirectUri: REDIRECT }));
    expect(wrong).toBeInstanceOf(SalesforceApiError);
    expect((wrong as SalesforceApiError).errorCode).toBe('invalid_grant');
    expect(isRetryable(wrong)).toBe(false);

    const tokens = await oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri: REDIRECT });
    expect(tokens).toMatchObject({ instanceUrl: sb.url, expiresAt: null, scope: 'api refresh_token' });
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.refreshToken).toMatch(/^rt_/);

    const refreshed = await oauth.refresh(tokens.refreshToken!, tokens);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken); // Salesforce does not rotate by default
    expect(refreshed.instanceUrl).toBe(sb.url);

    // the tokens work with the client
    const { client } = connect({ tokens: refreshed });
    expect((await client.identity()).userId).toBe(USER_ID);

    await oauth.revoke(refreshed);
    await oauth.revoke(refreshed); // already revoked: still fine
    const revoked = await rejection(oauth.refresh(tokens.refreshToken!, tokens));
    expect(revoked).toBeInstanceOf(ReauthorizationNeeded);
  });
});

describe('identity and describe', () => {
  it('returns who is connected and the fields incl. custom ones', async () => {
    const { client } = connect();
    expect(await client.identity()).toEqual({
      userId: USER_ID,
      userName: 'demo.admin@crmhub-sandbox.example',
      email: 'demo.admin@crmhub-sandbox.example',
      // the sandbox serves no Organization object: the fallback names the org id
      organizationName: `Salesforce org ${ORG_ID}`,
      accountId: ORG_ID,
    });
    const account = await client.describe('account');
    const byName = new Map(account.map((f) => [f.name, f]));
    expect(byName.get('Id')).toMatchObject({ type: 'id', updateable: false, custom: false });
    expect(byName.get('Name')).toMatchObject({ type: 'string', required: true, updateable: true });
    expect(byName.get('Website')).toMatchObject({ type: 'url', required: false });
    expect(byName.get('NumberOfEmployees')).toMatchObject({ type: 'number' });
    expect(byName.get('SystemModstamp')).toMatchObject({ type: 'datetime', updateable: false, required: false });
    expect(byName.get('Region__c')).toMatchObject({ type: 'enum', custom: true, options: [{ value: 'AMER', label: 'AMER' }, { value: 'EMEA', label: 'EMEA' }, { value: 'APAC', label: 'APAC' }] });
    expect(byName.get('External_Id__c')).toMatchObject({ type: 'string', custom: true });
    const contact = new Map((await client.describe('contact')).map((f) => [f.name, f]));
    expect(contact.get('AccountId')).toMatchObject({ type: 'reference' });
    expect(contact.get('Email')).toMatchObject({ type: 'email' });
    expect(contact.get('LastName')).toMatchObject({ required: true });
    expect(contact.get('Name')).toMatchObject({ updateable: false, required: false });
    expect(contact.get('Tier__c')).toMatchObject({ type: 'enum', custom: true });
  });
});

describe('pulls', () => {
  it('pulls everything in 2,000-row keyset pages, then exactly the modified records (ties broken by Id), then deletions', async () => {
    const { client, counter } = connect();
    const contacts = await pullAll(client, 'contact', null, CONTACT_FIELDS);
    // 2000 + 2000 + 1500: the short last page ends the pull without an extra request
    expect(contacts.pages.map((p) => p.size)).toEqual([2000, 2000, 1500]);
    expect(sb.requests.count({ method: 'GET', pathPrefix: queryPath })).toBe(3);
    expect(counter.beforeCall).toBe(3);
    expect(contacts.records).toHaveLength(CONTACTS);
    expect(new Set(contacts.records.map((r) => r.id)).size).toBe(CONTACTS);
    for (let i = 1; i < contacts.records.length; i++) expect(after(contacts.records[i]!, contacts.records[i - 1]!)).toBe(true);
    const sample = contacts.records[1234]!;
    const stored = sb.store.find(sample.id)!;
    expect(sample.modifiedAt).toBe(new Date(stored.SystemModstamp).toISOString());
    expect(sample.modifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(sample.accountId).toBe(stored.AccountId);
    expect(Object.keys(sample.fields)).toEqual(CONTACT_FIELDS);
    expect(sample.fields).toMatchObject({ LastName: stored.LastName, Email: stored.Email, Region__c: stored.Region__c });
    expect(contacts.records.filter((r) => r.accountId).length).toBeGreaterThan(CONTACTS / 2);

    const accounts = await pullAll(client, 'account', null, ACCOUNT_FIELDS);
    expect(accounts.records).toHaveLength(sb.store.collections.Account.size);
    expect(accounts.records[0]).not.toHaveProperty('accountId');

    // nothing changed: the next incremental pull is one empty page
    sb.requests.clear();
    const idle = await client.pullChanges('contact', contacts.cursor, { fields: CONTACT_FIELDS });
    expect(idle).toEqual({ records: [], cursor: null, hasMore: false });
    // asked for a total, the same one call answers the count from the cursor on
    expect(await client.pullChanges('contact', contacts.cursor, { fields: CONTACT_FIELDS, withTotal: true })).toEqual({ records: [], cursor: null, hasMore: false, total: 0 });
    const counted = await client.pullChanges('contact', null, { fields: CONTACT_FIELDS, pageSize: 7, withTotal: true });
    expect(counted.records).toHaveLength(7);
    expect(counted.total).toBe(contacts.records.length);
    expect(counted.hasMore).toBe(true);
    expect(counted.records.map((r) => r.id)).toEqual(contacts.records.slice(0, 7).map((r) => r.id));
    expect(sb.requests.count({ method: 'GET', pathPrefix: queryPath })).toBe(3); // one request a page, the counted one too

    const { ids } = (await admin('/records/modify', { count: 400 })) as { ids: string[] };
    const modifiedContacts = ids.filter((id) => id.startsWith('003'));
    const modifiedAccounts = ids.filter((id) => id.startsWith('001'));
    expect(modifiedContacts.length).toBeGreaterThan(100);
    expect(modifiedAccounts.length).toBeGreaterThan(5);

    // 7 a page: page boundaries fall inside the run of records sharing one stamp
    const changed = await pullAll(client, 'contact', contacts.cursor, CONTACT_FIELDS, 7);
    expect(changed.records.map((r) => r.id).sort()).toEqual([...modifiedContacts].sort());
    expect(new Set(changed.records.map((r) => r.id)).size).toBe(changed.records.length);
    for (let i = 1; i < changed.records.length; i++) expect(after(changed.records[i]!, changed.records[i - 1]!)).toBe(true);
    expect(new Set(changed.records.map((r) => r.modifiedAt)).size).toBeLessThan(changed.records.length / 7);
    const tiePages = changed.pages.filter((p) => p.cursor && p.first && p.first.modifiedAt === p.cursor.modifiedAt);
    expect(tiePages.length).toBeGreaterThan(10);
    expect(changed.records.find((r) => r.id === modifiedContacts[0])!.fields.Title).toBe(sb.store.find(modifiedContacts[0]!)!.Title);
    const changedAccounts = await pullAll(client, 'account', accounts.cursor, ACCOUNT_FIELDS);
    expect(changedAccounts.records.map((r) => r.id).sort()).toEqual([...modifiedAccounts].sort());

    // deletions since an instant, from getDeleted
    const since = new Date(Date.now() - 1000).toISOString();
    const { ids: deleted } = (await admin('/records/delete', { count: 120 })) as { ids: string[] };
    const deletedContacts = deleted.filter((id) => id.startsWith('003'));
    expect(deletedContacts.length).toBeGreaterThan(10);
    sb.requests.clear();
    const gone = await client.pullDeleted('contact', since);
    expect(gone.map((d) => d.id).sort()).toEqual([...deletedContacts].sort());
    expect(gone[0]!.deletedAt).toMatch(/\.\d{3}Z$/);
    expect(Date.parse(gone[0]!.deletedAt)).toBeGreaterThanOrEqual(Date.parse(since));
    expect(sb.requests.all().map((r) => `${r.method} ${r.path}`)).toEqual([`GET /services/data/v${VERSION}/sobjects/Contact/deleted`]);
    expect(await client.pullDeleted('contact', new Date(Date.now() + 5000).toISOString())).toEqual([]);
    // a deleted contact no longer comes back from fetchByIds
    const live = contacts.records.find((r) => !deleted.includes(r.id))!;
    const fetched = await client.fetchByIds('contact', [live.id, deletedContacts[0]!, 'not-an-id', '003000000000000AAA'], ['Email']);
    expect(fetched.map((r) => r.id)).toEqual([live.id]);
    expect(fetched[0]!.fields).toEqual({ Email: sb.store.find(live.id)!.Email });
  });

  it('finds unlinked records by lower-cased e-mail and by website domain', async () => {
    const { client } = connect();
    const contacts = sb.store.collections.Contact.byIdOrder.slice(100, 103);
    const keys = [...contacts.map((c) => String(c.Email).toUpperCase()), 'nobody@nowhere.example'];
    const byEmail = await client.findByDedupeKeys('contact', keys, ['Email', 'LastName']);
    expect([...byEmail.keys()].sort()).toEqual(contacts.map((c) => String(c.Email).toLowerCase()).sort());
    expect(byEmail.get(String(contacts[0]!.Email).toLowerCase())!.id).toBe(contacts[0]!.Id);

    const account = sb.store.collections.Account.byIdOrder[7]!;
    const domain = String(account.Website).replace('https://', '');
    const [made] = await client.write('account', [
      { fields: { Name: 'Dedupe Co', Website: 'WWW.Dedupe-Example.io/about' }, dedupeKey: 'app-acc-dedupe' },
      { fields: { Name: 'Decoy Co', Website: 'https://notdedupe-example.io' }, dedupeKey: 'app-acc-decoy' },
    ]);
    expect(made).toMatchObject({ ok: true, created: true });
    const byDomain = await client.findByDedupeKeys('account', [domain, 'dedupe-example.io', 'unknown-domain.example'], ['Name', 'Website']);
    expect(byDomain.get(domain)!.id).toBe(account.Id);
    expect(byDomain.get('dedupe-example.io')!.fields.Name).toBe('Dedupe Co');
    expect(byDomain.size).toBe(2);
  });
});

describe('writes', () => {
  it('upserts by External_Id__c in collections of 200: the same batch twice creates nothing new', async () => {
    const { client } = connect();
    expect(client.writeBatchSize).toBe(200);
    const accountId = sb.store.collections.Account.byIdOrder[3]!.Id;
    const inputs = Array.from({ length: 250 }, (_, i) => ({
      dedupeKey: `crmhub-c-${i}`,
      fields: { FirstName: 'Batch', LastName: `Person ${i}`, Email: `batch.${i}@idem.example` },
      accountId: i % 2 ? accountId : null,
    }));
    const before = sb.store.collections.Contact.size;
    const first = await client.write('contact', inputs);
    expect(first).toHaveLength(250);
    expect(first.every((r) => r.ok && r.created)).toBe(true);
    const upsertPath = `/services/data/v${VERSION}/composite/sobjects/Contact/External_Id__c`;
    expect(sb.requests.all().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`PATCH ${upsertPath} 200`, `PATCH ${upsertPath} 200`]);

    const second = await client.write('contact', inputs);
    expect(second.every((r) => r.ok && !r.created)).toBe(true);
    expect(second.map((r) => r.ok && r.id)).toEqual(first.map((r) => r.ok && r.id));
    expect(sb.store.collections.Contact.size).toBe(before + 250);
    expect(sb.store.collections.Contact.byIdOrder.filter((r) => String(r.External_Id__c).startsWith('crmhub-c-'))).toHaveLength(250);
    const one = sb.store.find((first[1] as { id: string }).id)!;
    expect(one).toMatchObject({ AccountId: accountId, External_Id__c: 'crmhub-c-1', LastName: 'Person 1' });
    expect(sb.store.find((first[0] as { id: string }).id)!.AccountId).toBeNull();

    // updates by id: fields change, the association moves
    const ids = first.map((r) => (r as { id: string }).id);
    sb.requests.clear();
    const updated = await client.write('contact', [
      { id: ids[0]!, fields: { Title: 'CFO' }, accountId },
      { id: ids[1]!, fields: { Title: 'CTO' }, accountId: null },
      { id: ids[2]!, fields: { Email: 'Renamed@Idem.Example' } },
    ]);
    expect(updated).toEqual(ids.slice(0, 3).map((id) => ({ ok: true, id, created: false, modifiedAt: null })));
    expect(sb.store.find(ids[0]!)).toMatchObject({ Title: 'CFO', AccountId: accountId });
    expect(sb.store.find(ids[1]!)).toMatchObject({ Title: 'CTO', AccountId: null });
    expect(sb.store.find(ids[2]!)).toMatchObject({ Email: 'Renamed@Idem.Example', AccountId: null });
    expect(sb.requests.all().map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /services/data/v${VERSION}/composite/sobjects`]);

    // removal in collections of 200 too; already-deleted ids count as removed
    sb.requests.clear();
    const removed = await client.remove('contact', [...ids, ids[0]!]);
    expect(removed).toHaveLength(251);
    expect(removed.every((r) => r.ok)).toBe(true);
    expect(sb.requests.all().filter((r) => r.method === 'DELETE')).toHaveLength(2);
    expect(sb.store.find(ids[5]!)).toBeNull();
    const again = await client.remove('contact', [ids[0]!, sb.store.collections.Account.byIdOrder[0]!.Id]);
    expect(again[0]).toEqual({ ok: true, id: ids[0], created: false, modifiedAt: null });
    expect(again[1]).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining('MALFORMED_ID') });
  });

  it('reports partial batch failures one result per input, in order', async () => {
    const { client } = connect();
    const live = sb.store.collections.Contact.byIdOrder[50]!.Id;
    const results = await client.write('contact', [
      { dedupeKey: 'pf-ok', fields: { LastName: 'Fine', Email: 'fine@pf.example' } },
      { dedupeKey: 'pf-email', fields: { LastName: 'Bad Mail', Email: 'not-an-email' } },
      { id: live, fields: { Region__c: 'Mars' } },
      { id: '003000000000000AAA', fields: { Title: 'Ghost' } },
      { id: 'nonsense', fields: { Title: 'x' } },
      { dedupeKey: 'pf-nolast', fields: { FirstName: 'No Last Name' } },
      { dedupeKey: 'PF-OK', fields: { LastName: 'Same key again' } },
      { fields: { LastName: 'Plain Create' } },
      { id: live, fields: { Title: 'Still Fine' } },
      { dedupeKey: 'pf-badname', fields: { LastName: 'x', "Title' OR": 'y' } },
      { dedupeKey: 'pf-unknown', fields: { LastName: 'x', Colour__c: 'red' } },
    ]);
    expect(results.map((r) => (r.ok ? `ok${r.created ? '+' : ''}` : r.error.split(':')[0]))).toEqual([
      'ok+',
      'INVALID_EMAIL_ADDRESS',
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'INVALID_CROSS_REFERENCE_KEY',
      'MALFORMED_ID',
      'REQUIRED_FIELD_MISSING',
      'DUPLICATE_EXTERNAL_ID',
      'ok+',
      // the same id twice in one update call: Salesforce refuses the second
      'DUPLICATE_VALUE',
      'INVALID_FIELD',
      'INVALID_FIELD',
    ]);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.retryable === false)).toBe(true);
    expect(sb.store.collections.Contact.externalIds.has('pf-email')).toBe(false);
    expect(sb.store.collections.Contact.externalIds.get('pf-ok')).toMatchObject({ LastName: 'Fine' });
  });
});

describe('session expiry and re-authorization', () => {
  it('refreshes once when the access token expires mid-pull and reports the new tokens', async () => {
    const { client, refreshed, tokens } = connect();
    const refreshesBefore = sb.store.oauth.counters.refreshes;
    const first = await client.pullChanges('contact', null, { fields: ['Email'], pageSize: 500 });
    expect(await admin('/tokens/expire')).toMatchObject({ expired: expect.any(Number) });
    sb.requests.clear();
    const second = await client.pullChanges('contact', first.cursor, { fields: ['Email'], pageSize: 500 });
    expect(second.records).toHaveLength(500);
    expect(after(second.records[0]!, first.records[first.records.length - 1]!)).toBe(true);
    expect(sb.requests.all().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`GET ${queryPath} 401`, 'POST /services/oauth2/token 200', `GET ${queryPath} 200`]);
    expect(sb.store.oauth.counters.refreshes).toBe(refreshesBefore + 1);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ refreshToken: tokens.refreshToken, instanceUrl: sb.url, expiresAt: null });
    expect(refreshed[0]!.accessToken).not.toBe(tokens.accessToken);
    expect(client.tokens.accessToken).toBe(refreshed[0]!.accessToken);
    await client.pullChanges('contact', second.cursor, { fields: ['Email'], pageSize: 10 });
    expect(refreshed).toHaveLength(1);
  });

  it('throws ReauthorizationNeeded when the refresh token was revoked (one refresh attempt, no loop)', async () => {
    const { client, refreshed } = connect();
    await admin('/tokens/revoke-refresh');
    await admin('/tokens/expire');
    sb.requests.clear();
    const error = await rejection(client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 }));
    expect(error).toBeInstanceOf(ReauthorizationNeeded);
    expect(isRetryable(error)).toBe(false);
    expect(refreshed).toHaveLength(0);
    expect(sb.requests.all().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`GET ${queryPath} 401`, 'POST /services/oauth2/token 400']);
    // writes surface it the same way before anything was sent
    expect(await rejection(client.write('contact', [{ dedupeKey: 'never', fields: { LastName: 'Never' } }]))).toBeInstanceOf(ReauthorizationNeeded);
  });

  it('does not refresh again when the fresh token is rejected too (jsforce alone would loop)', async () => {
    const { client, refreshed } = connect();
    const oauth = sb.store.oauth;
    const original = oauth.refresh.bind(oauth);
    // the sandbox hands out tokens that are already expired
    oauth.refresh = (input, now) => {
      const result = original(input, now);
      if ('token' in result) result.expiresAt = Date.now() - 1;
      return result;
    };
    try {
      await admin('/tokens/expire');
      sb.requests.clear();
      const error = await rejection(client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 }));
      expect(error).toBeInstanceOf(ReauthorizationNeeded);
      expect(error.message).toMatch(/right after a refresh/);
      expect(refreshed).toHaveLength(1);
      expect(sb.requests.all().map((r) => `${r.path} ${r.status}`)).toEqual([`${queryPath} 401`, '/services/oauth2/token 200', `${queryPath} 401`]);
    } finally {
      oauth.refresh = original;
    }
  });
});

describe('limits and faults', () => {
  it('a 429 storm: jsforce retries GETs twice (0.5 s, 1 s), then ProviderRateLimited with Retry-After; a short burst is absorbed', async () => {
    const { client } = connect();
    sb.faults.set({ rateLimitStorm: { requests: 10, retryAfterSeconds: 7 } });
    const error = await rejection(client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 }));
    expect(error).toBeInstanceOf(ProviderRateLimited);
    expect((error as ProviderRateLimited).retryAfterMs).toBe(7000);
    expect(isRetryable(error)).toBe(true);
    expect(sb.requests.all().map((r) => r.status)).toEqual([429, 429, 429]);

    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 1 } });
    sb.requests.clear();
    expect((await client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 })).records).toHaveLength(5);
    expect(sb.requests.all().map((r) => r.status)).toEqual([429, 200]);

    // POST/PATCH are never retried by jsforce: the first write batch throws, nothing written
    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 3 } });
    sb.requests.clear();
    const throttled = await rejection(client.write('contact', [{ dedupeKey: 'throttled', fields: { LastName: 'T' } }]));
    expect(throttled).toBeInstanceOf(ProviderRateLimited);
    expect((throttled as ProviderRateLimited).retryAfterMs).toBe(3000);
    expect(sb.requests.all().map((r) => r.status)).toEqual([429]);
    expect(sb.store.collections.Contact.externalIds.has('throttled')).toBe(false);
  });

  it('reports the daily allocation from Sforce-Limit-Info and maps REQUEST_LIMIT_EXCEEDED to ProviderRateLimited', async () => {
    const { client, limits } = connect();
    await client.pullChanges('account', null, { fields: ['Name'], pageSize: 1 });
    expect(limits[limits.length - 1]).toEqual({ dailyUsed: sb.store.apiUsage.used, dailyLimit: 100_000 });
    sb.store.settings.dailyApiLimit = sb.store.apiUsage.used;
    const error = await rejection(client.pullChanges('account', null, { fields: ['Name'], pageSize: 1 }));
    expect(error).toBeInstanceOf(ProviderRateLimited);
    expect(error.message).toMatch(/daily API request allocation/);
    expect((error as ProviderRateLimited).retryAfterMs).toBe(3_600_000);
    expect(limits[limits.length - 1]).toEqual({ dailyUsed: sb.store.apiUsage.used, dailyLimit: sb.store.apiUsage.used });
  });

  it('classifies 5xx, dropped connections, timeouts and truncated JSON as retryable', async () => {
    // jsforce's timeout spans the request and its retry pauses (0.5 s + 1 s): keep it above that
    const { client } = connect({ requestTimeoutMs: 2500 });
    sb.faults.set({ serverErrorRate: 1 });
    const down = await rejection(client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 }));
    expect(down).toBeInstanceOf(SalesforceApiError);
    expect((down as SalesforceApiError).status).toBeGreaterThanOrEqual(500);
    expect(isRetryable(down)).toBe(true);
    expect(sb.requests.count()).toBe(3); // one try + two jsforce retries
    // a write batch under 5xx: idempotent upserts are retryable per input, a plain create is not (it may have happened)
    const writes = await client.write('contact', [{ dedupeKey: 'five-hundred', fields: { LastName: 'X' } }, { fields: { LastName: 'Plain' } }]);
    expect(writes).toEqual([
      { ok: false, error: expect.stringMatching(/^(SERVER_UNAVAILABLE|UNKNOWN_EXCEPTION):/), retryable: true },
      { ok: false, error: expect.stringContaining('outcome unknown'), retryable: false },
    ]);
    sb.faults.reset();

    sb.faults.set({ dropConnections: 5 });
    const dropped = await rejection(client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 }));
    expect(dropped).toMatchObject({ errorCode: 'NETWORK_ERROR', retryable: true });
    sb.faults.reset();

    sb.faults.set({ hangRequests: 1 });
    const hung = await rejection(client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 }));
    expect(isRetryable(hung)).toBe(true);
    sb.faults.reset();

    sb.faults.set({ malformedJson: 1 });
    const broken = await rejection(client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 }));
    expect(broken).toMatchObject({ errorCode: 'MALFORMED_RESPONSE', retryable: true });
    expect((await client.pullChanges('contact', null, { fields: ['Email'], pageSize: 5 })).records).toHaveLength(5);

    // and a plain 4xx is final
    const invalid = await rejection(client.pullChanges('contact', null, { fields: ['NoSuchField__c'] }));
    expect(invalid).toMatchObject({ errorCode: 'INVALID_FIELD', status: 400, retryable: false });
    await expect(client.pullChanges('contact', null, { fields: ["Name' OR Id != '"] })).rejects.toThrow(/not a Salesforce field API name/);
  });
});
