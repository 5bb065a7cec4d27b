/**
 * Sync engine benchmarks (issue 4), printed as a table; nothing here is enforced.
 *   - full import of N HubSpot contacts, the sandbox enforcing 100 requests / 10 s (and 5 searches / s)
 *   - full import of N Salesforce contacts (2,000-row query pages)
 *   - incremental sync of 100 changes among the imported records (API calls per entity, time)
 *   - pushing 10,000 app updates (Salesforce collections of 200, HubSpot batches of 100)
 *   - conflict detection cost per record (the three-way merge, 12 fields)
 *   - share of wall time spent outside provider calls
 *   - 10 concurrent syncs of 10 tenants
 * Run: npm run bench:sync   (embedded Postgres in a temp dir; sizes: BENCH_SYNC_CONTACTS, default 100000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { connectDatabase, type Database } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { applyMigrations } from '../../db/migrate';
import { readEnv } from '../../server/config/env';
import type { SyncProvider } from '../../server/providers/types';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import { parseKeyring } from '../../server/security/crypto';
import { createTenant } from '../../server/services/admin/tenants';
import { createUser } from '../../server/services/admin/users';
import { SyncClient } from '../../server/services/sync/client';
import { completeAuthorization, startConnection } from '../../server/services/sync/connections';
import { runConnectionSync, type EngineClient, type SyncOutcome } from '../../server/services/sync/engine';
import { mergeRecord, type MergeField } from '../../server/services/sync/merge';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { consent, withoutProxy } from '../support/sync';
import { seedImportedHubSpotContacts } from './sync-seed';

const N = Number(process.env.BENCH_SYNC_CONTACTS ?? 100_000);
const PUSH = Math.min(Number(process.env.BENCH_SYNC_PUSH ?? 10_000), N);
const MILLION = Number(process.env.BENCH_SYNC_LARGE ?? 1_000_000);
const RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 5);
const TENANTS = 10;
const PER_TENANT = Number(process.env.BENCH_SYNC_TENANT_CONTACTS ?? 2_000);
/** Which parts to run (default all): BENCH_SYNC_ONLY=hubspot,salesforce,merge,tenants,incremental1m */
const ONLY = new Set((process.env.BENCH_SYNC_ONLY ?? 'hubspot,salesforce,merge,tenants,incremental1m').split(',').map((s) => s.trim()));

withoutProxy();
const rows: { benchmark: string; result: string; goal: string }[] = [];
const row = (benchmark: string, result: string, goal = '') => {
  rows.push({ benchmark, result, goal });
  console.log(`  ${benchmark}: ${result}${goal ? `  (goal ${goal})` : ''}`);
};
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-bench-sync-'));
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 0, databases: ['bench'] });
const database = connectDatabase(pg.url('bench'), { max: 12 });
const sandboxes: RunningSandbox[] = [];

/** A SyncClient that also measures the wall time spent inside provider calls (pacing and 429 waits included). */
function timed(client: SyncClient, clock: { ms: number }): EngineClient {
  const methods = new Set(['identity', 'describe', 'pullChanges', 'pullDeleted', 'fetchByIds', 'findByDedupeKeys', 'write', 'remove']);
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!methods.has(String(prop))) return value.bind(target);
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          clock.ms += performance.now() - started;
        }
      };
    },
  }) as EngineClient;
}

async function tenantWithConnection(deps: SyncDeps, urls: Record<string, string>, provider: SyncProvider, slug: string) {
  const tenant = await createTenant(database.db, { name: slug, slug, planTier: 'enterprise', timezone: 'UTC' });
  if (!tenant.ok) throw new Error('tenant');
  const user = await createUser(database.db, { email: `owner@${slug}.test`, name: 'Owner', password: 'bench-password-123', platformRole: 'none', membership: { organizationId: tenant.id, role: 'owner' } });
  if (!user.ok) throw new Error('user');
  const actor = { organizationId: tenant.id, userId: user.id };
  const started = await startConnection(deps, actor, urls, { provider, frequency: 'manual', entities: ['contact'] });
  const { code, state } = await consent(started.authorizationUrl);
  const connection = await completeAuthorization(deps, actor, { provider, code, state });
  return { organizationId: tenant.id, connectionId: connection.id };
}

