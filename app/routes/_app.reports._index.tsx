import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { useReportProgress } from '~/components/reports/checkpoints';
import { Badge, runStatusLabels, typeLabels } from '~/components/reports/format';
import { Alert, EmptyState, PageHeader } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { SelectField } from '~/components/ui/field';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { roleCan } from '../../server/security/rbac';
import { reportStatuses, reportTypes } from '../../server/shared/reports';

const PAGE_SIZE = 25;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const filterSchema = z.object({
  type: z.enum(reportTypes).optional().catch(undefined),
  status: z.enum(reportStatuses).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  cursor: z.string().uuid().optional().catch(undefined),
});

export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('reports.read')(args);
  const url = new URL(args.request.url);
  const f = filterSchema.parse(Object.fromEntries(url.searchParams));
  const list = await orThrowResponse(
    caller.reports.list({
      type: f.type,
      status: f.status,
      from: f.from ? new Date(`${f.from}T00:00:00Z`) : undefined,
      to: f.to ? new Date(`${f.to}T00:00:00Z`) : undefined,
      cursor: f.cursor,
      limit: PAGE_SIZE,
    }),
  );
  return {
    reports: list.items.map((r) => ({ id: r.id, title: r.title, type: r.type, status: r.status, analysis: r.analysis, summary: r.summary, commentCount: r.commentCount, runStatus: r.runStatus, latestRunId: r.latestRunId })),
    nextCursor: list.nextCursor,
    canForce: roleCan(tenant.role, 'reports.run'),
  };
}

const forceForm = z.discriminatedUnion('type', [
  z.object({ intent: z.literal('force'), type: z.enum(['daily', 'weekly', 'monthly']), current: z.literal('on').optional() }),
  z.object({ intent: z.literal('force'), type: z.literal('manual'), from: day.catch(''), to: day.catch('') }).refine((v) => v.from && v.to, 'Choose the first and the last day.'),
]);

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, tenant } = await sectionLoader('reports.read')(args);
  if (!roleCan(tenant.role, 'reports.run')) throw new Response('Only managers and above can force a report.', { status: 403 });
  const parsed = forceForm.safeParse(Object.fromEntries(await args.request.formData()));
  if (!parsed.success) return data({ message: parsed.error.issues[0]?.message ?? 'Check the form.' }, { status: 400, headers });
  const input = parsed.data;
  const result = await formResult(
    caller.reports.runs.force(input.type === 'manual' ? { type: 'manual', days: { from: input.from, to: input.to } } : { type: input.type, current: input.current === 'on' }),
  );
  if (!result.ok) return data({ message: result.fieldErrors?.to?.[0] ?? result.message }, { status: result.status, headers });
  throw redirect(`/reports/runs/${result.value.runId}${result.value.status === 'already_running' ? '?joined=1' : ''}`, { headers });
}

