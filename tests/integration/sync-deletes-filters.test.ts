import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, recordLinks } from '../../db/schema';
import type { SyncProvider } from '../../server/providers/types';
import { connectionById, updateSettings } from '../../server/services/sync/connections';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { allRemote, appContacts, connectProvider, linksOf, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/** Delete propagation both ways (and its absence), no delete after a failed run, filters on both sides. */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 30, seed: 23 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

const F: Record<SyncProvider, { email: string; last: string; title: string }> = {
  salesforce: { email: 'Email', last: 'LastName', title: 'Title' },
  hubspot: { email: 'email', last: 'lastname', title: 'jobtitle' },
};

describe.each(['salesforce', 'hubspot'] as const)('%s', (provider) => {
  it('deletes: CRM → app soft delete (when set) or unlink; app → CRM delete (when set) or a tombstone; a failed run deletes nothing', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, provider, { propagateDeletes: true });
    await sync(deps, connection.id);
    const editor = remoteEditor(sandboxes, provider);
    const links = await linksOf(database.current, connection.id, 'contact');
    const [remoteGone, appGone, remoteGoneQuietly, appGoneQuietly, survivor] = links;

    // with propagation
    expect((await editor.remove('contact', [remoteGone!.remoteId]))[0]!.ok).toBe(true);
    await database.current.db.update(contacts).set({ deletedAt: new Date() }).where(eq(contacts.id, appGone!.appId));
    let outcome = await sync(deps, connection.id);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    expect(outcome.runs.find((r) => r.entity === 'contact')!.counts.deleted).toBe(2);
    const [softDeleted] = await database.current.db.select().from(contacts).where(eq(contacts.id, remoteGone!.appId));
    expect(softDeleted!.deletedAt).not.toBeNull();
    expect(await editor.fetchByIds('contact', [appGone!.remoteId], [F[provider].email])).toHaveLength(0);
    let linkIds = (await linksOf(database.current, connection.id, 'contact')).map((l) => l.id);
    expect(linkIds).not.toContain(remoteGone!.id);
    expect(linkIds).not.toContain(appGone!.id);

    // without propagation: the CRM delete only unlinks; the app delete keeps a tombstone link
    await updateSettings(database.current.db, await connectionById(database.current.db, tenant.organizationId, connection.id), { propagateDeletes: false });
    await editor.remove('contact', [remoteGoneQuietly!.remoteId]);
    await database.current.db.update(contacts).set({ deletedAt: new Date() }).where(eq(contacts.id, appGoneQuietly!.appId));
    outcome = await sync(deps, connection.id);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const [kept] = await database.current.db.select().from(contacts).where(eq(contacts.id, remoteGoneQuietly!.appId));
    expect(kept!.deletedAt).toBeNull();
    expect(await editor.fetchByIds('contact', [appGoneQuietly!.remoteId], [F[provider].email])).toHaveLength(1);
    linkIds = (await linksOf(database.current, connection.id, 'contact')).map((l) => l.id);
    expect(linkIds).not.toContain(remoteGoneQuietly!.id);
    expect(linkIds).toContain(appGoneQuietly!.id);
    // a later CRM edit of the record deleted in the app does not bring it back
    await editor.write('contact', [{ id: appGoneQuietly!.remoteId, fields: { [F[provider].title]: 'still here' } }]);
    const before = (await appContacts(database.current, tenant.organizationId)).length;
    await sync(deps, connection.id);
    expect((await appContacts(database.current, tenant.organizationId)).length).toBe(before);

    // a run that fails halfway deletes nothing
    await updateSettings(database.current.db, await connectionById(database.current.db, tenant.organizationId, connection.id), { propagateDeletes: true });
    const sandbox = provider === 'salesforce' ? sandboxes.salesforce : sandboxes.hubspot;
    const appBefore = (await appContacts(database.current, tenant.organizationId)).map((c) => c.id).sort();
    const linksBefore = (await database.current.db.select({ id: recordLinks.id }).from(recordLinks).where(eq(recordLinks.connectionId, connection.id))).length;
    sandbox.faults.set({ serverErrorRate: 1 });
    try {
      const failed = await sync(deps, connection.id).catch((e: Error) => e);
      expect(failed).toBeInstanceOf(Error);
    } finally {
      sandbox.faults.reset();
    }
    expect((await appContacts(database.current, tenant.organizationId)).map((c) => c.id).sort()).toEqual(appBefore);
    expect((await database.current.db.select({ id: recordLinks.id }).from(recordLinks).where(eq(recordLinks.connectionId, connection.id))).length).toBe(linksBefore);
    expect(survivor).toBeDefined();
  });

  it('filters apply on both sides: only matching CRM records come in, only matching app records go out', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, provider, {
      entities: ['contact'],
      filters: { contact: [{ field: 'email', operator: 'contains', value: '@example.de' }] },
    });
    const editor = remoteEditor(sandboxes, provider);
    const remote = await allRemote(editor, 'contact', [F[provider].email]);
    const matching = remote.filter((r) => String(r.fields[F[provider].email] ?? '').toLowerCase().includes('@example.de'));
    expect(matching.length).toBeGreaterThan(0);
    expect(matching.length).toBeLessThan(remote.length);
    await sync(deps, connection.id);
    const app = await appContacts(database.current, tenant.organizationId);
    expect(app.length).toBe(matching.length);
    expect(app.every((c) => c.email?.includes('@example.de'))).toBe(true);
    const outside = `outside.${provider}@example.fr`;
    const inside = `inside.${provider}@example.de`;
    await database.current.db.insert(contacts).values([
      { organizationId: tenant.organizationId, firstName: 'Out', lastName: 'Side', email: outside },
      { organizationId: tenant.organizationId, firstName: 'In', lastName: 'Side', email: inside },
    ]);
    await sync(deps, connection.id);
    expect((await editor.findByDedupeKeys('contact', [outside], [F[provider].email])).size).toBe(0);
    expect((await editor.findByDedupeKeys('contact', [inside], [F[provider].email])).size).toBe(1);
  });
});
