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
import { planTiers, type PlanTier } from '../../server/shared/plans';
import { platformRoleCan } from '../../server/security/rbac';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, platformRole } = await requirePlatformUser(args);
  const { page, offset, limit, search } = pageFrom(new URL(args.request.url));
  const tenants = await orThrowResponse(caller.admin.tenants.list({ offset, limit, search }));
  return { ...tenants, page, pageSize: limit, canDelete: platformRoleCan(platformRole, 'platform.tenants.delete') };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await requirePlatformUser(args);
  const form = await args.request.formData();
  const intent = String(form.get('intent'));
  const id = String(form.get('id') ?? '');
  const result =
    intent === 'create'
      ? await formResult(
          caller.admin.tenants.create({
            name: String(form.get('name') ?? ''),
            slug: String(form.get('slug') ?? ''),
            planTier: String(form.get('planTier')) as PlanTier,
            timezone: String(form.get('timezone') || 'UTC'),
          }),
        )
      : intent === 'delete'
        ? await formResult(caller.admin.tenants.delete({ id, confirmSlug: String(form.get('confirm') ?? '') }))
        : await formResult(caller.admin.tenants.setStatus({ id, status: intent === 'enable' ? 'active' : 'disabled' }));
  const messages: Record<string, string> = { create: 'Tenant created.', delete: 'Tenant deleted.', enable: 'Tenant enabled.', disable: 'Tenant disabled.' };
  return data(
    result.ok
      ? { ok: true as const, message: messages[intent] ?? 'Done.', fieldErrors: {} as Record<string, string[]> }
      : { ok: false as const, message: result.message, fieldErrors: result.fieldErrors ?? {} },
    { status: result.ok ? 200 : result.status, headers },
  );
}

export default function Tenants() {
  const { items, total, page, pageSize, canDelete } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <PageHeader title="Tenants" description="Workspaces on the platform. Tenant CRM data is never shown here." actions={<SearchBox label="Search tenants" />} />
      {result ? (
        <div className="mb-4">
          <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert>
        </div>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          {items.length === 0 ? (
            <EmptyState title="No tenants found" />
          ) : (
            <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="tenant-list">
              {items.map((t) => (
                <li key={t.id} className="flex flex-wrap items-center gap-3 px-4 py-3">
                  <div className="min-w-0 flex-1">
                    <div className="font-medium">{t.name}</div>
                    <div className="text-sm text-slate-600">
                      {t.slug} · {t.planTier} · {t.memberCount} members
                    </div>
                  </div>
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${t.status === 'active' ? 'bg-green-100 text-green-900' : 'bg-slate-200 text-slate-800'}`}>{t.status}</span>
                  <Form method="post">
                    <input type="hidden" name="id" value={t.id} />
                    <Button type="submit" name="intent" value={t.status === 'active' ? 'disable' : 'enable'} variant="secondary">
                      {t.status === 'active' ? 'Disable' : 'Enable'}
                    </Button>
                  </Form>
                  {canDelete ? (
                    <ConfirmDialog
                      trigger={<Button variant="danger">Delete</Button>}
                      title={`Delete ${t.name}?`}
                      description="This deletes the tenant, its members' access and all of its data. It cannot be undone."
                      confirmLabel="Delete tenant"
                      intent="delete"
                      hidden={{ id: t.id }}
                      typeToConfirm={t.slug}
                    />
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          <Pager page={page} total={total} pageSize={pageSize} />
        </div>
        <Form method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-5">
          <h2 className="font-semibold">New tenant</h2>
          <input type="hidden" name="intent" value="create" />
          <Field label="Name" name="name" required error={result?.fieldErrors?.name} />
          <Field label="Slug" name="slug" required hint="Used in URLs; lower-case letters, digits, dashes." error={result?.fieldErrors?.slug} />
          <SelectField label="Plan" name="planTier" defaultValue="starter">
            {planTiers.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </SelectField>
          <Field label="Time zone" name="timezone" defaultValue="UTC" error={result?.fieldErrors?.timezone} />
          <Button type="submit" disabled={busy}>
            Create tenant
          </Button>
        </Form>
      </div>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Tenants · Admin · CRM Hub' }];
