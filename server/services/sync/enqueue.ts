import type { PgBoss } from 'pg-boss';
import { queues, type PayloadOf } from '../../../jobs/queues';
import type { Executor } from '../crm/context';
import { runningRun } from './runs';

/**
 * "Sync now", schedules and retries all come here: one crm-sync job per connection at a
 * time (pg-boss `stately` queue keyed by the connection id), and a clear answer when one
 * is already running or waiting.
 */
export type EnqueueResult =
  | { status: 'queued'; jobId: string }
  | { status: 'already_running'; runId: string; entity: string; startedAt: Date }
  | { status: 'already_queued' };

export async function enqueueSync(boss: PgBoss, db: Executor, payload: PayloadOf<'crmSync'>): Promise<EnqueueResult> {
  const running = await runningRun(db, payload.connectionId);
  if (running) return { status: 'already_running', runId: running.id, entity: running.entity, startedAt: running.startedAt };
  const jobId = await boss.send(queues.crmSync.name, payload, { singletonKey: payload.connectionId });
  return jobId ? { status: 'queued', jobId } : { status: 'already_queued' };
}
