import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import { isUuid, formatAmount, formatDate, humanize, personName, statusStyle } from '~/components/crm/format';
import { hasLeadFilters, leadViewFrom, viewQuery, type LeadSortColumn } from '~/components/crm/lead-filters';
import { Notice } from '~/components/crm/notice';
import { assignableMembers, crmSession, stageOptions } from '~/components/crm/session.server';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { leadSources, leadStatuses } from '../../server/shared/crm';

const PAGE_SIZE = 25;

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const url = new URL(args.request.url);
  const { sort, direction, ...filter } = leadViewFrom(url);
  const cursorParam = url.searchParams.get('cursor') ?? undefined;
  const cursor = isUuid(cursorParam) ? cursorParam : undefined;
  const [list, stages, members] = await Promise.all([
    orThrowResponse(caller.crm.leads.list({ ...filter, sort, direction, cursor, limit: PAGE_SIZE })),
    stageOptions(caller),
    assignableMembers(caller, can.manage),
  ]);
  return {
    leads: list.items.map((l) => ({
      id: l.id,
      name: l.name,
      email: l.email,
      phone: l.phone,
      company: l.company,
      status: l.status,
      stage: l.stage,
      assignee: l.assignee,
      amount: l.amount,
      createdAt: l.createdAt,
    })),
    nextCursor: list.nextCursor,
    total: list.total,
    totalCapped: list.totalCapped,
    page: cursor ? Math.max(2, Number(url.searchParams.get('p')) || 2) : 1,
    filtered: hasLeadFilters({ sort, direction, ...filter }),
    sort,
    direction,
    stages,
    members,
    canManage: can.manage,
  };
}

const bulkSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('bulkAssign'),
    ids: z.array(z.string().uuid()).min(1, 'Select at least one lead.').max(1000),
    assignedTo: z.string().transform((v) => (v === 'unassigned' ? null : v)).pipe(z.string().uuid('Choose whom to assign to.').nullable()),
  }),
  z.object({
    intent: z.literal('bulkStage'),
    ids: z.array(z.string().uuid()).min(1, 'Select at least one lead.').max(1000),
    stageId: z.string().uuid('Choose a stage.'),
  }),
]);

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  if (!can.manage) throw new Response('Only managers change leads in bulk.', { status: 403 });
  const form = await args.request.formData();
  const parsed = bulkSchema.safeParse({ ...Object.fromEntries(form), ids: form.getAll('ids') });
  if (!parsed.success) return data({ ok: false as const, message: parsed.error.issues[0]?.message ?? 'Invalid request.' }, { status: 400, headers });
  const input = parsed.data;
  if (input.intent === 'bulkAssign') {
    const result = await formResult(caller.crm.leads.bulkAssign({ ids: input.ids, assignedTo: input.assignedTo }));
    if (!result.ok) return data({ ok: false as const, message: result.message }, { status: result.status, headers });
    const n = result.value.changed.length;
    return data({ ok: true as const, message: `${n} lead${n === 1 ? '' : 's'} ${input.assignedTo ? 'assigned' : 'unassigned'}${result.value.unchanged ? `, ${result.value.unchanged} already were` : ''}.` }, { headers });
  }
  const result = await formResult(caller.crm.leads.bulkSetStage({ ids: input.ids, stageId: input.stageId }));
  if (!result.ok) return data({ ok: false as const, message: result.message }, { status: result.status, headers });
  const n = result.value.changed.length;
  return data({ ok: true as const, message: `${n} lead${n === 1 ? '' : 's'} moved to ${result.value.stage.name}${result.value.unchanged ? `, ${result.value.unchanged} already there` : ''}.` }, { headers });
}