/** Wall time per phase (from the first to the last committed page of each), for the breakdown line. */
function phaseClock() {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const pages = new Map<string, number>();
  return {
    afterPage: ({ phase }: { phase: string }) => {
      const now = performance.now();
      if (!first.has(phase)) first.set(phase, now);
      last.set(phase, now);
      pages.set(phase, (pages.get(phase) ?? 0) + 1);
    },
    describe: (started: number) => {
      let from = started;
      const parts: string[] = [];
      for (const phase of ['pull', 'deletes', 'push']) {
        if (!last.has(phase)) continue;
        parts.push(`${phase} ${secs(last.get(phase)! - from)} (${pages.get(phase)} pages)`);
        from = last.get(phase)!;
      }
      return parts.join(', ');
    },
  };
}

async function measuredSync(deps: SyncDeps, connectionId: string) {
  const clock = { ms: 0 };
  const client = await SyncClient.open(deps, connectionId);
  const phases = phaseClock();
  const started = performance.now();
  const outcome: SyncOutcome = await runConnectionSync(deps, connectionId, { trigger: 'manual', client: timed(client, clock), afterPage: phases.afterPage });
  const wall = performance.now() - started;
  if (outcome.status !== 'done') throw new Error(JSON.stringify(outcome));
  const failed = outcome.runs.find((r) => r.status === 'failed');
  if (failed) throw new Error(`run failed: ${failed.error}`);
  if (process.env.BENCH_SYNC_PHASES) console.log(`    phases: ${phases.describe(started)}; provider ${secs(clock.ms)} of ${secs(wall)}`);
  return { wall, provider: clock.ms, calls: client.calls, runs: outcome.runs };
}

const count = async (db: Database, organizationId: string) =>
  Number((await db.db.execute<{ n: string }>(sql`select count(*)::int as n from contacts where organization_id = ${organizationId} and deleted_at is null`))[0]!.n);

