import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useRouteLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { formatDateTime, humanize } from '~/components/crm/format';
import { ActionAlert, CursorPager, directionLabel, formatDuration, RunStatusBadge, syncedOf, uuidParams, useActionResult } from '~/components/integrations/history';
import { DataTable } from '~/components/ui/data-table';
import { SyncProgress, useSyncProgress, type LiveRun } from '~/components/integrations/progress';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import type { loader as layoutLoader } from './_app.integrations.$connectionId';

/** Record-level errors shown per page. */
const ERRORS_PER_PAGE = 25;

const uuid = z.string().uuid();

const idsOf = (params: LoaderFunctionArgs['params']) => uuidParams(params, ['connectionId', 'runId'], 'sync run');

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('integrations.read')(args);
  const { connectionId, runId } = idsOf(args.params);
  const cursor = uuid.safeParse(new URL(args.request.url).searchParams.get('errors'));
  const [detail, errors] = await Promise.all([
    orThrowResponse(caller.sync.run({ id: runId })),
    orThrowResponse(caller.sync.runErrors({ runId, cursor: cursor.success ? cursor.data : undefined, limit: ERRORS_PER_PAGE })),
  ]);
  // a run of another connection is not at this address
  if (detail.run.connectionId !== connectionId) throw new Response('There is no sync run at this address.', { status: 404 });
  const r = detail.run;
  return {
    run: {
      id: r.id,
      entity: r.entity,
      direction: r.direction,
      trigger: r.trigger,
      status: r.status,
      processed: r.processed,
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      failed: r.failed,
      skipped: r.skipped,
      conflicts: r.conflicts,
      pages: r.pages,
      apiCalls: r.apiCalls,
      progress: r.progress,
      error: r.error,
      retryOfRunId: r.retryOfRunId,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      heartbeatAt: r.heartbeatAt,
      durationMs: r.durationMs,
    },
    retryableCount: detail.retryableCount,
    errors: errors.items.map((e) => ({
      id: e.id,
      side: e.side,
      appId: e.appId,
      remoteId: e.remoteId,
      message: e.message,
      retryable: e.retryable,
      retriedAt: e.retriedAt,
      attempts: e.attempts,
    })),
    nextCursor: errors.nextCursor,
  };
}

const actionSchema = z.object({ intent: z.literal('retryFailed') });

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('integrations.manage')(args);
  const { runId } = idsOf(args.params);
  const parsed = actionSchema.safeParse(Object.fromEntries(await args.request.formData()));
  if (!parsed.success) return data({ ok: false as const, message: 'Unknown request.', runningRunId: null }, { status: 400, headers });
  const result = await formResult(caller.sync.retryFailed({ runId }));
  if (!result.ok) return data({ ok: false as const, message: result.message, runningRunId: null }, { status: result.status, headers });
  const r = result.value;
  if (r.status === 'already_running')
    return data({ ok: false as const, message: `A sync of this connection is already running (${humanize(r.entity)}s, started ${formatDateTime(r.startedAt)}). Retry when it ends.`, runningRunId: r.runId }, { headers });
  if (r.status === 'already_queued') return data({ ok: false as const, message: 'A sync of this connection is already queued. Retry when it ends.', runningRunId: null }, { headers });
  return data({ ok: true as const, message: 'Retry queued: only the failed records run again. Its run appears in the sync history.', runningRunId: null }, { headers });
}

const sideLabel: Record<string, string> = { pull: 'CRM → App', push: 'App → CRM' };

function Stat({ label, value, tone }: { label: string; value: React.ReactNode; tone?: string }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2">
      <dt className="text-xs uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className={`text-lg font-semibold tabular-nums ${tone ?? ''}`}>{value}</dd>
    </div>
  );
}

