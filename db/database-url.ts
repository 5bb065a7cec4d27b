import path from 'node:path';
import type { Env } from '../server/config/env';
import { startEmbeddedPostgres } from './embedded';

export const EMBEDDED_DATABASE = 'crm_hub';

/**
 * DATABASE_URL wins; without it an embedded Postgres in DATA_DIR/pg is started.
 * Either way the caller gets a connection string and the same code path after it.
 */
export async function resolveDatabaseUrl(env: Env, log?: (line: string) => void) {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, stop: async () => {} };
  if (env.NODE_ENV === 'production') {
    throw new Error('DATABASE_URL is required in production (the embedded Postgres is for development only).');
  }
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(env.DATA_DIR, 'pg'),
    port: env.EMBEDDED_PG_PORT,
    databases: [EMBEDDED_DATABASE],
    log,
  });
  return { url: pg.url(EMBEDDED_DATABASE), embedded: true, stop: pg.stop };
}
