import jsforce, { type Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import { DEMO_CLIENT, ORG_ID, USER_ID, type SalesforceStore } from '../../server/sandbox/salesforce/store';

/**
 * The Salesforce sandbox driven by the official client, jsforce 3, with only the login
 * and instance URLs changed; raw fetch where jsforce has no call (authorize, headers).
 */

// jsforce sends even loopback traffic through a proxy when these are set (wire-spec §0.4)
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];

const VERSION = '62.0';
const REDIRECT = 'http://127.0.0.1:5173/oauth/salesforce/callback';
const CONTACTS = 12_000;

let sb: RunningSandbox<SalesforceStore>;

const admin = async (path: string, body: unknown = {}) => (await fetch(`${sb.url}/_sandbox${path}`, { method: 'POST', body: JSON.stringify(body) })).json();

/** A connection as the app keeps one: tokens plus the connected app, so jsforce can refresh. */
function connect(options: { version?: string } = {}) {
  const session = sb.store.issueSession(sb.url);
  const conn = new jsforce.Connection({
    instanceUrl: session.instance_url,
    accessToken: session.access_token,
    refreshToken: session.refresh_token,
    oauth2: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, loginUrl: sb.url, redirectUri: REDIRECT },
    version: options.version ?? VERSION,
  });
  return { conn, session };
}

const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${sb.url}/services/data/v${VERSION}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) } });

const rejection = async (promise: PromiseLike<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { errorCode?: string; data?: unknown };
  }
  throw new Error('expected the call to fail');
};

const soqlTime = (iso: string) => new Date(iso.replace('+0000', 'Z')).toISOString();

