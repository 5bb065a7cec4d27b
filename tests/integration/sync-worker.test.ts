import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, syncCursors, syncRuns } from '../../db/schema';
import { startBoss } from '../../jobs/boss';
import { queues } from '../../jobs/queues';
import { parseKeyring } from '../../server/security/crypto';
import { enqueueSync } from '../../server/services/sync/enqueue';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { allRemote, appAccounts, appContacts, connectProvider, linksOf, remoteEditor, startSyncSandboxes, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/**
 * A real worker process (jobs/runner.ts, as `npm run worker` starts it) is SIGKILLed in
 * the middle of a sync. pg-boss notices the missing heartbeats and retries the job on a
 * second worker, which resumes from the last committed page: afterwards the app and the
 * CRM hold exactly the records an independent oracle expects — no duplicate, none lost.
 */

const database = useTestDatabase();
const key = `test:${randomBytes(32).toString('base64')}`;
let sandboxes: Sandboxes;
let deps: SyncDeps;
let boss: PgBoss;
const workers: ChildProcess[] = [];
let output = '';

function startWorker(): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.current.url, APP_ENCRYPTION_KEY: key, NODE_ENV: 'test' };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'jobs/runner.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  workers.push(child);
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 40): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; workers said:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 2000, seed: 31 });
  const base = syncServices(database.current, sandboxes).deps;
  deps = { ...base, keyring: parseKeyring(key) };
  // a short supervision cadence so the dead worker's job is noticed within seconds
  boss = await startBoss(database.current.url, { schedule: false, superviseIntervalSeconds: 1 });
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await boss?.stop({ graceful: false, timeout: 2000 });
  await sandboxes?.close();
});

describe('a worker SIGKILLed mid-sync', () => {
  it('resumes from the last committed page: 0 duplicates, 0 lost, both ways', { timeout: 150_000 }, async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot');
    // 60 app contacts the push phase must create in the CRM, once each
    const appOnly = Array.from({ length: 60 }, (_, i) => ({ organizationId: tenant.organizationId, firstName: 'Pushed', lastName: `Person ${i}`, email: `pushed.${i}@crash.example` }));
    await database.current.db.insert(contacts).values(appOnly);
    const editor = remoteEditor(sandboxes, 'hubspot');
    const remoteBefore = await allRemote(editor, 'contact', ['email']);
    const accountsBefore = await allRemote(editor, 'account', ['name']);
    // the oracle: every CRM contact once in the app, and the app-only contacts once in the CRM
    const expectedEmails = new Set([...remoteBefore.map((r) => String(r.fields.email).toLowerCase()), ...appOnly.map((c) => c.email)]);

    sandboxes.hubspot.latency.ms = 120; // slow enough to stop it between pages
    const first = startWorker();
    await until('worker A ready', async () => output.includes('ready on Node'));
    const queued = await enqueueSync(boss, database.current.db, { connectionId: connection.id, trigger: 'manual' });
    if (queued.status !== 'queued') throw new Error(JSON.stringify(queued));

    // kill it once a few contact pages are committed, while the run is still going
    const victim = await until('a contact run with committed pages', async () => {
      const [run] = await database.current.db
        .select()
        .from(syncRuns)
        .where(and(eq(syncRuns.connectionId, connection.id), eq(syncRuns.entity, 'contact'), eq(syncRuns.status, 'running')));
      return run && run.pages >= 3 ? run : null;
    });
    first.kill('SIGKILL');
    await until('worker A gone', async () => first.signalCode === 'SIGKILL');
    const [cursorAtKill] = await database.current.db
      .select()
      .from(syncCursors)
      .where(and(eq(syncCursors.connectionId, connection.id), eq(syncCursors.entity, 'contact'), eq(syncCursors.kind, 'pull')));
    const importedAtKill = (await appContacts(database.current, tenant.organizationId)).length - appOnly.length;
    expect(importedAtKill).toBeGreaterThan(0);
    expect(importedAtKill).toBeLessThan(remoteBefore.length);
    expect(cursorAtKill).toBeDefined();

    sandboxes.hubspot.latency.ms = 0;
    startWorker();
    const job = await until(
      'the retried job to complete',
      async () => {
        const j = await boss.getJobById<unknown>(queues.crmSync.name, queued.jobId);
        return j && ['completed', 'failed', 'cancelled'].includes(j.state) && (j.state !== 'failed' || j.retryCount >= j.retryLimit) ? j : null;
      },
      120_000,
      250,
    );
    expect(job.state).toBe('completed');
    expect(job.retryCount).toBeGreaterThanOrEqual(1);

    // the killed run is marked interrupted; the resumed one started after the last committed page
    const [killed] = await database.current.db.select().from(syncRuns).where(eq(syncRuns.id, victim.id));
    expect(killed!.status).toBe('interrupted');
    const [resumed] = await database.current.db
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.connectionId, connection.id), eq(syncRuns.entity, 'contact'), eq(syncRuns.status, 'succeeded')));
    expect(resumed).toBeDefined();
    expect(resumed!.created).toBeLessThan(remoteBefore.length); // it did not start over

    // the oracle, on both sides
    const app = await appContacts(database.current, tenant.organizationId);
    const appEmails = app.map((c) => c.email!.toLowerCase());
    expect(new Set(appEmails).size).toBe(appEmails.length); // 0 duplicates in the app
    expect(new Set(appEmails)).toEqual(expectedEmails); // 0 lost
    const remoteAfter = await allRemote(editor, 'contact', ['email']);
    const remoteEmails = remoteAfter.map((r) => String(r.fields.email).toLowerCase());
    expect(new Set(remoteEmails).size).toBe(remoteEmails.length); // 0 duplicates in the CRM
    expect(new Set(remoteEmails)).toEqual(expectedEmails);
    expect(await linksOf(database.current, connection.id, 'contact')).toHaveLength(expectedEmails.size);
    expect((await appAccounts(database.current, tenant.organizationId)).length).toBe(accountsBefore.length);
    const deleted = await database.current.db.select().from(contacts).where(and(eq(contacts.organizationId, tenant.organizationId), isNull(contacts.deletedAt)));
    expect(deleted.length).toBe(expectedEmails.size);
  });
});
