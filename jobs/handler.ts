import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/client';
import type { Env } from '../server/config/env';
import type { Keyring } from '../server/security/crypto';
import { queues, type QueueKey } from './queues';
import type { z } from 'zod';

export interface JobContext {
  database: Database;
  log: (line: string) => void;
  env: Env;
  keyring: Keyring;
  /** For handlers that enqueue other jobs (the sync ticker). */
  boss: PgBoss;
}

export type JobHandler<K extends QueueKey> = (
  payload: z.output<(typeof queues)[K]['payload']>,
  ctx: JobContext & { jobId: string },
) => Promise<unknown>;

/**
 * Registers one handler. A payload that fails its schema can never succeed, so the
 * job completes at once with the validation issues as its output (no retry); any
 * other error is rethrown for pg-boss to retry with back-off.
 */
export async function registerHandler<K extends QueueKey>(boss: PgBoss, key: K, handler: JobHandler<K>, ctx: JobContext) {
  const queue = queues[key];
  const extra = 'work' in queue ? queue.work : {};
  return boss.work<unknown>(queue.name, { batchSize: 1, pollingIntervalSeconds: 2, ...extra }, async (jobs) => {
    const results: unknown[] = [];
    for (const job of jobs) {
      const parsed = queue.payload.safeParse(job.data ?? {});
      if (!parsed.success) {
        ctx.log(`[${queue.name}] job ${job.id} rejected: invalid payload (not retried)`);
        results.push({ rejected: 'invalid-payload', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
        continue;
      }
      results.push(await handler(parsed.data as never, { ...ctx, jobId: job.id }));
    }
    return results.length === 1 ? results[0] : results;
  });
}
