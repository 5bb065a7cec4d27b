import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts } from '../../db/schema';
import { REALTIME_CHANNEL } from '../../server/realtime/channel';
import type { SyncProvider } from '../../server/providers/types';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { mergeContacts } from '../../server/services/crm/merge';
import { useTestDatabase } from '../support/database';
import {
  allRemote,
  appAccounts,
  appContacts,
  connectProvider,
  linksOf,
  remoteEditor,
  startSyncSandboxes,
  sync,
  syncServices,
  syncTenant,
  type Sandboxes,
} from '../support/sync';

/**
 * The engine against both sandboxes through the real provider clients: first import,
 * idempotence, incremental pull and push, one-sided edits on both sides, echo suppression,
 * dedupe before create.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 40 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

const fields: Record<SyncProvider, { contact: string[]; account: string[]; email: string; first: string; title: string }> = {
  salesforce: { contact: ['FirstName', 'LastName', 'Email', 'Title', 'Phone'], account: ['Name', 'Website'], email: 'Email', first: 'FirstName', title: 'Title' },
  hubspot: { contact: ['firstname', 'lastname', 'email', 'jobtitle', 'phone'], account: ['name', 'domain'], email: 'email', first: 'firstname', title: 'jobtitle' },
};

describe.each(['hubspot', 'salesforce'] as const)('%s', (provider) => {
  let organizationId: string;
  let ownerId: string;
  let connectionId: string;
  const f = fields[provider];

  it('first full import: every CRM contact and account lands once, linked', async () => {
    const tenant = await syncTenant(database.current);
    organizationId = tenant.organizationId;
    ownerId = tenant.userId;
    const connection = await connectProvider(deps, tenant, sandboxes, provider);
    connectionId = connection.id;
    expect(connection.status).toBe('connected');
    const events: { topic: string; organizationId: string; data: Record<string, unknown> }[] = [];
    const listener = await database.current.sql.listen(REALTIME_CHANNEL, (payload) => events.push(JSON.parse(payload)));
    const outcome = await sync(deps, connectionId);
    expect(outcome.status).toBe('done');
    await new Promise((r) => setTimeout(r, 200));
    await listener.unlisten();
    // progress reached the live channel at every page, tenant-scoped
    const progress = events.filter((e) => e.topic === 'sync.progress' && e.organizationId === organizationId);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)!.data).toMatchObject({ connectionId, status: 'succeeded' });
    expect(progress.some((e) => e.data.status === 'running' && Number(e.data.processed) > 0)).toBe(true);
    const editor = remoteEditor(sandboxes, provider);
    const remoteContacts = await allRemote(editor, 'contact', f.contact);
    const remoteAccounts = await allRemote(editor, 'account', f.account);
    const app = await appContacts(database.current, organizationId);
    const appAcc = await appAccounts(database.current, organizationId);
    expect(app.length).toBe(remoteContacts.length);
    expect(appAcc.length).toBe(remoteAccounts.length);
    expect((await linksOf(database.current, connectionId, 'contact')).length).toBe(remoteContacts.length);
    expect(new Set(app.map((c) => c.email?.toLowerCase())).size).toBe(app.length);
    const sample = remoteContacts[0]!;
    const link = (await linksOf(database.current, connectionId, 'contact')).find((l) => l.remoteId === sample.id)!;
    const row = app.find((c) => c.id === link.appId)!;
    expect(row.email?.toLowerCase()).toBe(String(sample.fields[f.email]).toLowerCase());
    // contacts carry their account
    const withAccount = remoteContacts.filter((r) => r.accountId);
    expect(withAccount.length).toBeGreaterThan(0);
    const accountLinks = new Map((await linksOf(database.current, connectionId, 'account')).map((l) => [l.remoteId, l.appId]));
    const contactLinks = new Map((await linksOf(database.current, connectionId, 'contact')).map((l) => [l.remoteId, l.appId]));
    for (const r of withAccount.slice(0, 10)) {
      const appRow = app.find((c) => c.id === contactLinks.get(r.id))!;
      expect(appRow.accountId).toBe(accountLinks.get(r.accountId!));
    }
  });

  it('the same sync twice creates and changes nothing (idempotence, echo suppression)', async () => {
    const before = await appContacts(database.current, organizationId);
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    for (const run of outcome.runs) {
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
      expect(run.counts.created).toBe(0);
      expect(run.counts.updated).toBe(0);
      expect(run.counts.failed).toBe(0);
    }
    const after = await appContacts(database.current, organizationId);
    expect(after.map((c) => [c.id, c.changeSeq])).toEqual(before.map((c) => [c.id, c.changeSeq]));
  });

  it('incremental pull and push with one-sided edits on both sides', async () => {
    const editor = remoteEditor(sandboxes, provider);
    const links = await linksOf(database.current, connectionId, 'contact');
    const [remoteEdited, appEdited] = [links[0]!, links[1]!];
    const wrote = await editor.write('contact', [{ id: remoteEdited.remoteId, fields: { [f.title]: 'Edited in the CRM' } }]);
    expect(wrote[0]!.ok).toBe(true);
    await database.current.db.update(contacts).set({ position: 'Edited in the app' }).where(eq(contacts.id, appEdited.appId));
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const contactRun = outcome.runs.find((r) => r.entity === 'contact')!;
    expect(contactRun.counts.updated).toBe(2);
    expect(contactRun.counts.failed).toBe(0);
    const [pulled] = await database.current.db.select().from(contacts).where(eq(contacts.id, remoteEdited.appId));
    expect(pulled!.position).toBe('Edited in the CRM');
    const [pushed] = await editor.fetchByIds('contact', [appEdited.remoteId], f.contact);
    expect(pushed!.fields[f.title]).toBe('Edited in the app');
    // and nothing echoes back
    const again = await sync(deps, connectionId);
    if (again.status !== 'done') throw new Error(again.status);
    expect(again.runs.every((r) => r.counts.updated === 0 && r.counts.created === 0)).toBe(true);
  });

  it('an app contact is created in the CRM once; an unlinked CRM contact with a known e-mail is matched, not duplicated', async () => {
    const editor = remoteEditor(sandboxes, provider);
    const email = `new.person.${provider}@example.test`;
    const [created] = await database.current.db
      .insert(contacts)
      .values({ organizationId, firstName: 'New', lastName: 'Person', email })
      .returning();
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    expect(outcome.runs.find((r) => r.entity === 'contact')!.counts.created).toBe(1);
    const found = await editor.findByDedupeKeys('contact', [email], f.contact);
    expect(found.size).toBe(1);
    const links = await linksOf(database.current, connectionId, 'contact');
    expect(links.filter((l) => l.appId === created!.id)).toHaveLength(1);

    // a CRM contact whose e-mail an unlinked app contact has: linked, not created
    const twin = `twin.${provider}@example.test`;
    const [appTwin] = await database.current.db.insert(contacts).values({ organizationId, firstName: 'Twin', lastName: 'App', email: twin }).returning();
    // the app twin must not be pushed first for this check: create the CRM side, then sync
    const remote = await editor.write('contact', [{ fields: { [f.email]: twin, [f.first]: 'Twin', [provider === 'salesforce' ? 'LastName' : 'lastname']: 'Crm' } }]);
    expect(remote[0]!.ok).toBe(true);
    const before = (await appContacts(database.current, organizationId)).length;
    await sync(deps, connectionId);
    const after = await appContacts(database.current, organizationId);
    expect(after.length).toBe(before);
    const twinLinks = (await linksOf(database.current, connectionId, 'contact')).filter((l) => l.appId === appTwin!.id);
    expect(twinLinks).toHaveLength(1);
    expect(twinLinks[0]!.remoteId).toBe((remote[0] as { id: string }).id);
    const remoteTwins = await editor.findByDedupeKeys('contact', [twin], f.contact);
    expect(remoteTwins.size).toBe(1);
    const rows = await database.current.db.select().from(contacts).where(and(eq(contacts.organizationId, organizationId), eq(contacts.email, twin)));
    expect(rows).toHaveLength(1);
  });

  it('a CRM merge in the app moves the merged record’s link to the survivor (or drops it when the survivor has one)', async () => {
    const actor = { organizationId, userId: ownerId, seesAllLeads: true };
    const links = await linksOf(database.current, connectionId, 'contact');
    // both linked: the survivor keeps its own link, the merged one's goes
    const [a, b] = [links[0]!, links[1]!];
    await mergeContacts(database.current.db, actor, a.appId, b.appId);
    const after = await linksOf(database.current, connectionId, 'contact');
    expect(after.filter((l) => l.appId === a.appId).map((l) => l.remoteId)).toEqual([a.remoteId]);
    expect(after.some((l) => l.appId === b.appId || l.remoteId === b.remoteId)).toBe(false);
    // an unlinked survivor takes the merged record's link
    const [loner] = await database.current.db.insert(contacts).values({ organizationId, firstName: 'Loner', lastName: 'Unlinked' }).returning();
    const c = links[2]!;
    await mergeContacts(database.current.db, actor, loner!.id, c.appId);
    const moved = await linksOf(database.current, connectionId, 'contact');
    expect(moved.find((l) => l.remoteId === c.remoteId)?.appId).toBe(loner!.id);
  });

  // Salesforce only: its collections report a per-record failure the app can refuse record by record
  if (provider === 'salesforce') it('a record the app refuses fails alone (the page commits), and "retry failed records" re-runs just it', async () => {
    const editor = remoteEditor(sandboxes, provider);
    const links = await linksOf(database.current, connectionId, 'contact');
    const live = new Set((await appContacts(database.current, organizationId)).map((c) => c.id));
    const [x, y, z] = links.filter((l) => live.has(l.appId)).slice(-3);
    const [yRow] = await database.current.db.select().from(contacts).where(eq(contacts.id, y!.appId));
    // Salesforce allows two contacts with one e-mail; the app does not
    await editor.write('contact', [
      { id: x!.remoteId, fields: { Email: yRow!.email } },
      { id: z!.remoteId, fields: { Title: 'Page mate' } },
    ]);
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const run = outcome.runs.find((r) => r.entity === 'contact')!;
    expect(run).toMatchObject({ status: 'partial', counts: expect.objectContaining({ failed: 1 }) });
    const [zRow] = await database.current.db.select().from(contacts).where(eq(contacts.id, z!.appId));
    expect(zRow!.position).toBe('Page mate');
    // the person fixes the clash; the retry re-runs only the failed record
    await database.current.db.update(contacts).set({ email: 'moved.away@example.test' }).where(eq(contacts.id, y!.appId));
    const retry = await sync(deps, connectionId, { trigger: 'retry', entities: ['contact'], retryOfRunId: run.runId });
    if (retry.status !== 'done') throw new Error(retry.status);
    expect(retry.runs[0]).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ processed: 1, updated: 1, failed: 0 }) });
    const [xRow] = await database.current.db.select().from(contacts).where(eq(contacts.id, x!.appId));
    expect(xRow!.email?.toLowerCase()).toBe(yRow!.email!.toLowerCase());
  });

  it('two app accounts with one domain: the first goes to the CRM, the second waits for a person instead of overwriting it', async () => {
    const editor = remoteEditor(sandboxes, provider);
    const domain = `twins-${provider}.example`;
    const [first] = await database.current.db.insert(accounts).values({ organizationId, name: 'Twin One', domain }).returning();
    const outcome = await sync(deps, connectionId);
    if (outcome.status !== 'done') throw new Error(outcome.status);
    const [second] = await database.current.db.insert(accounts).values({ organizationId, name: 'Twin Two', domain }).returning();
    const again = await sync(deps, connectionId);
    if (again.status !== 'done') throw new Error(again.status);
    expect(again.runs.find((r) => r.entity === 'account')!.counts.failed).toBe(1);
    const found = await editor.findByDedupeKeys('account', [domain], [provider === 'salesforce' ? 'Name' : 'name']);
    expect(found.size).toBe(1);
    expect(Object.values(found.get(domain)!.fields)).toContain('Twin One');
    const accountLinks = await linksOf(database.current, connectionId, 'account');
    expect(accountLinks.some((l) => l.appId === first!.id)).toBe(true);
    expect(accountLinks.some((l) => l.appId === second!.id)).toBe(false);
  });
});
