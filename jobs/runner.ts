import { connectDatabase } from '../db/client';
import { isProduction, readEnv } from '../server/config/env';
import { loadKeyring } from '../server/security/crypto';
import { startBoss } from './boss';
import { registerHandler } from './handler';
import { crmSync } from './handlers/crm-sync';
import { crmSyncTick } from './handlers/crm-sync-tick';
import { reportRun } from './handlers/report-run';
import { reportScheduleTick } from './handlers/report-schedule-tick';
import { kommoBulkPlan } from './handlers/kommo-bulk-plan';
import { kommoWebhook } from './handlers/kommo-webhook';
import { kommoWebhookSweep } from './handlers/kommo-webhook-sweep';
import { sessionCleanup } from './handlers/session-cleanup';
import { queues } from './queues';

/**
 * The worker process: forked by the web server (`npm start`) or started on its own
 * (`npm run worker`) on any machine that reaches the database.
 */
const url = process.env.DATABASE_URL;
const log = (line: string) => console.log(`[worker ${process.pid}] ${line}`);
if (!url) {
  console.error('[worker] DATABASE_URL is required (npm start passes it to the worker it forks).');
  process.exit(2);
}

const env = readEnv();
// the same key source as the web process (APP_ENCRYPTION_KEY, else DATA_DIR/secret.key outside production)
const keyring = loadKeyring({ value: env.APP_ENCRYPTION_KEY, production: isProduction(env), dataDir: env.DATA_DIR });
const database = connectDatabase(url, { max: 8 });
const boss = await startBoss(url, { log });
await boss.schedule(queues.sessionCleanup.name, queues.sessionCleanup.cron, { reason: 'schedule' }, { tz: 'UTC' });
await boss.schedule(queues.crmSyncTick.name, queues.crmSyncTick.cron, {}, { tz: 'UTC' });
await boss.schedule(queues.reportScheduleTick.name, queues.reportScheduleTick.cron, {}, { tz: 'UTC' });
await boss.schedule(queues.kommoWebhookSweep.name, queues.kommoWebhookSweep.cron, {}, { tz: 'UTC' });
const ctx = { database, log, env, keyring, boss };
await registerHandler(boss, 'sessionCleanup', sessionCleanup, ctx);
await registerHandler(boss, 'crmSync', crmSync, ctx);
await registerHandler(boss, 'crmSyncTick', crmSyncTick, ctx);
await registerHandler(boss, 'reportRun', reportRun, ctx);
await registerHandler(boss, 'reportScheduleTick', reportScheduleTick, ctx);
await registerHandler(boss, 'kommoWebhook', kommoWebhook, ctx);
await registerHandler(boss, 'kommoWebhookSweep', kommoWebhookSweep, ctx);
await registerHandler(boss, 'kommoBulkPlan', kommoBulkPlan, ctx);
log(`ready on Node ${process.version}`);

const heartbeat = setInterval(() => process.send?.({ type: 'heartbeat', at: Date.now(), pid: process.pid }), 2000);
process.send?.({ type: 'ready', at: Date.now(), pid: process.pid, node: process.version });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  clearInterval(heartbeat);
  log(`${signal}: draining`);
  try {
    await boss.stop({ graceful: true, timeout: 20_000 });
    await database.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('disconnect', () => void shutdown('parent gone'));
