import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { formatAmount, formatDate, humanize, personName } from '~/components/crm/format';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { MergePage } from '~/components/crm/merge';
import { customMergeRows, mergeRows } from '~/components/crm/merge-rows';
import { mergeAction, mergeSession } from '~/components/crm/merge.server';
import { providerName } from '~/components/integrations/format';
import { orThrowResponse } from '~/lib/trpc.server';

/** The fields a lead merge chooses between (crm.leads.merge's allow-list), with their labels. */
const mergeFields = [
  ['name', 'Name'],
  ['email', 'E-mail'],
  ['phone', 'Phone'],
  ['company', 'Company'],
  ['position', 'Position'],
  ['taxId', 'Tax ID'],
  ['source', 'Source'],
  ['status', 'Status'],
  ['stageId', 'Stage'],
  ['assignedTo', 'Assignee'],
  ['amount', 'Amount'],
] as const;
type MergeField = (typeof mergeFields)[number][0];
const leadMergeFieldNames = mergeFields.map(([f]) => f);

type LeadForMerge = Awaited<ReturnType<Awaited<ReturnType<typeof crmSession>>['caller']['crm']['leads']['byId']>>;

/** What a field shows on the merge screen (stage and assignee by name, not id). */
function shown(lead: LeadForMerge, field: MergeField): string | null {
  switch (field) {
    case 'stageId':
      return lead.stage?.name ?? null;
    case 'assignedTo':
      return lead.assignee ? personName(lead.assignee) : null;
    case 'amount':
      return lead.amount === null ? null : formatAmount(lead.amount);
    case 'source':
    case 'status':
      return humanize(lead[field]);
    default:
      return lead[field] ?? null;
  }
}

export async function loader(args: LoaderFunctionArgs) {
  const { caller, id, url, withId } = await mergeSession(args, { param: 'leadId', one: 'lead' });
  const survivor = await orThrowResponse(caller.crm.leads.byId({ id }));
  const summary = (l: LeadForMerge) => ({ id: l.id, name: l.name, email: l.email, phone: l.phone, company: l.company, status: l.status, createdAt: l.createdAt });

  if (!withId) {
    // step 1: pick the other lead; without a search, look for leads sharing this one's e-mail, phone or name
    const q = url.searchParams.get('q')?.trim() || survivor.email || survivor.phone || survivor.name;
    const found = await orThrowResponse(caller.crm.leads.list({ q, limit: 20, sort: 'updatedAt', direction: 'desc' }));
    return {
      step: 'pick' as const,
      survivor: summary(survivor),
      q,
      candidates: found.items
        .filter((l) => l.id !== id)
        .map((l) => ({ id: l.id, title: l.name, detail: [l.email, l.phone, l.company].filter(Boolean).join(' · '), meta: `${humanize(l.status)} · created ${formatDate(l.createdAt)}` })),
    };
  }

  const [other, customFields, moves] = await Promise.all([
    orThrowResponse(caller.crm.leads.byId({ id: withId })),
    customFieldDefs(caller, 'lead'),
    orThrowResponse(caller.crm.leads.mergePreview({ survivorId: id, mergedId: withId })),
  ]);
  return {
    step: 'compare' as const,
    survivor: summary(survivor),
    other: summary(other),
    rows: [...mergeRows(mergeFields, survivor, other, (l, f) => l[f], shown), ...customMergeRows(customFields, survivor.custom, other.custom)],
    blocked: survivor.status === 'converted' || other.status === 'converted' ? 'Converted leads cannot be merged.' : null,
    moves,
  };
}

export const action = (args: ActionFunctionArgs) =>
  mergeAction(args, { param: 'leadId', one: 'lead', basePath: '/crm/leads', fields: leadMergeFieldNames }, (caller, input) => caller.crm.leads.merge(input));

const noun = { one: 'lead', many: 'leads', basePath: '/crm/leads' };

export default function MergeLead() {
  return (
    <MergePage
      noun={noun}
      loaded={useLoaderData<typeof loader>()}
      result={useActionData<typeof action>()}
      moves="its activities, history and Kommo links"
      providerLabel={(p) => providerName[p] ?? humanize(p)}
    />
  );
}

export const meta: MetaFunction = () => [{ title: 'Merge leads · CRM · CRM Hub' }];
