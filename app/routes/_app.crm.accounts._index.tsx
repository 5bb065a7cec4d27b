import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatDate, personName } from '~/components/crm/format';
import { Notice } from '~/components/crm/notice';
import { crmSession } from '~/components/crm/session.server';
import { Pager, SearchBox } from '~/components/pager';
import { EmptyState } from '~/components/ui/alert';
import { pageFrom } from '~/lib/platform.server';
import { orThrowResponse } from '~/lib/trpc.server';

const PAGE_SIZE = 25;

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const { page, offset, limit, search } = pageFrom(new URL(args.request.url), PAGE_SIZE);
  const list = await orThrowResponse(caller.crm.accounts.list({ q: search, offset, limit, sort: 'name', direction: 'asc' }));
  return {
    accounts: list.items.map((a) => ({ id: a.id, name: a.name, domain: a.domain, industry: a.industry, phone: a.phone, owner: a.owner, createdAt: a.createdAt })),
    total: list.total,
    page,
    pageSize: PAGE_SIZE,
    search: search ?? null,
    canWrite: can.write,
  };
}

export default function Accounts() {
  const { accounts, total, page, pageSize, search, canWrite } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-4">
      <Notice />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">Accounts</h2>
        <div className="flex flex-wrap items-center gap-2">
          <SearchBox label="Search accounts" />
          {canWrite ? (
            <Link to="/crm/accounts/new" className="inline-flex min-h-10 items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
              New account
            </Link>
          ) : null}
        </div>
      </div>
      {accounts.length === 0 ? (
        search ? (
          <EmptyState title="No accounts match">
            Search by name, domain or tax ID, or{' '}
            <Link to="/crm/accounts" className="font-medium text-brand-700 hover:underline">
              show all
            </Link>
            .
          </EmptyState>
        ) : (
          <EmptyState title="No accounts yet">Accounts appear when you convert a lead or add one.</EmptyState>
        )
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Accounts">
          <table className="min-w-full text-sm" data-testid="accounts-table">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th className="px-3 py-2">Name</th>
                <th className="px-3 py-2">Industry</th>
                <th className="px-3 py-2">Phone</th>
                <th className="px-3 py-2">Owner</th>
                <th className="px-3 py-2">Created</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {accounts.map((a) => (
                <tr key={a.id}>
                  <td className="px-3 py-2">
                    <Link to={`/crm/accounts/${a.id}`} className="font-medium text-brand-700 hover:underline">
                      {a.name}
                    </Link>
                    {a.domain ? <div className="text-xs text-slate-600">{a.domain}</div> : null}
                  </td>
                  <td className="px-3 py-2">{a.industry ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2">{a.phone ?? '—'}</td>
                  <td className="px-3 py-2">{a.owner ? personName(a.owner) : '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2">{formatDate(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={page} total={total} pageSize={pageSize} />
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Accounts · CRM · CRM Hub' }];
