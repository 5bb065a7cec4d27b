import { connectDatabase } from '../db/client';
import { startBoss } from './boss';
import { registerHandler } from './handler';
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

const database = connectDatabase(url, { max: 5 });
const boss = await startBoss(url, { log });
await boss.schedule(queues.sessionCleanup.name, queues.sessionCleanup.cron, { reason: 'schedule' }, { tz: 'UTC' });
await registerHandler(boss, 'sessionCleanup', sessionCleanup, { database, log });
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
