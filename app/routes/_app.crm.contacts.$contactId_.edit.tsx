import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { accountOptions } from '~/components/crm/account-options.server';
import { ContactFields } from '~/components/crm/record-fields';
import { EditDuplicates, RecordForm } from '~/components/crm/record-form';
import { saveContactFromForm } from '~/components/crm/record-save.server';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { recordId } from '~/components/crm/record-page.server';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = recordId(args, 'contactId', 'Contact not found.');
  if (!can.write) throw new Response('Your role does not edit contacts.', { status: 403 });
  const contact = await orThrowResponse(caller.crm.contacts.byId({ id }));
  const [accounts, customFields] = await Promise.all([accountOptions(caller, contact.accountId), customFieldDefs(caller, 'contact')]);
  const { firstName, lastName, email, phone, position, accountId, custom } = contact;
  return { contact: { id: contact.id, firstName, lastName, email, phone, position, accountId, custom }, accounts, customFields, canMerge: can.manage };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await crmSession(args);
  const id = recordId(args, 'contactId', 'Contact not found.');
  const form = await args.request.formData();
  const outcome = await saveContactFromForm(caller, form, { contactId: id, customKeys: await customFieldDefs(caller, 'contact') });
  if (outcome.kind === 'saved') return redirect(`/crm/contacts/${id}?notice=contact-saved`, { headers });
  return data({ message: outcome.message, fieldErrors: outcome.fieldErrors, matches: outcome.kind === 'duplicate' ? outcome.matches : null }, { status: outcome.status, headers });
}

export default function EditContact() {
  const { contact, accounts, customFields, canMerge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const name = `${contact.firstName} ${contact.lastName}`.trim() || 'Contact';
  return (
    <RecordForm
      title="Edit contact"
      back={{ to: `/crm/contacts/${contact.id}`, name }}
      cancelTo={`/crm/contacts/${contact.id}`}
      submitLabel="Save changes"
      saveIntent
      busy={busy}
      result={result}
      after={<EditDuplicates result={result} kind="contact" recordId={contact.id} canMerge={canMerge} busy={busy} />}
    >
      <ContactFields values={contact} errors={result?.fieldErrors} accounts={accounts} customFields={customFields} />
    </RecordForm>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data ? `${data.contact.firstName} ${data.contact.lastName}`.trim() : 'contact'} · CRM · CRM Hub` }];
