import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Signature } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_APP, DEVELOPER_API_KEY, PORTAL, PRIVATE_APP_TOKEN, type HubSpotStore } from '../../server/sandbox/hubspot';
import { seededRandom } from '../../server/sandbox/core/random';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';

/**
 * Contract tests of the HubSpot sandbox, driven by the official @hubspot/api-client
 * (14.x) pointed at it with `basePath`, and by raw fetch where the client has no
 * method (authorize page, sandbox admin).
 */

const RECORDS = 12_000;
let sb: RunningSandbox<HubSpotStore>;
let client: Client;

const makeClient = (accessToken: string, extra: Record<string, unknown> = {}) => {
  const c = new Client({ accessToken, basePath: sb.url, ...extra });
  // discoveries are created lazily with the decorators of the newest Client: touch them now
  void c.crm.contacts.basicApi;
  void c.crm.companies.basicApi;
  void c.crm.properties.coreApi;
  void c.crm.associations.v4.basicApi;
  void c.oauth.tokensApi;
  return c;
};

const search = (type: 'contacts' | 'companies', body: Record<string, unknown>) =>
  (type === 'contacts' ? client.crm.contacts.searchApi : client.crm.companies.searchApi).doSearch(body as never);

beforeAll(async () => {
  sb = await startSandbox<HubSpotStore>('hubspot', { records: RECORDS, seed: 7, latencyMs: 0 });
  // contract tests page a lot: lift the limits here; the rate-limit suite uses its own sandbox
  sb.store.config.rateLimit.max = 1_000_000;
  sb.store.config.searchPerSecond = 1_000_000;
  client = makeClient(PRIVATE_APP_TOKEN);
});

afterAll(async () => {
  sb?.store.webhooks.stop();
  await sb?.close();
});

