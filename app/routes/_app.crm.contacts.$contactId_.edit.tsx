import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { accountOptions } from '~/components/crm/account-options.server';
import { DuplicateMatches } from '~/components/crm/duplicate-matches';
import { isUuid } from '~/components/crm/format';
import { ContactFields } from '~/components/crm/record-fields';
import { saveContactFromForm } from '~/components/crm/record-save.server';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = args.params.contactId;
  if (!isUuid(id)) throw new Response('Contact not found.', { status: 404 });
  if (!can.write) throw new Response('Your role does not edit contacts.', { status: 403 });
  const contact = await orThrowResponse(caller.crm.contacts.byId({ id }));
  const [accounts, customFields] = await Promise.all([accountOptions(caller, contact.accountId), customFieldDefs(caller, 'contact')]);
  const { firstName, lastName, email, phone, position, accountId, custom } = contact;
  return { contact: { id: contact.id, firstName, lastName, email, phone, position, accountId, custom }, accounts, customFields, canMerge: can.manage };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await crmSession(args);
  const id = args.params.contactId;
  if (!isUuid(id)) throw new Response('Contact not found.', { status: 404 });
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
    <div className="mx-auto max-w-3xl space-y-4">
      <p className="text-sm">
        <Link to={`/crm/contacts/${contact.id}`} className="font-medium text-brand-700 hover:underline">
          ← {name}
        </Link>
      </p>
      <h2 className="text-xl font-semibold">Edit contact</h2>
      <Form method="post" className="space-y-6 rounded-lg border border-slate-200 bg-white p-5" aria-label="Edit contact">
        {result && !result.matches ? <Alert>{result.message}</Alert> : null}
        <ContactFields values={contact} errors={result?.fieldErrors} accounts={accounts} customFields={customFields} />
        <div className="flex flex-wrap justify-end gap-2">
          <Link to={`/crm/contacts/${contact.id}`} className="inline-flex min-h-10 items-center rounded-md px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
            Cancel
          </Link>
          <Button type="submit" name="intent" value="save" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </Button>
        </div>
        {result?.matches ? (
          <DuplicateMatches
            matches={result.matches}
            kind="contact"
            basePath="/crm/contacts"
            reasonError={result.fieldErrors?.reason}
            busy={busy}
            mergeInto={
              canMerge
                ? (m) => (
                    // the merge screen, with the existing contact as the survivor and this one merged into it
                    <Link to={`/crm/contacts/${m.id}/merge?with=${contact.id}`} className="font-medium text-brand-700 hover:underline">
                      Merge into it<span className="sr-only"> ({m.name})</span>
                    </Link>
                  )
                : undefined
            }
          />
        ) : null}
      </Form>
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data ? `${data.contact.firstName} ${data.contact.lastName}`.trim() : 'contact'} · CRM · CRM Hub` }];
