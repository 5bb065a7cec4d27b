import { Form, Link, useSearchParams } from '@remix-run/react';
import { EmptyState } from './ui/alert';
import { Button } from './ui/button';
import { DataTable } from '~/components/ui/data-table';

export interface AuditRow {
  id: number;
  at: string | Date;
  actorEmail: string | null;
  organizationId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
}

const outcomeStyle: Record<string, string> = {
  success: 'bg-green-100 text-green-900',
  denied: 'bg-amber-100 text-amber-900',
  failure: 'bg-red-100 text-red-900',
};

/** Filter form, table and "older" pager for the tenant and platform audit pages. */
export function AuditTable({ items, nextCursor, csvHref }: { items: AuditRow[]; nextCursor: number | null; csvHref: string }) {
  const [params] = useSearchParams();
  const filterQuery = new URLSearchParams(params);
  filterQuery.delete('cursor');
  const older = new URLSearchParams(filterQuery);
  if (nextCursor) older.set('cursor', String(nextCursor));
  return (
    <div className="space-y-4">
      <Form method="get" className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-6" aria-label="Filter the audit log">
        <label className="text-sm">
          Action
          <input name="action" defaultValue={params.get('action') ?? ''} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
        <label className="text-sm">
          Actor
          <input name="actor" defaultValue={params.get('actor') ?? ''} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
        <label className="text-sm">
          Outcome
          <select name="outcome" defaultValue={params.get('outcome') ?? ''} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5">
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="denied">Denied</option>
            <option value="failure">Failure</option>
          </select>
        </label>
        <label className="text-sm">
          From
          <input type="date" name="from" defaultValue={params.get('from') ?? ''} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
        <label className="text-sm">
          To
          <input type="date" name="to" defaultValue={params.get('to') ?? ''} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
        <div className="flex items-end gap-2">
          <Button type="submit" variant="secondary">
            Filter
          </Button>
          <a href={`${csvHref}?${filterQuery}`} className="rounded-md px-3 py-2 text-sm font-medium text-brand-700 hover:underline" download>
            Export CSV
          </a>
        </div>
      </Form>
      {items.length === 0 ? (
        <EmptyState title="No audit entries match">Change the filters or clear them to see every entry.</EmptyState>
      ) : (
        <DataTable label="Audit entries" columns={['When', 'Actor', 'Action', 'Target', 'Outcome', 'IP']} testId="audit-table">
          {items.map((r) => (
            <tr key={r.id}>
              <td className="whitespace-nowrap px-3 py-2">{new Date(r.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
              <td className="px-3 py-2">{r.actorEmail ?? '—'}</td>
              <td className="px-3 py-2 font-mono text-xs">{r.action}</td>
              <td className="px-3 py-2 text-slate-700">{r.targetType ? `${r.targetType} ${r.targetId?.slice(0, 8) ?? ''}` : '—'}</td>
              <td className="px-3 py-2">
                <span className={`rounded px-2 py-0.5 text-xs font-medium ${outcomeStyle[r.outcome] ?? ''}`}>{r.outcome}</span>
              </td>
              <td className="px-3 py-2 text-slate-700">{r.ip ?? '—'}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <div className="flex justify-between">
        {params.get('cursor') ? <Link to={`?${filterQuery}`} className="text-sm font-medium text-brand-700 hover:underline">Newest</Link> : <span />}
        {nextCursor ? (
          <Link to={`?${older}`} className="text-sm font-medium text-brand-700 hover:underline">
            Older entries →
          </Link>
        ) : null}
      </div>
    </div>
  );
}