describe('CRM objects: paging', () => {
  it('pages through all 12,000 contacts with getPage, following paging.next back to the sandbox', async () => {
    const before = sb.requests.count({ method: 'GET', pathPrefix: '/crm/v3/objects/contacts' });
    const ids: number[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.contacts.basicApi.getPage(100, after, ['email', 'region']);
      pages += 1;
      for (const r of page.results) {
        ids.push(Number(r.id));
        expect(r.properties.hs_object_id).toBe(r.id);
        expect(r.createdAt).toBeInstanceOf(Date);
      }
      if (page.paging?.next) expect(page.paging.next.link).toMatch(new RegExp(`^${sb.url}/crm/v3/objects/contacts\\?`));
      after = page.paging?.next?.after;
    } while (after);
    expect(ids).toHaveLength(RECORDS);
    expect(new Set(ids).size).toBe(RECORDS);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(pages).toBe(RECORDS / 100);
    expect(sb.requests.count({ method: 'GET', pathPrefix: '/crm/v3/objects/contacts' }) - before).toBe(pages);
  });

  it('reads everything with getAll, and lists companies with their properties', async () => {
    const all = await client.crm.contacts.getAll(100, undefined, ['email', 'phone']);
    expect(all).toHaveLength(RECORDS);
    expect(all.every((c) => /@/.test(c.properties.email ?? '') && /^\+\d{8,15}$/.test(c.properties.phone ?? ''))).toBe(true);
    const companies = await client.crm.companies.getAll(100, undefined, ['name', 'domain', 'industry', 'region', 'tier']);
    expect(companies).toHaveLength(RECORDS / 4);
    expect(companies[0]!.properties).toMatchObject({ hs_object_id: companies[0]!.id, domain: expect.stringMatching(/\.example\.com$/), region: expect.stringMatching(/^(NA|EMEA)$/) });
    expect(companies[0]!.properties.hs_lastmodifieddate).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('answers HubSpot errors for a bad limit, an unknown object type and an unknown id', async () => {
    await expect(client.crm.contacts.basicApi.getPage(101)).rejects.toMatchObject({ code: 400, body: { status: 'error', category: 'VALIDATION_ERROR' } });
    await expect(client.crm.objects.basicApi.getPage('widgets', 10)).rejects.toMatchObject({ code: 400, body: { message: 'Unable to infer object type from: widgets' } });
    await expect(client.crm.contacts.basicApi.getById('999999999')).rejects.toMatchObject({
      code: 404,
      body: { status: 'error', category: 'OBJECT_NOT_FOUND', correlationId: expect.any(String) },
    });
  });

  it('gets one contact by id and by email, with its v3 associations', async () => {
    const first = (await client.crm.contacts.basicApi.getPage(1)).results[0]!;
    const email = first.properties.email!;
    const byEmail = await client.crm.contacts.basicApi.getById(email, ['firstname', 'associatedcompanyid'], undefined, ['companies'], false, 'email');
    expect(byEmail.id).toBe(first.id);
    const company = byEmail.properties.associatedcompanyid!;
    expect(byEmail.associations?.companies?.results).toEqual(
      expect.arrayContaining([
        { id: company, type: 'contact_to_company' },
        { id: company, type: 'contact_to_company_unlabeled' },
      ]),
    );
  });
});

describe('CRM search', () => {
  const since = Date.UTC(2026, 9, 1);

  it('pages a lastmodifieddate GTE search sorted ascending to the end', async () => {
    const expected = sb.store.contacts.active.filter((r) => r.updatedAt >= since).length;
    expect(expected).toBeGreaterThan(200);
    expect(expected).toBeLessThan(10_000);
    const seen: string[] = [];
    let last = 0;
    let after: string | undefined;
    let total = -1;
    do {
      const page = await search('contacts', {
        filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(since) }] }],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
        properties: ['email'],
        limit: 200,
        after,
      });
      total = page.total;
      for (const r of page.results) {
        const t = Date.parse(r.properties.lastmodifieddate!);
        expect(t).toBeGreaterThanOrEqual(Math.max(since, last));
        last = t;
        seen.push(r.id);
      }
      after = page.paging?.next?.after;
    } while (after);
    expect(total).toBe(expected);
    expect(new Set(seen).size).toBe(expected);
  });

  it('accepts hs_lastmodifieddate (contacts and companies), ISO values, descending sorts and BETWEEN', async () => {
    const iso = new Date(since).toISOString();
    const contacts = await search('contacts', { filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: iso }] }], limit: 1 });
    expect(contacts.total).toBe(sb.store.contacts.active.filter((r) => r.updatedAt >= since).length);
    const companies = await search('companies', {
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'BETWEEN', value: String(since), highValue: String(since + 10 * 86_400_000) }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'DESCENDING' }],
      limit: 50,
    });
    const times = companies.results.map((r) => Date.parse(r.properties.hs_lastmodifieddate!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times.every((t) => t >= since && t <= since + 10 * 86_400_000)).toBe(true);
    expect(companies.total).toBe(sb.store.companies.active.filter((r) => r.updatedAt >= since && r.updatedAt <= since + 10 * 86_400_000).length);
  });

  it('filters with EQ, NEQ, LT/LTE/GT, IN, HAS_PROPERTY, CONTAINS_TOKEN, OR-ed groups and a text query', async () => {
    const store = sb.store;
    const value = (id: string, name: string) => store.contacts.value(store.contacts.byId(id)!, name);
    const target = store.contacts.active[42]!;
    const email = store.contacts.value(target, 'email')!;
    const eq = await search('contacts', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email.toUpperCase() }] }] });
    expect(eq.results.map((r) => r.id)).toEqual([String(target.id)]);

    const de = await search('contacts', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@example.de' }] }], limit: 100, properties: ['email'] });
    expect(de.total).toBe(store.contacts.active.filter((r) => store.contacts.value(r, 'email')!.endsWith('@example.de')).length);
    expect(de.results.every((r) => r.properties.email!.endsWith('@example.de'))).toBe(true);

    const tier = await search('contacts', {
      filterGroups: [{ filters: [{ propertyName: 'tier', operator: 'IN', values: ['tier_1'] }, { propertyName: 'region', operator: 'NEQ', value: 'NA' }] }],
      limit: 20,
      properties: ['tier', 'region'],
    });
    expect(tier.results.every((r) => r.properties.tier === 'tier_1' && r.properties.region !== 'NA')).toBe(true);

    const ored = await search('companies', {
      filterGroups: [
        { filters: [{ propertyName: 'numberofemployees', operator: 'LT', value: '10' }] },
        { filters: [{ propertyName: 'numberofemployees', operator: 'GT', value: '5000' }] },
      ],
      sorts: [{ propertyName: 'numberofemployees', direction: 'ASCENDING' }],
      properties: ['numberofemployees'],
      limit: 200,
    });
    const counts = ored.results.map((r) => Number(r.properties.numberofemployees));
    expect(counts.every((n) => n < 10 || n > 5000)).toBe(true);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(ored.total).toBe(store.companies.active.filter((r) => {
      const n = Number(store.companies.value(r, 'numberofemployees'));
      return n < 10 || n > 5000;
    }).length);

    const has = await search('contacts', { filterGroups: [{ filters: [{ propertyName: 'hs_lead_status', operator: 'HAS_PROPERTY' }, { propertyName: 'createdate', operator: 'LTE', value: String(Date.UTC(2026, 0, 1)) }] }], limit: 5 });
    expect(has.results.every((r) => Date.parse(value(r.id, 'createdate')!) <= Date.UTC(2026, 0, 1))).toBe(true);

    const lastName = store.contacts.value(target, 'lastname')!;
    const text = await search('contacts', { query: lastName, properties: ['lastname', 'firstname', 'email'], limit: 100 });
    expect(text.results.map((r) => r.id)).toContain(String(target.id));
  });

  it("stops at HubSpot's 10,000-result cap with a 400", async () => {
    const body = (after?: string) => ({ filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '0' }] }], sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }], limit: 200, after });
    let after: string | undefined;
    let read = 0;
    let total = 0;
    for (;;) {
      const page = await search('contacts', body(after));
      read += page.results.length;
      total = page.total;
      after = page.paging?.next?.after;
      if (!after || Number(after) >= 10_000) break;
    }
    expect(total).toBe(RECORDS);
    expect(read).toBe(10_000);
    expect(after).toBe('10000');
    await expect(search('contacts', body(after))).rejects.toMatchObject({ code: 400, body: { status: 'error', category: 'VALIDATION_ERROR' } });
    await expect(search('contacts', { ...body('9900'), limit: 200 })).rejects.toMatchObject({ code: 400 });
  });

  it('rejects bad searches: limit over 200, unknown property, too many filter groups', async () => {
    await expect(search('contacts', { limit: 201 })).rejects.toMatchObject({ code: 400, body: { category: 'VALIDATION_ERROR' } });
    await expect(search('companies', { filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '0' }] }] })).rejects.toMatchObject({ code: 400 });
    const group = { filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY' }] };
    await expect(search('contacts', { filterGroups: Array.from({ length: 6 }, () => group) })).rejects.toMatchObject({ code: 400 });
    await expect(search('contacts', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'SIMILAR', value: 'x' }] }] })).rejects.toMatchObject({ code: 400 });
  });
});

