import { runConnectionSync } from '../../server/services/sync/engine';
import type { JobHandler } from '../handler';

/**
 * Runs one connection's sync (server/services/sync/engine.ts). Transient failures are
 * rethrown so pg-boss retries with back-off (the retry resumes from the cursors);
 * re-authorization and an exhausted API budget end the job without a retry.
 */
export const crmSync: JobHandler<'crmSync'> = async (payload, { database, env, keyring, jobId, log }) => {
  const outcome = await runConnectionSync(
    { db: database.db, sql: database.sql, keyring, env },
    payload.connectionId,
    { trigger: payload.trigger, entities: payload.entities, retryOfRunId: payload.retryOfRunId ?? null, jobId, log },
  );
  if (outcome.status !== 'done') log(`[crm-sync] ${payload.connectionId}: ${outcome.status}${'reason' in outcome ? ` (${outcome.reason})` : ''}`);
  return outcome.status === 'done' ? { status: 'done', runs: outcome.runs.map((r) => ({ runId: r.runId, entity: r.entity, status: r.status, ...r.counts })) } : outcome;
};
