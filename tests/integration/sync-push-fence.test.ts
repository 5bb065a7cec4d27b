import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushFence } from '../../server/services/sync/push-fence';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { connectProvider, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/**
 * change_seq is taken at write time, not at commit: a push must never move its cursor past
 * a change whose transaction is still open, or that change is never pushed.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 8, seed: 13 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

describe('the push fence', () => {
  it('is withheld while a CRM write of the tenant is in flight, and covers it once committed', async () => {
    const tenant = await syncTenant(database.current);
    const other = await syncTenant(database.current);
    const writer = await database.current.sql.reserve();
    try {
      await writer`begin`;
      const [row] = await writer<{ change_seq: string }[]>`insert into contacts (organization_id, first_name, email) values (${tenant.organizationId}, 'Slow', 'slow@fence.example') returning change_seq`;
      expect(await pushFence(database.current.db, tenant.organizationId, { attempts: 3, pauseMs: 5 })).toBeNull();
      // another tenant's writers do not hold this one back
      expect(await pushFence(database.current.db, other.organizationId, { attempts: 1 })).toBeGreaterThanOrEqual(Number(row!.change_seq));
      await writer`commit`;
      expect(await pushFence(database.current.db, tenant.organizationId, { attempts: 1 })).toBeGreaterThanOrEqual(Number(row!.change_seq));
    } finally {
      writer.release();
    }
  });

  it('a change committed after a later one is still pushed (the cursor never passes an open transaction)', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot', { entities: ['contact'] });
    await sync(deps, connection.id);
    const writer = await database.current.sql.reserve();
    try {
      await writer`begin`;
      await writer`insert into contacts (organization_id, first_name, last_name, email) values (${tenant.organizationId}, 'Early', 'Seq', 'early.seq@fence.example')`;
      // a later change_seq, committed first
      await database.current.sql`insert into contacts (organization_id, first_name, last_name, email) values (${tenant.organizationId}, 'Late', 'Seq', 'late.seq@fence.example')`;
      const during = await sync(deps, connection.id);
      expect(during.status).toBe('done');
      await writer`commit`;
    } finally {
      writer.release();
    }
    await sync(deps, connection.id);
    const editor = remoteEditor(sandboxes, 'hubspot');
    const found = await editor.findByDedupeKeys('contact', ['early.seq@fence.example', 'late.seq@fence.example'], ['email']);
    expect([...found.keys()].sort()).toEqual(['early.seq@fence.example', 'late.seq@fence.example']);
  });
});
