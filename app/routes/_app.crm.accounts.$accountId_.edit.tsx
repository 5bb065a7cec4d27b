import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { isUuid } from '~/components/crm/format';
import { AccountFields } from '~/components/crm/record-fields';
import { saveAccountFromForm } from '~/components/crm/record-save.server';
import { assignableMembers, crmSession, customFieldDefs } from '~/components/crm/session.server';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = args.params.accountId;
  if (!isUuid(id)) throw new Response('Account not found.', { status: 404 });
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
  const id = args.params.accountId;
  if (!isUuid(id)) throw new Response('Account not found.', { status: 404 });
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
    <div className="mx-auto max-w-3xl space-y-4">
      <p className="text-sm">
        <Link to={`/crm/accounts/${account.id}`} className="font-medium text-brand-700 hover:underline">
          ← {account.name}
        </Link>
      </p>
      <h2 className="text-xl font-semibold">Edit account</h2>
      <Form method="post" className="space-y-6 rounded-lg border border-slate-200 bg-white p-5" aria-label="Edit account">
        {result ? <Alert>{result.message}</Alert> : null}
        <AccountFields values={account} errors={result?.fieldErrors} members={members} customFields={customFields} />
        <div className="flex flex-wrap justify-end gap-2">
          <Link to={`/crm/accounts/${account.id}`} className="inline-flex min-h-10 items-center rounded-md px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
            Cancel
          </Link>
          <Button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </Button>
        </div>
      </Form>
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data?.account.name ?? 'account'} · CRM · CRM Hub` }];
