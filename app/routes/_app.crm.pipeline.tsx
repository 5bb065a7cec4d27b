import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { PipelineBoard } from '~/components/crm/pipeline/pipeline-board';
import { PIPELINE_PAGE_SIZE, pipelineFilterFrom, pipelineSort, toCard, type PipelineColumn } from '~/components/crm/pipeline/model';
import { EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { orThrowResponse } from '~/lib/trpc.server';
import { tenantPermissions, tenantRoleCan, type TenantRole } from '../../server/security/rbac';

const crmWriters = tenantPermissions['crm.write'] as readonly TenantRole[];

/**
 * The board's first render: every stage in the tenant's order with its count and
 * amount total (crm.leads.pipeline) and its first page of cards (crm.leads.list per
 * stage, in parallel); later pages load from the browser, per column.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('crm.read')(args);
  const canFilterAssignee = tenantRoleCan(tenant.role, 'crm.manage_all');
  const filter = pipelineFilterFrom(new URL(args.request.url), canFilterAssignee);
  const [stages, summary, members] = await Promise.all([
    orThrowResponse(caller.crm.stages.list()),
    orThrowResponse(caller.crm.leads.pipeline(filter)),
    canFilterAssignee ? orThrowResponse(caller.org.members.list()) : Promise.resolve([]),
  ]);
  const totals = new Map(summary.map((s) => [s.id, s]));
  const columns: PipelineColumn[] = await Promise.all(
    stages.map(async (stage) => {
      const page = await orThrowResponse(caller.crm.leads.list({ ...filter, ...pipelineSort, stageIds: [stage.id], limit: PIPELINE_PAGE_SIZE }));
      return {
        stage: { id: stage.id, name: stage.name, color: stage.color, isQualified: stage.isQualified, isWon: stage.isWon, isLost: stage.isLost },
        count: totals.get(stage.id)?.count ?? page.total ?? page.items.length,
        total: totals.get(stage.id)?.total ?? 0,
        cards: page.items.map(toCard),
        nextCursor: page.nextCursor,
      };
    }),
  );
  return {
    columns,
    filter,
    assignees: members.filter((m) => crmWriters.includes(m.role)).map((m) => ({ id: m.userId, label: m.name || m.email })),
    canFilterAssignee,
    canManageStages: tenantRoleCan(tenant.role, 'crm.stages.manage'),
  };
}

export default function Pipeline() {
  const { columns, filter, assignees, canFilterAssignee, canManageStages } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const filtering = navigation.state === 'loading' && navigation.location.pathname === '/crm/pipeline';
  const filtered = !!(filter.q || filter.assignees);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 className="text-lg font-semibold">Pipeline</h2>
        {canManageStages ? (
          <Link to="/settings/stages" className="text-sm font-medium text-brand-700 hover:underline">
            Edit stages
          </Link>
        ) : null}
      </div>
      <Form method="get" role="search" aria-label="Filter the pipeline" className="flex flex-wrap items-end gap-2">
        <div className="space-y-1">
          <label htmlFor="pipeline-q" className="block text-sm font-medium text-slate-800">
            Search
          </label>
          <input
            id="pipeline-q"
            name="q"
            type="search"
            defaultValue={filter.q ?? ''}
            placeholder="Name, e-mail, company, phone"
            className="w-64 max-w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
          />
        </div>
        {canFilterAssignee ? (
          <div className="space-y-1">
            <label htmlFor="pipeline-assignee" className="block text-sm font-medium text-slate-800">
              Assignee
            </label>
            <select
              id="pipeline-assignee"
              name="assignee"
              defaultValue={filter.assignees?.[0] ?? ''}
              className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
            >
              <option value="">Everyone</option>
              <option value="me">Me</option>
              <option value="unassigned">Unassigned</option>
              {assignees.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.label}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <Button type="submit" variant="secondary" disabled={filtering}>
          {filtering ? 'Filtering…' : 'Apply'}
        </Button>
        {filtered ? (
          <Link to="/crm/pipeline" className="px-2 py-2 text-sm font-medium text-brand-700 hover:underline">
            Clear filters
          </Link>
        ) : null}
      </Form>
      {columns.length === 0 ? (
        <EmptyState title="No stages yet">
          {canManageStages ? (
            <>
              <Link to="/settings/stages" className="font-medium text-brand-700 hover:underline">
                Add a stage
              </Link>{' '}
              to start the pipeline.
            </>
          ) : (
            'An admin has to add the pipeline stages first.'
          )}
        </EmptyState>
      ) : (
        <div aria-busy={filtering || undefined} className={filtering ? 'opacity-60' : undefined}>
          {filtered && columns.every((c) => c.count === 0) ? (
            <p className="mb-3 text-sm text-slate-700" role="status">
              No leads match these filters.
            </p>
          ) : null}
          {/* a new filter is a new board: the state of the old one (loaded pages) does not carry over */}
          <PipelineBoard key={JSON.stringify(filter)} columns={columns} filter={filter} />
        </div>
      )}
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Pipeline · CRM · CRM Hub' }];
