import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { AccountFields } from '~/components/crm/record-fields';
import { RecordForm } from '~/components/crm/record-form';
import { saveAccountFromForm } from '~/components/crm/record-save.server';
import { assignableMembers, crmSession, customFieldDefs } from '~/components/crm/session.server';
import { recordId } from '~/components/crm/record-page.server';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = recordId(args, 'accountId', 'Account not found.');
  if (!can.write) throw new Response('Your role does not edit accounts.', { status: 403 });
  const [account, customFields, members] = await Promise.all([
    orThrowResponse(caller.crm.accounts.byId({ id })),
    customFieldDefs(caller, 'account'),
    assignableMembers(caller, can.manage),
  ]);
  const { name, domain, industry, phone, address, taxId, notes, ownerId, custom } = account;
  return { account: { id: account.id, name, domain, industry, phone, address, taxId, notes, ownerId, custom }, customFields, members };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  const id = recordId(args, 'accountId', 'Account not found.');
  const form = await args.request.formData();
  const outcome = await saveAccountFromForm(caller, form, { accountId: id, customKeys: await customFieldDefs(caller, 'account'), canManage: can.manage });
  if (outcome.kind === 'saved') return redirect(`/crm/accounts/${id}?notice=account-saved`, { headers });
  return data({ message: outcome.message, fieldErrors: outcome.fieldErrors }, { status: outcome.status, headers });
}

export default function EditAccount() {
  const { account, customFields, members } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <RecordForm
      title="Edit account"
      back={{ to: `/crm/accounts/${account.id}`, name: account.name }}
      cancelTo={`/crm/accounts/${account.id}`}
      submitLabel="Save changes"
      busy={busy}
      result={result}
    >
      <AccountFields values={account} errors={result?.fieldErrors} members={members} customFields={customFields} />
    </RecordForm>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data?.account.name ?? 'account'} · CRM · CRM Hub` }];
