import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { formatDateTime } from '~/components/crm/format';
import { Alert, EmptyState, PageHeader } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { requirePlatformUser } from '~/lib/platform.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { platformRoleCan } from '../../server/security/rbac';

/** The platform half of a Kommo bulk exception's two approvals (super admins only). */
export async function loader(args: LoaderFunctionArgs) {
  const { caller, platformRole } = await requirePlatformUser(args);
  if (!platformRoleCan(platformRole, 'platform.kommo.bulk.approve')) throw new Response('Super admins only.', { status: 403 });
  return { exceptions: await orThrowResponse(caller.kommoAdmin.bulkExceptions()) };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await requirePlatformUser(args);
  const form = await args.request.formData();
  const id = String(form.get('id') ?? '');
  const result =
    form.get('intent') === 'reject'
      ? await formResult(caller.kommoAdmin.rejectBulkException({ id, reason: String(form.get('reason') || 'rejected by the platform') }))
      : await formResult(caller.kommoAdmin.approveBulkException({ id }));
  return data(result.ok ? { ok: true, message: 'Saved.' } : { ok: false, message: result.message }, { status: result.ok ? 200 : result.status, headers });
}

export default function KommoExceptionsAdmin() {
  const { exceptions } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <PageHeader title="Kommo bulk exceptions" description="One-off lists sent to Kommo outside the one-click rule. Each needs the tenant owner's approval and yours; you cannot give both." />
      {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      {exceptions.length === 0 ? (
        <EmptyState title="Nothing awaits approval" />
      ) : (
        <div className="space-y-4">
          {exceptions.map((e) => (
            <section key={e.id} className="space-y-2 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby={`x-${e.id}`}>
              <h2 id={`x-${e.id}`} className="font-semibold">
                {e.name} <span className="text-sm font-normal text-slate-600">({e.status.replace('_', ' ')})</span>
              </h2>
              <p className="text-sm text-slate-700">
                Tenant {e.organizationId.slice(0, 8)} · {e.kind} · {e.leadCount} leads · by {e.requestedByEmail ?? '—'} on {formatDateTime(e.createdAt)}. Reason: {e.reason}
              </p>
              <p className="text-sm">
                Dry run: {e.plan.create} create, {e.plan.link} link, {e.plan.close} close, {e.plan.skip} skip. Owner approval: {e.ownerApproved ? '✓' : 'pending'}.
              </p>
              {e.status === 'awaiting_approval' && !e.superAdminApproved ? (
                <div className="flex gap-2">
                  <Form method="post">
                    <input type="hidden" name="id" value={e.id} />
                    <Button type="submit" name="intent" value="approve">
                      Approve
                    </Button>
                  </Form>
                  <ConfirmDialog trigger={<Button variant="secondary">Reject</Button>} title={`Reject "${e.name}"?`} description="Nothing of it will run." confirmLabel="Reject" intent="reject" hidden={{ id: e.id }} />
                </div>
              ) : null}
            </section>
          ))}
        </div>
      )}
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Kommo bulk exceptions · Admin · CRM Hub' }];
