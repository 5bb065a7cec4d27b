import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import type { ShouldRevalidateFunction } from '@remix-run/react';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { activityAction } from '~/components/crm/activity-actions.server';
import { ConfirmAction } from '~/components/crm/confirm-action';
import { CustomFieldValues, Fact, MemberOptions } from '~/components/crm/fields';
import { formatAmount, formatDateTime, humanize, personName, statusStyle } from '~/components/crm/format';
import { Notice } from '~/components/crm/notice';
import { RecordHeader, RecordTimeline } from '~/components/crm/record-page';
import { recordId, timelinePage } from '~/components/crm/record-page.server';
import { assignableMembers, crmSession, customFieldDefs, stageOptions } from '~/components/crm/session.server';
import { SyncToKommo } from '~/components/kommo/sync-to-kommo';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { formResult, orThrowResponse } from '~/lib/trpc.server';

const TIMELINE_PAGE = 20;

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  // a malformed id, another tenant's lead and (for sales) a colleague's lead all read "not found"
  const id = recordId(args, 'leadId', 'Lead not found.');
  const lead = await orThrowResponse(caller.crm.leads.byId({ id }));
  const [{ timeline, nextCursor }, stages, customFields, members, account, contact] = await Promise.all([
    timelinePage(caller, { leadId: id }, args.request, TIMELINE_PAGE),
    stageOptions(caller),
    customFieldDefs(caller, 'lead'),
    assignableMembers(caller, can.manage),
    // the customer this lead became; gone (deleted since) is shown as such, not as an error
    lead.convertedToAccountId ? caller.crm.accounts.byId({ id: lead.convertedToAccountId }).then((a) => ({ id: a.id, name: a.name }), () => null) : null,
    lead.convertedToContactId
      ? caller.crm.contacts.byId({ id: lead.convertedToContactId }).then((c) => ({ id: c.id, name: `${c.firstName} ${c.lastName}`.trim() }), () => null)
      : null,
  ]);
  return {
    lead: {
      id: lead.id,
      name: lead.name,
      email: lead.email,
      phone: lead.phone,
      company: lead.company,
      position: lead.position,
      taxId: lead.taxId,
      source: lead.source,
      status: lead.status,
      stage: lead.stage,
      stageId: lead.stageId,
      assignedTo: lead.assignedTo,
      assignee: lead.assignee,
      amount: lead.amount,
      custom: lead.custom,
      qualifiedAt: lead.qualifiedAt,
      convertedAt: lead.convertedAt,
      createdAt: lead.createdAt,
      updatedAt: lead.updatedAt,
    },
    converted: lead.status === 'converted' ? { account, contact } : null,
    timeline,
    nextCursor,
    stages,
    customFields,
    members,
    can,
  };
}

const leadIntentSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('changeStage'), stageId: z.string().uuid('Choose a stage.') }),
  z.object({
    intent: z.literal('assign'),
    assignedTo: z.string().transform((v) => (v === 'unassigned' ? null : v)).pipe(z.string().uuid('Choose a member.').nullable()),
  }),
  z.object({ intent: z.literal('convert') }),
  z.object({ intent: z.literal('delete') }),
]);

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  const id = recordId(args, 'leadId', 'Lead not found.');
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  const at = Date.now();

  const activity = await activityAction(caller, intent, form, { leadId: id });
  if (activity) return data({ ...activity, at, converted: null }, { status: activity.ok ? 200 : activity.status, headers });

  const parsed = leadIntentSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    return data({ ok: false as const, intent, at, message: parsed.error.issues[0]?.message ?? 'Unknown action.', fieldErrors: {}, converted: null }, { status: 400, headers });
  }
  const input = parsed.data;
  const fail = (result: { status: number; message: string }) =>
    data({ ok: false as const, intent, at, message: result.message, fieldErrors: {}, converted: null }, { status: result.status, headers });
  const done = (message: string) => data({ ok: true as const, intent, at, message, converted: null }, { headers });

  switch (input.intent) {
    case 'changeStage': {
      const result = await formResult(caller.crm.leads.update({ id, stageId: input.stageId }));
      if (!result.ok) return fail(result);
      return result.value.status === 'saved' ? done(`Moved to ${result.value.lead.stage?.name ?? 'the stage'}.`) : fail({ status: 409, message: 'The lead could not be moved.' });
    }
    case 'assign': {
      if (!can.manage) return fail({ status: 403, message: 'Only managers assign leads.' });
      const result = await formResult(caller.crm.leads.assign({ id, assignedTo: input.assignedTo }));
      return result.ok ? done(input.assignedTo ? 'Lead assigned.' : 'Lead unassigned.') : fail(result);
    }
    case 'convert': {
      const result = await formResult(caller.crm.leads.convert({ id }));
      if (!result.ok) return fail(result);
      return data({ ok: true as const, intent, at, message: 'Converted to a customer.', converted: { account: result.value.account, contact: result.value.contact } }, { headers });
    }
    case 'delete': {
      const result = await formResult(caller.crm.leads.delete({ id }));
      return result.ok ? redirect('/crm?notice=lead-deleted', { headers }) : fail(result);
    }
  }
}

