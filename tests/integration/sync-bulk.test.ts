import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts } from '../../db/schema';
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
});
