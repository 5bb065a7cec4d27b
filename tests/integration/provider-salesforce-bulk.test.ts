import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_PUSH_PAGE, BULK_THRESHOLD, createSalesforceClient, type SalesforceClientOptions } from '../../server/providers/salesforce/client';
import type { TokenSet, WriteInput } from '../../server/providers/types';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import { DEMO_CLIENT, type SalesforceStore } from '../../server/sandbox/salesforce/store';

/**
 * Salesforce writes above the Bulk threshold go through one Bulk API 2.0 ingest job, below it
 * through sObject Collections (decision 009) — both against the sandbox through jsforce.
 */

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];

let sb: RunningSandbox<SalesforceStore>;
beforeAll(async () => {
  sb = await startSandbox<SalesforceStore>('salesforce', { seed: 61, records: 20, latencyMs: 0 });
});
afterAll(async () => {
  await sb?.close();
});

function client(extra: Partial<SalesforceClientOptions> = {}) {
  const s = sb.store.issueSession(sb.url);
  const tokens: TokenSet = { accessToken: s.access_token, refreshToken: null, expiresAt: null, instanceUrl: s.instance_url };
  return createSalesforceClient({
    tokens,
    oauth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, loginUrl: sb.url },
    onTokensRefreshed: async () => {},
    bulkThreshold: 50,
    bulkPollIntervalMs: 20,
    ...extra,
  });
}

const paths = () => sb.requests.all().map((r) => `${r.method} ${r.path.replace(/\/services\/data\/v[\d.]+/, '')}`);
const FIELDS = ['FirstName', 'LastName', 'Email', 'Title'];

describe('Salesforce writes: Collections below the threshold, Bulk API 2.0 at and above it', () => {
  it('defaults: a 2,000-record threshold and 10,000-row push pages', () => {
    const c = createSalesforceClient({ tokens: { accessToken: 'x', refreshToken: null, expiresAt: null, instanceUrl: sb.url }, oauth: { clientId: 'x', clientSecret: 'y', loginUrl: sb.url }, onTokensRefreshed: async () => {} });
    expect(BULK_THRESHOLD).toBe(2_000);
    expect(c.pushPageSize).toBe(BULK_PUSH_PAGE);
    expect(client({ bulkThreshold: null }).pushPageSize).toBeUndefined();
  });

  it('60 creates (upserts by app id) and 60 updates go through one ingest job each; a failed row fails alone; repeating the creates creates nothing', async () => {
    const c = client();
    const creates: WriteInput[] = Array.from({ length: 60 }, (_, i) => ({ appId: randomUUID(), fields: { FirstName: 'Bulk', LastName: `Person ${i}`, Email: `bulk.${i}@bulk.example`, Title: 'Before' } }));
    sb.requests.clear();
    const created = await c.write('contact', creates);
    expect(created.every((r) => r.ok && r.created)).toBe(true);
    expect(paths().filter((p) => p.startsWith('POST /jobs/ingest'))).toHaveLength(1);
    expect(paths().some((p) => p.includes('/composite/sobjects'))).toBe(false);
    const ids = created.map((r) => (r as { id: string }).id);
    expect(new Set(ids).size).toBe(60);
    const stored = await c.fetchByIds('contact', ids, [...FIELDS, 'External_Id__c']);
    expect(stored).toHaveLength(60);
    expect(new Set(stored.map((r) => r.fields.External_Id__c))).toEqual(new Set(creates.map((i) => i.appId)));

    // updates by Id: a null clears, an absent field stays; one row names a record that does not exist
    const gone = ids[59]!;
    expect((await c.remove('contact', [gone]))[0]!.ok).toBe(true);
    const updates: WriteInput[] = ids.map((id, i): WriteInput => ({ id, fields: i % 2 ? { Title: `After ${i}` } : { Title: null, FirstName: 'Renamed' } }));
    sb.requests.clear();
    const updated = await c.write('contact', updates);
    expect(paths().filter((p) => p.startsWith('POST /jobs/ingest'))).toHaveLength(1);
    expect(updated.slice(0, 59).every((r) => r.ok && !r.created)).toBe(true);
    expect(updated[59]!.ok).toBe(false);
    const after = new Map((await c.fetchByIds('contact', ids.slice(0, 59), FIELDS)).map((r) => [r.id, r.fields]));
    ids.slice(0, 59).forEach((id, i) => {
      const f = after.get(id)!;
      if (i % 2) expect([f.Title, f.FirstName]).toEqual([`After ${i}`, 'Bulk']);
      else expect([f.Title, f.FirstName]).toEqual([null, 'Renamed']);
    });

    // the same creates again (a retry after a crash): upserts find their records
    const again = await c.write('contact', creates.slice(0, 59));
    expect(again.every((r) => r.ok && !r.created)).toBe(true);
    expect(again.map((r) => (r as { id: string }).id)).toEqual(ids.slice(0, 59));
  });

  it('49 writes (below the threshold) go through sObject Collections, 200 a call', async () => {
    const c = client();
    const creates: WriteInput[] = Array.from({ length: 49 }, (_, i) => ({ appId: randomUUID(), fields: { LastName: `Small ${i}` } }));
    sb.requests.clear();
    const created = await c.write('contact', creates);
    expect(created.every((r) => r.ok && r.created)).toBe(true);
    expect(paths().filter((p) => p.includes('/jobs/ingest'))).toHaveLength(0);
    expect(paths().filter((p) => p.includes('/composite/sobjects'))).toHaveLength(1);
  });
});
