import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatDate } from '~/components/crm/format';
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
  const list = await orThrowResponse(caller.crm.contacts.list({ q: search, offset, limit, sort: 'name', direction: 'asc' }));
  return {
    contacts: list.items.map((c) => ({
      id: c.id,
      name: `${c.firstName} ${c.lastName}`.trim(),
      email: c.email,
      phone: c.phone,
      position: c.position,
      isPrimary: c.isPrimary,
      account: c.account,
      createdAt: c.createdAt,
    })),
    total: list.total,
    page,
    pageSize: PAGE_SIZE,
    search: search ?? null,
    canWrite: can.write,
  };
}

export default function Contacts() {
  const { contacts, total, page, pageSize, search, canWrite } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-4">
      <Notice />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">Contacts</h2>
        <div className="flex flex-wrap items-center gap-2">
          <SearchBox label="Search contacts" />
          {canWrite ? (
            <Link to="/crm/contacts/new" className="inline-flex min-h-10 items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
              New contact
            </Link>
          ) : null}
        </div>
      </div>
      {contacts.length === 0 ? (
        search ? (
          <EmptyState title="No contacts match">
            Search by name, e-mail or phone, or{' '}
            <Link to="/crm/contacts" className="font-medium text-brand-700 hover:underline">
              show all
            </Link>
            .
          </EmptyState>
        ) : (
          <EmptyState title="No contacts yet">Contacts appear when you convert a lead or add one.</EmptyState>
        )
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Contacts">
          <table className="min-w-full text-sm" data-testid="contacts-table">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th className="px-3 py-2">Name</th>
                <th className="px-3 py-2">Account</th>
                <th className="px-3 py-2">E-mail</th>
                <th className="px-3 py-2">Phone</th>
                <th className="px-3 py-2">Created</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {contacts.map((c) => (
                <tr key={c.id}>
                  <td className="px-3 py-2">
                    <Link to={`/crm/contacts/${c.id}`} className="font-medium text-brand-700 hover:underline">
                      {c.name || c.email || 'Contact'}
                    </Link>
                    {c.position ? <div className="text-xs text-slate-600">{c.position}</div> : null}
                  </td>
                  <td className="px-3 py-2">
                    {c.account ? (
                      <Link to={`/crm/accounts/${c.account.id}`} className="text-brand-700 hover:underline">
                        {c.account.name}
                      </Link>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="px-3 py-2">{c.email ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2">{c.phone ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2">{formatDate(c.createdAt)}</td>
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

export const meta: MetaFunction = () => [{ title: 'Contacts · CRM · CRM Hub' }];
