import { readEnv } from '../server/config/env';
import { connectDatabase } from './client';
import { resolveDatabaseUrl } from './database-url';
import { applyMigrations } from './migrate';

const env = readEnv();
const { url, stop } = await resolveDatabaseUrl(env);
const database = connectDatabase(url, { max: 1 });
try {
  await applyMigrations(database.db);
  console.log('Migrations applied.');
} finally {
  await database.close();
  await stop();
}