describe('CRM writes', () => {
  it('creates (201), updates by id and by email (200), archives (204) and reads archived records', async () => {
    const created = await client.crm.contacts.basicApi.create({ properties: { email: 'Ada.Lovelace@Example.org', firstname: 'Ada', region: 'EMEA', tier: 'tier_1' }, associations: [] });
    expect(created.properties).toMatchObject({ email: 'ada.lovelace@example.org', firstname: 'Ada', region: 'EMEA', hs_object_id: created.id });
    const updated = await client.crm.contacts.basicApi.update(created.id, { properties: { lastname: 'Lovelace' } });
    expect(updated.properties.lastname).toBe('Lovelace');
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    const byEmail = await client.crm.contacts.basicApi.update('ada.lovelace@example.org', { properties: { jobtitle: 'Analyst' } }, 'email');
    expect(byEmail.id).toBe(created.id);
    await client.crm.contacts.basicApi.archive(created.id);
    await expect(client.crm.contacts.basicApi.getById(created.id)).rejects.toMatchObject({ code: 404 });
    const archived = await client.crm.contacts.basicApi.getById(created.id, ['jobtitle'], undefined, undefined, true);
    expect(archived).toMatchObject({ archived: true, properties: { jobtitle: 'Analyst' } });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    const archivedPage = await client.crm.contacts.basicApi.getPage(100, undefined, undefined, undefined, undefined, true);
    expect(archivedPage.results.map((r) => r.id)).toContain(created.id);
  });

  it('creates a company associated to a contact, which becomes its primary company', async () => {
    const contact = (await client.crm.contacts.basicApi.getPage(1, '5000')).results[0]!;
    const company = await client.crm.companies.basicApi.create({
      properties: { name: 'Analytical Engines Ltd', domain: 'analytical-engines.example.com', industry: 'COMPUTER_SOFTWARE' },
      associations: [{ to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 2 }] }],
    });
    const reread = await client.crm.contacts.basicApi.getById(contact.id, ['associatedcompanyid']);
    expect(reread.properties.associatedcompanyid).toBe(company.id);
    const count = await client.crm.companies.basicApi.getById(company.id, ['num_associated_contacts']);
    expect(count.properties.num_associated_contacts).toBe('1');
  });

  it('answers validation errors and conflicts in HubSpot format', async () => {
    const existing = (await client.crm.contacts.basicApi.getPage(1)).results[0]!;
    const attempt = (properties: Record<string, string>) => client.crm.contacts.basicApi.create({ properties, associations: [] });
    const invalidOption = await attempt({ email: 'x1@example.org', region: 'MARS' }).catch((e) => e);
    expect(invalidOption.code).toBe(400);
    expect(invalidOption.body.category).toBe('VALIDATION_ERROR');
    expect(invalidOption.body.message).toMatch(/^Property values were not valid: \[/);
    expect(JSON.parse(invalidOption.body.message.replace('Property values were not valid: ', ''))[0]).toMatchObject({ isValid: false, error: 'INVALID_OPTION', name: 'region' });
    await expect(attempt({ email: 'not-an-email' })).rejects.toMatchObject({ code: 400, body: { message: expect.stringContaining('INVALID_EMAIL') } });
    await expect(attempt({ hs_object_id: '5' })).rejects.toMatchObject({ code: 400, body: { message: expect.stringContaining('READ_ONLY_VALUE') } });
    await expect(attempt({ favourite_colour: 'red' })).rejects.toMatchObject({ code: 400, body: { message: expect.stringContaining('PROPERTY_DOESNT_EXIST') } });
    await expect(attempt({ email: existing.properties.email! })).rejects.toMatchObject({
      code: 409,
      body: { status: 'error', category: 'CONFLICT', message: `Contact already exists. Existing ID: ${existing.id}` },
    });
    await expect(client.crm.contacts.basicApi.update('999999999', { properties: { firstname: 'x' } })).rejects.toMatchObject({ code: 404 });
    await expect(client.crm.contacts.basicApi.getById('x@y.z', undefined, undefined, undefined, false, 'firstname')).rejects.toMatchObject({ code: 400 });
  });
});

