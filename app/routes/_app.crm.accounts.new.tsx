import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { AccountFields } from '~/components/crm/record-fields';
import { saveAccountFromForm } from '~/components/crm/record-save.server';
import { assignableMembers, crmSession, customFieldDefs } from '~/components/crm/session.server';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';

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
    <div className="mx-auto max-w-3xl space-y-4">
      <h2 className="text-xl font-semibold">New account</h2>
      <Form method="post" className="space-y-6 rounded-lg border border-slate-200 bg-white p-5" aria-label="New account">
        {result ? <Alert>{result.message}</Alert> : null}
        <AccountFields values={{ ownerId: userId }} errors={result?.fieldErrors} members={members} customFields={customFields} />
        <div className="flex flex-wrap justify-end gap-2">
          <Link to="/crm/accounts" className="inline-flex min-h-10 items-center rounded-md px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
            Cancel
          </Link>
          <Button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Create account'}
          </Button>
        </div>
      </Form>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'New account · CRM · CRM Hub' }];
