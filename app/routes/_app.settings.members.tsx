import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { sectionLoader } from '~/lib/section.server';
import { callerFor, formResult, orThrowResponse } from '~/lib/trpc.server';
import { tenantRoles, type TenantRole } from '../../server/security/rbac';

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('org.settings.manage')(args);
  return { members: await orThrowResponse(caller.org.members.list()) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const { caller, headers } = await callerFor(request, context);
  const membershipId = String(form.get('membershipId') ?? '');
  const result =
    form.get('intent') === 'remove'
      ? await formResult(caller.org.members.remove({ membershipId }))
      : await formResult(caller.org.members.updateRole({ membershipId, role: String(form.get('role')) as TenantRole }));
  return data(result.ok ? { ok: true as const, message: 'Saved.' } : { ok: false as const, message: result.message }, { status: result.ok ? 200 : result.status, headers });
}

export default function Members() {
  const { members } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  if (members.length === 0) return <EmptyState title="No members" />;
  return (
    <div className="space-y-4">
      {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Members">
        <table className="min-w-full text-sm">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th className="px-4 py-3">Member</th>
              <th className="px-4 py-3">Role</th>
              <th className="px-4 py-3">Status</th>
              <th className="px-4 py-3">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {members.map((m) => (
              <tr key={m.id}>
                <td className="px-4 py-3">
                  <div className="font-medium">{m.name || m.email}</div>
                  <div className="text-slate-600">{m.email}</div>
                </td>
                <td className="px-4 py-3">
                  <Form method="post" className="flex items-center gap-2">
                    <input type="hidden" name="membershipId" value={m.id} />
                    <label className="sr-only" htmlFor={`role-${m.id}`}>
                      Role of {m.email}
                    </label>
                    <select id={`role-${m.id}`} name="role" defaultValue={m.role} className="rounded-md border border-slate-300 px-2 py-1">
                      {tenantRoles.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                    <Button type="submit" name="intent" value="role" variant="secondary" className="min-h-8 px-2 py-1">
                      Save
                    </Button>
                  </Form>
                </td>
                <td className="px-4 py-3 capitalize">{m.status}</td>
                <td className="px-4 py-3 text-right">
                  <ConfirmDialog
                    trigger={<Button variant="ghost">Remove</Button>}
                    title={`Remove ${m.email}?`}
                    description="They lose access to this workspace at once. Their past actions stay in the audit log."
                    confirmLabel="Remove member"
                    intent="remove"
                    hidden={{ membershipId: m.id }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Members · CRM Hub' }];
