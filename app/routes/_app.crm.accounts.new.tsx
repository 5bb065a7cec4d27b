import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { AccountFields } from '~/components/crm/record-fields';
import { RecordForm } from '~/components/crm/record-form';
import { saveAccountFromForm } from '~/components/crm/record-save.server';
import { assignableMembers, crmSession, customFieldDefs } from '~/components/crm/session.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can, user } = await crmSession(args);
  if (!can.write) throw new Response('Your role does not create accounts.', { status: 403 });
  const [customFields, members] = await Promise.all([customFieldDefs(caller, 'account'), assignableMembers(caller, can.manage)]);
  return { customFields, members, userId: user.id };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  const form = await args.request.formData();
  const outcome = await saveAccountFromForm(caller, form, { customKeys: await customFieldDefs(caller, 'account'), canManage: can.manage });
  if (outcome.kind === 'saved') return redirect(`/crm/accounts/${outcome.id}?notice=account-created`, { headers });
  return data({ message: outcome.message, fieldErrors: outcome.fieldErrors }, { status: outcome.status, headers });
}

export default function NewAccount() {
  const { customFields, members, userId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <RecordForm title="New account" cancelTo="/crm/accounts" submitLabel="Create account" busy={busy} result={result}>
      <AccountFields values={{ ownerId: userId }} errors={result?.fieldErrors} members={members} customFields={customFields} />
    </RecordForm>
  );
}

export const meta: MetaFunction = () => [{ title: 'New account · CRM · CRM Hub' }];
