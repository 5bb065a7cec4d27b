import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { formatDateTime, humanize } from '~/components/crm/format';
import { ActionAlert, CursorPager, directionLabel, formatDuration, RunStatusBadge, syncedOf, uuidParams, useActionResult } from '~/components/integrations/history';
import { DataTable } from '~/components/ui/data-table';
import { SyncProgress, useSyncProgress, type LiveRun } from '~/components/integrations/progress';
import { EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { syncEntities, syncRunStatuses } from '../../server/shared/sync';
import type { loader as layoutLoader } from './_app.integrations.$connectionId';

/** Runs shown per page of the history. */
const PAGE_SIZE = 20;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** The filters live in the URL (shareable, back button works); a malformed value is dropped, not an error. */
const filterSchema = z.object({
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  status: z.enum(syncRunStatuses).optional().catch(undefined),
  entity: z.enum(syncEntities).optional().catch(undefined),
  cursor: z.string().uuid().optional().catch(undefined),
});

const connectionIdOf = (params: LoaderFunctionArgs['params']) => uuidParams(params, ['connectionId'], 'connection').connectionId;

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('integrations.read')(args);
  const connectionId = connectionIdOf(args.params);
  const filters = filterSchema.parse(Object.fromEntries(new URL(args.request.url).searchParams));
  const [page, running] = await Promise.all([
    orThrowResponse(
      caller.sync.runs({
        connectionId,
        status: filters.status,
        entity: filters.entity,
        // dates are UTC days, as the table shows them: "to" includes its whole day
        from: filters.from ? new Date(`${filters.from}T00:00:00.000Z`) : undefined,
        to: filters.to ? new Date(`${filters.to}T23:59:59.999Z`) : undefined,
        cursor: filters.cursor,
        limit: PAGE_SIZE,
      }),
    ),
    // the progress bar's first paint; events take over from there
    orThrowResponse(caller.sync.runs({ connectionId, status: 'running', limit: 10 })),
  ]);
  return {
    runs: page.items.map((r) => ({
      id: r.id,
      startedAt: r.startedAt,
      direction: r.direction,
      entity: r.entity,
      trigger: r.trigger,
      synced: syncedOf(r),
      failed: r.failed,
      conflicts: r.conflicts,
      status: r.status,
      durationMs: r.durationMs,
    })),
    nextCursor: page.nextCursor,
    running: running.items.map(
      (r): LiveRun => ({
        runId: r.id,
        entity: r.entity,
        status: r.status,
        phase: r.progress.phase,
        page: r.progress.page,
        seen: r.progress.seen,
        total: r.progress.total ?? null,
        phaseStart: r.progress.phaseStart ?? 0,
        processed: r.processed,
        created: r.created,
        updated: r.updated,
        deleted: r.deleted,
        failed: r.failed,
        conflicts: r.conflicts,
        error: r.error,
        sentAt: null,
      }),
    ),
    filtered: Boolean(filters.from || filters.to || filters.status || filters.entity),
  };
}

const actionSchema = z.object({ intent: z.literal('syncNow') });

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('integrations.manage')(args);
  const connectionId = connectionIdOf(args.params);
  const parsed = actionSchema.safeParse(Object.fromEntries(await args.request.formData()));
  if (!parsed.success) return data({ ok: false as const, message: 'Unknown request.', runningRunId: null }, { status: 400, headers });
  const result = await formResult(caller.connections.syncNow({ id: connectionId }));
  if (!result.ok) return data({ ok: false as const, message: result.message, runningRunId: null }, { status: result.status, headers });
  const r = result.value;
  if (r.status === 'already_running')
    return data({ ok: true as const, message: `A sync is already running (${humanize(r.entity)}s, started ${formatDateTime(r.startedAt)}).`, runningRunId: r.runId }, { headers });
  const message = r.status === 'queued' ? 'Sync queued. It starts in a moment; the progress shows below.' : 'A sync is already queued for this connection.';
  return data({ ok: true as const, message, runningRunId: null }, { headers });
}

