import { and, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, recordLinks, syncCursors } from '../../db/schema';
import type { CrmEntity, SyncProvider } from '../../server/providers/types';
import { SyncClient } from '../../server/services/sync/client';
import type { SyncOptions } from '../../server/services/sync/engine';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { allRemote, connectProvider, linksOf, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes, type SyncTenant } from '../support/sync';

/**
 * Provider faults in the middle of a sync, for both providers — a 429 storm, a request that
 * never answers, the access token expiring between pages. (5xx bursts, a revoked refresh token
 * and a SIGKILLed worker have their own tests.) After the run (and, where the fault ended it,
 * the next run) the app and the CRM equal an oracle computed independently of the engine:
 * every CRM record once in the app, every app-only record once in the CRM, each pair linked
 * once — 0 duplicates, 0 lost.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 45, seed: 53 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterEach(() => {
  sandboxes.salesforce.faults.reset();
  sandboxes.hubspot.faults.reset();
});
afterAll(async () => {
  await sandboxes?.close();
});

const EMAIL: Record<SyncProvider, string> = { salesforce: 'Email', hubspot: 'email' };
const NAME: Record<SyncProvider, string> = { salesforce: 'Name', hubspot: 'name' };
const TOKEN_PATH: Record<SyncProvider, string> = { salesforce: '/services/oauth2/token', hubspot: '/oauth/v1/token' };
/** Small pages, so a fault can land between two of them. */
const PAGES: Partial<SyncOptions> = { pullPageSize: 10, pushPageSize: 10 };

const sandboxOf = (provider: SyncProvider) => (provider === 'salesforce' ? sandboxes.salesforce : sandboxes.hubspot);
const lower = (v: unknown) => (typeof v === 'string' && v ? v.toLowerCase() : null);

/** A tenant with a connection and `appOnly` contacts the push must create in the CRM; the expected end state, taken from the CRM before the sync. */
async function scenario(provider: SyncProvider, tag: string) {
  const tenant: SyncTenant = await syncTenant(database.current);
  const connection = await connectProvider(deps, tenant, sandboxes, provider);
  const appOnly = Array.from({ length: 14 }, (_, i) => ({ organizationId: tenant.organizationId, firstName: 'Fault', lastName: `${tag} ${i}`, email: `${tag}.${i}@faults.example` }));
  await database.current.db.insert(contacts).values(appOnly);
  const editor = remoteEditor(sandboxes, provider);
  const remoteContacts = await allRemote(editor, 'contact', [EMAIL[provider]]);
  const remoteAccounts = await allRemote(editor, 'account', [NAME[provider]]);
  return {
    tenant,
    connection,
    expected: {
      contacts: remoteContacts.length + appOnly.length,
      accounts: remoteAccounts.length,
      emails: new Set([...remoteContacts.map((r) => lower(r.fields[EMAIL[provider]])).filter(Boolean), ...appOnly.map((c) => c.email)]),
      remoteIdsBefore: new Set(remoteContacts.map((r) => r.id)),
    },
  };
}

