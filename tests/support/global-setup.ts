import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { connectDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { applyMigrations } from '../../db/migrate';

export const TEMPLATE_DATABASE = 'crm_hub_template';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/**
 * One embedded Postgres for the run, in a throwaway directory; a migrated template
 * database that every test file clones into a database of its own.
 */
export default async function setup(project: TestProject) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-vitest-'));
  fs.chmodSync(dataDir, 0o755); // as root, Postgres runs as the `postgres` user and must reach it
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: 0, databases: [TEMPLATE_DATABASE] });
  const template = connectDatabase(pg.url(TEMPLATE_DATABASE), { max: 1 });
  await applyMigrations(template.db);
  await template.close();
  // no connection may stay on a template while it is cloned
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
  await admin`update pg_database set datistemplate = true where datname = ${TEMPLATE_DATABASE}`;
  await admin.end();
  project.provide('postgresUrl', pg.url('postgres'));
  return async () => {
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