describe('CRM batch', () => {
  it('reads a batch and reports missing ids with 207', async () => {
    const ids = sb.store.contacts.active.slice(10, 13).map((r) => String(r.id));
    const result = await client.crm.contacts.batchApi.read({ inputs: [...ids, '404'].map((id) => ({ id })), properties: ['email'], propertiesWithHistory: [] });
    expect(result.results.map((r) => r.id).sort()).toEqual(ids.sort());
    expect(result).toMatchObject({ status: 'COMPLETE', numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['404'] } }] });
    expect(result.startedAt).toBeInstanceOf(Date);
    const byEmail = await client.crm.contacts.batchApi.read({ inputs: [{ id: sb.store.contacts.value(sb.store.contacts.active[0]!, 'email')! }], idProperty: 'email', properties: [], propertiesWithHistory: [] });
    expect(byEmail.results[0]!.id).toBe(String(sb.store.contacts.active[0]!.id));
  });

  it('creates (201), updates (200/207), upserts by email and domain, archives (204)', async () => {
    const created = await client.crm.contacts.batchApi.create({
      inputs: Array.from({ length: 3 }, (_, i) => ({ properties: { email: `batch${i}@example.net`, firstname: `B${i}` }, associations: [] })),
    });
    expect(created.results).toHaveLength(3);
    const ids = created.results.map((r) => r.id);
    const updated = await client.crm.contacts.batchApi.update({ inputs: [...ids, '404'].map((id) => ({ id, properties: { lifecyclestage: 'lead' } })) });
    expect(updated).toMatchObject({ numErrors: 1, errors: [{ category: 'OBJECT_NOT_FOUND', context: { ids: ['404'] } }] });
    expect(updated.results.every((r) => r.properties.lifecyclestage === 'lead')).toBe(true);

    const upserted = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: 'batch0@example.net', idProperty: 'email', properties: { firstname: 'Again' } },
        { id: 'fresh@example.net', idProperty: 'email', properties: { firstname: 'Fresh' } },
      ],
    });
    const byFlag = Object.fromEntries(upserted.results.map((r) => [r.properties.email ?? r.id, r._new]));
    expect(upserted.results.find((r) => r.id === ids[0])).toMatchObject({ _new: false, properties: { firstname: 'Again' } });
    expect(upserted.results.find((r) => r.id !== ids[0])).toMatchObject({ _new: true, properties: { email: 'fresh@example.net', firstname: 'Fresh' } });
    expect(Object.keys(byFlag)).toHaveLength(2);

    const domain = sb.store.companies.value(sb.store.companies.active[3]!, 'domain')!;
    const companies = await client.crm.companies.batchApi.upsert({
      inputs: [
        { id: domain, idProperty: 'domain', properties: { tier: 'tier_2' } },
        { id: 'brand-new.example.com', idProperty: 'domain', properties: { name: 'Brand New' } },
      ],
    });
    expect(companies.results.map((r) => r._new).sort()).toEqual([false, true]);
    expect(sb.store.companies.value(sb.store.companies.active[3]!, 'tier')).toBe('tier_2');

    await client.crm.contacts.batchApi.archive({ inputs: ids.map((id) => ({ id })) });
    const after = await client.crm.contacts.batchApi.read({ inputs: ids.map((id) => ({ id })), properties: [], propertiesWithHistory: [] });
    expect(after.results).toHaveLength(0);
    expect(after).toMatchObject({ numErrors: 1 });
  });

  it('refuses more than 100 inputs, duplicate ids and non-unique idProperty', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ id: String(1001 + i) }));
    await expect(client.crm.contacts.batchApi.read({ inputs, properties: [], propertiesWithHistory: [] })).rejects.toMatchObject({ code: 400, body: { category: 'VALIDATION_ERROR' } });
    await expect(client.crm.contacts.batchApi.update({ inputs: [{ id: '1001', properties: {} }, { id: '1001', properties: {} }] })).rejects.toMatchObject({ code: 400 });
    await expect(client.crm.contacts.batchApi.upsert({ inputs: [{ id: 'x', idProperty: 'firstname', properties: {} }] })).rejects.toMatchObject({ code: 400 });
  });
});

describe('properties API', () => {
  it('lists standard and custom properties with types, field types and options', async () => {
    const { results } = await client.crm.properties.coreApi.getAll('contacts');
    const byName = Object.fromEntries(results.map((p) => [p.name, p]));
    expect(byName.email).toMatchObject({ type: 'string', fieldType: 'text', hubspotDefined: true });
    expect(byName.region).toMatchObject({ type: 'enumeration', fieldType: 'select', hubspotDefined: false });
    expect(byName.region!.options.map((o) => o.value)).toEqual(['NA', 'EMEA', 'APAC', 'LATAM']);
    expect(byName.tier).toMatchObject({ type: 'enumeration', fieldType: 'radio' });
    expect(byName.lastmodifieddate).toMatchObject({ type: 'datetime', modificationMetadata: { readOnlyValue: true } });
    const industry = await client.crm.properties.coreApi.getByName('companies', 'industry');
    expect(industry.options.length).toBeGreaterThan(5);
    await expect(client.crm.properties.coreApi.getByName('companies', 'nope')).rejects.toMatchObject({ code: 404, body: { category: 'OBJECT_NOT_FOUND' } });
  });

  it('creates (201), uses, updates and archives (204) a custom property', async () => {
    const created = await client.crm.properties.coreApi.create('companies', {
      name: 'churn_risk',
      label: 'Churn risk',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'companyinformation',
      options: [
        { label: 'Low', value: 'low', hidden: false },
        { label: 'High', value: 'high', hidden: false },
      ],
    });
    expect(created).toMatchObject({ name: 'churn_risk', hubspotDefined: false });
    await expect(client.crm.properties.coreApi.create('companies', { name: 'churn_risk', label: 'x', type: 'string' as never, fieldType: 'text' as never, groupName: 'companyinformation' })).rejects.toMatchObject({ code: 409 });
    const company = sb.store.companies.active[1]!;
    await client.crm.companies.basicApi.update(String(company.id), { properties: { churn_risk: 'high' } });
    expect(sb.store.companies.value(company, 'churn_risk')).toBe('high');
    const updated = await client.crm.properties.coreApi.update('companies', 'churn_risk', { label: 'Churn risk (ML)' });
    expect(updated.label).toBe('Churn risk (ML)');
    await client.crm.properties.coreApi.archive('companies', 'churn_risk');
    await expect(client.crm.properties.coreApi.getByName('companies', 'churn_risk')).rejects.toMatchObject({ code: 404 });
    await expect(client.crm.properties.coreApi.archive('companies', 'name')).rejects.toMatchObject({ code: 400 });
  });
});

