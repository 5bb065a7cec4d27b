import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { formatDate, personName } from '~/components/crm/format';
import { MergePage } from '~/components/crm/merge';
import { customMergeRows, mergeRows } from '~/components/crm/merge-rows';
import { mergeAction, mergeSession } from '~/components/crm/merge.server';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { providerName } from '~/components/integrations/format';
import { orThrowResponse } from '~/lib/trpc.server';

/** The fields an account merge chooses between (crm.accounts.merge's allow-list), with their labels. */
const mergeFields = [
  ['name', 'Name'],
  ['domain', 'Domain'],
  ['industry', 'Industry'],
  ['phone', 'Phone'],
  ['address', 'Address'],
  ['taxId', 'Tax ID'],
  ['notes', 'Notes'],
  ['ownerId', 'Owner'],
] as const;
type MergeField = (typeof mergeFields)[number][0];
const mergeFieldNames = mergeFields.map(([f]) => f);

type AccountForMerge = Awaited<ReturnType<Awaited<ReturnType<typeof crmSession>>['caller']['crm']['accounts']['byId']>>;

export async function loader(args: LoaderFunctionArgs) {
  const { caller, id, url, withId } = await mergeSession(args, { param: 'accountId', one: 'account' });
  const survivor = await orThrowResponse(caller.crm.accounts.byId({ id }));
  const summary = (a: AccountForMerge) => ({ id: a.id, name: a.name });

  if (!withId) {
    // step 1: pick the other account; without a search, look for accounts sharing this one's domain or the first word of its name
    const q = url.searchParams.get('q')?.trim() || survivor.domain || survivor.name.split(/\s+/)[0] || survivor.name;
    const found = await orThrowResponse(caller.crm.accounts.list({ q, limit: 20, sort: 'updatedAt', direction: 'desc' }));
    return {
      step: 'pick' as const,
      survivor: summary(survivor),
      q,
      candidates: found.items
        .filter((a) => a.id !== id)
        .map((a) => ({ id: a.id, title: a.name, detail: [a.domain, a.phone, a.taxId ? `Tax ID ${a.taxId}` : null].filter(Boolean).join(' · '), meta: `created ${formatDate(a.createdAt)}` })),
    };
  }

  const [other, customFields, moves] = await Promise.all([
    orThrowResponse(caller.crm.accounts.byId({ id: withId })),
    customFieldDefs(caller, 'account'),
    orThrowResponse(caller.crm.accounts.mergePreview({ survivorId: id, mergedId: withId })),
  ]);
  const shown = (a: AccountForMerge, field: MergeField): string | null => (field === 'ownerId' ? (a.owner?.id ? personName(a.owner) : null) : (a[field] ?? null) || null);
  return {
    step: 'compare' as const,
    survivor: summary(survivor),
    other: summary(other),
    rows: [...mergeRows(mergeFields, survivor, other, (a, f) => a[f], shown), ...customMergeRows(customFields, survivor.custom, other.custom)],
    moves,
  };
}

export const action = (args: ActionFunctionArgs) =>
  mergeAction(args, { param: 'accountId', one: 'account', basePath: '/crm/accounts', fields: mergeFieldNames }, (caller, input) => caller.crm.accounts.merge(input));

const noun = { one: 'account', many: 'accounts', basePath: '/crm/accounts' };

export default function MergeAccount() {
  return (
    <MergePage
      noun={noun}
      loaded={useLoaderData<typeof loader>()}
      result={useActionData<typeof action>()}
      moves="its contacts, timeline, converted leads and CRM links"
      providerLabel={(p) => providerName[p] ?? p}
    />
  );
}

export const meta: MetaFunction = () => [{ title: 'Merge accounts · CRM · CRM Hub' }];