export default function LeadDetail() {
  const { lead, converted, timeline, nextCursor, stages, customFields, members, can } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const pending = (intent: string) => navigation.state === 'submitting' && navigation.formData?.get('intent') === intent;
  const isConverted = lead.status === 'converted';

  return (
    <div className="space-y-6">
      <Notice />
      <RecordHeader
        back={{ to: '/crm', label: 'Leads' }}
        name={lead.name}
        testId="lead-name"
        actions={
          can.write
            ? {
                path: `/crm/leads/${lead.id}`,
                name: lead.name,
                canMerge: can.manage && !isConverted,
                deleteDescription: 'The lead leaves every list and the pipeline. Its timeline and audit history are kept.',
                deleteLabel: 'Delete lead',
              }
            : null
        }
      >
        <div className="mt-2 flex flex-wrap items-center gap-2 text-sm">
          <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[lead.status] ?? ''}`} data-testid="lead-status">
            {humanize(lead.status)}
          </span>
          {lead.stage ? (
            <span className="inline-flex items-center gap-1.5 text-slate-800">
              <span aria-hidden className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: lead.stage.color }} />
              {lead.stage.name}
            </span>
          ) : null}
          <span className="text-slate-700">· {lead.assignee ? `Assigned to ${personName(lead.assignee)}` : 'Unassigned'}</span>
        </div>
      </RecordHeader>

      {result ? (
        <Alert tone={result.ok ? 'success' : 'error'}>
          {result.message}
          {result.ok && result.converted ? (
            <span data-testid="conversion-result">
              {' '}
              Account{' '}
              <Link to={`/crm/accounts/${result.converted.account.id}`} className="font-medium underline">
                {result.converted.account.name}
              </Link>{' '}
              ({result.converted.account.created ? 'created' : 'existing, linked'}); contact{' '}
              <Link to={`/crm/contacts/${result.converted.contact.id}`} className="font-medium underline">
                {result.converted.contact.name}
              </Link>{' '}
              ({result.converted.contact.created ? 'created' : 'existing, linked'}).
            </span>
          ) : null}
        </Alert>
      ) : null}

      {converted ? (
        <section aria-label="Conversion" className="rounded-lg border border-green-300 bg-green-50 p-4 text-sm text-green-950" data-testid="converted-banner">
          Converted to a customer on {formatDateTime(lead.convertedAt)}. Account:{' '}
          {converted.account ? (
            <Link to={`/crm/accounts/${converted.account.id}`} className="font-medium underline">
              {converted.account.name}
            </Link>
          ) : (
            'deleted since'
          )}
          . Contact:{' '}
          {converted.contact ? (
            <Link to={`/crm/contacts/${converted.contact.id}`} className="font-medium underline">
              {converted.contact.name}
            </Link>
          ) : (
            'deleted since'
          )}
          .
        </section>
      ) : null}

      {/* phone: details, actions, timeline; desktop: actions in a right-hand column */}
      <div className="grid items-start gap-6 lg:grid-cols-3">
        <section aria-labelledby="lead-details" className="rounded-lg border border-slate-200 bg-white p-4 lg:col-span-2">
          <h3 id="lead-details" className="font-semibold">
            Details
          </h3>
          <dl className="mt-3 grid grid-cols-2 gap-x-6 gap-y-3 text-sm">
            <Fact label="E-mail" value={lead.email} />
            <Fact label="Phone" value={lead.phone} />
            <Fact label="Company" value={lead.company} />
            <Fact label="Position" value={lead.position} />
            <Fact label="Tax ID" value={lead.taxId} />
            <Fact label="Source" value={lead.source === 'inbound_email' ? 'Inbound e-mail' : humanize(lead.source)} />
            <Fact label="Amount" value={formatAmount(lead.amount)} />
            <Fact label="Qualified" value={lead.qualifiedAt ? formatDateTime(lead.qualifiedAt) : null} />
            <Fact label="Created" value={formatDateTime(lead.createdAt)} />
            <Fact label="Updated" value={formatDateTime(lead.updatedAt)} />
            <CustomFieldValues definitions={customFields} values={lead.custom} />
          </dl>
        </section>
        {can.write ? (
          <aside className="space-y-4 lg:col-start-3 lg:row-span-2 lg:row-start-1" aria-label="Lead actions">
            <Form method="post" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
              <label htmlFor="stage-select" className="block font-semibold">
                Stage
              </label>
              <select id="stage-select" name="stageId" defaultValue={lead.stageId} key={lead.stageId} className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
                {stages.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
              <Button type="submit" name="intent" value="changeStage" variant="secondary" disabled={pending('changeStage')}>
                {pending('changeStage') ? 'Moving…' : 'Change stage'}
              </Button>
            </Form>

            {members ? (
              <Form method="post" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                <label htmlFor="assignee-select" className="block font-semibold">
                  Assignee
                </label>
                <select
                  id="assignee-select"
                  name="assignedTo"
                  defaultValue={lead.assignedTo ?? 'unassigned'}
                  key={lead.assignedTo ?? 'unassigned'}
                  className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
                >
                  <option value="unassigned">Unassigned</option>
                  <MemberOptions members={members} />
                </select>
                <Button type="submit" name="intent" value="assign" variant="secondary" disabled={pending('assign')}>
                  {pending('assign') ? 'Assigning…' : 'Assign'}
                </Button>
              </Form>
            ) : null}

            <SyncToKommo profileType="lead" profileId={lead.id} />

            {!isConverted ? (
              <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                <h3 className="font-semibold">Convert to customer</h3>
                <p className="text-sm text-slate-700">Creates the account and its primary contact from this lead, or links existing ones that match.</p>
                <ConfirmAction
                  label="Convert"
                  title={`Convert ${lead.name} to a customer?`}
                  description={
                    <>
                      <p>
                        An account named <strong>{lead.company || lead.name}</strong> is linked (same tax ID or name) or created, and a primary contact is linked (same
                        e-mail) or created.
                      </p>
                      <p className="mt-2">The lead becomes “converted” and moves to the won stage. A lead converts once.</p>
                    </>
                  }
                  confirmLabel="Convert"
                  intent="convert"
                  tone="primary"
                />
              </div>
            ) : null}
          </aside>
        ) : null}
        <RecordTimeline id="lead-timeline" className="space-y-3 lg:col-span-2" items={timeline} nextCursor={nextCursor} canWrite={can.write} result={result} />
      </div>
    </div>
  );
}

/** A conflict (converted meanwhile, in another tab) means the page is stale: reload its data along with the message. */
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionStatus, defaultShouldRevalidate }) => actionStatus === 409 || defaultShouldRevalidate;

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.lead.name ?? 'Lead'} · CRM · CRM Hub` }];
