import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { formatDateTime } from '~/components/crm/format';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { Field } from '~/components/ui/field';
import { sectionLoader } from '~/lib/section.server';
import { callerFor, formResult, orThrowResponse } from '~/lib/trpc.server';
import { tenantRoleCan } from '../../server/security/rbac';

/**
 * Bulk exceptions to the one-click rule (decision 007): requested by an admin with a
 * reason, a dry run, approved by the owner here and by a platform super_admin in the
 * admin panel, then run by the owner ten leads per click, and rolled back the same way.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('kommo.activity.read')(args);
  const exceptions = await orThrowResponse(caller.kommo.bulk.list());
  return { exceptions, canApprove: tenantRoleCan(tenant.role, 'kommo.bulk.approve'), canRequest: tenantRoleCan(tenant.role, 'integrations.manage') };
}

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const formSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('request'), name: z.string(), reason: z.string(), leadIds: z.string() }),
  z.object({ intent: z.enum(['approve', 'execute']), id: z.string().uuid() }),
  z.object({ intent: z.enum(['reject', 'rollback']), id: z.string().uuid(), reason: z.string().default('') }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = formSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ ok: false, message: 'Unknown request.', fieldErrors: {} as Record<string, string[]> }, { status: 400 });
  const { caller, headers } = await callerFor(request, context);
  const input = parsed.data;
  const run = () => {
    switch (input.intent) {
      case 'request':
        return formResult(caller.kommo.bulk.request({ name: input.name, reason: input.reason, leadIds: [...new Set(input.leadIds.match(uuid) ?? [])] }));
      case 'approve':
        return formResult(caller.kommo.bulk.approve({ id: input.id }));
      case 'execute':
        return formResult(caller.kommo.bulk.execute({ id: input.id }));
      case 'reject':
        return formResult(caller.kommo.bulk.reject({ id: input.id, reason: input.reason || 'rejected by the owner' }));
      case 'rollback':
        return formResult(caller.kommo.bulk.requestRollback({ id: input.id, reason: input.reason }));
    }
  };
  const result: Awaited<ReturnType<typeof formResult>> = await run();
  const messages = { request: 'Requested; the dry run is being prepared.', approve: 'Approved.', execute: 'Chunk done.', reject: 'Rejected.', rollback: 'Rollback requested; it needs the same two approvals.' };
  return data(
    result.ok ? { ok: true, message: messages[input.intent], fieldErrors: {} as Record<string, string[]> } : { ok: false, message: result.message, fieldErrors: result.fieldErrors ?? {} },
    { status: result.ok ? 200 : result.status, headers },
  );
}

export default function KommoExceptions() {
  const { exceptions, canApprove, canRequest } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <div className="space-y-6">
      {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      {exceptions.length === 0 ? <EmptyState title="No bulk exceptions">Everything sent to Kommo so far was one lead per click.</EmptyState> : null}
      {exceptions.map((e) => (
        <section key={e.id} aria-labelledby={`bulk-${e.id}`} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
          <h2 id={`bulk-${e.id}`} className="text-base font-semibold">
            {e.name} <span className="text-sm font-normal text-slate-600">({e.status.replace('_', ' ')})</span>
          </h2>
          <p className="text-sm text-slate-700">
            {e.kind === 'rollback' ? 'Rollback' : 'Send'} · {e.leadCount} leads · requested by {e.requestedByEmail ?? '—'} on {formatDateTime(e.createdAt)}. Reason: {e.reason}
          </p>
          <p className="text-sm">
            Dry run: {e.plan.create} to create, {e.plan.link} to link, {e.plan.close} to close, {e.plan.skip} skipped. Approvals: owner {e.ownerApproved ? '✓' : '—'}, platform super admin {e.superAdminApproved ? '✓' : '—'}.
            {e.status === 'running' || e.status === 'done' ? ` Progress: ${e.position} of ${e.dryRun.length}.` : ''}
            {e.rejectionReason ? ` Rejected: ${e.rejectionReason}` : ''}
          </p>
          <details>
            <summary className="cursor-pointer text-sm font-medium text-slate-800">Lead by lead</summary>
            <div className="mt-2 overflow-x-auto" tabIndex={0} role="region" aria-label={`${e.name}: lead by lead`}>
              <table className="min-w-full text-sm">
                <thead className="text-left text-xs uppercase tracking-wide text-slate-600">
                  <tr>
                    <th className="px-2 py-1">Lead</th>
                    <th className="px-2 py-1">Plan</th>
                    <th className="px-2 py-1">Result</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {e.dryRun.map((item, i) => (
                    <tr key={item.leadId}>
                      <td className="px-2 py-1 font-mono text-xs">{item.leadId.slice(0, 8)}</td>
                      <td className="px-2 py-1">
                        {item.action}: {item.reason}
                      </td>
                      <td className="px-2 py-1">{e.results[i] ? `${e.results[i]!.outcome}${e.results[i]!.kommoLeadId ? ` #${e.results[i]!.kommoLeadId}` : ''}${e.results[i]!.detail ? ` (${e.results[i]!.detail})` : ''}` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
          <div className="flex flex-wrap gap-2">
            {canApprove && e.status === 'awaiting_approval' && !e.ownerApproved ? (
              <Form method="post">
                <input type="hidden" name="id" value={e.id} />
                <Button type="submit" name="intent" value="approve" disabled={busy}>
                  Approve as owner
                </Button>
              </Form>
            ) : null}
            {canApprove && (e.status === 'approved' || e.status === 'running') ? (
              <Form method="post">
                <input type="hidden" name="id" value={e.id} />
                <Button type="submit" name="intent" value="execute" disabled={busy}>
                  {busy ? 'Running…' : `Run the next ${Math.min(10, e.dryRun.length - e.position)} leads`}
                </Button>
              </Form>
            ) : null}
            {canApprove && ['dry_run', 'awaiting_approval', 'approved'].includes(e.status) ? (
              <ConfirmDialog trigger={<Button variant="secondary">Reject</Button>} title={`Reject "${e.name}"?`} description="Nothing of it will run." confirmLabel="Reject" intent="reject" hidden={{ id: e.id }} />
            ) : null}
            {canRequest && e.kind === 'create' && e.status === 'done' && Object.keys(e.created).length > 0 ? (
              <Form method="post" className="flex flex-wrap items-end gap-2">
                <input type="hidden" name="id" value={e.id} />
                <Field label="Reason for the rollback" name="reason" required minLength={10} />
                <Button type="submit" name="intent" value="rollback" variant="secondary" disabled={busy}>
                  Request rollback
                </Button>
              </Form>
            ) : null}
          </div>
        </section>
      ))}
      {canRequest ? (
        <section aria-labelledby="bulk-new" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
          <h2 id="bulk-new" className="text-base font-semibold">
            Request a bulk exception
          </h2>
          <p className="text-sm text-slate-700">For a one-off list of at most 300 leads. It needs the owner’s and a platform super admin’s approval, shows a dry run first, and runs ten leads per click.</p>
          <Form method="post" className="space-y-3">
            <Field label="Name" name="name" required minLength={3} error={result?.fieldErrors?.name} />
            <Field label="Reason" name="reason" required minLength={10} error={result?.fieldErrors?.reason} />
            <div className="space-y-1">
              <label htmlFor="bulk-leads" className="block text-sm font-medium text-slate-800">
                Lead IDs, one per line
              </label>
              <textarea id="bulk-leads" name="leadIds" required rows={5} className="block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-xs" />
            </div>
            <Button type="submit" name="intent" value="request" disabled={busy}>
              Request
            </Button>
          </Form>
        </section>
      ) : null}
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Kommo bulk exceptions · CRM Hub' }];
