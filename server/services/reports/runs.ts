import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { queues } from '../../../jobs/queues';
import { organizations } from '../../../db/schema';
import { reportRuns, reportRunSteps, reports } from '../../../db/schema/reports';
import { publishEvent } from '../../realtime/channel';
import { activeRunStatuses, pipelineSteps, STEP_COUNT, type ReportRunTrigger, type ReportType } from '../../shared/reports';
import { ReportError, type ReportDeps } from './deps';
import type { Period } from './periods';

/**
 * Starting, resuming and reading report runs. A report is the natural key (tenant,
 * type, period) every run of that period converges on; a run is one execution of
 * the eight steps. At most one run per report is queued or running (a partial unique
 * index, and the job's singleton key), so two clicks or a click and the schedule
 * never run the same period twice at once.
 */

/**
 * A run that has shown no progress for this long while queued or running lost its worker
 * for good (pg-boss gave up retrying the job): it may be resumed like a failed one.
 * Longer than the job's expiry (3 h) so a slow but live run is never taken over.
 */
export const STALE_RUN_MS = 4 * 3_600_000;
const isStale = (run: { status: string; updatedAt: Date }, now = Date.now()) => (run.status === 'queued' || run.status === 'running') && now - run.updatedAt.getTime() > STALE_RUN_MS;

export type StartResult = { status: 'queued'; runId: string; reportId: string } | { status: 'already_running'; runId: string; reportId: string };

const isUniqueViolation = (error: unknown) => (error as { code?: string; cause?: { code?: string } })?.code === '23505' || (error as { cause?: { code?: string } })?.cause?.code === '23505';

async function activeRunOf(deps: Pick<ReportDeps, 'db'>, reportId: string) {
  const [run] = await deps.db
    .select({ id: reportRuns.id })
    .from(reportRuns)
    .where(and(eq(reportRuns.reportId, reportId), inArray(reportRuns.status, [...activeRunStatuses])));
  return run ?? null;
}

export async function publishRunProgress(deps: Pick<ReportDeps, 'sql' | 'log'>, organizationId: string, data: Record<string, unknown>): Promise<void> {
  await publishEvent(deps.sql, { organizationId, topic: 'report.progress', data }).catch((error: unknown) => deps.log?.(`[reports] progress not published: ${(error as Error).message}`));
}

