import type { PgBoss } from 'pg-boss';
import type { Db, Sql } from '../../../db/client';
import type { Env } from '../../config/env';
import type { Keyring } from '../../security/crypto';
import type { LeadSource } from './lead-source';

/**
 * What the report services need from their process: the web server passes its
 * AppServices, the job runner builds the same from its own pool and environment.
 */
export interface ReportDeps {
  db: Db;
  sql: Sql;
  keyring: Keyring;
  env: Env;
  boss?: PgBoss | null;
  /** Demo/test sandbox origins by provider; never used in production. */
  sandboxes?: Record<string, string> | null;
  /** The tenant's Kommo leads; default: the read client of the tenant's Kommo connection. */
  leadSource?: (organizationId: string) => Promise<LeadSource>;
  log?: (line: string) => void;
  /** Pipeline tuning (tests shorten them). */
  tuning?: Partial<PipelineTuning>;
  now?: () => Date;
}

export interface PipelineTuning {
  /** Tries per step, the first included. */
  attempts: number;
  /** First back-off between tries; doubles each time. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Time limit per step, by step key (ms). */
  stepTimeoutMs: Record<string, number>;
  /** Client-side pacing of Radist requests. */
  radistRequestsPerSecond: number;
  /** Parallel Radist message fetches (still paced). */
  radistConcurrency: number;
  /** First wait of a provider client's own retry of a 5xx or dropped connection. */
  clientRetryBaseMs: number;
}

export const defaultTuning: PipelineTuning = {
  attempts: 3,
  backoffMs: 2_000,
  maxBackoffMs: 30_000,
  stepTimeoutMs: {
    fetch_leads: 10 * 60_000,
    store_leads: 3 * 60_000,
    fetch_dialogs: 30 * 60_000,
    store_dialogs: 5 * 60_000,
    build_prompt: 3 * 60_000,
    analyse: 6 * 60_000,
    publish: 3 * 60_000,
    notify: 3 * 60_000,
  },
  radistRequestsPerSecond: 8,
  radistConcurrency: 4,
  clientRetryBaseMs: 500,
};

export const tuningOf = (deps: ReportDeps): PipelineTuning => ({
  ...defaultTuning,
  ...deps.tuning,
  stepTimeoutMs: { ...defaultTuning.stepTimeoutMs, ...deps.tuning?.stepTimeoutMs },
});

/** The report services speak in these errors; the router maps each kind to a tRPC code. */
export class ReportError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'precondition' | 'conflict' | 'limit' | 'forbidden' | 'provider' | 'unavailable',
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'ReportError';
  }
}