describe('associations v4', () => {
  it('lists, creates (default and labelled), archives and batch-reads contact ↔ company associations', async () => {
    const contact = sb.store.contacts.active[100]!;
    const contactId = String(contact.id);
    const page = await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'companies');
    expect(page.results).toHaveLength(1);
    const primaryCompany = String(page.results[0]!.toObjectId);
    expect(page.results[0]!.associationTypes).toEqual(
      expect.arrayContaining([
        { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
        { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
      ]),
    );
    const back = await client.crm.associations.v4.basicApi.getPage('companies', primaryCompany, 'contacts');
    expect(back.results.map((r) => String(r.toObjectId))).toContain(contactId);

    const other = String(sb.store.companies.active[7]!.id);
    const def = await client.crm.associations.v4.basicApi.createDefault('contacts', contactId, 'companies', other);
    expect(def).toMatchObject({ status: 'COMPLETE', results: [{ _from: { id: contactId }, to: { id: other }, associationSpec: { associationTypeId: 279 } }] });
    expect((await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'companies')).results).toHaveLength(2);

    const labelled = await client.crm.associations.v4.basicApi.create('contacts', contactId, 'companies', other, [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 1 }]);
    expect(labelled).toMatchObject({ fromObjectTypeId: '0-1', toObjectTypeId: '0-2', labels: ['Primary'] });
    expect(sb.store.contacts.value(contact, 'associatedcompanyid')).toBe(other);

    await client.crm.associations.v4.basicApi.archive('contacts', contactId, 'companies', primaryCompany);
    const left = await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'companies');
    expect(left.results.map((r) => String(r.toObjectId))).toEqual([other]);

    const batch = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: contactId }, { id: '404' }] });
    expect(batch.results).toHaveLength(1);
    expect(batch.results[0]).toMatchObject({ _from: { id: contactId } });
    expect(batch).toMatchObject({ numErrors: 1 });

    await expect(
      client.crm.associations.v4.basicApi.create('contacts', contactId, 'companies', other, [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: 77 }]),
    ).rejects.toMatchObject({ code: 400 });
    await expect(client.crm.associations.v4.basicApi.getPage('contacts', '404', 'companies')).rejects.toMatchObject({ code: 404 });
  });
});

