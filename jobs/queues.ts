import type { QueueOptions } from 'pg-boss';
import { z } from 'zod';

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
} as const;

export type QueueKey = keyof typeof queues;
export type PayloadOf<K extends QueueKey> = z.input<(typeof queues)[K]['payload']>;