try {
  await applyMigrations(database.db);
  const deps: SyncDeps = { db: database.db, sql: database.sql, keyring: parseKeyring(`bench:${randomBytes(32).toString('base64')}`), env: readEnv({ NODE_ENV: 'test' }) };
  console.log(`sync benchmarks: ${N.toLocaleString('en')} contacts per provider, Node ${process.version}, ${os.cpus().length} cores`);
  const outside: { label: string; wall: number; provider: number }[] = [];

  for (const provider of (['hubspot', 'salesforce'] as const).filter((p) => ONLY.has(p))) {
    const t0 = performance.now();
    const sandbox = await startSandbox(provider, { seed: 42, records: N, latencyMs: 0 });
    sandboxes.push(sandbox);
    const urls = { [provider]: sandbox.url };
    const bench = await tenantWithConnection(deps, urls, provider, `bench-${provider}`);
    console.log(`  (${provider} sandbox with ${N.toLocaleString('en')} contacts ready in ${secs(performance.now() - t0)})`);

    // full import
    const full = await measuredSync(deps, bench.connectionId);
    const imported = await count(database, bench.organizationId);
    outside.push({ label: `${provider} full import`, wall: full.wall, provider: full.provider });
    row(
      `${provider}: full import of ${imported.toLocaleString('en')} contacts`,
      `${secs(full.wall)}, ${full.calls} API calls, ${Math.round(imported / (full.wall / 1000)).toLocaleString('en')} records/s`,
      provider === 'hubspot' ? '≤ 120 s at 100 req/10 s' : '',
    );

    // incremental: 100 changes made in the CRM
    await fetch(`${sandbox.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 100 }) });
    const inc = await measuredSync(deps, bench.connectionId);
    const updated = inc.runs.reduce((n, r) => n + r.counts.updated, 0);
    outside.push({ label: `${provider} incremental`, wall: inc.wall, provider: inc.provider });
    row(`${provider}: incremental, 100 CRM changes among ${imported.toLocaleString('en')}`, `${Math.round(inc.wall)} ms, ${inc.calls} API calls (1 entity), ${updated} updated`, '≤ 3 calls per entity, < 2 s');

    // push 10,000 app updates
    await database.db.execute(
      sql`update contacts set position = 'Pushed ' || substr(md5(random()::text), 1, 6) where id in (select id from contacts where organization_id = ${bench.organizationId} order by id limit ${PUSH})`,
    );
    const push = await measuredSync(deps, bench.connectionId);
    const pushed = push.runs.reduce((n, r) => n + r.counts.updated, 0);
    outside.push({ label: `${provider} push`, wall: push.wall, provider: push.provider });
    row(`${provider}: push ${PUSH.toLocaleString('en')} app updates`, `${secs(push.wall)}, ${push.calls} API calls, ${pushed.toLocaleString('en')} written`);
  }

  // incremental sync of 100 changes among 1,000,000 (the app side seeded as an import leaves it, see sync-seed.ts)
  if (ONLY.has('incremental1m')) {
    const t0 = performance.now();
    const sandbox = await startSandbox('hubspot', { seed: 43, records: MILLION, latencyMs: 0 });
    sandboxes.push(sandbox);
    const large = await tenantWithConnection(deps, { hubspot: sandbox.url }, 'hubspot', 'bench-hubspot-large');
    const sandboxReady = performance.now() - t0;
    const seeded = await seedImportedHubSpotContacts(database, sandbox.store as never, large.connectionId);
    console.log(`  (hubspot sandbox with ${MILLION.toLocaleString('en')} records in ${secs(sandboxReady)}; ${seeded.contacts.toLocaleString('en')} app contacts + links seeded by COPY in ${secs(seeded.ms)})`);
    const runs: { wall: number; calls: number; updated: number; provider: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      await fetch(`${sandbox.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 100 }) });
      const inc = await measuredSync(deps, large.connectionId);
      runs.push({ wall: inc.wall, calls: inc.calls, updated: inc.runs.reduce((n, r) => n + r.counts.updated, 0), provider: inc.provider });
    }
    const median = <T>(xs: T[], by: (x: T) => number) => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;
    const mid = median(runs, (r) => r.wall);
    row(
      `hubspot: incremental, 100 CRM changes among ${seeded.contacts.toLocaleString('en')} (median of ${RUNS})`,
      // back-to-back runs also re-read the earlier runs' changes (inside the 2-minute overlap window): one search page more per 200
      `${Math.round(mid.wall)} ms (runs ${runs.map((r) => Math.round(r.wall)).join(' / ')} ms), API calls per run ${runs.map((r) => r.calls).join(' / ')} (1 entity), ${runs.map((r) => r.updated).join('/')} updated; provider calls ${Math.round(mid.provider)} ms`,
      '≤ 3 calls per entity, < 2 s',
    );
  }

  // conflict detection
  if (ONLY.has('merge')) {
  const fields: MergeField[] = Array.from({ length: 12 }, (_, i) => ({ key: `f${i}>F${i}`, direction: 'both', override: 'strategy' }));
  const app = Object.fromEntries(fields.map((f, i) => [f.key, `a${i}`]));
  const remote = Object.fromEntries(fields.map((f, i) => [f.key, i % 3 ? `a${i}` : `r${i}`]));
  const base = Object.fromEntries(fields.map((f, i) => [f.key, i % 2 ? `a${i}` : `b${i}`]));
  const iterations = 1_000_000;
  const tm = performance.now();
  for (let i = 0; i < iterations; i++) mergeRecord({ fields, app, remote, base, strategy: 'last_write_wins', appModifiedAt: i, remoteModifiedAt: iterations - i });
  row('conflict detection (three-way merge, 12 fields)', `${(((performance.now() - tm) * 1000) / iterations).toFixed(2)} µs per record`, '≤ 20 µs');
  }

  for (const o of outside) row(`${o.label}: wall time outside provider calls`, `${((100 * (o.wall - o.provider)) / o.wall).toFixed(1)} % (${secs(o.wall - o.provider)} of ${secs(o.wall)})`, '≤ 10 %');

  // 10 tenants at once
  if (ONLY.has('tenants')) {
  const shared = await startSandbox('salesforce', { seed: 9, records: PER_TENANT, latencyMs: 2 });
  sandboxes.push(shared);
  const tenants = [];
  for (let i = 0; i < TENANTS; i++) tenants.push(await tenantWithConnection(deps, { salesforce: shared.url }, 'salesforce', `bench-tenant-${i}`));
  const tc = performance.now();
  const results = await Promise.all(tenants.map((t) => runConnectionSync(deps, t.connectionId, { trigger: 'manual' })));
  const wall = performance.now() - tc;
  const total = (await Promise.all(tenants.map((t) => count(database, t.organizationId)))).reduce((a, b) => a + b, 0);
  const ok = results.every((r) => r.status === 'done' && r.runs.every((x) => x.status === 'succeeded'));
  row(`${TENANTS} concurrent syncs of ${TENANTS} tenants (${PER_TENANT.toLocaleString('en')} Salesforce contacts each)`, `${secs(wall)} for ${total.toLocaleString('en')} records, ${ok ? 'all succeeded' : 'SOME FAILED'}`);
  }

  console.log('\n| benchmark | result | goal |\n| --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.benchmark} | ${r.result} | ${r.goal} |`);
} finally {
  for (const s of sandboxes) await s.close();
  await database.close();
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