describe('OAuth v1', () => {
  const redirectUri = 'http://localhost:5173/oauth/hubspot/callback';

  async function authorize(extra: Record<string, string> = {}, decision = 'allow') {
    const query = new URLSearchParams({ client_id: DEMO_APP.clientId, redirect_uri: redirectUri, scope: 'oauth crm.objects.contacts.read crm.objects.contacts.write', state: 's-1', ...extra });
    const page = await fetch(`${sb.url}/oauth/authorize?${query}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/oauth/authorize">');
    const form = new URLSearchParams(query);
    form.set('decision', decision);
    const answer = await fetch(`${sb.url}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(answer.status).toBe(302);
    return new URL(answer.headers.get('location')!);
  }

  it('runs the round trip: consent, code exchange, API call, introspection, expiry → 401, refresh (not rotated)', async () => {
    const location = await authorize();
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('s-1');
    const code = location.searchParams.get('code')!;
    const oauth = makeClient('unused').oauth;
    const tokens = await oauth.tokensApi.create('authorization_code', code, redirectUri, DEMO_APP.clientId, DEMO_APP.clientSecret);
    expect(tokens).toMatchObject({ tokenType: 'bearer', expiresIn: 1800 });
    await expect(oauth.tokensApi.create('authorization_code', code, redirectUri, DEMO_APP.clientId, DEMO_APP.clientSecret)).rejects.toMatchObject({ code: 400, body: { status: 'BAD_AUTH_CODE' } });

    const user = makeClient(tokens.accessToken);
    expect((await user.crm.contacts.basicApi.getPage(2)).results).toHaveLength(2);
    const info = await oauth.accessTokensApi.get(tokens.accessToken);
    expect(info).toMatchObject({ hubId: PORTAL.hubId, appId: DEMO_APP.appId, user: PORTAL.user, tokenType: 'access' });
    expect(info.scopes).toContain('crm.objects.contacts.read');
    const rinfo = await oauth.refreshTokensApi.get(tokens.refreshToken);
    expect(rinfo).toMatchObject({ clientId: DEMO_APP.clientId, hubId: PORTAL.hubId, tokenType: 'refresh' });

    await expect(user.crm.companies.basicApi.getPage(1)).rejects.toMatchObject({ code: 403, body: { category: 'MISSING_SCOPES' } });

    const expired = await (await fetch(`${sb.url}/_sandbox/tokens/expire`, { method: 'POST' })).json();
    expect(expired.expired).toBeGreaterThan(0);
    const failure = await user.crm.contacts.basicApi.getPage(1).catch((e) => e);
    expect(failure.code).toBe(401);
    expect(failure.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION', message: expect.stringMatching(/^The OAuth token used to make this call expired \d+ second\(s\) ago\.$/) });
    expect(failure.body.context['expire time'][0]).toMatch(/Z$/);

    const refreshed = await oauth.tokensApi.create('refresh_token', undefined, undefined, DEMO_APP.clientId, DEMO_APP.clientSecret, tokens.refreshToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect((await makeClient(refreshed.accessToken).crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
    expect(sb.store.oauth.counters).toMatchObject({ codeExchanges: expect.any(Number), refreshes: 1 });

    // deleting the refresh token leaves the access token working, as HubSpot documents
    await oauth.refreshTokensApi.archive(tokens.refreshToken);
    await expect(oauth.tokensApi.create('refresh_token', undefined, undefined, DEMO_APP.clientId, DEMO_APP.clientSecret, tokens.refreshToken)).rejects.toMatchObject({
      code: 400,
      body: { status: 'BAD_REFRESH_TOKEN', error: 'invalid_grant', message: 'refresh token is invalid, expired or revoked' },
    });
    expect((await makeClient(refreshed.accessToken).crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
  });

  it('rejects bad clients, secrets, redirect URIs, grant types, PKCE mismatches and revoked refresh tokens', async () => {
    const oauth = makeClient('unused').oauth;
    const code = (await authorize()).searchParams.get('code')!;
    await expect(oauth.tokensApi.create('authorization_code', code, redirectUri, 'nope', DEMO_APP.clientSecret)).rejects.toMatchObject({ code: 400, body: { status: 'BAD_CLIENT_ID', error: 'invalid_client' } });
    await expect(oauth.tokensApi.create('authorization_code', code, redirectUri, DEMO_APP.clientId, 'wrong')).rejects.toMatchObject({ code: 400, body: { status: 'BAD_CLIENT_SECRET' } });
    await expect(oauth.tokensApi.create('authorization_code', code, 'http://localhost:9/other', DEMO_APP.clientId, DEMO_APP.clientSecret)).rejects.toMatchObject({ code: 400, body: { status: 'BAD_REDIRECT_URI' } });
    await expect(oauth.tokensApi.create('password', undefined, undefined, DEMO_APP.clientId, DEMO_APP.clientSecret)).rejects.toMatchObject({ code: 400, body: { status: 'BAD_GRANT_TYPE' } });

    const verifier = 'v'.repeat(64);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const exchange = async (c: string, codeVerifier: string) =>
      fetch(`${sb.url}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: c, redirect_uri: redirectUri, client_id: DEMO_APP.clientId, client_secret: DEMO_APP.clientSecret, code_verifier: codeVerifier }),
      });
    const wrong = await exchange((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).searchParams.get('code')!, 'w'.repeat(64));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ status: 'BAD_CODE_VERIFIER' });
    const right = await exchange((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).searchParams.get('code')!, verifier);
    expect(right.status).toBe(200);
    const pair = await right.json();
    expect(pair).toMatchObject({ token_type: 'bearer', expires_in: 1800, hub_id: PORTAL.hubId });

    const denied = await authorize({}, 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    const badClient = await fetch(`${sb.url}/oauth/authorize?client_id=nope&redirect_uri=${encodeURIComponent(redirectUri)}&scope=oauth`);
    expect(badClient.status).toBe(400);
    const badRedirect = await fetch(`${sb.url}/oauth/authorize?client_id=${DEMO_APP.clientId}&redirect_uri=${encodeURIComponent('https://evil.example.com/cb')}&scope=oauth`);
    expect(badRedirect.status).toBe(400);

    const revoked = await (await fetch(`${sb.url}/_sandbox/tokens/revoke-refresh`, { method: 'POST' })).json();
    expect(revoked.revoked).toBeGreaterThan(0);
    await expect(oauth.tokensApi.create('refresh_token', undefined, undefined, DEMO_APP.clientId, DEMO_APP.clientSecret, pair.refresh_token)).rejects.toMatchObject({ code: 400, body: { status: 'BAD_REFRESH_TOKEN' } });
    await expect(oauth.accessTokensApi.get('no-such-token')).rejects.toMatchObject({ code: 404 });
  });

  it('answers 401 INVALID_AUTHENTICATION without or with an unknown token', async () => {
    const none = await fetch(`${sb.url}/crm/v3/objects/contacts`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/application\/json/);
    expect(await none.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION', message: expect.stringMatching(/^Authentication credentials not found/) });
    await expect(makeClient('made-up').crm.contacts.basicApi.getPage(1)).rejects.toMatchObject({ code: 401, body: { category: 'INVALID_AUTHENTICATION' } });
  });
});

describe('webhooks', () => {
  interface Received {
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
  }
  let receiver: http.Server;
  let hookUrl = '';
  const received: Received[] = [];
  const answers: number[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/hubspot`;
    Object.assign(sb.store.webhooks.config, { batchDelayMs: 10, retryDelaysMs: [20, 20, 20] });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const flush = async () => {
    const res = await fetch(`${sb.url}/_hubspot/webhooks/flush`, { method: 'POST' });
    expect(res.status).toBe(200);
  };

  it('delivers signed batches for API changes and admin modify/delete, verifiable with the v3 algorithm', async () => {
    const secret = 'receiver-secret';
    const reg = await fetch(`${sb.url}/_hubspot/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ targetUrl: hookUrl, clientSecret: secret }) });
    expect(reg.status).toBe(201);
    const target = await reg.json();
    received.length = 0;

    const created = await client.crm.contacts.basicApi.create({ properties: { email: 'hook@example.org', firstname: 'Hook' }, associations: [] });
    await client.crm.contacts.basicApi.update(created.id, { properties: { lastname: 'Line' } });
    await client.crm.contacts.basicApi.archive(created.id);
    const modified = await (await fetch(`${sb.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 2 }) })).json();
    const deleted = await (await fetch(`${sb.url}/_sandbox/records/delete`, { method: 'POST', body: JSON.stringify({ count: 2 }) })).json();
    await flush();

    expect(received.length).toBeGreaterThan(0);
    const events = received.flatMap((r) => JSON.parse(r.body) as Record<string, unknown>[]);
    for (const r of received) {
      const timestamp = Number(r.headers['x-hubspot-request-timestamp']);
      expect(Math.abs(Date.now() - timestamp)).toBeLessThan(60_000);
      const expected = createHmac('sha256', secret).update(`POST${hookUrl}${r.body}${timestamp}`).digest('base64');
      expect(r.headers['x-hubspot-signature-v3']).toBe(expected);
      expect(Signature.isValid({ signatureVersion: 'v3', signature: expected, clientSecret: secret, requestBody: r.body, url: hookUrl, method: 'POST', timestamp })).toBe(true);
      expect(r.headers['x-hubspot-signature']).toBe(createHash('sha256').update(secret + r.body).digest('hex'));
      expect(r.headers['content-type']).toBe('application/json');
    }
    const of = (id: string) => events.filter((e) => String(e.objectId) === id);
    expect(of(created.id).map((e) => e.subscriptionType)).toEqual(['contact.creation', 'contact.propertyChange', 'contact.deletion']);
    expect(of(created.id)[1]).toMatchObject({ propertyName: 'lastname', propertyValue: 'Line', changeSource: 'API', portalId: PORTAL.hubId, appId: DEMO_APP.appId, attemptNumber: 0, subscriptionId: target.subscriptionId });
    for (const id of modified.ids as string[]) expect(of(id).some((e) => e.subscriptionType === 'contact.propertyChange' && e.changeSource === 'CRM_UI')).toBe(true);
    for (const id of deleted.ids as string[]) expect(of(id)).toEqual(expect.arrayContaining([expect.objectContaining({ subscriptionType: 'contact.deletion', changeFlag: 'DELETED' })]));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);

    await fetch(`${sb.url}/_hubspot/webhooks/${target.id}`, { method: 'DELETE' });
  });

  it('retries failed deliveries with attemptNumber+1, but not 400s; the Webhooks v3 API subscribes the app', async () => {
    const dev = new Client({ developerApiKey: DEVELOPER_API_KEY, basePath: sb.url });
    await dev.webhooks.settingsApi.configure(DEMO_APP.appId, { targetUrl: hookUrl, throttling: { maxConcurrentRequests: 10 } });
    const sub = await dev.webhooks.subscriptionsApi.create(DEMO_APP.appId, { eventType: 'company.creation' as never, active: true });
    expect((await dev.webhooks.subscriptionsApi.getAll(DEMO_APP.appId)).results.map((s) => s.id)).toContain(sub.id);
    await expect(new Client({ developerApiKey: 'wrong', basePath: sb.url }).webhooks.settingsApi.getAll(DEMO_APP.appId)).rejects.toMatchObject({ code: 401 });

    received.length = 0;
    answers.push(503, 200);
    const company = await client.crm.companies.basicApi.create({ properties: { name: 'Retry Co', domain: 'retry.example.com' }, associations: [] });
    await flush();
    expect(received).toHaveLength(2);
    const [first, second] = received.map((r) => JSON.parse(r.body)[0]);
    expect(first).toMatchObject({ subscriptionType: 'company.creation', objectId: Number(company.id), subscriptionId: Number(sub.id), attemptNumber: 0 });
    expect(second).toMatchObject({ eventId: first.eventId, attemptNumber: 1 });
    expect(Signature.isValid({ signatureVersion: 'v3', signature: String(received[1]!.headers['x-hubspot-signature-v3']), clientSecret: DEMO_APP.clientSecret, requestBody: received[1]!.body, url: hookUrl, method: 'POST', timestamp: Number(received[1]!.headers['x-hubspot-request-timestamp']) })).toBe(true);

    received.length = 0;
    answers.push(400);
    await client.crm.companies.basicApi.create({ properties: { name: 'No Retry Co' }, associations: [] });
    await flush();
    expect(received).toHaveLength(1);
    expect(sb.store.webhooks.deliveries.at(-1)).toMatchObject({ status: 400, willRetry: false });
    await dev.webhooks.settingsApi.clear(DEMO_APP.appId);
  });
});

describe('admin ops, request log and faults', () => {
  it('modifyRecords bumps modification stamps so an incremental search finds exactly them; deleteRecords hides records', async () => {
    const since = Date.now();
    const modified = await (await fetch(`${sb.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 25 }) })).json();
    const found = await search('contacts', { filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(since) }] }], sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }], limit: 100 });
    expect(found.results.map((r) => r.id).sort()).toEqual([...modified.ids].sort());

    const deleted = sb.store.deleteContacts(5, seededRandom(5));
    const read = await client.crm.contacts.batchApi.read({ inputs: deleted.map((id) => ({ id })), properties: [], propertiesWithHistory: [] });
    expect(read.results).toHaveLength(0);
    const summary = await (await fetch(`${sb.url}/_sandbox`)).json();
    expect(summary).toMatchObject({ provider: 'hubspot', portalId: PORTAL.hubId, contacts: sb.store.contacts.size });
    expect(summary.archivedContacts).toBeGreaterThanOrEqual(5);
  });

  it('applies fault knobs: 5xx in HubSpot format, malformed JSON, dropped connections', async () => {
    sb.faults.set({ serverErrorRate: 1 });
    const failure = await client.crm.contacts.basicApi.getPage(1).catch((e) => e);
    sb.faults.reset();
    expect([500, 502, 503]).toContain(failure.code);
    expect(failure.body).toMatchObject({ status: 'error', category: 'INTERNAL_ERROR' });
    sb.faults.set({ malformedJson: 1 });
    await expect(client.crm.contacts.basicApi.getPage(1)).rejects.toThrow(/JSON/);
    sb.faults.set({ dropConnections: 1 });
    await expect(client.crm.contacts.basicApi.getPage(1)).rejects.toThrow();
    expect((await client.crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
    expect(sb.requests.all().filter((r) => r.fault).map((r) => r.fault)).toEqual(expect.arrayContaining(['server-error', 'malformed', 'drop']));
  });
});

describe('rate limits', () => {
  let small: RunningSandbox<HubSpotStore>;

  beforeAll(async () => {
    small = await startSandbox<HubSpotStore>('hubspot', { records: 50, seed: 3, latencyMs: 0 });
  });
  afterAll(async () => {
    await small?.close();
  });

  const get = (token: string, path = '/crm/v3/objects/contacts?limit=1') => fetch(`${small.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('sends the X-HubSpot-RateLimit-* headers on every API response (daily ones for private apps only)', async () => {
    const oauth = small.store.issueTokens().token;
    const a = await get(oauth);
    const b = await get(oauth);
    expect(a.headers.get('x-hubspot-ratelimit-max')).toBe('100');
    expect(a.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(Number(b.headers.get('x-hubspot-ratelimit-remaining'))).toBe(Number(a.headers.get('x-hubspot-ratelimit-remaining')) - 1);
    expect(a.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
    const notFound = await get(oauth, '/crm/v3/objects/contacts/999999');
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-hubspot-ratelimit-remaining')).not.toBeNull();
    const priv = await get(PRIVATE_APP_TOKEN);
    expect(priv.headers.get('x-hubspot-ratelimit-daily')).toBe('500000');
    expect(priv.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('499999');
  });

  it('answers 429 TEN_SECONDLY_ROLLING with HubSpot’s body and headers; refreshed tokens share the app’s bucket', async () => {
    small.store.resetRateLimits();
    small.store.config.rateLimit = { max: 3, intervalMs: 10_000 };
    const first = small.store.issueTokens().token;
    const second = small.store.issueTokens().token;
    for (let i = 0; i < 3; i++) expect((await get(i === 2 ? second : first)).status).toBe(200);
    const limited = await get(second);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/application\/json/);
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(await limited.json()).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.any(String),
      policyName: 'TEN_SECONDLY_ROLLING',
      groupName: expect.stringMatching(/^publicapi:/),
      requestId: expect.any(String),
    });
    expect(small.requests.count({ status: 429 })).toBeGreaterThanOrEqual(1);
  });

  it('limits search per second with the SECONDLY body, and the client retries it', async () => {
    small.store.resetRateLimits();
    small.store.config.rateLimit = { max: 100, intervalMs: 10_000 };
    small.store.config.searchPerSecond = 2;
    const post = () => fetch(`${small.url}/crm/v3/objects/contacts/search`, { method: 'POST', headers: { authorization: `Bearer ${PRIVATE_APP_TOKEN}`, 'content-type': 'application/json' }, body: '{"limit":1}' });
    const results = [await post(), await post(), await post()];
    expect(results.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(results[0]!.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    expect(await results[2]!.json()).toMatchObject({ status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });

    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const retrying = new Client({ accessToken: PRIVATE_APP_TOKEN, basePath: small.url, numberOfApiCallRetries: 3 });
      const found = await retrying.crm.contacts.searchApi.doSearch({ limit: 1 } as never);
      expect(found.results).toHaveLength(1);
      expect(errors.mock.calls.map((c) => String(c[0]))).toEqual(expect.arrayContaining([expect.stringContaining('will retry [1] time in [1000] ms')]));
    } finally {
      errors.mockRestore();
    }
  });

  it('lets the official client retry a TEN_SECONDLY_ROLLING 429 (its 10 s wait shortened) and a fault-layer storm', async () => {
    small.store.resetRateLimits();
    small.store.config.rateLimit = { max: 1, intervalMs: 10_000 };
    const token = small.store.issueTokens().token;
    expect((await get(token)).status).toBe(200);
    const realSetTimeout = globalThis.setTimeout;
    const waits: number[] = [];
    const timers = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms === 10_000) {
        waits.push(ms);
        small.store.resetRateLimits(); // the window has passed for the sandbox too
        return realSetTimeout(fn, 5);
      }
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const retrying = new Client({ accessToken: token, basePath: small.url, numberOfApiCallRetries: 2 });
      const before = small.requests.count({ pathPrefix: '/crm/v3/objects/contacts' });
      const page = await retrying.crm.contacts.basicApi.getPage(1);
      expect(page.results).toHaveLength(1);
      expect(waits).toEqual([10_000]);
      expect(small.requests.all().slice(before).map((r) => r.status)).toEqual([429, 200]);

      small.store.config.rateLimit = { max: 100, intervalMs: 10_000 };
      small.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 10 } });
      const again = await retrying.crm.contacts.basicApi.getPage(1);
      expect(again.results).toHaveLength(1);
      expect(small.requests.all().filter((r) => r.fault === 'rate-limit')).toHaveLength(1);
      expect(waits).toEqual([10_000, 10_000]);
    } finally {
      timers.mockRestore();
      errors.mockRestore();
    }
    // without retries the storm reaches the caller as HubSpot's 429
    small.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 10 } });
    const res = await get(token);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' });
  });
});
