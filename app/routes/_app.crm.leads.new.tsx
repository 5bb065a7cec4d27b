import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { DuplicateMatches } from '~/components/crm/duplicate-matches';
import { LeadFields } from '~/components/crm/lead-fields';
import { saveLeadFromForm } from '~/components/crm/lead-save.server';
import { RecordForm } from '~/components/crm/record-form';
import { assignableMembers, crmSession, customFieldDefs, stageOptions } from '~/components/crm/session.server';
import { Button } from '~/components/ui/button';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can, user } = await crmSession(args);
  if (!can.write) throw new Response('Your role does not create leads.', { status: 403 });
  const [stages, customFields, members] = await Promise.all([stageOptions(caller), customFieldDefs(caller, 'lead'), assignableMembers(caller, can.manage)]);
  return { stages, customFields, members, userId: user.id, canManage: can.manage };
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  const form = await args.request.formData();
  const outcome = await saveLeadFromForm(caller, form, { customKeys: await customFieldDefs(caller, 'lead'), canManage: can.manage });
  if (outcome.kind === 'saved') return redirect(`/crm/leads/${outcome.id}?notice=lead-created`, { headers });
  if (outcome.kind === 'mergedInto') return redirect(`/crm/leads/${outcome.id}?notice=lead-merged-new`, { headers });
  return data(
    { message: outcome.message, fieldErrors: outcome.fieldErrors, matches: outcome.kind === 'duplicate' ? outcome.matches : null },
    { status: outcome.status, headers },
  );
}

export default function NewLead() {
  const { stages, customFields, members, userId, canManage } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  return (
    <RecordForm
      title="New lead"
      cancelTo="/crm"
      submitLabel="Create lead"
      saveIntent
      busy={busy}
      result={result}
      after={
        result?.matches ? (
          <DuplicateMatches
            matches={result.matches}
            kind="lead"
            basePath="/crm/leads"
            reasonError={result.fieldErrors?.reason}
            busy={busy}
            mergeInto={
              canManage
                ? (m) => (
                    <Button type="submit" name="intent" value={`mergeInto:${m.id}`} variant="secondary" className="min-h-8 px-3 py-1" disabled={busy}>
                      Merge into it<span className="sr-only"> ({m.name})</span>
                    </Button>
                  )
                : undefined
            }
          />
        ) : null
      }
    >
      <LeadFields values={{}} errors={result?.fieldErrors} stages={stages} members={members} customFields={customFields} currentUserId={userId} />
    </RecordForm>
  );
}

export const meta: MetaFunction = () => [{ title: 'New lead · CRM · CRM Hub' }];
