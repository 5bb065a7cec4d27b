import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts } from '../../db/schema';
import { connectionById, updateSettings } from '../../server/services/sync/connections';
import type { SyncDeps } from '../../server/services/sync/tokens';
import type { AppServices } from '../../server/app-services';
import { useTestDatabase } from '../support/database';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { connectProvider, linksOf, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes, type SyncTenant } from '../support/sync';

/**
 * What the sync history and conflicts screens read: runs page by page, a run's record-level
 * errors page by page with their attempts, conflicts grouped per record, the open count.
 * Errors and conflicts come from real syncs against the Salesforce sandbox.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;
let services: AppServices;
let tenant: SyncTenant;
let connectionId: string;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 24, seed: 21 });
  ({ deps, services } = syncServices(database.current, sandboxes));
  tenant = await syncTenant(database.current);
  connectionId = (await connectProvider(deps, tenant, sandboxes, 'salesforce')).id;
  const first = await sync(deps, connectionId);
  expect(first.status).toBe('done');
});
afterAll(async () => {
  await sandboxes?.close();
});

const owner = async () => (await callerAs(database.current, { id: tenant.userId, organizationId: tenant.organizationId }, services)).caller;

describe('sync.runErrors', () => {
  it('lists a run’s record-level errors a page at a time, counting attempts per record', async () => {
    const editor = remoteEditor(sandboxes, 'salesforce');
    const link = (await linksOf(database.current, connectionId, 'contact'))[0]!;
    const [linked] = await editor.fetchByIds('contact', [link.remoteId], ['Email']);
    const email = String(linked!.fields.Email);
    // two CRM contacts sharing a linked contact's e-mail: each fails alone on the next pull
    const twins = await editor.write('contact', [{ fields: { LastName: 'Twin A', Email: email } }, { fields: { LastName: 'Twin B', Email: email } }]);
    const twinIds = twins.map((t) => (t.ok ? t.id : expect.unreachable(t.error)));
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const run = outcome.runs.find((r) => r.entity === 'contact')!;
    expect(run.counts.failed).toBe(2);

    const caller = await owner();
    const first = await caller.sync.runErrors({ runId: run.runId, limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBe(first.items[0]!.id);
    const second = await caller.sync.runErrors({ runId: run.runId, cursor: first.nextCursor!, limit: 1 });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const seen = [...first.items, ...second.items];
    expect(new Set(seen.map((e) => e.remoteId))).toEqual(new Set(twinIds));
    for (const e of seen) expect(e).toMatchObject({ entity: 'contact', side: 'pull', attempts: 1, message: expect.stringContaining(email) });

    // one twin changes again in the CRM and fails again: its second failure is attempt 2
    const twinA = twinIds[0]!;
    expect((await editor.write('contact', [{ id: twinA, fields: { LastName: 'Twin A again' } }]))[0]!.ok).toBe(true);
    const again = await sync(deps, connectionId);
    if (again.status !== 'done') throw new Error(again.status);
    const rerun = again.runs.find((r) => r.entity === 'contact')!;
    const errors = await caller.sync.runErrors({ runId: rerun.runId });
    expect(errors.items.find((e) => e.remoteId === twinA)).toMatchObject({ attempts: 2 });
  });

  it('answers NOT_FOUND for another tenant’s run', async () => {
    const runs = await (await owner()).sync.runs({ connectionId, limit: 1 });
    const other = await makeTenant(database.current);
    const stranger = await makeUser(database.current, 'owner', other.id);
    const { caller } = await callerAs(database.current, { id: stranger.id, organizationId: other.id }, services);
    await expect(caller.sync.runErrors({ runId: runs.items[0]!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('sync.runs pagination', () => {
  it('walks every run exactly once, newest first', async () => {
    const caller = await owner();
    const all = await caller.sync.runs({ connectionId, limit: 100 });
    expect(all.items.length).toBeGreaterThanOrEqual(4);
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 50; guard++) {
      const page = await caller.sync.runs({ connectionId, limit: 1, cursor });
      walked.push(...page.items.map((r) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(walked).toEqual(all.items.map((r) => r.id));
  });
});

describe('conflicts.records and conflicts.count', () => {
  it('groups open conflicts per record, pages through them, and counts them for the badge', async () => {
    const connection = await connectionById(database.current.db, tenant.organizationId, connectionId);
    await updateSettings(database.current.db, connection, { conflictStrategy: 'manual_review' });
    const editor = remoteEditor(sandboxes, 'salesforce');
    const [one, two] = (await linksOf(database.current, connectionId, 'contact')).slice(1, 3);
    // record one: two fields in conflict; record two: one field
    await database.current.db.update(contacts).set({ position: 'App title', firstName: 'AppFirst' }).where(eq(contacts.id, one!.appId));
    await database.current.db.update(contacts).set({ position: 'App title 2' }).where(eq(contacts.id, two!.appId));
    await editor.write('contact', [
      { id: one!.remoteId, fields: { Title: 'CRM title', FirstName: 'CrmFirst' } },
      { id: two!.remoteId, fields: { Title: 'CRM title 2' } },
    ]);
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);

    const caller = await owner();
    expect(await caller.conflicts.count({ connectionId })).toEqual({ fields: 3, records: 2 });
    const all = await caller.conflicts.records({ connectionId });
    expect(all.items).toHaveLength(2);
    const groupOne = all.items.find((g) => g.recordLinkId === one!.id)!;
    expect([...groupOne.fields].sort()).toEqual(['firstName', 'position']);
    expect(groupOne.recordName).toMatch(/^AppFirst /);
    expect(all.items.find((g) => g.recordLinkId === two!.id)!.fields).toEqual(['position']);

    const page1 = await caller.conflicts.records({ connectionId, limit: 1 });
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await caller.conflicts.records({ connectionId, limit: 1, cursor: page1.nextCursor! });
    expect(page2.nextCursor).toBeNull();
    expect([...page1.items, ...page2.items].map((g) => g.recordLinkId)).toEqual(all.items.map((g) => g.recordLinkId));

    // the detail lists the record's open fields with the app's value now
    const detail = await caller.conflicts.byId({ id: groupOne.firstId });
    expect(detail.openFieldsOfRecord).toHaveLength(2);
    const title = detail.openFieldsOfRecord.find((c) => c.appField === 'position')!;
    expect(detail.currentAppValues[title.id]).toBe('App title');

    // settling one field moves the count; the record leaves the open list when its last field is settled
    await caller.conflicts.resolve({ id: title.id, choice: 'crm' });
    expect(await caller.conflicts.count({ connectionId })).toEqual({ fields: 2, records: 2 });
    const rest = detail.openFieldsOfRecord.find((c) => c.appField === 'firstName')!;
    await caller.conflicts.ignore({ id: rest.id });
    expect(await caller.conflicts.count({ connectionId })).toEqual({ fields: 1, records: 1 });
    expect((await caller.conflicts.records({ connectionId })).items.map((g) => g.recordLinkId)).toEqual([two!.id]);
    expect((await caller.conflicts.records({ connectionId, status: 'resolved' })).items.map((g) => g.recordLinkId)).toEqual([one!.id]);
    expect((await caller.conflicts.records({ connectionId, status: 'ignored' })).items.map((g) => g.recordLinkId)).toEqual([one!.id]);
  });

  it('names the accounts of an association conflict', async () => {
    const editor = remoteEditor(sandboxes, 'salesforce');
    const contact = (await linksOf(database.current, connectionId, 'contact'))[3]!;
    const [current] = await database.current.db.select({ accountId: contacts.accountId }).from(contacts).where(eq(contacts.id, contact.appId));
    // two accounts other than the contact's own: each side moves it to a different one
    const [appSide, crmSide] = (await linksOf(database.current, connectionId, 'account')).filter((l) => l.appId !== current!.accountId);
    await database.current.db.update(contacts).set({ accountId: appSide!.appId }).where(eq(contacts.id, contact.appId));
    expect((await editor.write('contact', [{ id: contact.remoteId, fields: {}, accountId: crmSide!.remoteId }]))[0]!.ok).toBe(true);
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);

    const caller = await owner();
    const group = (await caller.conflicts.records({ connectionId })).items.find((g) => g.recordLinkId === contact.id)!;
    expect(group.fields).toEqual(['accountId']);
    const detail = await caller.conflicts.byId({ id: group.firstId });
    const [appAccount] = await database.current.db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, appSide!.appId));
    const [crmAccount] = await database.current.db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, crmSide!.appId));
    expect(detail.conflict).toMatchObject({ appValue: appSide!.remoteId, remoteValue: crmSide!.remoteId });
    expect(detail.accountNames).toMatchObject({ [appSide!.remoteId]: appAccount!.name, [crmSide!.remoteId]: crmAccount!.name });
  });
});
