import { and, asc, count, desc, eq, gte, isNull, lte, sql } from 'drizzle-orm';
import type { Db, Sql } from '../../../db/client';
import { syncRunErrors, syncRuns, type SyncRunProgress } from '../../../db/schema';
import { publishEvent } from '../../realtime/channel';
import { SYNC_PROGRESS_TOPIC, type SyncDirection, type SyncEntity, type SyncRunStatus, type SyncSide, type SyncTrigger } from '../../shared/sync';
import type { Executor } from '../crm/context';

/**
 * One sync_runs row per entity per job. Counters move in the same transaction as the
 * page they count (a killed worker leaves counts that match what was committed), and
 * every page publishes `sync.progress` on the realtime channel (NOTIFY → SSE).
 */

export interface RunCounts {
  processed: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  skipped: number;
  conflicts: number;
}

export const zeroCounts = (): RunCounts => ({ processed: 0, created: 0, updated: 0, deleted: 0, failed: 0, skipped: 0, conflicts: 0 });

export interface RecordError {
  side: SyncSide;
  appId?: string | null;
  remoteId?: string | null;
  message: string;
  retryable: boolean;
}

export class RunTracker {
  readonly totals = zeroCounts();
  pages = 0;
  progress: SyncRunProgress = { phase: 'starting', page: 0, seen: 0 };
  /** The current phase's expected run total (see SyncRunProgress.total); undefined: unknown. */
  expected: number | undefined;

  private constructor(
    readonly id: string,
    readonly organizationId: string,
    readonly connectionId: string,
    readonly entity: SyncEntity,
  ) {}

  static async start(
    db: Db,
    input: { organizationId: string; connectionId: string; entity: SyncEntity; trigger: SyncTrigger; direction: SyncDirection; jobId?: string | null; retryOfRunId?: string | null },
  ): Promise<RunTracker> {
    const [row] = await db
      .insert(syncRuns)
      .values({ ...input, jobId: input.jobId ?? null, retryOfRunId: input.retryOfRunId ?? null, status: 'running' })
      .returning({ id: syncRuns.id });
    return new RunTracker(row!.id, input.organizationId, input.connectionId, input.entity);
  }

  /** What the run expects to process in all from now on (undefined: unknown); pages record it. */
  expect(total: number | undefined): void {
    this.expected = total;
  }

  /**
   * Adds a committed page's counts and errors (call inside the page's transaction). The
   * page's `total` (else the run's current expectation) is kept at least at `processed`.
   */
  async recordPage(tx: Executor, counts: RunCounts, errors: RecordError[], progress: Omit<SyncRunProgress, 'page'>): Promise<void> {
    this.pages += 1;
    const total = progress.total ?? this.expected;
    // a new phase starts its own count (a first import's push re-reads the rows the pull just wrote)
    const phaseStart = progress.phase === this.progress.phase ? (this.progress.phaseStart ?? 0) : this.totals.processed;
    this.progress = { ...progress, page: this.pages, phaseStart };
    if (total !== undefined) this.progress.total = Math.max(total, this.totals.processed + counts.processed);
    else delete this.progress.total;
    if (errors.length) {
      await tx.insert(syncRunErrors).values(
        errors.map((e) => ({
          organizationId: this.organizationId,
          runId: this.id,
          connectionId: this.connectionId,
          entity: this.entity,
          side: e.side,
          appId: e.appId ?? null,
          remoteId: e.remoteId ?? null,
          message: e.message.slice(0, 2000),
          retryable: e.retryable,
        })),
      );
    }
    await tx
      .update(syncRuns)
      .set({
        processed: sql`${syncRuns.processed} + ${counts.processed}`,
        created: sql`${syncRuns.created} + ${counts.created}`,
        updated: sql`${syncRuns.updated} + ${counts.updated}`,
        deleted: sql`${syncRuns.deleted} + ${counts.deleted}`,
        failed: sql`${syncRuns.failed} + ${counts.failed}`,
        skipped: sql`${syncRuns.skipped} + ${counts.skipped}`,
        conflicts: sql`${syncRuns.conflicts} + ${counts.conflicts}`,
        pages: sql`${syncRuns.pages} + 1`,
        progress: this.progress,
        heartbeatAt: new Date(),
      })
      .where(eq(syncRuns.id, this.id));
  }

  /** After the page's commit: the totals move and the browser hears about it. */
  async committed(sqlClient: Sql, counts: RunCounts, apiCalls: number): Promise<void> {
    for (const key of Object.keys(counts) as (keyof RunCounts)[]) this.totals[key] += counts[key];
    await this.publish(sqlClient, 'running', apiCalls);
  }

  async publish(sqlClient: Sql, status: SyncRunStatus, apiCalls: number, error?: string | null): Promise<void> {
    await publishEvent(sqlClient, {
      organizationId: this.organizationId,
      topic: SYNC_PROGRESS_TOPIC,
      data: { runId: this.id, connectionId: this.connectionId, entity: this.entity, status, progress: this.progress, ...this.totals, apiCalls, error: error ?? null },
    }).catch(() => {}); // progress is best effort; the row is the record
  }

  async finish(db: Db, sqlClient: Sql, status: SyncRunStatus, apiCalls: number, error?: string | null): Promise<void> {
    // a run that got through knows its total: what it processed; a failed one keeps its last estimate
    const ended = !error && (status === 'succeeded' || status === 'partial');
    this.progress = { ...this.progress, phase: 'done', ...(ended ? { total: this.totals.processed } : {}) };
    await db
      .update(syncRuns)
      .set({ status, error: error ?? null, finishedAt: new Date(), apiCalls, progress: this.progress, heartbeatAt: new Date() })
      .where(eq(syncRuns.id, this.id));
    await this.publish(sqlClient, status, apiCalls, error);
  }
}