beforeAll(async () => {
  sb = await startSandbox<SalesforceStore>('salesforce', { seed: 7, records: CONTACTS, latencyMs: 0 });
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => {
  sb.faults.reset();
  sb.store.settings.dailyApiLimit = 100_000;
  sb.store.settings.bulkPollsBeforeComplete = 1;
  sb.store.settings.bulkQueryPageSize = null;
});

describe('OAuth 2.0 web-server flow with PKCE', () => {
  async function consent(authUrl: string, decision: 'allow' | 'deny' = 'allow') {
    const page = await fetch(authUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Allow');
    const form = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(name!, value!.replace(/&amp;/g, '&'));
    form.set('decision', decision);
    const back = await fetch(`${sb.url}/services/oauth2/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location')!);
  }

  const oauth2 = () => new jsforce.OAuth2({ clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, redirectUri: REDIRECT, loginUrl: sb.url, useVerifier: true });

  it('authorizes through the consent page, exchanges the code and uses the session', async () => {
    const client = oauth2();
    const authUrl = client.getAuthorizationUrl({ scope: 'api refresh_token', state: 'st-1' });
    expect(authUrl).toContain('code_challenge=');
    const redirect = await consent(authUrl);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT);
    expect(redirect.searchParams.get('state')).toBe('st-1');
    const code = redirect.searchParams.get('code')!;

    const conn = new jsforce.Connection({ oauth2: client, version: VERSION });
    const userInfo = await conn.authorize(code);
    expect(userInfo).toMatchObject({ id: USER_ID, organizationId: ORG_ID });
    expect(conn.instanceUrl).toBe(sb.url);
    expect(conn.refreshToken).toBeTruthy();
    const identity = await conn.identity();
    expect(identity).toMatchObject({ user_id: USER_ID, organization_id: ORG_ID, username: 'demo.admin@crmhub-sandbox.example' });
    const result = await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 3');
    expect(result.records).toHaveLength(3);

    const userinfo = await (await fetch(`${sb.url}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${conn.accessToken}` } })).json();
    expect(userinfo).toMatchObject({ user_id: USER_ID, organization_id: ORG_ID, preferred_username: 'demo.admin@crmhub-sandbox.example' });

    // a code is single-use
    const reused = await rejection(new jsforce.Connection({ oauth2: client, version: VERSION }).authorize(code));
    expect(reused.name).toBe('invalid_grant');
  });

  it('rejects a PKCE verifier that does not match the challenge, and a tampered code', async () => {
    const first = oauth2();
    const redirect = await consent(first.getAuthorizationUrl({ scope: 'api', state: 'pkce' }));
    // a second OAuth2 instance has its own random verifier
    const mismatch = await rejection(oauth2().requestToken(redirect.searchParams.get('code')!));
    expect(mismatch.name).toBe('invalid_grant');
    expect(mismatch.message).toBe('invalid code verifier');

    const again = await consent(first.getAuthorizationUrl({ scope: 'api' }));
    const tampered = await rejection(first.requestToken(`${again.searchParams.get('code')}x`));
    expect(tampered.name).toBe('invalid_grant');
    // the genuine code still works after the failed attempt with a different code
    const tokens = await first.requestToken(again.searchParams.get('code')!);
    expect(tokens.instance_url).toBe(sb.url);
    expect(tokens.id).toBe(`${sb.url}/id/${ORG_ID}/${USER_ID}`);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('answers the documented errors: deny, unknown client, foreign redirect URI, bad secret, bad grant', async () => {
    const denied = await consent(oauth2().getAuthorizationUrl({ state: 'd' }), 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('d');

    const unknownClient = await fetch(`${sb.url}/services/oauth2/authorize?response_type=code&client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    expect(unknownClient.status).toBe(400);
    expect(await unknownClient.text()).toContain('invalid_client_id');
    const foreign = await fetch(`${sb.url}/services/oauth2/authorize?response_type=code&client_id=${DEMO_CLIENT.clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`);
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain('redirect_uri_mismatch');

    const badSecret = new jsforce.OAuth2({ clientId: DEMO_CLIENT.clientId, clientSecret: 'wrong', redirectUri: REDIRECT, loginUrl: sb.url });
    expect((await rejection(badSecret.refreshToken('whatever'))).name).toBe('invalid_client');
    const good = new jsforce.OAuth2({ clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, redirectUri: REDIRECT, loginUrl: sb.url });
    const badRefresh = await rejection(good.refreshToken('rt_not-a-token'));
    expect(badRefresh.name).toBe('invalid_grant');
    expect(badRefresh.message).toBe('expired access/refresh token');
    const unsupported = await fetch(`${sb.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId }) });
    expect(unsupported.status).toBe(400);
    expect(await unsupported.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });

    // the password grant (conn.login with a client secret)
    const login = new jsforce.Connection({ oauth2: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, loginUrl: sb.url }, version: VERSION });
    expect((await login.login('demo.admin@crmhub-sandbox.example', 'sandbox-password')).id).toBe(USER_ID);
    expect((await rejection(login.login('demo.admin@crmhub-sandbox.example', 'wrong'))).name).toBe('invalid_grant');
  });

  it('revokes access and refresh tokens (logout) and rejects revoked sessions', async () => {
    const { conn, session } = connect();
    await conn.logout();
    const after = await api('/limits', session.access_token);
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    // revoking the refresh token kills it for the next refresh
    const second = connect();
    await second.conn.logout(true);
    const refresh = await rejection(second.conn.oauth2.refreshToken(second.session.refresh_token));
    expect(refresh.name).toBe('invalid_grant');
    // an unknown token gets the form-encoded error jsforce parses
    const unknown = await rejection(second.conn.oauth2.revokeToken('nope'));
    expect(unknown.name).toBe('invalid_token');
  });
});

describe('query and queryMore', () => {
  it('pages through 12,000 contacts to the end, 2,000 a page, and the request log counts the pages', async () => {
    const { conn } = connect();
    sb.requests.clear();
    const result = await conn.query<{ Id: string; Email: string }>('SELECT Id, Email, Account.Name FROM Contact').run({ autoFetch: true, maxFetch: 50_000 });
    expect(result.totalSize).toBe(CONTACTS);
    expect(result.records).toHaveLength(CONTACTS);
    expect(new Set(result.records.map((r) => r.Id)).size).toBe(CONTACTS);
    expect(result.records.every((r) => /^003[A-Za-z0-9]{15}$/.test(r.Id))).toBe(true);
    const pages = sb.requests.all().filter((r) => r.path.startsWith(`/services/data/v${VERSION}/query`));
    expect(pages).toHaveLength(CONTACTS / 2000);
    expect(pages.filter((r) => r.path.startsWith(`/services/data/v${VERSION}/query/01g`))).toHaveLength(CONTACTS / 2000 - 1);
    expect(pages.every((r) => r.status === 200)).toBe(true);
  });

  it('returns the Salesforce envelope with attributes, relationship objects and nextRecordsUrl', async () => {
    const { session } = connect();
    const res = await api(`/query?q=${encodeURIComponent('SELECT Id, Name, Account.Name, SystemModstamp FROM Contact WHERE AccountId != null ORDER BY SystemModstamp, Id')}`, session.access_token, {
      headers: { 'sforce-query-options': 'batchSize=500' },
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    const body = await res.json();
    expect(body.done).toBe(false);
    expect(body.records).toHaveLength(500);
    expect(body.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${VERSION}/query/01g[A-Za-z0-9]{12}-500$`));
    const first = body.records[0];
    expect(first.attributes).toEqual({ type: 'Contact', url: `/services/data/v${VERSION}/sobjects/Contact/${first.Id}` });
    expect(first.Account.attributes.type).toBe('Account');
    expect(typeof first.Account.Name).toBe('string');
    expect(first.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    const stamps = body.records.map((r: { SystemModstamp: string }) => r.SystemModstamp);
    expect([...stamps].sort()).toEqual(stamps);
    // the same locator page can be fetched twice (a retried GET) and gives the same rows
    const a = await (await api(body.nextRecordsUrl.replace(`/services/data/v${VERSION}`, ''), session.access_token)).json();
    const b = await (await api(body.nextRecordsUrl.replace(`/services/data/v${VERSION}`, ''), session.access_token)).json();
    expect(a.records.map((r: { Id: string }) => r.Id)).toEqual(b.records.map((r: { Id: string }) => r.Id));
    expect(a.nextRecordsUrl).toMatch(/-2500$/);
    const bad = await api('/query/01gXXXXXXXXXXXX-2000', session.access_token);
    expect(bad.status).toBe(400);
    expect((await bad.json())[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
    // a user holds at most 10 open cursors: the 11th releases the least recently used
    for (let i = 0; i < 10; i++) await api(`/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`, session.access_token);
    const released = await api(body.nextRecordsUrl.replace(`/services/data/v${VERSION}`, ''), session.access_token);
    expect((await released.json())[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('evaluates the SOQL subset exactly like a brute-force filter over the data', async () => {
    const { conn } = connect();
    const contacts = sb.store.collections.Contact.byIdOrder;
    const check = async (soql: string, predicate: (r: Record<string, unknown>) => boolean) => {
      const res = await conn.query<{ Id: string }>(soql).run({ autoFetch: true, maxFetch: 50_000 });
      const expected = contacts.filter(predicate).map((r) => r.Id).sort();
      expect(res.totalSize).toBe(expected.length);
      expect(res.records.map((r) => r.Id).sort()).toEqual(expected);
      return res;
    };
    await check("SELECT Id FROM Contact WHERE Region__c = 'amer' AND Tier__c IN ('Gold', 'Silver')", (r) => r.Region__c === 'AMER' && (r.Tier__c === 'Gold' || r.Tier__c === 'Silver'));
    await check("SELECT Id FROM Contact WHERE (LeadSource = 'Web' OR Title LIKE 'head%') AND NOT Tier__c = null", (r) => (r.LeadSource === 'Web' || String(r.Title).toLowerCase().startsWith('head')) && r.Tier__c !== null);
    await check("SELECT Id FROM Contact WHERE Tier__c NOT IN ('Gold') AND Email LIKE '%.1_@example.de'", (r) => r.Tier__c !== 'Gold' && /\.1.@example\.de$/i.test(String(r.Email)));
    const someAccount = sb.store.collections.Account.byIdOrder[3]!;
    await check(`SELECT Id FROM Contact WHERE Account.Name = '${String(someAccount.Name).replace(/'/g, "\\'")}'`, (r) => r.AccountId === someAccount.Id);
    const cutoff = contacts[500]!.SystemModstamp;
    await check(`SELECT Id FROM Contact WHERE SystemModstamp >= ${new Date(cutoff).toISOString()} AND Region__c = 'EMEA'`, (r) => (r.SystemModstamp as number) >= cutoff && r.Region__c === 'EMEA');
    await check('SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:30', (r) => (r.CreatedDate as number) >= Math.floor(Date.now() / 86_400_000) * 86_400_000 - 29 * 86_400_000);

    const count = await conn.query('SELECT COUNT() FROM Lead');
    expect(count.totalSize).toBe(CONTACTS / 2);
    expect(count.records).toEqual([]);
    const sorted = await conn.query<{ Name: string }>('SELECT Name FROM Account ORDER BY Name DESC NULLS LAST LIMIT 5 OFFSET 2');
    const names = sb.store.collections.Account.byIdOrder.map((r) => String(r.Name).toLowerCase()).sort().reverse().slice(2, 7);
    expect(sorted.records.map((r) => r.Name.toLowerCase())).toEqual(names);
    const fields = await conn.query<Record<string, unknown>>('SELECT FIELDS(ALL) FROM Lead LIMIT 2');
    expect(Object.keys(fields.records[0]!)).toEqual(expect.arrayContaining(['Company', 'Status', 'Region__c', 'Tier__c', 'External_Id__c']));
    const byEmail = await conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Email = '${String(contacts[42]!.Email).toUpperCase()}'`);
    expect(byEmail.records.map((r) => r.Id)).toEqual([contacts[42]!.Id]);
  });

  it('answers malformed SOQL with Salesforce error arrays (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE)', async () => {
    const { conn } = connect();
    const cases: [string, string, RegExp][] = [
      ['SELECT Id FROM Contact WHER Name = 1', 'MALFORMED_QUERY', /ERROR at Row:1:Column:24\nunexpected token: 'WHER'/],
      ["SELECT Id FROM Contact WHERE Name = 'a' AND Title = 'b' OR Email = 'c'", 'MALFORMED_QUERY', /unexpected token: 'OR'/],
      ['SELECT Nmae FROM Contact', 'INVALID_FIELD', /No such column 'Nmae' on entity 'Contact'/],
      ['SELECT Id FROM Accout', 'INVALID_TYPE', /sObject type 'Accout' is not supported/],
      ["SELECT Id FROM Contact WHERE SystemModstamp > '2026-01-01T00:00:00Z'", 'INVALID_FIELD', /must be of type dateTime and should not be enclosed in quotes/],
      ['SELECT Id FROM Contact WHERE Name = 5', 'INVALID_FIELD', /must be of type string and should be enclosed in quotes/],
      ["SELECT Id FROM Contact WHERE Id = 'abc'", 'INVALID_QUERY_FILTER_OPERATOR', /invalid ID field: abc/],
      ['SELECT FIELDS(ALL) FROM Contact', 'MALFORMED_QUERY', /LIMIT of at most 200/],
      ['SELECT Id, (SELECT Id FROM Contacts) FROM Account', 'MALFORMED_QUERY', /subqueries are not supported/],
      ['SELECT Id FROM Contact GROUP BY Id', 'MALFORMED_QUERY', /unexpected token: 'GROUP'/],
    ];
    for (const [soql, code, message] of cases) {
      const error = await rejection(conn.query(soql));
      expect(error.errorCode, soql).toBe(code);
      expect(error.message, soql).toMatch(message);
    }
    const raw = await api('/query', connect().session.access_token);
    expect(await raw.json()).toEqual([{ message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' }]);
  });

  it('explains a query plan', async () => {
    const { conn } = connect();
    const plan = await conn.query(`SELECT Id FROM Contact WHERE SystemModstamp > ${new Date(Date.now() - 86_400_000).toISOString()}`).explain();
    expect(plan.plans[0]).toMatchObject({ sobjectType: 'Contact', sobjectCardinality: CONTACTS });
  });
});

describe('incremental sync by SystemModstamp with an Id tie-break', () => {
  it('sees exactly the modified records after the cursor, even when they share a timestamp', async () => {
    const { conn } = connect();
    const full = await conn.query<{ Id: string; SystemModstamp: string }>('SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id').run({ autoFetch: true, maxFetch: 50_000 });
    expect(full.records).toHaveLength(CONTACTS);
    let cursor = full.records[full.records.length - 1]!;

    const { ids } = (await admin('/records/modify', { count: 120 })) as { ids: string[] };
    const modifiedContacts = ids.filter((id) => id.startsWith('003'));
    expect(modifiedContacts.length).toBeGreaterThan(10);

    // walk the changes five at a time: every page boundary falls inside a run of equal stamps
    const seen: string[] = [];
    const stamps: string[] = [];
    sb.requests.clear();
    for (let guard = 0; guard < 100; guard++) {
      const at = soqlTime(cursor.SystemModstamp);
      const page = await conn.query<{ Id: string; SystemModstamp: string }>(
        `SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp > ${at} OR (SystemModstamp = ${at} AND Id > '${cursor.Id}') ORDER BY SystemModstamp, Id LIMIT 5`,
      );
      if (page.records.length === 0) break;
      seen.push(...page.records.map((r) => r.Id));
      stamps.push(...page.records.map((r) => r.SystemModstamp));
      cursor = page.records[page.records.length - 1]!;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual([...modifiedContacts].sort());
    // the modify knob stamps a batch with one timestamp, so the tie-break did real work
    expect(new Set(stamps).size).toBeLessThan(stamps.length);
    expect(sb.requests.count({ pathPrefix: `/services/data/v${VERSION}/query` })).toBe(Math.ceil(modifiedContacts.length / 5) + 1);
  });
});

describe('describe', () => {
  it('describes the three objects with standard and custom fields', async () => {
    const { conn } = connect();
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => [s.name, s.keyPrefix])).toEqual([
      ['Account', '001'],
      ['Contact', '003'],
      ['Lead', '00Q'],
    ]);
    const account = await conn.describe('Account');
    expect(account).toMatchObject({ name: 'Account', keyPrefix: '001', createable: true, queryable: true });
    const field = (name: string) => account.fields.find((f) => f.name === name)!;
    expect(field('Id')).toMatchObject({ type: 'id', createable: false, updateable: false, nillable: false });
    expect(field('Name')).toMatchObject({ type: 'string', length: 255, nillable: false, createable: true, updateable: true, nameField: true });
    expect(field('Region__c')).toMatchObject({ type: 'picklist', custom: true, restrictedPicklist: true, nillable: true, createable: true, updateable: true });
    expect(field('Region__c').picklistValues!.map((v) => v.value)).toEqual(['AMER', 'EMEA', 'APAC']);
    expect(field('Tier__c')).toMatchObject({ type: 'picklist', custom: true });
    expect(field('External_Id__c')).toMatchObject({ type: 'string', externalId: true, unique: true, idLookup: true });
    expect(field('SystemModstamp')).toMatchObject({ type: 'datetime', createable: false, updateable: false });
    expect(account.childRelationships).toEqual([expect.objectContaining({ childSObject: 'Contact', field: 'AccountId', relationshipName: 'Contacts' })]);
    const contact = await conn.describe('Contact');
    expect(contact.fields.find((f) => f.name === 'AccountId')).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' });
    expect(contact.fields.find((f) => f.name === 'Name')).toMatchObject({ calculated: true, createable: false });
    expect((await rejection(conn.describe('Opportunity'))).errorCode).toBe('NOT_FOUND');
  });
});

describe('single-record CRUD', () => {
  it('creates, retrieves, updates and deletes, bumping SystemModstamp', async () => {
    const { conn } = connect();
    const created = await conn.sobject('Account').create({ Name: 'Acme Sandbox GmbH', Region__c: 'EMEA', NumberOfEmployees: '120' });
    expect(created).toMatchObject({ success: true, errors: [] });
    const id = (created as { id: string }).id;
    expect(id).toMatch(/^001[A-Za-z0-9]{15}$/);
    const got = await conn.sobject('Account').retrieve(id, { fields: ['Name', 'Region__c', 'NumberOfEmployees', 'SystemModstamp'] });
    expect(got).toMatchObject({ Name: 'Acme Sandbox GmbH', Region__c: 'EMEA', NumberOfEmployees: 120 });
    await new Promise((r) => setTimeout(r, 5));
    expect(await conn.sobject('Account').update({ Id: id, Name: 'Acme Renamed', Tier__c: 'Gold' })).toEqual({ id, success: true, errors: [] });
    const updated = await conn.sobject('Account').retrieve(id);
    expect(updated).toMatchObject({ Name: 'Acme Renamed', Tier__c: 'Gold', Region__c: 'EMEA' });
    expect(Date.parse(soqlTime(updated.SystemModstamp as string))).toBeGreaterThan(Date.parse(soqlTime(got.SystemModstamp as string)));
    expect(await conn.sobject('Account').destroy(id)).toEqual({ id, success: true, errors: [] });
    expect((await rejection(conn.sobject('Account').retrieve(id))).errorCode).toBe('ENTITY_IS_DELETED');
    expect((await rejection(conn.sobject('Account').update({ Id: id, Name: 'x' }))).errorCode).toBe('ENTITY_IS_DELETED');
  });

  it('validates writes with Salesforce error codes and fields', async () => {
    const { conn, session } = connect();
    const contactId = sb.store.collections.Contact.byIdOrder[0]!.Id;
    const cases: [Record<string, unknown>, string, string[] | undefined][] = [
      [{ Region__c: 'EMEA' }, 'REQUIRED_FIELD_MISSING', ['Name']],
      [{ Name: 'x', Colour__c: 'red' }, 'INVALID_FIELD', ['Colour__c']],
      [{ Name: 'x', Region__c: 'Mars' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['Region__c']],
      [{ Name: 'x', CreatedDate: '2020-01-01T00:00:00Z' }, 'INVALID_FIELD_FOR_INSERT_UPDATE', ['CreatedDate']],
      [{ Name: 'x'.repeat(256) }, 'STRING_TOO_LONG', ['Name']],
      [{ Name: 'x', OwnerId: contactId }, 'FIELD_INTEGRITY_EXCEPTION', ['OwnerId']],
      [{ Name: 'x', NumberOfEmployees: 'many' }, 'JSON_PARSER_ERROR', ['NumberOfEmployees']],
    ];
    for (const [record, code, fields] of cases) {
      const res = await api('/sobjects/Account', session.access_token, { method: 'POST', body: JSON.stringify(record) });
      expect(res.status, code).toBe(400);
      const body = await res.json();
      expect(body[0], code).toMatchObject({ errorCode: code, ...(fields ? { fields } : {}) });
    }
    const bad = await rejection(conn.sobject('Contact').create({ LastName: 'Doe', Email: 'not-an-email' }));
    expect(bad.errorCode).toBe('INVALID_EMAIL_ADDRESS');
    const wrongAccount = await rejection(conn.sobject('Contact').create({ LastName: 'Doe', AccountId: contactId }));
    expect(wrongAccount.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    expect((await rejection(conn.sobject('Account').retrieve('001000000000000AAA'))).errorCode).toBe('NOT_FOUND');
    const contact = await conn.sobject('Contact').create({ LastName: 'Doe', FirstName: 'Jane', AccountId: sb.store.collections.Account.byIdOrder[0]!.Id });
    const read = await conn.sobject('Contact').retrieve((contact as { id: string }).id);
    expect(read).toMatchObject({ Name: 'Jane Doe', OwnerId: USER_ID });
    const lead = await conn.sobject('Lead').create({ LastName: 'Roe', Company: 'Roe Ltd' });
    expect(await conn.sobject('Lead').retrieve((lead as { id: string }).id)).toMatchObject({ Status: 'Open - Not Contacted', IsConverted: false });
  });
});

describe('sObject Collections', () => {
  it('creates with allOrNone false (partial success) and true (rolled back)', async () => {
    const { conn } = connect();
    const before = (await conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Coll %'")).totalSize;
    const partial = await conn.sobject('Account').create([{ Name: 'Coll A' }, { Region__c: 'EMEA' }, { Name: 'Coll C' }]);
    expect(partial[0]).toMatchObject({ success: true, errors: [] });
    expect(partial[1]).toEqual({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] });
    expect(partial[2]).toMatchObject({ success: true });
    const all = await conn.sobject('Account').create([{ Name: 'Coll D' }, { Name: 'Coll E', Tier__c: 'Platinum' }], { allOrNone: true });
    expect(all[0]).toEqual({ success: false, errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })] });
    expect(all[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' }] });
    expect((await conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Coll %'")).totalSize).toBe(before + 2);

    const ids = partial.filter((r) => r.success).map((r) => (r as { id: string }).id);
    const updated = await conn.sobject('Account').update([
      { Id: ids[0]!, Name: 'Coll A2' },
      { Id: '001000000000000AAA', Name: 'ghost' },
    ]);
    expect(updated[0]).toEqual({ id: ids[0], success: true, errors: [] });
    expect(updated[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY' }] });
    const rolled = await conn.sobject('Account').update([{ Id: ids[0]!, Name: 'never' }, { Id: ids[1]!, Name: '' }], { allOrNone: true });
    expect(rolled.map((r) => r.success)).toEqual([false, false]);
    const retrieved = await conn.sobject('Account').retrieve([ids[0]!, '001000000000000AAA', ids[1]!]);
    expect(retrieved.map((r) => r && r.Name)).toEqual(['Coll A2', null, 'Coll C']);

    const destroyed = await conn.sobject('Account').destroy([ids[0]!, ids[0]!.slice(0, 15), 'bogus'], {});
    expect(destroyed.map((r) => r.success)).toEqual([true, true, false]);
    expect(destroyed[2]).toMatchObject({ errors: [{ statusCode: 'MALFORMED_ID' }] });
    const gone = await conn.sobject('Account').destroy([ids[0]!, ids[1]!], { allOrNone: true });
    expect(gone[0]).toMatchObject({ success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED' }] });
    expect(gone[1]).toMatchObject({ success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }] });
    expect(await conn.sobject('Account').retrieve(ids[1]!)).toMatchObject({ Name: 'Coll C' });
  });

  it('refuses more than 200 records a call', async () => {
    const { conn } = connect();
    const tooMany = await rejection(conn.sobject('Lead').create(Array.from({ length: 201 }, (_, i) => ({ LastName: `L${i}`, Company: 'C' }))));
    expect(tooMany.errorCode).toBe('EXCEEDED_ID_LIMIT');
    const ok = await conn.sobject('Lead').create(
      Array.from({ length: 201 }, (_, i) => ({ LastName: `L${i}`, Company: 'C' })),
      { allowRecursive: true },
    );
    expect(ok.filter((r) => r.success)).toHaveLength(201);
  });
});

describe('upsert by external id', () => {
  it('creates then updates through the single and the collection forms', async () => {
    const { conn, session } = connect();
    const first = await conn.sobject('Account').upsert({ Name: 'Ext One', External_Id__c: 'crmhub-1' }, 'External_Id__c');
    expect(first).toMatchObject({ success: true, created: true });
    const second = await conn.sobject('Account').upsert({ Name: 'Ext One Renamed', External_Id__c: 'crmhub-1' }, 'External_Id__c');
    expect(second).toEqual({ id: (first as { id: string }).id, success: true, errors: [], created: false });
    const byExt = await api('/sobjects/Account/External_Id__c/CRMHUB-1', session.access_token);
    expect(await byExt.json()).toMatchObject({ Id: (first as { id: string }).id, Name: 'Ext One Renamed', External_Id__c: 'crmhub-1' });
    // before API 46 an updating upsert answers 204 without a body
    const old = await api('/sobjects/Account/External_Id__c/crmhub-1', session.access_token, { method: 'PATCH', body: JSON.stringify({ Description: 'v45' }) }).then(() =>
      fetch(`${sb.url}/services/data/v45.0/sobjects/Account/External_Id__c/crmhub-1`, { method: 'PATCH', headers: { authorization: `Bearer ${session.access_token}`, 'content-type': 'application/json' }, body: '{"Description":"x"}' }),
    );
    expect(old.status).toBe(204);

    const many = await conn.sobject('Account').upsert(
      [
        { Name: 'Ext One Again', External_Id__c: 'crmhub-1' },
        { Name: 'Ext Two', External_Id__c: 'crmhub-2' },
        { Name: 'Ext Bad', External_Id__c: 'crmhub-3', Region__c: 'Moon' },
      ],
      'External_Id__c',
    );
    expect(many.map((r) => [r.success, (r as { created?: boolean }).created])).toEqual([
      [true, false],
      [true, true],
      [false, undefined],
    ]);
    const dup = await conn.sobject('Account').upsert(
      [
        { Name: 'A', External_Id__c: 'dup' },
        { Name: 'B', External_Id__c: 'DUP' },
      ],
      'External_Id__c',
    );
    expect(dup.map((r) => (r.success ? 'ok' : (r.errors[0] as unknown as { statusCode: string }).statusCode))).toEqual(['DUPLICATE_EXTERNAL_ID', 'DUPLICATE_EXTERNAL_ID']);
    expect((await rejection(conn.sobject('Account').upsert({ Name: 'x', Phone: '1' }, 'Phone'))).errorCode).toBe('INVALID_FIELD');
    expect((await rejection(conn.sobject('Account').upsert({ Name: 'x', Nope__c: '1' }, 'Nope__c'))).errorCode).toBe('NOT_FOUND');
    const clash = await rejection(conn.sobject('Account').create({ Name: 'Clash', External_Id__c: 'crmhub-2' }));
    expect(clash.errorCode).toBe('DUPLICATE_VALUE');
  });
});

describe('getUpdated / getDeleted', () => {
  it('lists records changed and deleted by the admin knobs in the window', async () => {
    const { conn } = connect();
    const start = new Date(Date.now() - 3_600_000);
    const modified = ((await admin('/records/modify', { count: 60 })) as { ids: string[] }).ids.filter((id) => id.startsWith('00Q'));
    const deleted = ((await admin('/records/delete', { count: 60 })) as { ids: string[] }).ids.filter((id) => id.startsWith('00Q'));
    expect(modified.length).toBeGreaterThan(0);
    expect(deleted.length).toBeGreaterThan(0);
    const end = new Date(Date.now() + 5 * 60_000);
    const updated = await conn.sobject('Lead').updated(start, end);
    expect(updated.ids).toEqual(expect.arrayContaining(modified.filter((id) => !deleted.includes(id))));
    expect(updated.ids.some((id) => deleted.includes(id))).toBe(false);
    expect(updated.latestDateCovered).toMatch(/\+0000$/);
    const gone = await conn.sobject('Lead').deleted(start, end);
    expect(gone.deletedRecords.map((d) => d.id).sort()).toEqual(expect.arrayContaining([...deleted].sort()));
    expect(gone.deletedRecords.length).toBeGreaterThanOrEqual(deleted.length);
    expect(gone.deletedRecords[0]!.deletedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(gone.earliestDateAvailable).toBeTruthy();
    // deleted records are gone from query but visible to queryAll with IsDeleted = true
    const victim = deleted[0]!;
    expect((await conn.query(`SELECT Id FROM Lead WHERE Id = '${victim}'`)).totalSize).toBe(0);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true`).scanAll(true).run({ autoFetch: true });
    expect(all.records.find((r) => r.Id === victim)).toMatchObject({ IsDeleted: true });
    const tooOld = await rejection(conn.sobject('Lead').updated(new Date(Date.now() - 40 * 86_400_000), new Date()));
    expect(tooOld.errorCode).toBe('INVALID_REPLICATION_DATE');
  });
});

describe('Bulk API 2.0', () => {
  it('ingests (insert, upsert, update, delete) and reads the results CSVs', async () => {
    const { conn } = connect();
    conn.bulk2.pollInterval = 10;
    const insert = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'insert',
      input: [{ Name: 'Bulk Alpha', Region__c: 'EMEA', External_Id__c: 'bulk-1' }, { Name: 'Bulk Beta', Region__c: 'Mars' }, { Name: 'Bulk Gamma', NumberOfEmployees: 10 }],
    });
    expect(insert.successfulResults.map((r) => [(r as Record<string, unknown>).Name, r.sf__Created])).toEqual([
      ['Bulk Alpha', 'true'],
      ['Bulk Gamma', 'true'],
    ]);
    expect(insert.successfulResults.every((r) => /^001/.test(r.sf__Id))).toBe(true);
    expect(insert.failedResults).toHaveLength(1);
    expect(insert.failedResults[0]!.sf__Error).toMatch(/^INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Region: bad value for restricted picklist field: Mars:Region__c --$/);
    const polls = sb.requests.all().filter((r) => r.method === 'GET' && /\/jobs\/ingest\/750[A-Za-z0-9]{15}$/.test(r.path));
    expect(polls.length).toBeGreaterThanOrEqual(2);

    const upsert = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
      input: [{ External_Id__c: 'bulk-1', Name: 'Bulk Alpha 2' }, { External_Id__c: 'bulk-9', Name: 'Bulk Nine' }],
    });
    expect(upsert.successfulResults.map((r) => r.sf__Created).sort()).toEqual(['false', 'true']);
    const alphaId = insert.successfulResults[0]!.sf__Id;
    const update = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'update', input: [{ Id: alphaId, Tier__c: 'Silver' }, { Id: '001000000000000AAA', Name: 'x' }] });
    expect(update.successfulResults).toHaveLength(1);
    expect(update.failedResults[0]!.sf__Error).toMatch(/^INVALID_CROSS_REFERENCE_KEY/);
    expect(await conn.sobject('Account').retrieve(alphaId)).toMatchObject({ Name: 'Bulk Alpha 2', Tier__c: 'Silver' });
    const del = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'delete', input: [{ Id: alphaId }] });
    expect(del.successfulResults.map((r) => r.sf__Id)).toEqual([alphaId]);
    expect((await rejection(conn.sobject('Account').retrieve(alphaId))).errorCode).toBe('ENTITY_IS_DELETED');

    // a header naming an unknown field fails the whole job, as Salesforce does
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData('Name,Colour__c\nA,red\n');
    await job.close();
    await expect(job.poll(10, 5000)).rejects.toThrow(/InvalidBatch : Field name not found : Colour__c/);
    const missing = await rejection(conn.bulk2.createJob({ object: 'Account', operation: 'upsert' }).open());
    expect(missing.message).toMatch(/External ID was blank/);
  });

  it('runs query jobs and pages results with Sforce-Locator', async () => {
    const { conn, session } = connect();
    conn.bulk2.pollInterval = 10;
    const rows = await (await conn.bulk2.query('SELECT Id, Email, Account.Name, SystemModstamp FROM Contact')).toArray();
    expect(rows.length).toBe(sb.store.collections.Contact.size);
    expect(rows[0]).toMatchObject({ Id: expect.stringMatching(/^003/), 'Account.Name': expect.any(String) });
    expect(rows[0]!.SystemModstamp).toMatch(/Z$/);

    // multi-page results through raw HTTP (jsforce 3 cannot stitch pages: jsforce#1546)
    const created = await (await api('/jobs/query', session.access_token, { method: 'POST', body: JSON.stringify({ operation: 'query', query: "SELECT Id FROM Lead WHERE Region__c = 'AMER'" }) })).json();
    expect(created.state).toBe('UploadComplete');
    const early = await api(`/jobs/query/${created.id}/results`, session.access_token);
    expect(early.status).toBe(412);
    let info = await (await api(`/jobs/query/${created.id}`, session.access_token)).json();
    expect(info.state).toBe('InProgress');
    info = await (await api(`/jobs/query/${created.id}`, session.access_token)).json();
    expect(info.state).toBe('JobComplete');
    const ids: string[] = [];
    let locator: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/jobs/query/${created.id}/results?maxRecords=700${locator ? `&locator=${locator}` : ''}`, session.access_token);
      expect(res.headers.get('content-type')).toBe('text/csv');
      const lines = (await res.text()).trim().split('\n');
      expect(lines[0]).toBe('"Id"');
      expect(Number(res.headers.get('sforce-numberofrecords'))).toBe(lines.length - 1);
      ids.push(...lines.slice(1).map((l) => l.replace(/"/g, '')));
      locator = res.headers.get('sforce-locator');
      pages++;
    } while (locator !== 'null');
    expect(ids.length).toBe(info.numberRecordsProcessed);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(ids.length / 700));

    const bad = await rejection(conn.bulk2.query('SELECT Nope FROM Contact'));
    expect(bad.message).toMatch(/No such column 'Nope'/);
  });
});

describe('session expiry, limits and faults', () => {
  it('refreshes an expired token by itself and retries the call', async () => {
    const { conn, session } = connect();
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    await admin('/tokens/expire');
    sb.requests.clear();
    const result = await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1');
    expect(result.records).toHaveLength(1);
    expect(refreshed).toHaveLength(1);
    expect(conn.accessToken).toBe(refreshed[0]);
    expect(conn.accessToken).not.toBe(session.access_token);
    expect(sb.requests.all().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /services/data/v${VERSION}/query 401`,
      'POST /services/oauth2/token 200',
      `GET /services/data/v${VERSION}/query 200`,
    ]);
    // revoked refresh tokens: the refresh fails and the error reaches the caller
    await admin('/tokens/revoke-refresh');
    await admin('/tokens/expire');
    const failed = await rejection(conn.query('SELECT Id FROM Account LIMIT 1'));
    expect(failed.message).toMatch(/expired access\/refresh token/);
  });

  it('counts the daily allocation in Sforce-Limit-Info and answers REQUEST_LIMIT_EXCEEDED (403) when it runs out', async () => {
    const { conn } = connect();
    await conn.query('SELECT Id FROM Account LIMIT 1');
    const used = sb.store.apiUsage.used;
    expect(conn.limitInfo.apiUsage).toEqual({ used, limit: 100_000 });
    sb.store.settings.dailyApiLimit = used + 1;
    await conn.query('SELECT Id FROM Account LIMIT 1');
    expect(conn.limitInfo.apiUsage).toEqual({ used: used + 1, limit: used + 1 });
    sb.requests.clear();
    const error = await rejection(conn.query('SELECT Id FROM Account LIMIT 1'));
    expect(error.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(error.message).toBe('TotalRequests Limit exceeded.');
    expect(sb.requests.all().map((r) => r.status)).toEqual([403]);
    const limits = await fetch(`${sb.url}/services/data/v${VERSION}/limits`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    expect(limits.status).toBe(403);
    sb.store.settings.dailyApiLimit = 100_000;
    const body = await conn.limits();
    expect(body.DailyApiRequests?.Max).toBe(100_000);
  });

  it('throttles with 429 + Retry-After; jsforce retries GETs and surfaces POSTs', async () => {
    const { conn, session } = connect();
    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 2 } });
    const raw = await api('/limits', session.access_token);
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('2');
    expect(await raw.json()).toEqual([{ message: 'Too many requests. Retry after 2 seconds.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);

    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 1 } });
    sb.requests.clear();
    const result = await conn.query('SELECT Id FROM Lead LIMIT 2');
    expect(result.records).toHaveLength(2);
    expect(sb.requests.all().map((r) => r.status)).toEqual([429, 200]);

    sb.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 1 } });
    const post = await rejection(conn.sobject('Lead').create({ LastName: 'Throttled', Company: 'T' }));
    expect(post.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
  });

  it('serves 5xx, dropped connections and broken JSON from the fault knobs', async () => {
    const { conn, session } = connect();
    sb.faults.set({ serverErrorRate: 1 });
    const down = await api('/limits', session.access_token);
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect((await down.json())[0].errorCode).toMatch(/^(SERVER_UNAVAILABLE|UNKNOWN_EXCEPTION)$/);
    const post = await rejection(conn.sobject('Lead').create({ LastName: 'Down', Company: 'D' }));
    expect(post.errorCode).toMatch(/^(SERVER_UNAVAILABLE|UNKNOWN_EXCEPTION)$/);
    sb.faults.reset();

    // undici reports a dropped socket as UND_ERR_SOCKET, which is not on jsforce's retry list
    sb.faults.set({ dropConnections: 1 });
    sb.requests.clear();
    const dropped = await rejection(conn.query('SELECT Id FROM Lead LIMIT 1'));
    expect(dropped.message).toMatch(/fetch failed/);
    expect((await conn.query('SELECT Id FROM Lead LIMIT 1')).records).toHaveLength(1);
    expect(sb.requests.all().map((r) => r.fault ?? r.status)).toEqual(['drop', 200]);

    sb.faults.set({ malformedJson: 1 });
    const broken = await api('/limits', session.access_token);
    await expect(broken.json()).rejects.toThrow();
  });

  it('lists API versions without a session and 404s unknown versions and paths', async () => {
    const versions = await (await fetch(`${sb.url}/services/data`)).json();
    expect(versions).toContainEqual({ label: "Winter '24", url: '/services/data/v59.0', version: '59.0' });
    expect(versions).toContainEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
    const { session } = connect();
    const resources = await (await api('', session.access_token)).json();
    expect(resources.identity).toBe(`${sb.url}/id/${ORG_ID}/${USER_ID}`);
    expect((await fetch(`${sb.url}/services/data/v20.0/limits`, { headers: { authorization: `Bearer ${session.access_token}` } })).status).toBe(404);
    const nowhere = await api('/nowhere', session.access_token);
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const noAuth = await fetch(`${sb.url}/services/data/v${VERSION}/limits`);
    expect(noAuth.status).toBe(401);
    const summary = await (await fetch(`${sb.url}/_sandbox`)).json();
    expect(summary).toMatchObject({ provider: 'salesforce', objects: { Contact: { live: expect.any(Number) } }, apiUsage: { limit: 100_000 } });
  });
});

