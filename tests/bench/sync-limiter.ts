/**
 * The shared pacer's own cost per provider call (decision 009), printed as a table; nothing
 * here is enforced. Spacing 0 (Salesforce: no short-interval limit), so every figure is pure
 * bookkeeping: the UPSERT round trips to Postgres, amortised over the slots each reserves.
 * Run: npm run bench:limiter   (embedded Postgres in a temp dir; BENCH_LIMITER_CALLS, default 5000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { applyMigrations } from '../../db/migrate';
import { connections } from '../../db/schema';
import { createTenant } from '../../server/services/admin/tenants';
import { SharedPacer } from '../../server/services/sync/rate-limit';

const CALLS = Number(process.env.BENCH_LIMITER_CALLS ?? 5_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-bench-limiter-'));
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 0, databases: ['bench'] });
const database = connectDatabase(pg.url('bench'), { max: 8 });

try {
  await applyMigrations(database.db);
  const tenant = await createTenant(database.db, { name: 'limiter', slug: 'limiter', planTier: 'enterprise', timezone: 'UTC' });
  if (!tenant.ok) throw new Error('tenant');
  const newConnection = async () =>
    (await database.db.insert(connections).values({ organizationId: tenant.id, provider: 'salesforce', authUrl: 'https://login.salesforce.com', status: 'connected' }).returning())[0]!.id;

  console.log(`shared pacer overhead: ${CALLS.toLocaleString('en')} calls per case, Node ${process.version}, ${os.cpus().length} cores`);
  const table: Record<string, string | number>[] = [];
  for (const processes of [1, 4]) {
    for (const maxBatch of [1, 4, 8, 16]) {
      const id = await newConnection();
      const pacers = Array.from({ length: processes }, () => new SharedPacer(database.sql, id, { spacingMs: 0, maxBatch, budget: () => 1_000_000 }));
      const per = Math.ceil(CALLS / processes);
      const started = performance.now();
      await Promise.all(
        pacers.map(async (p) => {
          for (let i = 0; i < per; i++) await p.take('api');
        }),
      );
      const wall = performance.now() - started;
      const reservations = pacers.reduce((n, p) => n + p.stats.reservations, 0);
      const dbMs = pacers.reduce((n, p) => n + p.stats.dbMs, 0);
      table.push({
        'pacers (concurrent)': processes,
        'max slots / round trip': maxBatch,
        calls: per * processes,
        'round trips': reservations,
        'µs per call (wall)': Math.round((wall * 1000) / (per * processes)),
        'µs per call (in Postgres)': Math.round((dbMs * 1000) / (per * processes)),
      });
    }
  }
  console.table(table);
} finally {
  await database.close();
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
