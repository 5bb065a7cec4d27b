import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, syncRateLimits } from '../../db/schema';
import { parseKeyring } from '../../server/security/crypto';
import { ApiBudgetExhausted } from '../../server/services/sync/errors';
import { SyncClient } from '../../server/services/sync/client';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { connectProvider, startSyncSandboxes, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/**
 * The per-connection pacer is shared by every process (decision 009): separate processes
 * (real child processes, and separate SyncClients in this one, which share nothing but
 * Postgres) stay under the sandbox's strict limit together, a 429 seen by one holds the
 * others back for its Retry-After, and the daily budget is counted across them.
 */

const database = useTestDatabase();
const key = `test:${randomBytes(32).toString('base64')}`;
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 30, seed: 41 });
  deps = { ...syncServices(database.current, sandboxes).deps, keyring: parseKeyring(key) };
});
afterAll(async () => {
  await sandboxes?.close();
});

interface ChildResult {
  done: number;
  calls: number;
  error: string | null;
  stats: { reservations: number; slots: number; stale: number; dbMs: number };
}

/** A real process (tests/support/pacer-child.ts) that makes `calls` reads once told to go. */
function child(connectionId: string, ids: string[], calls: number, extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.current.url, APP_ENCRYPTION_KEY: key, NODE_ENV: 'test', CONNECTION_ID: connectionId, IDS: ids.join(','), CALLS: String(calls), ...extra };
  const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/support/pacer-child.ts'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void;
  let onFailed: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFailed = reject;
  });
  proc.stdout!.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) onReady();
  });
  proc.stderr!.on('data', (d) => (err += d));
  const result = new Promise<ChildResult>((resolve, reject) =>
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      const failure = new Error(`child exited ${code}: ${out}\n${err}`);
      onFailed(failure);
      if (code !== 0 || !line.startsWith('{')) reject(failure);
      else resolve(JSON.parse(line) as ChildResult);
    }),
  );
  return { ready, go: () => proc.stdin!.write('go\n'), result };
}

/** The most requests inside any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

const crmRequests = () => sandboxes.hubspot.requests.all().filter((r) => r.path.startsWith('/crm/'));

describe('the shared pacer (HubSpot, strict limit of 10 calls per 2 s)', () => {
  it('keeps several processes of one connection under the limit together', { timeout: 90_000 }, async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot');
    const hub = sandboxes.hubspot;
    hub.store.config.rateLimit = { max: 10, intervalMs: 2_000 };
    hub.store.resetRateLimits();
    const ids = hub.store.contacts.active.slice(0, 3).map((r: { id: number }) => String(r.id));

    // the first answer advertises the limit (X-HubSpot-RateLimit-Max/-Interval-Milliseconds): the row keeps it for everyone
    const local = await SyncClient.open(deps, connection.id);
    await local.fetchByIds('contact', ids, ['email']);
    await new Promise((r) => setTimeout(r, 100));
    const [row] = await database.current.db.select().from(syncRateLimits).where(eq(syncRateLimits.connectionId, connection.id));
    expect(row!.apiSpacingMs).toBeCloseTo(2_000 / 8, 6); // 10 − 2 slots per 2 s (pacing)
    await new Promise((r) => setTimeout(r, 2_100));
    hub.requests.clear();

    // two child processes and two clients in this process, all at once
    const children = [child(connection.id, ids, 8), child(connection.id, ids, 8)];
    await Promise.all(children.map((c) => c.ready));
    const second = await SyncClient.open(deps, connection.id);
    for (const c of children) c.go();
    const run = async (client: SyncClient) => {
      for (let i = 0; i < 6; i++) await client.fetchByIds('contact', ids, ['email']);
    };
    const [a, b] = await Promise.all([children[0]!.result, children[1]!.result, run(local), run(second)]);
    expect(a.error).toBeNull();
    expect(b.error).toBeNull();

    const log = crmRequests();
    expect(log).toHaveLength(8 + 8 + 6 + 6);
    expect(log.filter((r) => r.status === 429)).toHaveLength(0);
    expect(maxInWindow(log.map((r) => r.at), 2_000)).toBeLessThanOrEqual(10);
    // bookkeeping is batched: fewer round trips than calls
    expect(a.stats.reservations + b.stats.reservations).toBeLessThanOrEqual(a.calls + b.calls);
  });

  it('a 429 seen by one process holds every process of the connection back for its Retry-After', { timeout: 60_000 }, async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot');
    const hub = sandboxes.hubspot;
    hub.store.config.rateLimit = { max: 100, intervalMs: 10_000 };
    hub.store.resetRateLimits();
    const ids = hub.store.contacts.active.slice(0, 3).map((r: { id: number }) => String(r.id));
    const first = await SyncClient.open(deps, connection.id);
    const other = await SyncClient.open(deps, connection.id);
    await other.fetchByIds('contact', ids, ['email']); // holds a slot already
    hub.requests.clear();

    hub.faults.set({ rateLimitStorm: { requests: 1, retryAfterSeconds: 2 } });
    const refused = first.fetchByIds('contact', ids, ['email']);
    // the 429 moved the shared row forward…
    for (let i = 0; i < 200; i++) {
      const [blocked] = await database.current.db
        .select({ yes: sql<boolean>`${syncRateLimits.apiNextAt} > now() + interval '1 second'` })
        .from(syncRateLimits)
        .where(eq(syncRateLimits.connectionId, connection.id));
      if (blocked?.yes) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const at429 = crmRequests().find((r) => r.status === 429)!.at;
    // …so the other client, which never saw it, waits too
    await Promise.all([refused, other.fetchByIds('contact', ids, ['email'])]);
    const after = crmRequests().filter((r) => r.at > at429);
    expect(after).toHaveLength(2);
    expect(after.every((r) => r.status === 200)).toBe(true);
    for (const r of after) expect(r.at - at429).toBeGreaterThanOrEqual(2_000);
    hub.faults.reset();
  });

  it('counts the daily budget across processes', { timeout: 60_000 }, async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot');
    const hub = sandboxes.hubspot;
    hub.store.config.rateLimit = { max: 1_000, intervalMs: 10_000 };
    hub.store.resetRateLimits();
    const ids = hub.store.contacts.active.slice(0, 3).map((r: { id: number }) => String(r.id));
    // 1 % of HubSpot's assumed 250,000 a day = 2,500 calls; 2,490 are spent already today
    await database.current.db.update(connections).set({ dailyApiBudgetPercent: 1 }).where(eq(connections.id, connection.id));
    await database.current.db.insert(syncRateLimits).values({ connectionId: connection.id, day: new Date().toISOString().slice(0, 10), dayCalls: 2_490 });
    hub.requests.clear();

    const children = [child(connection.id, ids, 50, { ENFORCE_BUDGET: '1' }), child(connection.id, ids, 50, { ENFORCE_BUDGET: '1' })];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const results = await Promise.all(children.map((c) => c.result));
    for (const r of results) expect(r.error).toMatch(/^ApiBudgetExhausted/);
    // 10 calls were left; a process that reserved before the other used the last one may send one more
    const sent = crmRequests().length;
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(sent).toBeLessThanOrEqual(10 + results.length);
    expect(results[0]!.done + results[1]!.done).toBe(sent);

    // in this process too, before any call
    const late = await SyncClient.open(deps, connection.id, { enforceBudget: true });
    await expect(late.fetchByIds('contact', ids, ['email'])).rejects.toBeInstanceOf(ApiBudgetExhausted);
  });
});
