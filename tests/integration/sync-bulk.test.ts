import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, contacts, syncRateLimits } from '../../db/schema';
import { BULK_JOB_MIN_REQUESTS } from '../../server/providers/salesforce/client';
import { SyncClient } from '../../server/services/sync/client';
import { ApiBudgetExhausted } from '../../server/services/sync/errors';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { allRemote, connectProvider, linksOf, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/** The engine hands Salesforce push pages big enough for Bulk API 2.0 (decision 009): 2,100 new app contacts go out in one ingest job, once. */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 10, seed: 67 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

describe('Salesforce push above the Bulk threshold', () => {
  it('2,100 app contacts: one Bulk ingest job, every one in the CRM once and linked; a second run writes nothing', { timeout: 120_000 }, async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'salesforce', { direction: 'push', entities: ['contact'] });
    const rows = Array.from({ length: 2_100 }, (_, i) => ({ organizationId: tenant.organizationId, firstName: 'Bulk', lastName: `Pushed ${i}`, email: `bulk.pushed.${i}@bulk.example`, ...(i % 10 === 0 ? { email: null } : {}) }));
    await database.current.db.insert(contacts).values(rows);
    const sf = sandboxes.salesforce;
    const editor = remoteEditor(sandboxes, 'salesforce');
    const before = await allRemote(editor, 'contact', ['Email']);
    sf.requests.clear();

    const first = await sync(deps, connection.id);
    if (first.status !== 'done') throw new Error(JSON.stringify(first));
    expect(first.runs[0]!.status).toBe('succeeded');
    expect(first.runs[0]!.counts.created).toBe(2_100);
    const ingest = sf.requests.all().filter((r) => r.method === 'POST' && r.path.endsWith('/jobs/ingest'));
    expect(ingest).toHaveLength(1);
    expect(sf.requests.all().filter((r) => r.path.includes('/composite/sobjects'))).toHaveLength(0);

    // every HTTP request of the job (create, upload, close, polls, three result downloads) took a pacer slot and
    // counts against the day's budget, as Salesforce counts it: the connection's count is the sandbox's request log
    const apiRequests = sf.requests.all().filter((r) => r.path.startsWith('/services/data/'));
    const jobRequests = apiRequests.filter((r) => r.path.includes('/jobs/ingest'));
    expect(jobRequests.length).toBeGreaterThanOrEqual(BULK_JOB_MIN_REQUESTS);
    const [counted] = await database.current.db.select({ count: connections.apiCallsCount }).from(connections).where(eq(connections.id, connection.id));
    expect(counted!.count).toBe(apiRequests.length);
    const [limiter] = await database.current.db.select({ dayCalls: syncRateLimits.dayCalls }).from(syncRateLimits).where(eq(syncRateLimits.connectionId, connection.id));
    // the limiter row also counts the few slots the run's client had reserved ahead (≤ 8 a round trip) and not used
    expect(limiter!.dayCalls).toBeGreaterThanOrEqual(apiRequests.length);
    expect(limiter!.dayCalls).toBeLessThan(apiRequests.length + 8);

    const after = await allRemote(editor, 'contact', ['Email', 'LastName']);
    expect(after).toHaveLength(before.length + 2_100);
    const pushed = after.filter((r) => typeof r.fields.LastName === 'string' && r.fields.LastName.startsWith('Pushed '));
    expect(new Set(pushed.map((r) => r.fields.LastName)).size).toBe(2_100);
    const links = await linksOf(database.current, connection.id, 'contact');
    expect(new Set(links.map((l) => l.remoteId))).toEqual(new Set(pushed.map((r) => r.id)));

    sf.requests.clear();
    const second = await sync(deps, connection.id);
    if (second.status !== 'done') throw new Error(JSON.stringify(second));
    expect(second.runs[0]!.counts.created).toBe(0);
    expect(sf.requests.all().filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(await allRemote(editor, 'contact', ['Email'])).toHaveLength(before.length + 2_100);
  });

  it('with the budget enforced, a Bulk job is not started when the remaining budget cannot cover its requests', { timeout: 60_000 }, async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'salesforce', { direction: 'push', entities: ['contact'] });
    const client = await SyncClient.open(deps, connection.id, { enforceBudget: true });
    // other processes have used all but BULK_JOB_MIN_REQUESTS − 1 of today's budget
    const day = new Date().toISOString().slice(0, 10);
    await database.current.db.insert(syncRateLimits).values({ connectionId: connection.id, day, dayCalls: client.budget() - (BULK_JOB_MIN_REQUESTS - 1) });
    const inputs = Array.from({ length: 2_000 }, (_, i) => ({ appId: randomUUID(), fields: { LastName: `Budget ${i}` } }));
    const sf = sandboxes.salesforce;
    sf.requests.clear();
    await expect(client.write('contact', inputs)).rejects.toBeInstanceOf(ApiBudgetExhausted);
    expect(sf.requests.all().filter((r) => r.path.startsWith('/services/data/'))).toHaveLength(0);

    // one unit more and the job goes out
    await database.current.db.update(syncRateLimits).set({ dayCalls: client.budget() - BULK_JOB_MIN_REQUESTS }).where(eq(syncRateLimits.connectionId, connection.id));
    const results = await client.write('contact', inputs);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sf.requests.all().filter((r) => r.method === 'POST' && r.path.endsWith('/jobs/ingest'))).toHaveLength(1);
  });
});
