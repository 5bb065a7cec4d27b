import { connectDatabase } from '../../db/client';
import { readEnv } from '../../server/config/env';
import { parseKeyring } from '../../server/security/crypto';
import { SyncClient } from '../../server/services/sync/client';

/**
 * A separate process talking to one connection's CRM through the engine's SyncClient (the
 * shared pacer is its only link to the other processes): `CALLS` batch reads of `IDS`,
 * then one JSON line with its figures. Used by tests/integration/sync-rate-limit.test.ts.
 */
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
const database = connectDatabase(process.env.DATABASE_URL!, { max: 2 });
const deps = { db: database.db, sql: database.sql, keyring: parseKeyring(process.env.APP_ENCRYPTION_KEY!), env: readEnv({ NODE_ENV: 'test' }) };
const client = await SyncClient.open(deps, process.env.CONNECTION_ID!, { enforceBudget: process.env.ENFORCE_BUDGET === '1' });
const ids = (process.env.IDS ?? '').split(',').filter(Boolean);
// "ready", then wait for the test's "go" so every process starts at once
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.destroy();
let done = 0;
let error: string | null = null;
try {
  for (let i = 0; i < Number(process.env.CALLS ?? 10); i++) {
    await client.fetchByIds('contact', ids, ['email']);
    done += 1;
  }
} catch (e) {
  error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
process.stdout.write(`${JSON.stringify({ done, calls: client.calls, error, stats: client.pacer.stats })}\n`);
await database.close();
