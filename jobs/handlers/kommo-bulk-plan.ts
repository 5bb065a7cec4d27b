import { planBulkException } from '../../server/services/kommo/bulk-plan';
import type { JobHandler } from '../handler';

/** The dry run of a Kommo bulk exception: reads only; executing it is a person's click (services/kommo/bulk.ts), never a job. */
export const kommoBulkPlan: JobHandler<'kommoBulkPlan'> = async (payload, { database, env, keyring, boss, log }) => {
  const plan = await planBulkException({ db: database.db, sql: database.sql, keyring, env, boss, log }, payload.exceptionId);
  return { items: plan.length };
};
