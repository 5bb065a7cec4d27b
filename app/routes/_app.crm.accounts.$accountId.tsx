import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { CustomFieldValues, Fact } from '~/components/crm/fields';
import { formatDate, formatDateTime, humanize, personName, statusStyle } from '~/components/crm/format';
import { Notice } from '~/components/crm/notice';
import { RecordHeader, RecordTimeline } from '~/components/crm/record-page';
import { customerRecordAction, recordId, timelinePage } from '~/components/crm/record-page.server';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { Alert } from '~/components/ui/alert';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = recordId(args, 'accountId', 'Account not found.');
  const account = await orThrowResponse(caller.crm.accounts.byId({ id }));
  const [{ timeline, nextCursor }, customFields] = await Promise.all([timelinePage(caller, { accountId: id }, args.request), customFieldDefs(caller, 'account')]);
  return {
    account: {
      id: account.id,
      name: account.name,
      domain: account.domain,
      industry: account.industry,
      phone: account.phone,
      address: account.address,
      taxId: account.taxId,
      notes: account.notes,
      owner: account.owner,
      custom: account.custom,
      createdAt: account.createdAt,
      updatedAt: account.updatedAt,
    },
    contacts: account.contacts,
    leads: account.leads,
    timeline,
    nextCursor,
    customFields,
    canWrite: can.write,
    canMerge: can.manage,
  };
}

export const action = (args: ActionFunctionArgs) => customerRecordAction(args, 'account');

export default function AccountDetail() {
  const { account, contacts, leads, timeline, nextCursor, customFields, canWrite, canMerge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <Notice />
      <RecordHeader
        back={{ to: '/crm/accounts', label: 'Accounts' }}
        name={account.name}
        testId="account-name"
        actions={
          canWrite
            ? {
                path: `/crm/accounts/${account.id}`,
                name: account.name,
                canMerge,
                deleteDescription: 'The account leaves the lists. Its contacts stay, without an account; its timeline is kept.',
                deleteLabel: 'Delete account',
              }
            : null
        }
      >
        <p className="mt-1 text-sm text-slate-700">{account.owner ? `Owner: ${personName(account.owner)}` : 'No owner'}</p>
      </RecordHeader>
      {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <section aria-labelledby="account-details" className="rounded-lg border border-slate-200 bg-white p-4 lg:col-span-2">
          <h3 id="account-details" className="font-semibold">
            Details
          </h3>
          <dl className="mt-3 grid grid-cols-2 gap-x-6 gap-y-3 text-sm">
            <Fact label="Domain" value={account.domain} />
            <Fact label="Industry" value={account.industry} />
            <Fact label="Phone" value={account.phone} />
            <Fact label="Tax ID" value={account.taxId} />
            <Fact label="Address" value={account.address} />
            <Fact label="Created" value={formatDateTime(account.createdAt)} />
            <CustomFieldValues definitions={customFields} values={account.custom} />
          </dl>
          {account.notes ? (
            <div className="mt-4 text-sm">
              <h4 className="text-xs font-medium uppercase tracking-wide text-slate-600">Notes</h4>
              <p className="mt-1 whitespace-pre-line break-words">{account.notes}</p>
            </div>
          ) : null}
        </section>
        <aside className="space-y-4 lg:col-start-3 lg:row-span-2 lg:row-start-1" aria-label="Related records">
          <section aria-labelledby="account-contacts" className="rounded-lg border border-slate-200 bg-white p-4">
            <div className="flex items-center justify-between gap-2">
              <h3 id="account-contacts" className="font-semibold">
                Contacts ({contacts.length})
              </h3>
              {canWrite ? (
                <Link to={`/crm/contacts/new?accountId=${account.id}`} className="text-sm font-medium text-brand-700 hover:underline">
                  Add contact
                </Link>
              ) : null}
            </div>
            {contacts.length === 0 ? (
              <p className="mt-2 text-sm text-slate-700">No contacts yet.</p>
            ) : (
              <ul className="mt-2 divide-y divide-slate-100 text-sm" data-testid="account-contacts">
                {contacts.map((c) => (
                  <li key={c.id} className="py-2">
                    <Link to={`/crm/contacts/${c.id}`} className="font-medium text-brand-700 hover:underline">
                      {`${c.firstName} ${c.lastName}`.trim() || c.email || 'Contact'}
                    </Link>
                    {c.isPrimary ? <span className="ml-2 rounded bg-brand-50 px-1.5 py-0.5 text-xs font-medium text-brand-700">Primary</span> : null}
                    <div className="text-xs text-slate-600">{[c.position, c.email, c.phone].filter(Boolean).join(' · ')}</div>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="account-leads" className="rounded-lg border border-slate-200 bg-white p-4">
            <h3 id="account-leads" className="font-semibold">
              Converted leads ({leads.length})
            </h3>
            {leads.length === 0 ? (
              <p className="mt-2 text-sm text-slate-700">No lead you can see was converted into this account.</p>
            ) : (
              <ul className="mt-2 divide-y divide-slate-100 text-sm">
                {leads.map((l) => (
                  <li key={l.id} className="flex flex-wrap items-center gap-2 py-2">
                    <Link to={`/crm/leads/${l.id}`} className="font-medium text-brand-700 hover:underline">
                      {l.name}
                    </Link>
                    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${statusStyle[l.status] ?? ''}`}>{humanize(l.status)}</span>
                    <span className="text-xs text-slate-600">{formatDate(l.convertedAt)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </aside>
        <RecordTimeline id="account-timeline" className="space-y-3 lg:col-span-2" items={timeline} nextCursor={nextCursor} canWrite={canWrite} result={result} />
      </div>
    </div>
  );
}


export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.account.name ?? 'Account'} · CRM · CRM Hub` }];

