import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { activityAction } from '~/components/crm/activity-actions.server';
import { ConfirmAction } from '~/components/crm/confirm-action';
import { CustomFieldValues, Fact } from '~/components/crm/fields';
import { formatDateTime, isUuid } from '~/components/crm/format';
import { Notice } from '~/components/crm/notice';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { ActivityForm, Timeline } from '~/components/crm/timeline';
import { SyncToKommo } from '~/components/kommo/sync-to-kommo';
import { Alert } from '~/components/ui/alert';
import { formResult, orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = args.params.contactId;
  if (!isUuid(id)) throw new Response('Contact not found.', { status: 404 });
  const cursorParam = new URL(args.request.url).searchParams.get('activities') ?? undefined;
  const contact = await orThrowResponse(caller.crm.contacts.byId({ id }));
  const [timeline, customFields] = await Promise.all([
    orThrowResponse(caller.crm.activities.list({ contactId: id, cursor: isUuid(cursorParam) ? cursorParam : undefined, limit: 20 })),
    customFieldDefs(caller, 'contact'),
  ]);
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
    timeline: timeline.items.map(({ id, kind, title, description, dueAt, completedAt, createdAt, author }) => ({ id, kind, title, description, dueAt, completedAt, createdAt, author })),
    nextCursor: timeline.nextCursor,
    customFields,
    canWrite: can.write,
    canMerge: can.manage,
  };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await crmSession(args);
  const id = args.params.contactId;
  if (!isUuid(id)) throw new Response('Contact not found.', { status: 404 });
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  const at = Date.now();
  const activity = await activityAction(caller, intent, form, { contactId: id });
  if (activity) return data({ ...activity, at }, { status: activity.ok ? 200 : activity.status, headers });
  if (intent === 'delete') {
    const result = await formResult(caller.crm.contacts.delete({ id }));
    if (result.ok) return redirect('/crm/contacts?notice=contact-deleted', { headers });
    return data({ ok: false as const, intent, at, message: result.message, fieldErrors: {} }, { status: result.status, headers });
  }
  return data({ ok: false as const, intent, at, message: 'Unknown action.', fieldErrors: {} }, { status: 400, headers });
}

export default function ContactDetail() {
  const { contact, timeline, nextCursor, customFields, canWrite, canMerge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const activityErrors = result && !result.ok && result.intent === 'addActivity' ? result.fieldErrors : undefined;
  return (
    <div className="space-y-6">
      <Notice />
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-sm">
            <Link to="/crm/contacts" className="font-medium text-brand-700 hover:underline">
              ← Contacts
            </Link>
          </p>
          <h2 className="mt-1 break-words text-xl font-semibold" data-testid="contact-name">
            {contact.name}
          </h2>
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
        </div>
        {canWrite ? (
          <div className="flex flex-wrap gap-2">
            <Link to={`/crm/contacts/${contact.id}/edit`} className="inline-flex min-h-10 items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50">
              Edit
            </Link>
            {canMerge ? (
              <Link to={`/crm/contacts/${contact.id}/merge`} className="inline-flex min-h-10 items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50">
                Merge…
              </Link>
            ) : null}
            <ConfirmAction
              label="Delete"
              title={`Delete ${contact.name}?`}
              description="The contact leaves the lists; its timeline is kept."
              confirmLabel="Delete contact"
              intent="delete"
              triggerVariant="ghost"
            />
          </div>
        ) : null}
      </div>
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
      <section aria-labelledby="contact-timeline" className="space-y-3">
        <h3 id="contact-timeline" className="font-semibold">
          Timeline
        </h3>
        {canWrite ? <ActivityForm errors={activityErrors} resetKey={result?.ok && result.intent === 'addActivity' ? result.at : 0} /> : null}
        <Timeline items={timeline} nextCursor={nextCursor} canEdit={canWrite} />
      </section>
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.contact.name ?? 'Contact'} · CRM · CRM Hub` }];