export default function LeadsList() {
  const { leads, nextCursor, total, totalCapped, page, filtered, stages, members, canManage } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const ids = useMemo(() => leads.map((l) => l.id), [leads]);

  // a new page of results or a finished bulk change starts a fresh selection
  useEffect(() => setSelected(new Set()), [ids, result]);

  const view = viewQuery(params);
  const next = new URLSearchParams(view);
  if (nextCursor) {
    next.set('cursor', nextCursor);
    next.set('p', String(page + 1));
  }
  const allChecked = leads.length > 0 && selected.size === leads.length;
  const bulkBusy = navigation.state === 'submitting' && String(navigation.formData?.get('intent') ?? '').startsWith('bulk');
  const first = (page - 1) * PAGE_SIZE + 1;

  return (
    <div className="space-y-4">
      <Notice />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">Leads</h2>
        <div className="flex flex-wrap gap-2">
          <a
            href={`/crm/leads.csv${view.size ? `?${view}` : ''}`}
            download
            className="inline-flex min-h-10 items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50"
          >
            Export CSV
          </a>
          {canManage ? (
            <Link to="/crm/import" className="inline-flex min-h-10 items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50">
              Import CSV
            </Link>
          ) : null}
          <Link to="/crm/leads/new" className="inline-flex min-h-10 items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            New lead
          </Link>
        </div>
      </div>

      <LeadFilters stages={stages} members={members} />

      {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}

      {canManage && leads.length > 0 ? (
        <Form method="post" id="bulk-form" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3" aria-label="Bulk actions">
          <p className="min-h-10 py-2 text-sm font-medium" aria-live="polite" data-testid="selected-count">
            {selected.size} selected
          </p>
          <div className="flex items-end gap-2">
            <div>
              <label htmlFor="bulk-assignee" className="block text-xs font-medium text-slate-700">
                Assign to
              </label>
              <select id="bulk-assignee" name="assignedTo" className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm" defaultValue="">
                <option value="" disabled>
                  Choose…
                </option>
                <option value="unassigned">Nobody (unassign)</option>
                {members?.map((m) => (
                  <option key={m.userId} value={m.userId}>
                    {m.name || m.email}
                  </option>
                ))}
              </select>
            </div>
            <Button type="submit" name="intent" value="bulkAssign" variant="secondary" disabled={selected.size === 0 || bulkBusy}>
              Assign
            </Button>
          </div>
          <div className="flex items-end gap-2">
            <div>
              <label htmlFor="bulk-stage" className="block text-xs font-medium text-slate-700">
                Move to stage
              </label>
              <select id="bulk-stage" name="stageId" className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm" defaultValue="">
                <option value="" disabled>
                  Choose…
                </option>
                {stages.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </div>
            <Button type="submit" name="intent" value="bulkStage" variant="secondary" disabled={selected.size === 0 || bulkBusy}>
              Move
            </Button>
          </div>
        </Form>
      ) : null}

      {leads.length === 0 ? (
        filtered ? (
          <EmptyState title="No leads match">
            Change the search or filters, or{' '}
            <Link to="/crm" className="font-medium text-brand-700 hover:underline">
              clear them
            </Link>
            .
          </EmptyState>
        ) : (
          <EmptyState title="No leads yet">
            <Link to="/crm/leads/new" className="font-medium text-brand-700 hover:underline">
              Add your first lead
            </Link>
            {canManage ? (
              <>
                {' '}
                or{' '}
                <Link to="/crm/import" className="font-medium text-brand-700 hover:underline">
                  import a CSV file
                </Link>
              </>
            ) : null}
            .
          </EmptyState>
        )
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Leads">
          <table className="min-w-full text-sm" data-testid="leads-table">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                {canManage ? (
                  <th className="w-10 px-3 py-2">
                    <input
                      type="checkbox"
                      aria-label="Select all leads on this page"
                      className="h-4 w-4"
                      checked={allChecked}
                      onChange={() => setSelected(allChecked ? new Set() : new Set(ids))}
                    />
                  </th>
                ) : null}
                <SortHeader column="name" label="Name" />
                <SortHeader column="company" label="Company" />
                <th className="px-3 py-2">Stage</th>
                <th className="px-3 py-2">Status</th>
                <th className="px-3 py-2">Assignee</th>
                <SortHeader column="amount" label="Amount" align="right" />
                <SortHeader column="createdAt" label="Created" />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {leads.map((l) => (
                <tr key={l.id} data-testid="lead-row">
                  {canManage ? (
                    <td className="px-3 py-2">
                      <input
                        type="checkbox"
                        name="ids"
                        value={l.id}
                        form="bulk-form"
                        aria-label={`Select ${l.name}`}
                        className="h-4 w-4"
                        checked={selected.has(l.id)}
                        onChange={(e) => {
                          const nextSet = new Set(selected);
                          if (e.target.checked) nextSet.add(l.id);
                          else nextSet.delete(l.id);
                          setSelected(nextSet);
                        }}
                      />
                    </td>
                  ) : null}
                  <td className="px-3 py-2">
                    <Link to={`/crm/leads/${l.id}`} className="font-medium text-brand-700 hover:underline">
                      {l.name}
                    </Link>
                    <div className="text-xs text-slate-600">{[l.email, l.phone].filter(Boolean).join(' · ')}</div>
                  </td>
                  <td className="px-3 py-2">{l.company ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2">
                    {l.stage ? (
                      <span className="inline-flex items-center gap-1.5">
                        <span aria-hidden className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: l.stage.color }} />
                        {l.stage.name}
                      </span>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[l.status] ?? ''}`}>{humanize(l.status)}</span>
                  </td>
                  <td className="px-3 py-2">{personName(l.assignee)}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">{formatAmount(l.amount)}</td>
                  <td className="whitespace-nowrap px-3 py-2">{formatDate(l.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-700">
        <span data-testid="leads-range">
          {leads.length ? `${first}–${first + leads.length - 1}` : '0'}
          {total !== null ? ` of ${total.toLocaleString('en-US')}${totalCapped ? '+' : ''}` : ''} · page {page}
        </span>
        <span className="flex gap-3">
          {page > 1 ? (
            <Link to={`?${view}`} className="font-medium text-brand-700 hover:underline">
              ← First page
            </Link>
          ) : null}
          {nextCursor ? (
            <Link to={`?${next}`} className="font-medium text-brand-700 hover:underline">
              Next page →
            </Link>
          ) : null}
        </span>
      </nav>
    </div>
  );
}

/** A column header that sorts by its column (allow-listed by the API); a second click flips the direction. */
function SortHeader({ column, label, align }: { column: LeadSortColumn; label: string; align?: 'right' }) {
  const { sort, direction } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const active = sort === column;
  const nextDirection = active ? (direction === 'asc' ? 'desc' : 'asc') : column === 'name' || column === 'company' ? 'asc' : 'desc';
  const to = viewQuery(params);
  to.set('sort', column);
  to.set('dir', nextDirection);
  return (
    <th className={`px-3 py-2 ${align === 'right' ? 'text-right' : ''}`} aria-sort={active ? (direction === 'asc' ? 'ascending' : 'descending') : undefined}>
      <Link to={`?${to}`} className="inline-flex items-center gap-1 uppercase hover:text-slate-900">
        {label}
        <span aria-hidden>{active ? (direction === 'asc' ? '▲' : '▼') : '↕'}</span>
        <span className="sr-only">{active ? `, sorted ${direction === 'asc' ? 'ascending' : 'descending'}; sort ${nextDirection === 'asc' ? 'ascending' : 'descending'}` : ', sort'}</span>
      </Link>
    </th>
  );
}

const filterControl = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-2 text-sm';

/** One labelled filter control (`lead-<name>`), its value taken from the query string. */
function FilterField({
  name,
  label,
  children,
}: {
  name: string;
  label: string;
  children: (props: { id: string; name: string; defaultValue: string; className: string }) => React.ReactNode;
}) {
  const [params] = useSearchParams();
  return (
    <div>
      <label htmlFor={`lead-${name}`} className="block text-sm">
        {label}
      </label>
      {children({ id: `lead-${name}`, name, defaultValue: params.get(name) ?? '', className: filterControl })}
    </div>
  );
}

/** A filter select whose first choice (`anyLabel`) is no filter. */
function FilterSelect({ name, label, anyLabel = 'Any', options }: { name: string; label: string; anyLabel?: string; options: { value: string; label: string }[] }) {
  return (
    <FilterField name={name} label={label}>
      {(props) => (
        <select {...props}>
          <option value="">{anyLabel}</option>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FilterField>
  );
}

/** Search and filters, in the query string (a GET form): shareable, and what the CSV export uses. */
function LeadFilters({ stages, members }: { stages: { id: string; name: string }[]; members: { userId: string; name: string | null; email: string }[] | null }) {
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const searching = navigation.state === 'loading' && navigation.location.pathname === '/crm';
  return (
    <Form method="get" role="search" aria-label="Search and filter leads" className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-4 lg:grid-cols-8">
      <div className="col-span-2">
        <label htmlFor="lead-q" className="block text-sm">
          Search
        </label>
        <input
          id="lead-q"
          name="q"
          type="search"
          defaultValue={params.get('q') ?? ''}
          placeholder="Name, e-mail, phone, company"
          className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        />
      </div>
      <FilterSelect name="stage" label="Stage" options={stages.map((s) => ({ value: s.id, label: s.name }))} />
      <FilterSelect name="status" label="Status" options={leadStatuses.map((s) => ({ value: s, label: humanize(s) }))} />
      <FilterSelect name="source" label="Source" options={leadSources.map((s) => ({ value: s, label: s === 'inbound_email' ? 'Inbound e-mail' : humanize(s) }))} />
      {members ? (
        <FilterSelect
          name="assignee"
          label="Assignee"
          anyLabel="Anyone"
          options={[
            { value: 'me', label: 'Me' },
            { value: 'unassigned', label: 'Unassigned' },
            ...members.map((m) => ({ value: m.userId, label: m.name || m.email })),
          ]}
        />
      ) : null}
      <FilterField name="from" label="Created from">
        {(props) => <input {...props} type="date" />}
      </FilterField>
      <FilterField name="to" label="Created to">
        {(props) => <input {...props} type="date" />}
      </FilterField>
      {params.get('sort') ? <input type="hidden" name="sort" value={params.get('sort') ?? ''} /> : null}
      {params.get('dir') ? <input type="hidden" name="dir" value={params.get('dir') ?? ''} /> : null}
      <div className="col-span-2 flex items-end gap-2 md:col-span-4 lg:col-span-8">
        <Button type="submit" variant="secondary" disabled={searching}>
          {searching ? 'Searching…' : 'Apply'}
        </Button>
        <Link to="/crm" className="inline-flex min-h-10 items-center rounded-md px-3 py-2 text-sm font-medium text-brand-700 hover:underline">
          Clear
        </Link>
      </div>
    </Form>
  );
}

export const meta: MetaFunction = () => [{ title: 'Leads · CRM · CRM Hub' }];