/** The oracle, on both sides. */
async function expectConverged(provider: SyncProvider, s: Awaited<ReturnType<typeof scenario>>) {
  const { tenant, connection, expected } = s;
  const editor = remoteEditor(sandboxes, provider);
  const remote = await allRemote(editor, 'contact', [EMAIL[provider]]);
  const app = await database.current.db.select().from(contacts).where(and(eq(contacts.organizationId, tenant.organizationId), isNull(contacts.deletedAt)));
  const links = await linksOf(database.current, connection.id, 'contact');

  // 0 lost, 0 duplicates: counts on both sides, every pre-existing CRM record still there
  expect(remote).toHaveLength(expected.contacts);
  expect(app).toHaveLength(expected.contacts);
  for (const id of expected.remoteIdsBefore) expect(remote.some((r) => r.id === id)).toBe(true);
  const remoteEmails = remote.map((r) => lower(r.fields[EMAIL[provider]])).filter(Boolean);
  const appEmails = app.map((c) => lower(c.email)).filter(Boolean);
  expect(new Set(remoteEmails).size).toBe(remoteEmails.length);
  expect(new Set(appEmails).size).toBe(appEmails.length);
  expect(new Set(remoteEmails)).toEqual(expected.emails);
  expect(new Set(appEmails)).toEqual(expected.emails);
  // each pair linked exactly once, and the links cover both sides
  expect(links).toHaveLength(expected.contacts);
  expect(new Set(links.map((l) => l.remoteId))).toEqual(new Set(remote.map((r) => r.id)));
  expect(new Set(links.map((l) => l.appId))).toEqual(new Set(app.map((c) => c.id)));
  // linked pairs agree on the e-mail
  const remoteById = new Map(remote.map((r) => [r.id, lower(r.fields[EMAIL[provider]])]));
  const appById = new Map(app.map((c) => [c.id, lower(c.email)]));
  for (const l of links) expect(appById.get(l.appId)).toBe(remoteById.get(l.remoteId));
  const appAccounts = await database.current.db.select().from(accounts).where(and(eq(accounts.organizationId, tenant.organizationId), isNull(accounts.deletedAt)));
  expect(appAccounts).toHaveLength(expected.accounts);
  expect(await linksOf(database.current, connection.id, 'account' as CrmEntity)).toHaveLength(expected.accounts);
}

/** Arms a fault once, after the first committed contact page of the given phase. */
function onceAfter(phase: 'pull' | 'deletes' | 'push', arm: () => void | Promise<void>) {
  let armed = false;
  return async (info: { entity: string; phase: string; page: number }) => {
    if (armed || info.entity !== 'contact' || info.phase !== phase) return;
    armed = true;
    await arm();
  };
}