function Filters() {
  const [params] = useSearchParams();
  const control = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm';
  return (
    <Form method="get" className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-[repeat(4,minmax(0,1fr))_auto]" aria-label="Filter sync runs">
      <label className="text-sm font-medium text-slate-800">
        From
        <input type="date" name="from" defaultValue={params.get('from') ?? ''} className={control} />
      </label>
      <label className="text-sm font-medium text-slate-800">
        To
        <input type="date" name="to" defaultValue={params.get('to') ?? ''} className={control} />
      </label>
      <label className="text-sm font-medium text-slate-800">
        Status
        <select name="status" defaultValue={params.get('status') ?? ''} className={control}>
          <option value="">Any status</option>
          {syncRunStatuses.map((s) => (
            <option key={s} value={s}>
              {humanize(s)}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm font-medium text-slate-800">
        Entity
        <select name="entity" defaultValue={params.get('entity') ?? ''} className={control}>
          <option value="">Accounts and contacts</option>
          {syncEntities.map((e) => (
            <option key={e} value={e}>
              {humanize(e)}s
            </option>
          ))}
        </select>
      </label>
      <div className="col-span-2 flex items-end gap-2 sm:col-span-1">
        <Button type="submit" variant="secondary">
          Apply
        </Button>
        <Link to="?" className="px-2 py-2 text-sm font-medium text-brand-700 underline">
          Clear
        </Link>
      </div>
    </Form>
  );
}

export default function SyncHistory() {
  const { runs, nextCursor, running, filtered } = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>('routes/_app.integrations.$connectionId');
  const result = useActionResult<ReturnType<typeof useActionData<typeof action>>>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const connection = layout?.connection;
  const canManage = layout?.canManage ?? false;
  const connectionId = connection?.id ?? '';
  const live = useSyncProgress(connectionId, running);
  const busy = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'syncNow';
  const runHref = (runId: string) => `/integrations/${connectionId}/history/${runId}`;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-lg font-semibold">Sync history</h2>
        {canManage && connection?.status === 'connected' ? (
          <Form method="post">
            <Button type="submit" name="intent" value="syncNow" disabled={busy}>
              {busy ? 'Starting…' : 'Sync now'}
            </Button>
          </Form>
        ) : null}
      </div>
      <ActionAlert result={result} runHref={runHref} />
      <SyncProgress runs={live} runHref={runHref} />
      <Filters />
      {runs.length === 0 ? (
        filtered || params.has('cursor') ? (
          <EmptyState title="No runs match these filters">
            <Link to="?" className="font-medium text-brand-700 underline">
              Clear the filters
            </Link>
          </EmptyState>
        ) : (
          <EmptyState title="No sync has run yet">
            <p>{canManage ? 'Runs appear here as soon as the first sync starts. Use “Sync now” to start one.' : 'Runs appear here as soon as the first sync starts.'}</p>
          </EmptyState>
        )
      ) : (
        <>
          <DataTable label="Sync runs" columns={['Started', 'Direction', 'Entity', { label: 'Synced', right: true }, { label: 'Failed', right: true }, { label: 'Conflicts', right: true }, 'Status', { label: 'Duration', right: true }]}>
            {runs.map((r) => (
              <tr key={r.id} data-testid="history-run" data-run-id={r.id}>
                <td className="whitespace-nowrap px-3 py-2">
                  <Link to={runHref(r.id)} className="text-brand-700 underline" aria-label={`Run details: ${humanize(r.entity)}s, ${formatDateTime(r.startedAt)}`}>
                    {formatDateTime(r.startedAt)}
                  </Link>
                  {r.trigger !== 'manual' ? <span className="ml-2 text-xs text-slate-600">{humanize(r.trigger)}</span> : null}
                </td>
                <td className="whitespace-nowrap px-3 py-2">{directionLabel[r.direction] ?? humanize(r.direction)}</td>
                <td className="px-3 py-2">{humanize(r.entity)}s</td>
                <td className="px-3 py-2 text-right tabular-nums">{r.synced}</td>
                <td className={`px-3 py-2 text-right tabular-nums ${r.failed ? 'font-semibold text-red-800' : ''}`}>{r.failed}</td>
                <td className={`px-3 py-2 text-right tabular-nums ${r.conflicts ? 'font-semibold text-amber-900' : ''}`}>{r.conflicts}</td>
                <td className="px-3 py-2">
                  <RunStatusBadge status={r.status} />
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">{r.status === 'running' ? 'running' : formatDuration(r.durationMs)}</td>
              </tr>
            ))}
          </DataTable>
          <CursorPager param="cursor" nextCursor={nextCursor} firstLabel="Newest runs" nextLabel="Older runs" />
        </>
      )}
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Sync history · Integrations · CRM Hub' }];