export default function ReportsList() {
  const { reports, nextCursor, canForce } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [params] = useSearchParams();
  const running = reports.some((r) => r.runStatus === 'queued' || r.runStatus === 'running');
  useReportProgress(null, running);
  const next = new URLSearchParams(params);
  if (nextCursor) next.set('cursor', nextCursor);
  return (
    <>
      <PageHeader title="Reports" description="AI reports on what your team said to customers, with figures computed from the dialogs." />
      {canForce ? <ForceReport message={failure?.message} /> : null}
      <Form method="get" className="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter reports">
        <div className="w-36">
          <SelectField label="Type" name="type" defaultValue={params.get('type') ?? ''}>
            <option value="">All types</option>
            {reportTypes.map((t) => (
              <option key={t} value={t}>
                {typeLabels[t]}
              </option>
            ))}
          </SelectField>
        </div>
        <div className="w-36">
          <SelectField label="Status" name="status" defaultValue={params.get('status') ?? ''}>
            <option value="">All statuses</option>
            {reportStatuses.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0).toUpperCase() + s.slice(1)}
              </option>
            ))}
          </SelectField>
        </div>
        <label className="text-sm font-medium text-slate-800">
          From
          <input type="date" name="from" defaultValue={params.get('from') ?? ''} className="mt-1 block rounded-md border border-slate-300 px-3 py-2 text-sm" />
        </label>
        <label className="text-sm font-medium text-slate-800">
          To
          <input type="date" name="to" defaultValue={params.get('to') ?? ''} className="mt-1 block rounded-md border border-slate-300 px-3 py-2 text-sm" />
        </label>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </Form>
      {reports.length === 0 ? (
        <EmptyState title="No reports yet">{canForce ? 'Force a report above, or set a schedule in Settings → Reports.' : 'Reports appear here once they run.'}</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Reports">
          <table className="min-w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">Period</th>
                <th scope="col" className="px-3 py-2">Type</th>
                <th scope="col" className="px-3 py-2">Status</th>
                <th scope="col" className="px-3 py-2">Summary</th>
                <th scope="col" className="px-3 py-2">Comments</th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {reports.map((r) => (
                <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="report-row">
                  <td className="px-3 py-2 font-medium">{r.title.replace(/^\w+ — /, '')}</td>
                  <td className="px-3 py-2">{typeLabels[r.type]}</td>
                  <td className="px-3 py-2">
                    <Badge status={r.status} />
                    {r.analysis === 'unavailable' ? <span className="mt-1 block text-xs text-amber-800">figures only</span> : null}
                    {r.runStatus === 'queued' || r.runStatus === 'running' ? (
                      <Link to={`/reports/runs/${r.latestRunId}`} className="mt-1 block text-xs text-brand-700 underline">
                        {runStatusLabels[r.runStatus]}…
                      </Link>
                    ) : null}
                  </td>
                  <td className="max-w-md px-3 py-2 text-slate-700">{r.summary?.split('\n').map((line, i) => <p key={i}>{line}</p>) ?? '—'}</td>
                  <td className="px-3 py-2 tabular-nums">{r.commentCount}</td>
                  <td className="px-3 py-2">
                    <Link to={`/reports/${r.id}`} className="font-medium text-brand-700 hover:underline">
                      Open<span className="sr-only"> {r.title}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextCursor ? (
        <nav aria-label="Pagination" className="mt-3 text-right text-sm">
          <Link to={`?${next}`} className="font-medium text-brand-700 hover:underline">
            Older reports →
          </Link>
        </nav>
      ) : null}
    </>
  );
}

function ForceReport({ message }: { message?: string }) {
  const navigation = useNavigation();
  const [type, setType] = useState('daily');
  const busy = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'force';
  return (
    <Form method="post" className="mb-6 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="force-title">
      <h2 id="force-title" className="mb-3 font-semibold">
        Force a report
      </h2>
      <input type="hidden" name="intent" value="force" />
      <div className="flex flex-wrap items-end gap-3">
        <div className="w-40">
          <SelectField label="Report" name="type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="daily">Daily</option>
            <option value="weekly">Weekly</option>
            <option value="monthly">Monthly</option>
            <option value="manual">A chosen period</option>
          </SelectField>
        </div>
        {type === 'manual' ? (
          <>
            <label className="text-sm font-medium text-slate-800">
              First day
              <input type="date" name="from" required className="mt-1 block rounded-md border border-slate-300 px-3 py-2 text-sm" />
            </label>
            <label className="text-sm font-medium text-slate-800">
              Last day
              <input type="date" name="to" required className="mt-1 block rounded-md border border-slate-300 px-3 py-2 text-sm" />
            </label>
          </>
        ) : (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="current" className="h-4 w-4" /> the current {type === 'daily' ? 'day' : type === 'weekly' ? 'week' : 'month'} so far (else the last complete one)
          </label>
        )}
        <Button type="submit" disabled={busy}>
          {busy ? 'Starting…' : 'Force report'}
        </Button>
      </div>
      {message ? (
        <div className="mt-3">
          <Alert>{message}</Alert>
        </div>
      ) : null}
    </Form>
  );
}

export const meta: MetaFunction = () => [{ title: 'Reports · CRM Hub' }];