describe('less common error paths', () => {
  const csvPut = (token: string, id: string, body: string, contentType = 'text/csv') =>
    api(`/jobs/ingest/${id}/batches`, token, { method: 'PUT', body, headers: { 'content-type': contentType } });
  const patchJson = (token: string, path: string, body: unknown) => api(path, token, { method: 'PATCH', body: JSON.stringify(body) });
  const firstError = async (res: Response) => ((await res.json()) as { errorCode: string; message: string }[])[0]!;

  it('REST records, collections and replication', async () => {
    const { session } = connect();
    const t = session.access_token;
    expect(await firstError(await api('/sobjects/Account', t, { method: 'POST', body: '{"Name": ' }))).toMatchObject({ errorCode: 'JSON_PARSER_ERROR' });
    expect(await firstError(await api('/sobjects/Account', t, { method: 'POST', body: '[1]' }))).toMatchObject({ errorCode: 'JSON_PARSER_ERROR' });
    const put = await api('/sobjects/Account', t, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect((await put.json())[0].errorCode).toBe('METHOD_NOT_ALLOWED');
    expect((await api('/sobjects/Account/External_Id__c/no-such-value', t)).status).toBe(404);
    const wrongPrefix = await api(`/sobjects/Account/${sb.store.collections.Lead.byIdOrder[0]!.Id}`, t);
    expect(await firstError(wrongPrefix)).toMatchObject({ errorCode: 'NOT_FOUND', message: expect.stringContaining('Provided external ID field does not exist') });
    expect(await firstError(await api('/sobjects/Account/describe?x=1', t, { method: 'POST', body: '{}' }))).toMatchObject({ errorCode: 'METHOD_NOT_ALLOWED' });
    const unknownFieldParam = await api(`/sobjects/Lead/${sb.store.collections.Lead.byIdOrder[0]!.Id}?fields=Name,Nope`, t);
    expect(await firstError(unknownFieldParam)).toMatchObject({ errorCode: 'INVALID_FIELD' });

    // delete by external id, then it is gone
    await api('/sobjects/Lead/External_Id__c/lead-x', t, { method: 'PATCH', body: JSON.stringify({ LastName: 'X', Company: 'Y' }) });
    expect((await api('/sobjects/Lead/External_Id__c/lead-x', t, { method: 'DELETE' })).status).toBe(204);
    expect((await api('/sobjects/Lead/External_Id__c/lead-x', t)).status).toBe(404);

    const create = await (
      await api('/composite/sobjects', t, {
        method: 'POST',
        body: JSON.stringify({ allOrNone: false, records: [{ Name: 'no type' }, { attributes: { type: 'Widget' }, Name: 'x' }, { attributes: { type: 'Account' }, Id: '001000000000000AAA', Name: 'x' }] }),
      })
    ).json();
    expect(create.map((r: { errors: { statusCode: string }[] }) => r.errors[0]!.statusCode)).toEqual(['INVALID_TYPE', 'INVALID_TYPE', 'INVALID_FIELD']);
    const noId = await (await patchJson(t, '/composite/sobjects', { records: [{ attributes: { type: 'Account' }, Name: 'x' }] })).json();
    expect(noId[0].errors[0].statusCode).toBe('MISSING_ARGUMENT');
    expect(await firstError(await api('/composite/sobjects', t, { method: 'POST', body: JSON.stringify({ records: 'nope' }) }))).toMatchObject({ errorCode: 'JSON_PARSER_ERROR' });
    expect(await firstError(await api('/composite/sobjects', t, { method: 'DELETE' }))).toMatchObject({ errorCode: 'MISSING_ARGUMENT' });
    const lead = sb.store.collections.Lead.byIdOrder[1]!;
    const viaGet = await (await api(`/composite/sobjects/Lead?ids=${lead.Id},00Q000000000000AAA&fields=Id,LastName`, t)).json();
    expect(viaGet).toEqual([expect.objectContaining({ Id: lead.Id, LastName: lead.LastName }), null]);
    const old = await fetch(`${sb.url}/services/data/v41.0/composite/sobjects`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"records":[]}' });
    expect(old.status).toBe(404);

    expect(await firstError(await api('/sobjects/Lead/updated', t))).toMatchObject({ errorCode: 'MISSING_ARGUMENT' });
    const now = new Date().toISOString();
    expect(await firstError(await api(`/sobjects/Lead/updated?start=${encodeURIComponent(now)}&end=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`, t))).toMatchObject({
      errorCode: 'INVALID_REPLICATION_DATE',
    });
  });

  it('Bulk API 2.0 job states', async () => {
    const { session } = connect();
    const t = session.access_token;
    expect(await firstError(await api('/jobs/ingest', t, { method: 'POST', body: JSON.stringify({ object: 'Widget', operation: 'insert' }) }))).toMatchObject({ errorCode: 'INVALIDJOB' });
    expect(await firstError(await api('/jobs/ingest', t, { method: 'POST', body: JSON.stringify({ object: 'Account', operation: 'merge' }) }))).toMatchObject({ errorCode: 'INVALIDJOB' });
    expect(
      await firstError(await api('/jobs/ingest', t, { method: 'POST', body: JSON.stringify({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Phone' }) })),
    ).toMatchObject({ errorCode: 'INVALIDJOB', message: expect.stringContaining('does not match an External ID') });
    expect((await api('/jobs/ingest/750000000000000AAA', t)).status).toBe(404);

    const job = await (await api('/jobs/ingest', t, { method: 'POST', body: JSON.stringify({ object: 'Lead', operation: 'insert', columnDelimiter: 'SEMICOLON', lineEnding: 'CRLF' }) })).json();
    expect(job).toMatchObject({ state: 'Open', columnDelimiter: 'SEMICOLON', lineEnding: 'CRLF', contentUrl: `services/data/v${VERSION}/jobs/ingest/${job.id}/batches` });
    expect(await firstError(await api(`/jobs/ingest/${job.id}/successfulResults`, t))).toMatchObject({ errorCode: 'INVALIDJOBSTATE' });
    expect(await firstError(await csvPut(t, job.id, 'LastName;Company\r\nA;B\r\n', 'application/json'))).toMatchObject({ errorCode: 'INVALIDJOB' });
    expect((await csvPut(t, job.id, 'LastName;Company\r\nSemi;Colon Ltd\r\n')).status).toBe(201);
    expect((await csvPut(t, job.id, 'LastName;Company\r\n;No Name Ltd\r\n')).status).toBe(201);
    expect((await api(`/jobs/ingest/${job.id}`, t, { method: 'DELETE' })).status).toBe(409);
    expect((await patchJson(t, `/jobs/ingest/${job.id}`, { state: 'UploadComplete' })).status).toBe(200);
    expect(await firstError(await csvPut(t, job.id, 'LastName;Company\r\nLate;L\r\n'))).toMatchObject({ errorCode: 'INVALIDJOBSTATE' });
    expect(await firstError(await patchJson(t, `/jobs/ingest/${job.id}`, { state: 'UploadComplete' }))).toMatchObject({ errorCode: 'INVALIDJOBSTATE' });
    expect(await firstError(await patchJson(t, `/jobs/ingest/${job.id}`, { state: 'Deleted' }))).toMatchObject({ errorCode: 'INVALIDJOBSTATE' });
    expect((await (await api(`/jobs/ingest/${job.id}`, t)).json()).state).toBe('InProgress');
    expect(await (await api(`/jobs/ingest/${job.id}`, t)).json()).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 1 });
    const ok = await (await api(`/jobs/ingest/${job.id}/successfulResults`, t)).text();
    expect(ok.split('\r\n')[0]).toBe('"sf__Id";"sf__Created";"LastName";"Company"');
    expect(await (await api(`/jobs/ingest/${job.id}/failedResults`, t)).text()).toContain('REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --');
    expect((await (await api('/jobs/ingest', t)).json()).records.some((j: { id: string }) => j.id === job.id)).toBe(true);
    expect((await api(`/jobs/ingest/${job.id}`, t, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/jobs/ingest/${job.id}`, t)).status).toBe(404);

    const aborted = await (await api('/jobs/ingest', t, { method: 'POST', body: JSON.stringify({ object: 'Lead', operation: 'insert' }) })).json();
    await csvPut(t, aborted.id, 'LastName,Company\nA,B\n');
    expect((await (await patchJson(t, `/jobs/ingest/${aborted.id}`, { state: 'Aborted' })).json()).state).toBe('Aborted');
    expect(await (await api(`/jobs/ingest/${aborted.id}/unprocessedrecords`, t)).text()).toBe('LastName,Company\nA,B\n');

    const query = await (await api('/jobs/query', t, { method: 'POST', body: JSON.stringify({ query: 'SELECT Id FROM Lead LIMIT 3' }) })).json();
    expect((await (await patchJson(t, `/jobs/query/${query.id}`, { state: 'Aborted' })).json()).state).toBe('Aborted');
    expect((await api(`/jobs/query/${query.id}/results`, t)).status).toBe(412);
    expect(await firstError(await api('/jobs/query', t, { method: 'POST', body: JSON.stringify({ query: 'SELECT COUNT() FROM Lead' }) }))).toMatchObject({ errorCode: 'INVALIDJOB' });
    sb.store.settings.bulkPollsBeforeComplete = 0;
    const done = await (await api('/jobs/query', t, { method: 'POST', body: JSON.stringify({ query: 'SELECT Id FROM Lead LIMIT 3' }) })).json();
    expect((await (await api(`/jobs/query/${done.id}`, t)).json()).state).toBe('JobComplete');
    expect(await firstError(await api(`/jobs/query/${done.id}/results?locator=bm9wZQ`, t))).toMatchObject({ errorCode: 'INVALIDLOCATOR' });
    expect((await api(`/jobs/query/${done.id}`, t, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/jobs/query/${done.id}`, t)).status).toBe(404);
  });

  it('OAuth and identity edge cases', async () => {
    const base = `${sb.url}/services/oauth2/authorize?client_id=${encodeURIComponent(DEMO_CLIENT.clientId)}&redirect_uri=${encodeURIComponent(REDIRECT)}&state=e`;
    const wrongType = new URL((await fetch(`${base}&response_type=token`, { redirect: 'manual' })).headers.get('location')!);
    expect(wrongType.searchParams.get('error')).toBe('unsupported_response_type');
    const plain = new URL((await fetch(`${base}&response_type=code&code_challenge=abc&code_challenge_method=plain`, { redirect: 'manual' })).headers.get('location')!);
    expect(plain.searchParams.get('error')).toBe('invalid_request');

    const token = (params: Record<string, string>) => fetch(`${sb.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams(params) });
    const noSecret = await token({ grant_type: 'authorization_code', code: 'c', client_id: DEMO_CLIENT.clientId, redirect_uri: REDIRECT });
    expect(await noSecret.json()).toMatchObject({ error: 'invalid_client' });
    const missingCode = await token({ grant_type: 'authorization_code', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret });
    expect(await missingCode.json()).toMatchObject({ error: 'invalid_request' });
    const code = sb.store.oauth.issueCode({ clientId: DEMO_CLIENT.clientId, redirectUri: REDIRECT, scope: 'api', codeChallenge: null, codeChallengeMethod: null, subject: USER_ID });
    const otherRedirect = await token({ grant_type: 'authorization_code', code, client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, redirect_uri: 'http://localhost/other' });
    expect(await otherRedirect.json()).toEqual({ error: 'redirect_uri_mismatch', error_description: 'redirect_uri must match configuration' });
    expect((await fetch(`${sb.url}/services/oauth2/token`)).status).toBe(405);
    const unknownClient = await token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nope' });
    expect(await unknownClient.json()).toEqual({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
    const revokeEmpty = await fetch(`${sb.url}/services/oauth2/revoke`, { method: 'POST', body: new URLSearchParams({}) });
    expect(revokeEmpty.status).toBe(400);
    expect(await revokeEmpty.text()).toContain('error=unsupported_token_type');

    const { session } = connect();
    const identity = await fetch(`${session.id}?format=json&oauth_token=${encodeURIComponent(session.access_token)}`);
    expect((await identity.json()).urls.rest).toBe(`${sb.url}/services/data/v{version}/`);
    const badToken = await fetch(`${session.id}?format=json`, { headers: { authorization: 'Bearer nope' } });
    expect(badToken.status).toBe(403);
    expect(await badToken.text()).toBe('Bad_OAuth_Token');
    const otherUser = await fetch(`${sb.url}/id/${ORG_ID}/005000000000000AAA`, { headers: { authorization: `Bearer ${session.access_token}` } });
    expect(await otherUser.text()).toBe('Bad_Id');
    expect((await fetch(`${sb.url}/services/oauth2/userinfo`)).status).toBe(403);
    const oauthScheme = await fetch(`${sb.url}/services/data/v${VERSION}/limits`, { headers: { authorization: `OAuth ${session.access_token}` } });
    expect(oauthScheme.status).toBe(200);
  });
});