/**
 * Runs left `running` by a worker that died. Called by the next job of the connection once
 * it holds the connection's lock, so nothing else can be running them.
 */
export async function interruptStaleRuns(db: Executor, connectionId: string): Promise<number> {
  const rows = await db
    .update(syncRuns)
    .set({ status: 'interrupted', finishedAt: new Date(), error: 'The worker stopped during this run; the next run resumed from the last committed page.' })
    .where(and(eq(syncRuns.connectionId, connectionId), eq(syncRuns.status, 'running')))
    .returning({ id: syncRuns.id });
  return rows.length;
}

/** A run still heart-beating (for "already running" answers). */
export async function runningRun(db: Executor, connectionId: string, freshWithinMs = 120_000) {
  const [row] = await db
    .select({ id: syncRuns.id, entity: syncRuns.entity, startedAt: syncRuns.startedAt, progress: syncRuns.progress })
    .from(syncRuns)
    .where(and(eq(syncRuns.connectionId, connectionId), eq(syncRuns.status, 'running'), sql`${syncRuns.heartbeatAt} > now() - ${`${Math.round(freshWithinMs / 1000)} seconds`}::interval`))
    .limit(1);
  return row ?? null;
}

// ---------------------------------------------------------------- history

export interface RunFilter {
  connectionId?: string;
  status?: SyncRunStatus;
  entity?: SyncEntity;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

/**
 * Sync history, newest first, keyset-paginated by (started_at, id). The cursor row is
 * compared in SQL: timestamps keep their microseconds there (a JS Date would drop them
 * and skip rows started in the cursor's millisecond).
 */
export async function listRuns(db: Executor, organizationId: string, filter: RunFilter) {
  const cursorRow = filter.cursor
    ? sql`(select c.started_at, c.id from sync_runs c where c.id = ${filter.cursor} and c.organization_id = ${organizationId})`
    : undefined;
  const items = await db
    .select()
    .from(syncRuns)
    .where(
      and(
        eq(syncRuns.organizationId, organizationId),
        filter.connectionId ? eq(syncRuns.connectionId, filter.connectionId) : undefined,
        filter.status ? eq(syncRuns.status, filter.status) : undefined,
        filter.entity ? eq(syncRuns.entity, filter.entity) : undefined,
        filter.from ? gte(syncRuns.startedAt, filter.from) : undefined,
        filter.to ? lte(syncRuns.startedAt, filter.to) : undefined,
        cursorRow ? sql`(sync_runs.started_at, sync_runs.id) < ${cursorRow}` : undefined,
      ),
    )
    .orderBy(desc(syncRuns.startedAt), desc(syncRuns.id))
    .limit(filter.limit + 1);
  const page = items.slice(0, filter.limit).map((r) => ({
    ...r,
    durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
  }));
  return { items: page, nextCursor: items.length > filter.limit ? page[page.length - 1]!.id : null };
}

export async function runDetail(db: Executor, organizationId: string, id: string, errorLimit = 500) {
  const [run] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.id, id), eq(syncRuns.organizationId, organizationId)));
  if (!run) return null;
  const errors = await db
    .select()
    .from(syncRunErrors)
    .where(eq(syncRunErrors.runId, id))
    .orderBy(asc(syncRunErrors.createdAt))
    .limit(errorLimit);
  const [retryable] = await db
    .select({ n: count() })
    .from(syncRunErrors)
    .where(and(eq(syncRunErrors.runId, id), eq(syncRunErrors.retryable, true), isNull(syncRunErrors.retriedAt)));
  return { run: { ...run, durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null }, errors, retryableCount: retryable?.n ?? 0 };
}

/**
 * A run's record-level errors, oldest first, keyset-paginated by (created_at, id). `attempts`
 * counts how often this record has failed on this side of the connection up to this error
 * (the first failure and every retry that failed again).
 */
export async function listRunErrors(db: Executor, organizationId: string, input: { runId: string; cursor?: string; limit: number }) {
  const cursorRow = input.cursor
    ? sql`(select c.created_at, c.id from sync_run_errors c where c.id = ${input.cursor} and c.run_id = ${input.runId})`
    : undefined;
  // spelled out: inside a one-table select drizzle drops the table names a correlated subquery needs
  const attempts = sql<number>`(select count(*)::int from sync_run_errors prior where prior.connection_id = sync_run_errors.connection_id and prior.entity = sync_run_errors.entity and prior.side = sync_run_errors.side and (prior.app_id = sync_run_errors.app_id or prior.remote_id = sync_run_errors.remote_id) and prior.created_at <= sync_run_errors.created_at)`;
  const rows = await db
    .select({
      id: syncRunErrors.id,
      entity: syncRunErrors.entity,
      side: syncRunErrors.side,
      appId: syncRunErrors.appId,
      remoteId: syncRunErrors.remoteId,
      message: syncRunErrors.message,
      retryable: syncRunErrors.retryable,
      retriedAt: syncRunErrors.retriedAt,
      createdAt: syncRunErrors.createdAt,
      attempts,
    })
    .from(syncRunErrors)
    .where(
      and(
        eq(syncRunErrors.runId, input.runId),
        eq(syncRunErrors.organizationId, organizationId),
        cursorRow ? sql`(sync_run_errors.created_at, sync_run_errors.id) > ${cursorRow}` : undefined,
      ),
    )
    .orderBy(asc(syncRunErrors.createdAt), asc(syncRunErrors.id))
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit);
  return { items, nextCursor: rows.length > input.limit ? items[items.length - 1]!.id : null };
}
