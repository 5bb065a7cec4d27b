import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { LeadFields } from '~/components/crm/lead-fields';
import { saveLeadFromForm } from '~/components/crm/lead-save.server';
import { EditDuplicates, RecordForm } from '~/components/crm/record-form';
import { crmSession, customFieldDefs, stageOptions } from '~/components/crm/session.server';
import { recordId } from '~/components/crm/record-page.server';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = recordId(args, 'leadId', 'Lead not found.');
  if (!can.write) throw new Response('Your role does not edit leads.', { status: 403 });
  const [lead, stages, customFields] = await Promise.all([orThrowResponse(caller.crm.leads.byId({ id })), stageOptions(caller), customFieldDefs(caller, 'lead')]);
  const { name, email, phone, company, position, taxId, source, status, stageId, amount, custom } = lead;
  return { lead: { id: lead.id, name, email, phone, company, position, taxId, source, status, stageId, amount, custom }, stages, customFields, canManage: can.manage };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  const id = recordId(args, 'leadId', 'Lead not found.');
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
    <RecordForm
      title="Edit lead"
      back={{ to: `/crm/leads/${lead.id}`, name: lead.name }}
      cancelTo={`/crm/leads/${lead.id}`}
      submitLabel="Save changes"
      saveIntent
      busy={busy}
      result={result}
      after={<EditDuplicates result={result} kind="lead" recordId={lead.id} canMerge={canManage} busy={busy} />}
    >
      <LeadFields values={lead} errors={result?.fieldErrors} stages={stages} customFields={customFields} statusLocked={lead.status === 'converted'} />
    </RecordForm>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data?.lead.name ?? 'lead'} · CRM · CRM Hub` }];
