import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { DuplicateMatches } from '~/components/crm/duplicate-matches';
import { isUuid } from '~/components/crm/format';
import { LeadFields } from '~/components/crm/lead-fields';
import { saveLeadFromForm } from '~/components/crm/lead-save.server';
import { crmSession, customFieldDefs, stageOptions } from '~/components/crm/session.server';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = args.params.leadId;
  if (!isUuid(id)) throw new Response('Lead not found.', { status: 404 });
  if (!can.write) throw new Response('Your role does not edit leads.', { status: 403 });
  const [lead, stages, customFields] = await Promise.all([orThrowResponse(caller.crm.leads.byId({ id })), stageOptions(caller), customFieldDefs(caller, 'lead')]);
  const { name, email, phone, company, position, taxId, source, status, stageId, amount, custom } = lead;
  return { lead: { id: lead.id, name, email, phone, company, position, taxId, source, status, stageId, amount, custom }, stages, customFields, canManage: can.manage };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  const id = args.params.leadId;
  if (!isUuid(id)) throw new Response('Lead not found.', { status: 404 });
  const form = await args.request.formData();
  const [lead, customKeys] = await Promise.all([orThrowResponse(caller.crm.leads.byId({ id })), customFieldDefs(caller, 'lead')]);
  const outcome = await saveLeadFromForm(caller, form, { leadId: id, customKeys, canManage: can.manage, statusLocked: lead.status === 'converted' });
  if (outcome.kind === 'saved' || outcome.kind === 'mergedInto') return redirect(`/crm/leads/${outcome.id}?notice=lead-saved`, { headers });
  return data(
    { message: outcome.message, fieldErrors: outcome.fieldErrors, matches: outcome.kind === 'duplicate' ? outcome.matches : null },
    { status: outcome.status, headers },
  );
}

export default function EditLead() {
  const { lead, stages, customFields, canManage } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <p className="text-sm">
        <Link to={`/crm/leads/${lead.id}`} className="font-medium text-brand-700 hover:underline">
          ← {lead.name}
        </Link>
      </p>
      <h2 className="text-xl font-semibold">Edit lead</h2>
      <Form method="post" className="space-y-6 rounded-lg border border-slate-200 bg-white p-5" aria-label="Edit lead">
        {result && !result.matches ? <Alert>{result.message}</Alert> : null}
        <LeadFields values={lead} errors={result?.fieldErrors} stages={stages} customFields={customFields} statusLocked={lead.status === 'converted'} />
        <div className="flex flex-wrap justify-end gap-2">
          <Link to={`/crm/leads/${lead.id}`} className="inline-flex min-h-10 items-center rounded-md px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
            Cancel
          </Link>
          <Button type="submit" name="intent" value="save" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </Button>
        </div>
        {result?.matches ? (
          <DuplicateMatches
            matches={result.matches}
            kind="lead"
            basePath="/crm/leads"
            reasonError={result.fieldErrors?.reason}
            busy={busy}
            mergeInto={
              canManage
                ? (m) => (
                    // the match survives; this lead (unsaved edits aside) is merged into it
                    <Link to={`/crm/leads/${m.id}/merge?with=${lead.id}`} className="font-medium text-brand-700 hover:underline">
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

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data?.lead.name ?? 'lead'} · CRM · CRM Hub` }];