describe.each(['salesforce', 'hubspot'] as const)('%s', (provider) => {
  it('a 429 storm in the pull and again in the push: waited out (Retry-After, shared by every process), the run completes', { timeout: 120_000 }, async () => {
    const s = await scenario(provider, `storm-${provider}`);
    const sandbox = sandboxOf(provider);
    sandbox.requests.clear();
    const storm = () => void sandbox.faults.set({ rateLimitStorm: { requests: 5, retryAfterSeconds: 1 } });
    const inPull = onceAfter('pull', storm);
    const beforePush = onceAfter('deletes', storm);
    const outcome = await sync(deps, s.connection.id, {
      ...PAGES,
      afterPage: async (info) => {
        await inPull(info);
        await beforePush(info);
      },
    });
    if (outcome.status !== 'done') throw new Error(JSON.stringify(outcome));
    expect(outcome.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    // the storms really happened: 10 requests answered 429, all of them waited out
    expect(sandbox.requests.all().filter((r) => r.fault === 'rate-limit')).toHaveLength(10);
    await expectConverged(provider, s);
  });

  it('a request that never answers: the client gives up after its timeout, the run fails cleanly, the next run completes', { timeout: 120_000 }, async () => {
    const s = await scenario(provider, `hang-${provider}`);
    const sandbox = sandboxOf(provider);
    sandbox.requests.clear();
    const client = await SyncClient.open(deps, s.connection.id, { enforceBudget: true, requestTimeoutMs: 1_500 });
    const first = await sync(deps, s.connection.id, { ...PAGES, client, afterPage: onceAfter('pull', () => void sandbox.faults.set({ hangRequests: 1 })) }).then(
      (outcome) => ({ outcome, error: null }),
      (error: unknown) => ({ outcome: null, error }),
    );
    expect(sandbox.requests.all().filter((r) => r.fault === 'hang')).toHaveLength(1);
    // the run stopped with a transient error (the job would be retried with back-off), keeping the pages it committed
    expect(first.error).toBeTruthy();
    expect(String(first.error)).toMatch(/timed out|timeout|aborted/i);
    const imported = await database.current.db.select().from(contacts).where(eq(contacts.organizationId, s.tenant.organizationId));
    expect(imported.length).toBeGreaterThan(14); // the app-only ones plus the first committed page
    const second = await sync(deps, s.connection.id, PAGES);
    if (second.status !== 'done') throw new Error(JSON.stringify(second));
    expect(second.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    await expectConverged(provider, s);
  });

  it('the access token expires between pages: one refresh, the run completes', { timeout: 120_000 }, async () => {
    const s = await scenario(provider, `expiry-${provider}`);
    const sandbox = sandboxOf(provider);
    let refreshesBefore = 0;
    const outcome = await sync(deps, s.connection.id, {
      ...PAGES,
      afterPage: onceAfter('pull', async () => {
        refreshesBefore = sandbox.requests.count({ pathPrefix: TOKEN_PATH[provider] });
        const answer = await fetch(`${sandbox.url}/_sandbox/tokens/expire`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
        expect(((await answer.json()) as { expired: number }).expired).toBeGreaterThan(0);
      }),
    });
    if (outcome.status !== 'done') throw new Error(JSON.stringify(outcome));
    expect(outcome.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(sandbox.requests.count({ pathPrefix: TOKEN_PATH[provider] }) - refreshesBefore).toBe(1);
    await expectConverged(provider, s);
  });
});

const LAST: Record<SyncProvider, string> = { salesforce: 'LastName', hubspot: 'lastname' };

describe.each(['salesforce', 'hubspot'] as const)('%s: creates without a dedupe key', (provider) => {
  it.each(['bidirectional', 'push'] as const)(
    'a contact without e-mail and an account without domain, created in the CRM, then the crash before our link (%s): the re-run still has one of each',
    { timeout: 120_000 },
    async (direction) => {
      const tenant = await syncTenant(database.current);
      const connection = await connectProvider(deps, tenant, sandboxes, provider, { direction });
      const tag = `Keyless${provider}${direction}`;
      const [account] = await database.current.db.insert(accounts).values({ organizationId: tenant.organizationId, name: `${tag} Holdings` }).returning();
      const [contact] = await database.current.db.insert(contacts).values({ organizationId: tenant.organizationId, firstName: 'Nomail', lastName: tag }).returning();
      const editor = remoteEditor(sandboxes, provider);
      const remoteOf = async () => ({
        contacts: (await allRemote(editor, 'contact', [LAST[provider]])).filter((r) => r.fields[LAST[provider]] === tag),
        accounts: (await allRemote(editor, 'account', [NAME[provider]])).filter((r) => r.fields[NAME[provider]] === `${tag} Holdings`),
      });

      const first = await sync(deps, connection.id);
      if (first.status !== 'done') throw new Error(JSON.stringify(first));
      const created = await remoteOf();
      expect(created.contacts).toHaveLength(1);
      expect(created.accounts).toHaveLength(1);

      // the crash: the CRM has the records, our links and the push cursor never committed
      await database.current.db.delete(recordLinks).where(and(eq(recordLinks.connectionId, connection.id), inArray(recordLinks.appId, [account!.id, contact!.id])));
      await database.current.db.delete(syncCursors).where(and(eq(syncCursors.connectionId, connection.id), eq(syncCursors.kind, 'push')));

      const second = await sync(deps, connection.id);
      if (second.status !== 'done') throw new Error(JSON.stringify(second));
      expect(second.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      const after = await remoteOf();
      expect(after.contacts.map((r) => r.id)).toEqual(created.contacts.map((r) => r.id));
      expect(after.accounts.map((r) => r.id)).toEqual(created.accounts.map((r) => r.id));
      // and one of each in the app, linked to those
      const appContacts = await database.current.db.select().from(contacts).where(and(eq(contacts.organizationId, tenant.organizationId), eq(contacts.lastName, tag), isNull(contacts.deletedAt)));
      expect(appContacts.map((c) => c.id)).toEqual([contact!.id]);
      const appAccounts = await database.current.db.select().from(accounts).where(and(eq(accounts.organizationId, tenant.organizationId), eq(accounts.name, `${tag} Holdings`), isNull(accounts.deletedAt)));
      expect(appAccounts.map((a) => a.id)).toEqual([account!.id]);
      const links = await database.current.db.select().from(recordLinks).where(and(eq(recordLinks.connectionId, connection.id), inArray(recordLinks.appId, [account!.id, contact!.id])));
      expect(new Set(links.map((l) => l.remoteId))).toEqual(new Set([created.contacts[0]!.id, created.accounts[0]!.id]));
    },
  );
});
