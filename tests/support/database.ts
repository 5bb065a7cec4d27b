import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';
import { connectDatabase, type Database } from '../../db/client';
import { TEMPLATE_DATABASE } from './global-setup';

/** Creates a throwaway database (cloned from the migrated template) for one test file. */
export async function createTestDatabase(): Promise<Database & { url: string; drop: () => Promise<void> }> {
  const serverUrl = inject('postgresUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${TEMPLATE_DATABASE}"`);
  const url = serverUrl.replace(/\/postgres$/, `/${name}`);
  const database = connectDatabase(url, { max: 5 });
  return {
    ...database,
    url,
    drop: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** beforeAll/afterAll wiring; read `.current` inside tests. */
export function useTestDatabase() {
  const holder = {} as { current: Awaited<ReturnType<typeof createTestDatabase>> };
  beforeAll(async () => {
    holder.current = await createTestDatabase();
  });
  afterAll(async () => {
    await holder.current?.drop();
  });
  return holder;
}
