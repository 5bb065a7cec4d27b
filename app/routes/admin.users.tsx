import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Pager, SearchBox } from '~/components/pager';
import { Alert, EmptyState, PageHeader } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { Field, SelectField } from '~/components/ui/field';
import { pageFrom, requirePlatformUser } from '~/lib/platform.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { platformRoleCan, tenantRoles, type TenantRole } from '../../server/security/rbac';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, platformRole, user } = await requirePlatformUser(args);
  const { page, offset, limit, search } = pageFrom(new URL(args.request.url));
  const [users, tenants] = await Promise.all([
    orThrowResponse(caller.admin.users.list({ offset, limit, search })),
    orThrowResponse(caller.admin.tenants.list({ offset: 0, limit: 100 })),
  ]);
  return {
    ...users,
    page,
    pageSize: limit,
    selfId: user.id,
    tenants: tenants.items.map((t) => ({ id: t.id, name: t.name })),
    canDelete: platformRoleCan(platformRole, 'platform.users.delete'),
    canGrantPlatformRoles: platformRole === 'super_admin',
  };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await requirePlatformUser(args);
  const form = await args.request.formData();
  const intent = String(form.get('intent'));
  const id = String(form.get('id') ?? '');
  const organizationId = String(form.get('organizationId') ?? '');
  const result =
    intent === 'create'
      ? await formResult(
          caller.admin.users.create({
            email: String(form.get('email') ?? ''),
            name: String(form.get('name') ?? ''),
            password: String(form.get('password') ?? ''),
            platformRole: (String(form.get('platformRole') || 'none') as 'none' | 'super_admin' | 'admin_lite'),
            membership: organizationId ? { organizationId, role: String(form.get('role')) as TenantRole } : undefined,
          }),
        )
      : intent === 'delete'
        ? await formResult(caller.admin.users.delete({ id }))
        : await formResult(caller.admin.users.setStatus({ id, status: intent === 'enable' ? 'active' : 'disabled' }));
  const messages: Record<string, string> = { create: 'User created.', delete: 'User deleted.', enable: 'User enabled.', disable: 'User disabled; their sessions ended.' };
  return data(
    result.ok
      ? { ok: true as const, message: messages[intent] ?? 'Done.', fieldErrors: {} as Record<string, string[]> }
      : { ok: false as const, message: result.message, fieldErrors: result.fieldErrors ?? {} },
    { status: result.ok ? 200 : result.status, headers },
  );
}

export default function Users() {
  const { items, total, page, pageSize, tenants, canDelete, canGrantPlatformRoles, selfId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <PageHeader title="Users" description="Everyone who can log in, with their tenants and roles." actions={<SearchBox label="Search users" />} />
      {result ? (
        <div className="mb-4">
          <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert>
        </div>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          {items.length === 0 ? (
            <EmptyState title="No users found" />
          ) : (
            <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="user-list">
              {items.map((u) => (
                <li key={u.id} className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid={`user-${u.email}`}>
                  <div className="min-w-0 flex-1">
                    <div className="font-medium">{u.email}</div>
                    <div className="text-sm text-slate-600">
                      {u.platformRole !== 'none' ? u.platformRole.replace('_', ' ') : u.tenants ?? 'no tenant'}
                    </div>
                  </div>
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${u.status === 'active' ? 'bg-green-100 text-green-900' : 'bg-slate-200 text-slate-800'}`}>{u.status}</span>
                  {u.id !== selfId ? (
                    <>
                      <Form method="post">
                        <input type="hidden" name="id" value={u.id} />
                        <Button type="submit" name="intent" value={u.status === 'active' ? 'disable' : 'enable'} variant="secondary">
                          {u.status === 'active' ? 'Disable' : 'Enable'}
                        </Button>
                      </Form>
                      {canDelete ? (
                        <ConfirmDialog
                          trigger={<Button variant="danger">Delete</Button>}
                          title={`Delete ${u.email}?`}
                          description="The user and their memberships are deleted. Their past actions stay in the audit log."
                          confirmLabel="Delete user"
                          intent="delete"
                          hidden={{ id: u.id }}
                        />
                      ) : null}
                    </>
                  ) : (
                    <span className="text-xs text-slate-600">you</span>
                  )}
                </li>
              ))}
            </ul>
          )}
          <Pager page={page} total={total} pageSize={pageSize} />
        </div>
        <Form method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-5">
          <h2 className="font-semibold">New user</h2>
          <input type="hidden" name="intent" value="create" />
          <Field label="E-mail" name="email" type="email" required error={result?.fieldErrors?.email} />
          <Field label="Name" name="name" error={result?.fieldErrors?.name} />
          <Field label="Initial password" name="password" type="password" autoComplete="new-password" required hint="At least 12 characters." error={result?.fieldErrors?.password} />
          {canGrantPlatformRoles ? (
            <SelectField label="Platform role" name="platformRole" defaultValue="none">
              <option value="none">None (tenant user)</option>
              <option value="admin_lite">Admin lite</option>
              <option value="super_admin">Super admin</option>
            </SelectField>
          ) : null}
          <SelectField label="Tenant" name="organizationId" defaultValue="">
            <option value="">No tenant</option>
            {tenants.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </SelectField>
          <SelectField label="Tenant role" name="role" defaultValue="sales">
            {tenantRoles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </SelectField>
          <Button type="submit" disabled={busy}>
            Create user
          </Button>
        </Form>
      </div>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Users · Admin · CRM Hub' }];
