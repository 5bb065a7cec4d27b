import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { Checkpoints, useReportProgress } from '~/components/reports/checkpoints';
import { Badge, formatDateTime, runStatusLabels, typeLabels } from '~/components/reports/format';
import { Alert, PageHeader } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { roleCan } from '../../server/security/rbac';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('reports.read')(args);
  const id = z.string().uuid().safeParse(args.params.runId);
  if (!id.success) throw new Response('Run not found.', { status: 404 });
  const run = await orThrowResponse(caller.reports.runs.byId({ id: id.data }));
  return {
    run: {
      id: run.id,
      reportId: run.reportId,
      status: run.status,
      trigger: run.trigger,
      error: run.error,
      resumes: run.resumes,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      reportType: run.reportType,
      periodStart: run.periodStart,
      periodEnd: run.periodEnd,
      timeZone: run.timeZone,
      canResume: run.canResume,
      steps: run.steps.map((s) => ({ step: s.step, label: s.label, status: s.status, attempts: s.attempts, durationMs: s.durationMs, error: s.error })),
    },
    canRun: roleCan(tenant.role, 'reports.run'),
  };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, tenant } = await sectionLoader('reports.read')(args);
  if (!roleCan(tenant.role, 'reports.run')) throw new Response('Only managers and above can resume a run.', { status: 403 });
  const id = z.string().uuid().parse(args.params.runId);
  const result = await formResult(caller.reports.runs.resume({ id }));
  if (!result.ok) return data({ message: result.message }, { status: result.status, headers });
  throw redirect(`/reports/runs/${result.value.runId}`, { headers });
}

export default function RunPage() {
  const { run, canRun } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const live = run.status === 'queued' || run.status === 'running';
  useReportProgress([run.id], live);
  const failed = run.steps.find((s) => s.status === 'failed');
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link to="/reports" className="text-brand-700 hover:underline">
          ← Reports
        </Link>
      </nav>
      <PageHeader
        title={`${typeLabels[run.reportType]} report run`}
        description={`${formatDateTime(run.periodStart, run.timeZone)} – ${formatDateTime(run.periodEnd, run.timeZone)} (${run.timeZone}) · started ${formatDateTime(run.createdAt)}${run.resumes ? ` · resumed ${run.resumes}×` : ''}`}
        actions={<Badge status={run.status} label={runStatusLabels[run.status]} />}
      />
      <div className="space-y-6">
        {params.get('joined') ? <Alert tone="info">A run for this period was already going; this is it.</Alert> : null}
        <section aria-labelledby="checkpoints-title" className="rounded-lg border border-slate-200 bg-white p-4" aria-live="polite">
          <h2 id="checkpoints-title" className="mb-4 font-semibold">
            Checkpoints
          </h2>
          <Checkpoints steps={run.steps} />
        </section>
        {failed?.error ? (
          <Alert>
            Step {failed.step} ({failed.label}) failed: {failed.error}
          </Alert>
        ) : null}
        {run.status === 'partial' ? <Alert tone="info">{run.error ?? 'The analysis was unavailable; the report was published with the figures.'}</Alert> : null}
        {failure?.message ? <Alert>{failure.message}</Alert> : null}
        <div className="flex flex-wrap gap-3">
          {run.canResume && canRun ? (
            <Form method="post">
              <Button type="submit" disabled={navigation.state !== 'idle'}>
                {navigation.state !== 'idle' ? 'Resuming…' : `Resume from step ${failed?.step ?? ''}`}
              </Button>
            </Form>
          ) : null}
          {run.status === 'succeeded' || run.status === 'partial' ? (
            <Link to={`/reports/${run.reportId}`} className="inline-flex min-h-10 items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
              Open the report
            </Link>
          ) : null}
        </div>
      </div>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Report run · CRM Hub' }];
