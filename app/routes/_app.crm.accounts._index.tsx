import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatDate, personName } from '~/components/crm/format';
import { RecordList } from '~/components/crm/record-list';
import { recordListPage } from '~/components/crm/record-page.server';

const PAGE_SIZE = 25;

export async function loader(args: LoaderFunctionArgs) {
  const { items, frame } = await recordListPage(args, PAGE_SIZE, (caller, query) => caller.crm.accounts.list({ ...query, sort: 'name', direction: 'asc' }));
  return {
    accounts: items.map((a) => ({ id: a.id, name: a.name, domain: a.domain, industry: a.industry, phone: a.phone, owner: a.owner, createdAt: a.createdAt })),
    ...frame,
  };
}

export default function Accounts() {
  const { accounts, ...frame } = useLoaderData<typeof loader>();
  return (
    <RecordList
      title="Accounts"
      path="/crm/accounts"
      noun="account"
      searchHint="name, domain or tax ID"
      emptyHint="Accounts appear when you convert a lead or add one."
      columns={['Name', 'Industry', 'Phone', 'Owner', 'Created']}
      isEmpty={accounts.length === 0}
      {...frame}
    >
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
    </RecordList>
  );
}

export const meta: MetaFunction = () => [{ title: 'Accounts · CRM · CRM Hub' }];
