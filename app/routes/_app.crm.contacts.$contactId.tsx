import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { CustomFieldValues, Fact } from '~/components/crm/fields';
import { formatDateTime } from '~/components/crm/format';
import { Notice } from '~/components/crm/notice';
import { RecordHeader, RecordTimeline } from '~/components/crm/record-page';
import { customerRecordAction, recordId, timelinePage } from '~/components/crm/record-page.server';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { SyncToKommo } from '~/components/kommo/sync-to-kommo';
import { Alert } from '~/components/ui/alert';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = recordId(args, 'contactId', 'Contact not found.');
  const contact = await orThrowResponse(caller.crm.contacts.byId({ id }));
  const [{ timeline, nextCursor }, customFields] = await Promise.all([timelinePage(caller, { contactId: id }, args.request), customFieldDefs(caller, 'contact')]);
  return {
    contact: {
      id: contact.id,
      name: `${contact.firstName} ${contact.lastName}`.trim() || contact.email || 'Contact',
      email: contact.email,
      phone: contact.phone,
      position: contact.position,
      isPrimary: contact.isPrimary,
      account: contact.account,
      custom: contact.custom,
      createdAt: contact.createdAt,
      updatedAt: contact.updatedAt,
    },
    timeline,
    nextCursor,
    customFields,
    canWrite: can.write,
    canMerge: can.manage,
  };
}

export const action = (args: ActionFunctionArgs) => customerRecordAction(args, 'contact');

export default function ContactDetail() {
  const { contact, timeline, nextCursor, customFields, canWrite, canMerge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <Notice />
      <RecordHeader
        back={{ to: '/crm/contacts', label: 'Contacts' }}
        name={contact.name}
        testId="contact-name"
        actions={
          canWrite
            ? {
                path: `/crm/contacts/${contact.id}`,
                name: contact.name,
                canMerge,
                deleteDescription: 'The contact leaves the lists; its timeline is kept.',
                deleteLabel: 'Delete contact',
              }
            : null
        }
      >
        <p className="mt-1 text-sm text-slate-700">
          {contact.position ? `${contact.position} · ` : ''}
          {contact.account ? (
            <>
              <Link to={`/crm/accounts/${contact.account.id}`} className="font-medium text-brand-700 hover:underline">
                {contact.account.name}
              </Link>
              {contact.isPrimary ? ' (primary contact)' : ''}
            </>
          ) : (
            'No account'
          )}
        </p>
      </RecordHeader>
      {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      <section aria-labelledby="contact-details" className="rounded-lg border border-slate-200 bg-white p-4">
        <h3 id="contact-details" className="font-semibold">
          Details
        </h3>
        <dl className="mt-3 grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
          <Fact label="E-mail" value={contact.email} />
          <Fact label="Phone" value={contact.phone} />
          <Fact label="Created" value={formatDateTime(contact.createdAt)} />
          <CustomFieldValues definitions={customFields} values={contact.custom} />
        </dl>
      </section>
      <SyncToKommo profileType="contact" profileId={contact.id} />
      <RecordTimeline id="contact-timeline" className="space-y-3" items={timeline} nextCursor={nextCursor} canWrite={canWrite} result={result} />
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.contact.name ?? 'Contact'} · CRM · CRM Hub` }];
