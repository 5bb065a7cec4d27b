import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, fieldMappings, syncConflicts } from '../../db/schema';
import type { SyncProvider } from '../../server/providers/types';
import type { ConflictStrategy } from '../../server/shared/sync';
import { resolveConflict } from '../../server/services/sync/conflicts';
import { connectionById, updateSettings } from '../../server/services/sync/connections';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { connectProvider, linksOf, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes, type SyncTenant } from '../support/sync';

/**
 * Both-sided changes of one field, settled by each strategy; manual review parks only the
 * conflicting field, merges the rest, and a resolution flows to the CRM on the next sync.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 24, seed: 11 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

const title: Record<SyncProvider, string> = { salesforce: 'Title', hubspot: 'jobtitle' };
const first: Record<SyncProvider, string> = { salesforce: 'FirstName', hubspot: 'firstname' };

describe.each(['salesforce', 'hubspot'] as const)('%s', (provider) => {
  let tenant: SyncTenant;
  let connectionId: string;
  let pick = 0;

  beforeAll(async () => {
    tenant = await syncTenant(database.current);
    connectionId = (await connectProvider(deps, tenant, sandboxes, provider)).id;
    const first = await sync(deps, connectionId);
    expect(first.status).toBe('done');
  });

  /** Edits one linked contact's title on both sides (app first unless `remoteFirst`), syncs, and returns both sides' titles after. */
  async function bothSides(strategy: ConflictStrategy, options: { remoteFirst?: boolean } = {}) {
    const connection = await connectionById(database.current.db, tenant.organizationId, connectionId);
    await updateSettings(database.current.db, connection, { conflictStrategy: strategy });
    const link = (await linksOf(database.current, connectionId, 'contact'))[pick++]!;
    const editor = remoteEditor(sandboxes, provider);
    const editApp = () => database.current.db.update(contacts).set({ position: `app ${strategy}` }).where(eq(contacts.id, link.appId));
    const editRemote = async () => expect((await editor.write('contact', [{ id: link.remoteId, fields: { [title[provider]]: `crm ${strategy}` } }]))[0]!.ok).toBe(true);
    if (options.remoteFirst) {
      await editRemote();
      await sleep(30);
      await editApp();
    } else {
      await editApp();
      await sleep(30);
      await editRemote();
    }
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const [row] = await database.current.db.select().from(contacts).where(eq(contacts.id, link.appId));
    const [remote] = await editor.fetchByIds('contact', [link.remoteId], [title[provider], first[provider]]);
    return { app: row!.position, crm: remote!.fields[title[provider]], link, run: outcome.runs.find((r) => r.entity === 'contact')! };
  }

  it('crm_wins: the CRM value lands in the app', async () => {
    const r = await bothSides('crm_wins');
    expect(r).toMatchObject({ app: 'crm crm_wins', crm: 'crm crm_wins' });
    expect(r.run.counts.conflicts).toBe(1);
  });

  it('app_wins: the app value lands in the CRM', async () => {
    const r = await bothSides('app_wins');
    expect(r).toMatchObject({ app: 'app app_wins', crm: 'app app_wins' });
  });

  it('last_write_wins: the later edit wins, whichever side made it', async () => {
    const remoteLater = await bothSides('last_write_wins');
    expect(remoteLater).toMatchObject({ app: 'crm last_write_wins', crm: 'crm last_write_wins' });
    const appLater = await bothSides('last_write_wins', { remoteFirst: true });
    expect(appLater).toMatchObject({ app: 'app last_write_wins', crm: 'app last_write_wins' });
  });

  it('manual_review parks only the conflicting field, merges the rest, and the resolution flows on the next sync', async () => {
    const connection = await connectionById(database.current.db, tenant.organizationId, connectionId);
    await updateSettings(database.current.db, connection, { conflictStrategy: 'manual_review' });
    const link = (await linksOf(database.current, connectionId, 'contact'))[pick++]!;
    const editor = remoteEditor(sandboxes, provider);
    await database.current.db.update(contacts).set({ position: 'app title' }).where(eq(contacts.id, link.appId));
    await editor.write('contact', [{ id: link.remoteId, fields: { [title[provider]]: 'crm title', [first[provider]]: 'Renamed' } }]);
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const [row] = await database.current.db.select().from(contacts).where(eq(contacts.id, link.appId));
    expect(row!.firstName).toBe('Renamed'); // the one-sided change merged
    expect(row!.position).toBe('app title'); // the conflicting one parked
    const [remote] = await editor.fetchByIds('contact', [link.remoteId], [title[provider]]);
    expect(remote!.fields[title[provider]]).toBe('crm title');
    const open = await database.current.db.select().from(syncConflicts).where(and(eq(syncConflicts.recordLinkId, link.id), eq(syncConflicts.status, 'open')));
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ appField: 'position', appValue: 'app title', remoteValue: 'crm title' });

    // a second sync changes nothing and does not park it twice
    await sync(deps, connectionId);
    expect(await database.current.db.select().from(syncConflicts).where(eq(syncConflicts.recordLinkId, link.id))).toHaveLength(1);

    // resolved for the app, always: the app's value reaches the CRM on the next sync
    await resolveConflict(database.current.db, { organizationId: tenant.organizationId, userId: tenant.userId }, open[0]!.id, { choice: 'app', always: true });
    await sync(deps, connectionId);
    const [after] = await editor.fetchByIds('contact', [link.remoteId], [title[provider]]);
    expect(after!.fields[title[provider]]).toBe('app title');
    const [mapping] = await database.current.db
      .select()
      .from(fieldMappings)
      .where(and(eq(fieldMappings.connectionId, connectionId), eq(fieldMappings.appField, 'position')));
    expect(mapping!.override).toBe('always_app');
    const [settled] = await database.current.db.select().from(syncConflicts).where(eq(syncConflicts.id, open[0]!.id));
    expect(settled).toMatchObject({ status: 'resolved', resolution: { choice: 'app', value: 'app title' } });
  });

  it('resolving for the CRM keeps the CRM value everywhere', async () => {
    const connection = await connectionById(database.current.db, tenant.organizationId, connectionId);
    await updateSettings(database.current.db, connection, { conflictStrategy: 'manual_review' });
    const link = (await linksOf(database.current, connectionId, 'contact'))[pick++]!;
    const editor = remoteEditor(sandboxes, provider);
    await database.current.db.update(contacts).set({ firstName: 'AppName' }).where(eq(contacts.id, link.appId));
    await editor.write('contact', [{ id: link.remoteId, fields: { [first[provider]]: 'CrmName' } }]);
    await sync(deps, connectionId);
    const [open] = await database.current.db.select().from(syncConflicts).where(and(eq(syncConflicts.recordLinkId, link.id), eq(syncConflicts.status, 'open')));
    await resolveConflict(database.current.db, { organizationId: tenant.organizationId, userId: tenant.userId }, open!.id, { choice: 'crm' });
    const [row] = await database.current.db.select().from(contacts).where(eq(contacts.id, link.appId));
    expect(row!.firstName).toBe('CrmName');
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const [remote] = await editor.fetchByIds('contact', [link.remoteId], [first[provider]]);
    expect(remote!.fields[first[provider]]).toBe('CrmName');
    expect(outcome.runs.find((r) => r.entity === 'contact')!.counts.failed).toBe(0);
  });
});
