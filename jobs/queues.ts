import type { Queue, QueueOptions, WorkOptions } from 'pg-boss';
import { z } from 'zod';
import { syncEntities, syncTriggers } from '../server/shared/sync';

/**
 * Queue names and payload schemas: what senders import. Each queue has exactly
 * one handler in jobs/handlers/<name>.ts.
 */
export const queues = {
  sessionCleanup: {
    name: 'session-cleanup',
    payload: z.object({ reason: z.enum(['schedule', 'manual']).default('schedule') }).strict(),
    options: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 300 } satisfies QueueOptions,
    /** Nightly at 03:17 UTC. */
    cron: '17 3 * * *',
  },
  /**
   * One sync of one connection (decision 006). `stately` + singletonKey = connection id: at
   * most one queued and one active job per connection; the handler also takes the
   * connection's advisory lock. Worker heartbeats let pg-boss retry the job of a worker that
   * died; the retry resumes from the last committed page.
   */
  crmSync: {
    name: 'crm-sync',
    payload: z
      .object({
        connectionId: z.string().uuid(),
        trigger: z.enum(syncTriggers).default('manual'),
        entities: z.array(z.enum(syncEntities)).min(1).optional(),
        retryOfRunId: z.string().uuid().optional(),
      })
      .strict(),
    options: {
      policy: 'stately',
      retryLimit: 5,
      retryDelay: 5,
      retryBackoff: true,
      retryDelayMax: 900,
      expireInSeconds: 4 * 3600,
      heartbeatSeconds: 10,
    } satisfies Omit<Queue, 'name'>,
    work: { localConcurrency: 4 } satisfies Partial<WorkOptions>,
  },
  /** Every minute: enqueue a crm-sync for each connection whose next_sync_at has come. */
  crmSyncTick: {
    name: 'crm-sync-tick',
    payload: z.object({}).strict(),
    options: { policy: 'singleton', retryLimit: 0, expireInSeconds: 120 } satisfies Omit<Queue, 'name'>,
    cron: '* * * * *',
  },
  /**
   * One stored Kommo webhook event (decision 007): re-read the lead or contact through the
   * read client and upsert the mirror. singletonKey = event id; the event row's unique key
   * already makes a repeated delivery a no-op.
   */
  kommoWebhook: {
    name: 'kommo-webhook',
    payload: z.object({ eventId: z.string().uuid() }).strict(),
    options: { retryLimit: 6, retryDelay: 10, retryBackoff: true, retryDelayMax: 1800, expireInSeconds: 300 } satisfies Omit<Queue, 'name'>,
    work: { localConcurrency: 2 } satisfies Partial<WorkOptions>,
  },
  /** Every five minutes: enqueue Kommo webhook events left `received` (a lost send) or `failed` past their retries. */
  kommoWebhookSweep: {
    name: 'kommo-webhook-sweep',
    payload: z.object({}).strict(),
    options: { policy: 'singleton', retryLimit: 0, expireInSeconds: 120 } satisfies Omit<Queue, 'name'>,
    cron: '*/5 * * * *',
  },
  /**
   * One AI report run (decision 008): the eight steps of server/services/reports/pipeline.ts.
   * `stately` + singletonKey = report id: one queued and one active job per tenant and
   * period. The handler retries each step itself with back-off; pg-boss retries only a
   * job whose worker died (heartbeats), and the retry resumes at the unfinished step.
   */
  reportRun: {
    name: 'report-run',
    payload: z.object({ runId: z.string().uuid() }).strict(),
    options: { policy: 'stately', retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 3 * 3600, heartbeatSeconds: 15 } satisfies Omit<Queue, 'name'>,
    work: { localConcurrency: 2 } satisfies Partial<WorkOptions>,
  },
  /** Every minute: start the scheduled report runs whose period has just ended, in each tenant's time zone. */
  reportScheduleTick: {
    name: 'report-schedule-tick',
    payload: z.object({}).strict(),
    options: { policy: 'singleton', retryLimit: 0, expireInSeconds: 120 } satisfies Omit<Queue, 'name'>,
    cron: '* * * * *',
  },
  /** The dry run of a Kommo bulk exception: reads only (Kommo searches), then it awaits its two approvals. */
  kommoBulkPlan: {
    name: 'kommo-bulk-plan',
    payload: z.object({ exceptionId: z.string().uuid() }).strict(),
    options: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 1800 } satisfies Omit<Queue, 'name'>,
  },
} as const;

export type QueueKey = keyof typeof queues;
export type PayloadOf<K extends QueueKey> = z.input<(typeof queues)[K]['payload']>;
