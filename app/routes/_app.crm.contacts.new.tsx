import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { accountOptions } from '~/components/crm/account-options.server';
import { DuplicateMatches } from '~/components/crm/duplicate-matches';
import { isUuid } from '~/components/crm/format';
import { ContactFields } from '~/components/crm/record-fields';
import { RecordForm } from '~/components/crm/record-form';
import { saveContactFromForm } from '~/components/crm/record-save.server';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  if (!can.write) throw new Response('Your role does not create contacts.', { status: 403 });
  const accountParam = new URL(args.request.url).searchParams.get('accountId') ?? undefined;
  const accountId = isUuid(accountParam) ? accountParam : null;
  const [accounts, customFields] = await Promise.all([accountOptions(caller, accountId), customFieldDefs(caller, 'contact')]);
  return { accounts, customFields, accountId };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await crmSession(args);
  const form = await args.request.formData();
  const outcome = await saveContactFromForm(caller, form, { customKeys: await customFieldDefs(caller, 'contact') });
  if (outcome.kind === 'saved') return redirect(`/crm/contacts/${outcome.id}?notice=contact-created`, { headers });
  return data({ message: outcome.message, fieldErrors: outcome.fieldErrors, matches: outcome.kind === 'duplicate' ? outcome.matches : null }, { status: outcome.status, headers });
}

export default function NewContact() {
  const { accounts, customFields, accountId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <RecordForm
      title="New contact"
      cancelTo={accountId ? `/crm/accounts/${accountId}` : '/crm/contacts'}
      submitLabel="Create contact"
      saveIntent
      busy={busy}
      result={result}
      after={result?.matches ? <DuplicateMatches matches={result.matches} kind="contact" basePath="/crm/contacts" reasonError={result.fieldErrors?.reason} busy={busy} /> : null}
    >
      <ContactFields values={{ accountId }} errors={result?.fieldErrors} accounts={accounts} customFields={customFields} />
    </RecordForm>
  );
}

export const meta: MetaFunction = () => [{ title: 'New contact · CRM · CRM Hub' }];