export default function SyncRunDetail() {
  const { run, retryableCount, errors, nextCursor } = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>('routes/_app.integrations.$connectionId');
  const result = useActionResult<ReturnType<typeof useActionData<typeof action>>>();
  const [params] = useSearchParams();
  const connectionId = layout?.connection.id ?? '';
  const canManage = layout?.canManage ?? false;
  const runHref = (id: string) => `/integrations/${connectionId}/history/${id}`;
  const initial: LiveRun[] =
    run.status === 'running'
      ? [{ runId: run.id, entity: run.entity, status: run.status, phase: run.progress.phase, page: run.progress.page, seen: run.progress.seen, total: run.progress.total ?? null, phaseStart: run.progress.phaseStart ?? 0, processed: run.processed, created: run.created, updated: run.updated, deleted: run.deleted, failed: run.failed, conflicts: run.conflicts, error: run.error, sentAt: null }]
      : [];
  const live = useSyncProgress(connectionId, initial).filter((r) => r.runId === run.id && (r.status === 'running' || run.status === 'running'));

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm">
          <Link to={`/integrations/${connectionId}/history`} className="text-brand-700 underline">
            ← Sync history
          </Link>
        </p>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h2 className="text-lg font-semibold">
            {humanize(run.entity)}s · {formatDateTime(run.startedAt)}
          </h2>
          <RunStatusBadge status={run.status} />
        </div>
        <p className="mt-1 text-sm text-slate-700">
          {directionLabel[run.direction] ?? humanize(run.direction)} · {humanize(run.trigger)} run
          {run.retryOfRunId ? (
            <>
              {' '}
              retrying the failed records of{' '}
              <Link to={runHref(run.retryOfRunId)} className="text-brand-700 underline">
                an earlier run
              </Link>
            </>
          ) : null}
        </p>
      </div>

      <ActionAlert result={result} runHref={runHref} />

      <SyncProgress runs={live} runHref={runHref} />

      {run.error ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900">
          <p className="font-medium">The run stopped with an error</p>
          <p className="mt-1 break-words">{run.error}</p>
        </div>
      ) : null}

      <section aria-labelledby="run-counts" className="space-y-2">
        <h3 id="run-counts" className="text-base font-semibold">
          Counts
        </h3>
        <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4 lg:grid-cols-8">
          <Stat label="Processed" value={run.processed} />
          <Stat label="Synced" value={syncedOf(run)} />
          <Stat label="Created" value={run.created} />
          <Stat label="Updated" value={run.updated} />
          <Stat label="Deleted" value={run.deleted} />
          <Stat label="Skipped" value={run.skipped} />
          <Stat label="Failed" value={run.failed} tone={run.failed ? 'text-red-800' : undefined} />
          <Stat label="Conflicts" value={run.conflicts} tone={run.conflicts ? 'text-amber-900' : undefined} />
        </dl>
      </section>

      <section aria-labelledby="run-timings" className="space-y-2">
        <h3 id="run-timings" className="text-base font-semibold">
          Timings
        </h3>
        <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-6 gap-y-1 text-sm">
          <dt className="text-slate-600">Started</dt>
          <dd>{formatDateTime(run.startedAt)}</dd>
          <dt className="text-slate-600">Finished</dt>
          <dd>{run.finishedAt ? formatDateTime(run.finishedAt) : 'Still running'}</dd>
          <dt className="text-slate-600">Duration</dt>
          <dd>{formatDuration(run.durationMs)}</dd>
          <dt className="text-slate-600">Pages</dt>
          <dd>{run.pages}</dd>
          <dt className="text-slate-600">CRM API calls</dt>
          <dd>{run.apiCalls}</dd>
        </dl>
      </section>

      <section aria-labelledby="run-errors" className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h3 id="run-errors" className="text-base font-semibold">
            Record errors
          </h3>
          {canManage && retryableCount > 0 ? (
            <ConfirmDialog
              trigger={<Button variant="secondary">Retry failed records ({retryableCount})</Button>}
              title="Retry the failed records?"
              description={`Only the ${retryableCount} record${retryableCount === 1 ? '' : 's'} that failed with a retryable error run again, as a sync of their own. Records that failed for a reason a retry cannot fix (shown as “needs a fix”) are left out.`}
              confirmLabel="Retry"
              intent="retryFailed"
              hidden={{}}
            />
          ) : null}
        </div>
        {errors.length === 0 && !params.has('errors') ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-6 text-center text-sm text-slate-700" data-testid="no-run-errors">
            No record failed in this run.
          </p>
        ) : (
          <>
            <DataTable label="Record errors" columns={['Record', 'Way', 'Message', { label: 'Attempts', right: true }, 'Retry']}>
              {errors.map((e) => (
                <tr key={e.id} data-testid="run-error">
                  <td className="px-3 py-2 align-top">
                    <div className="space-y-0.5 text-xs">
                      <div>
                        {humanize(run.entity)}{' '}
                        {e.appId ? (
                          <Link to={`/crm/${run.entity === 'account' ? 'accounts' : 'contacts'}/${e.appId}`} className="font-mono text-brand-700 underline">
                            {e.appId.slice(0, 8)}
                          </Link>
                        ) : (
                          <span className="text-slate-600">not in the app yet</span>
                        )}
                      </div>
                      <div className="text-slate-700">CRM id {e.remoteId ? <span className="font-mono">{e.remoteId}</span> : '—'}</div>
                    </div>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 align-top">{sideLabel[e.side] ?? humanize(e.side)}</td>
                  <td className="min-w-64 px-3 py-2 align-top break-words">{e.message}</td>
                  <td className="px-3 py-2 text-right align-top tabular-nums">{e.attempts}</td>
                  <td className="whitespace-nowrap px-3 py-2 align-top">
                    {e.retriedAt ? `Retried ${formatDateTime(e.retriedAt)}` : e.retryable ? 'Can retry' : 'Needs a fix'}
                  </td>
                </tr>
              ))}
            </DataTable>
            <CursorPager param="errors" nextCursor={nextCursor} firstLabel="First errors" nextLabel="More errors" label="Record errors pages" />
          </>
        )}
      </section>
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${humanize(data.run.entity)}s sync run` : 'Sync run'} · Integrations · CRM Hub` }];
