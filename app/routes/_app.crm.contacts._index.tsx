import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatDate } from '~/components/crm/format';
import { RecordList } from '~/components/crm/record-list';
import { recordListPage } from '~/components/crm/record-page.server';

const PAGE_SIZE = 25;

export async function loader(args: LoaderFunctionArgs) {
  const { items, frame } = await recordListPage(args, PAGE_SIZE, (caller, query) => caller.crm.contacts.list({ ...query, sort: 'name', direction: 'asc' }));
  return {
    contacts: items.map((c) => ({
      id: c.id,
      name: `${c.firstName} ${c.lastName}`.trim(),
      email: c.email,
      phone: c.phone,
      position: c.position,
      isPrimary: c.isPrimary,
      account: c.account,
      createdAt: c.createdAt,
    })),
    ...frame,
  };
}

export default function Contacts() {
  const { contacts, ...frame } = useLoaderData<typeof loader>();
  return (
    <RecordList
      title="Contacts"
      path="/crm/contacts"
      noun="contact"
      searchHint="name, e-mail or phone"
      emptyHint="Contacts appear when you convert a lead or add one."
      columns={['Name', 'Account', 'E-mail', 'Phone', 'Created']}
      isEmpty={contacts.length === 0}
      {...frame}
    >
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
    </RecordList>
  );
}

export const meta: MetaFunction = () => [{ title: 'Contacts · CRM · CRM Hub' }];
