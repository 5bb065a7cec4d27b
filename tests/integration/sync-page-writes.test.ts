import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, syncRunErrors } from '../../db/schema';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { connectProvider, linksOf, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/**
 * A pull page's app updates go to Postgres together (one savepoint, pipelined); when the
 * app refuses one of them, only that record fails and the rest of the page still lands —
 * the same outcome as one savepoint per record.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 30, seed: 21 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

describe('pull page writes', () => {
  it('one refused update (a taken e-mail) fails alone; the page’s other updates and links commit', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot', { entities: ['contact'], direction: 'pull', frequency: 'manual' });
    expect((await sync(deps, connection.id)).status).toBe('done');
    const links = await linksOf(database.current, connection.id, 'contact');
    const [a, b, c, d] = links;
    // B takes a new e-mail in the app; A takes the same one in HubSpot; C and D change their job titles
    const taken = 'taken.by.b@example.test';
    await database.current.db.update(contacts).set({ email: taken }).where(eq(contacts.id, b!.appId));
    const editor = remoteEditor(sandboxes, 'hubspot');
    const wrote = await editor.write('contact', [
      { id: a!.remoteId, fields: { email: taken.toUpperCase(), jobtitle: 'Took an e-mail' } },
      { id: c!.remoteId, fields: { jobtitle: 'Changed C' } },
      { id: d!.remoteId, fields: { jobtitle: 'Changed D' } },
    ]);
    expect(wrote.every((w) => w.ok)).toBe(true);

    const outcome = await sync(deps, connection.id);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const run = outcome.runs[0]!;
    expect(run.status).toBe('partial');
    expect(run.counts.updated).toBe(2);
    expect(run.counts.failed).toBe(1);

    const byId = new Map((await database.current.db.select().from(contacts).where(eq(contacts.organizationId, tenant.organizationId))).map((r) => [r.id, r]));
    expect(byId.get(c!.appId)!.position).toBe('Changed C');
    expect(byId.get(d!.appId)!.position).toBe('Changed D');
    expect(byId.get(a!.appId)!.position).not.toBe('Took an e-mail'); // its record failed as a whole
    expect(byId.get(b!.appId)!.email).toBe(taken);
    const errors = await database.current.db.select().from(syncRunErrors).where(eq(syncRunErrors.runId, run.runId));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ side: 'pull', appId: a!.appId, remoteId: a!.remoteId, retryable: true });
    expect(errors[0]!.message).toMatch(/already holds this value/);

    // the links of the records that landed moved with them: the next sync changes nothing more for C and D
    const again = await sync(deps, connection.id);
    if (again.status !== 'done') throw new Error(again.status);
    expect(again.runs[0]!.counts.updated).toBe(0);
  });
});