/** Creates (or finds) the report of the period, then a queued run with its eight steps, and enqueues it. */
export async function startRun(
  deps: ReportDeps,
  input: { organizationId: string; type: ReportType; period: Period; timeZone: string; trigger: ReportRunTrigger; requestedBy: string | null },
): Promise<StartResult> {
  let created: { runId: string; reportId: string } | StartResult;
  try {
    created = await deps.db.transaction(async (tx) => {
      const [report] = await tx
        .insert(reports)
        .values({ organizationId: input.organizationId, type: input.type, periodStart: input.period.start, periodEnd: input.period.end, timeZone: input.timeZone })
        .onConflictDoUpdate({ target: [reports.organizationId, reports.type, reports.periodStart, reports.periodEnd], set: { updatedAt: new Date() } })
        .returning({ id: reports.id });
      const active = await activeRunOf({ db: tx as unknown as ReportDeps['db'] }, report!.id);
      if (active) return { status: 'already_running' as const, runId: active.id, reportId: report!.id };
      const [run] = await tx
        .insert(reportRuns)
        .values({ organizationId: input.organizationId, reportId: report!.id, trigger: input.trigger, requestedBy: input.requestedBy })
        .returning({ id: reportRuns.id });
      await tx.insert(reportRunSteps).values(pipelineSteps.map((s, i) => ({ runId: run!.id, step: i + 1, key: s.key })));
      await tx
        .update(reports)
        .set({ latestRunId: run!.id, status: sql`case when ${reports.status} in ('pending', 'failed') then 'running'::report_status else ${reports.status} end`, updatedAt: new Date() })
        .where(eq(reports.id, report!.id));
      return { runId: run!.id, reportId: report!.id };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // a concurrent start won the race for this period
    const [report] = await deps.db
      .select({ id: reports.id })
      .from(reports)
      .where(and(eq(reports.organizationId, input.organizationId), eq(reports.type, input.type), eq(reports.periodStart, input.period.start), eq(reports.periodEnd, input.period.end)));
    const active = report ? await activeRunOf(deps, report.id) : null;
    if (!report || !active) throw error;
    return { status: 'already_running', runId: active.id, reportId: report.id };
  }
  if ('status' in created) return created;
  await enqueueRun(deps, input.organizationId, created.runId, created.reportId);
  return { status: 'queued', ...created };
}

/** Sends the run's job (singleton per report). Without a queue (a web-only test) the run stays queued. */
async function enqueueRun(deps: ReportDeps, organizationId: string, runId: string, reportId: string): Promise<void> {
  if (deps.boss) {
    const jobId = await deps.boss.send(queues.reportRun.name, { runId }, { singletonKey: reportId });
    if (jobId) await deps.db.update(reportRuns).set({ jobId, updatedAt: new Date() }).where(eq(reportRuns.id, runId));
    else deps.log?.(`[reports] run ${runId}: a job for report ${reportId} is already queued`);
  }
  await publishRunProgress(deps, organizationId, { runId, reportId, runStatus: 'queued' });
}

/**
 * A failed (or figures-only) run goes again from its failed step; the steps before it
 * keep their results. The fetch step before a "store" step is redone too (its result
 * lived only in the worker's memory).
 */
export async function resumeRun(deps: ReportDeps, organizationId: string, runId: string): Promise<StartResult> {
  const [run] = await deps.db.select().from(reportRuns).where(and(eq(reportRuns.id, runId), eq(reportRuns.organizationId, organizationId)));
  if (!run) throw new ReportError('not_found', 'Run not found.');
  const stale = isStale(run);
  if (run.status !== 'failed' && run.status !== 'partial' && !stale) throw new ReportError('precondition', run.status === 'succeeded' ? 'This run finished; start a new one instead.' : 'This run is still going.');
  const steps = await deps.db.select().from(reportRunSteps).where(eq(reportRunSteps.runId, runId)).orderBy(reportRunSteps.step);
  const failed = steps.find((s) => s.status === 'failed' || (stale && s.status === 'running'))?.step ?? run.currentStep;
  const from = failed === 2 || failed === 4 ? failed - 1 : failed;
  try {
    await deps.db.transaction(async (tx) => {
      await tx.update(reportRuns).set({ status: 'queued', error: null, finishedAt: null, currentStep: from, resumes: sql`${reportRuns.resumes} + 1`, updatedAt: new Date() }).where(eq(reportRuns.id, runId));
      await tx
        .update(reportRunSteps)
        .set({ status: 'pending', error: null, finishedAt: null, durationMs: null })
        .where(and(eq(reportRunSteps.runId, runId), sql`${reportRunSteps.step} >= ${from}`));
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const active = await activeRunOf(deps, run.reportId);
    if (!active) throw error;
    return { status: 'already_running', runId: active.id, reportId: run.reportId };
  }
  await enqueueRun(deps, organizationId, runId, run.reportId);
  return { status: 'queued', runId, reportId: run.reportId };
}

export type RunView = Awaited<ReturnType<typeof runView>>;

/** A run with its eight checkpoints, as the run page shows it (plain errors, no internals). */
export async function runView(deps: Pick<ReportDeps, 'db'>, organizationId: string, runId: string) {
  const [run] = await deps.db
    .select({
      id: reportRuns.id,
      reportId: reportRuns.reportId,
      trigger: reportRuns.trigger,
      status: reportRuns.status,
      currentStep: reportRuns.currentStep,
      resumes: reportRuns.resumes,
      updatedAt: reportRuns.updatedAt,
      error: reportRuns.error,
      startedAt: reportRuns.startedAt,
      finishedAt: reportRuns.finishedAt,
      createdAt: reportRuns.createdAt,
      reportType: reports.type,
      periodStart: reports.periodStart,
      periodEnd: reports.periodEnd,
      timeZone: reports.timeZone,
    })
    .from(reportRuns)
    .innerJoin(reports, eq(reports.id, reportRuns.reportId))
    .where(and(eq(reportRuns.id, runId), eq(reportRuns.organizationId, organizationId)));
  if (!run) return null;
  const steps = await deps.db
    .select({ step: reportRunSteps.step, key: reportRunSteps.key, status: reportRunSteps.status, attempts: reportRunSteps.attempts, startedAt: reportRunSteps.startedAt, finishedAt: reportRunSteps.finishedAt, durationMs: reportRunSteps.durationMs, error: reportRunSteps.error, detail: reportRunSteps.detail })
    .from(reportRunSteps)
    .where(eq(reportRunSteps.runId, runId))
    .orderBy(reportRunSteps.step);
  return {
    ...run,
    steps: steps.map((s) => ({ ...s, label: pipelineSteps[s.step - 1]?.label ?? s.key })),
    canResume: run.status === 'failed' || run.status === 'partial' || isStale(run),
    stepCount: STEP_COUNT,
  };
}

export async function listRuns(deps: Pick<ReportDeps, 'db'>, organizationId: string, input: { reportId?: string; limit: number }) {
  return deps.db
    .select({ id: reportRuns.id, reportId: reportRuns.reportId, trigger: reportRuns.trigger, status: reportRuns.status, currentStep: reportRuns.currentStep, error: reportRuns.error, createdAt: reportRuns.createdAt, finishedAt: reportRuns.finishedAt })
    .from(reportRuns)
    .where(and(eq(reportRuns.organizationId, organizationId), input.reportId ? eq(reportRuns.reportId, input.reportId) : undefined))
    .orderBy(desc(reportRuns.createdAt), desc(reportRuns.id))
    .limit(input.limit);
}

export async function organizationZone(deps: Pick<ReportDeps, 'db'>, organizationId: string) {
  const [org] = await deps.db.select({ timezone: organizations.timezone, dayBoundaryHour: organizations.dayBoundaryHour }).from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw new ReportError('not_found', 'Workspace not found.');
  return org;
}
