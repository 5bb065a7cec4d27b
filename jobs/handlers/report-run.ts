import { executeRun } from '../../server/services/reports/pipeline';
import type { JobHandler } from '../handler';

/**
 * One AI report run (server/services/reports/pipeline.ts). Step failures are handled
 * inside the run (retries with back-off, a figures-only report, a resumable failed
 * run), so the job completes; pg-boss retries the job only when the worker died, and
 * the retry continues at the unfinished step.
 */
export const reportRun: JobHandler<'reportRun'> = async (payload, { database, env, keyring, jobId, log }) => {
  return executeRun({ db: database.db, sql: database.sql, keyring, env, log }, payload.runId, { jobId });
};
