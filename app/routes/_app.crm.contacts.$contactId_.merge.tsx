import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { formatDate } from '~/components/crm/format';
import { MergePage } from '~/components/crm/merge';
import { customMergeRows, mergeRows } from '~/components/crm/merge-rows';
import { mergeAction, mergeSession } from '~/components/crm/merge.server';
import { assignableMembers, crmSession, customFieldDefs } from '~/components/crm/session.server';
import { providerName } from '~/components/integrations/format';
import { orThrowResponse } from '~/lib/trpc.server';

/** The fields a contact merge chooses between (crm.contacts.merge's allow-list), with their labels. */
const mergeFields = [
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['email', 'E-mail'],
  ['phone', 'Phone'],
  ['position', 'Position'],
  ['accountId', 'Account'],
  ['ownerId', 'Owner'],
] as const;
type MergeField = (typeof mergeFields)[number][0];
const mergeFieldNames = mergeFields.map(([f]) => f);

type ContactForMerge = Awaited<ReturnType<Awaited<ReturnType<typeof crmSession>>['caller']['crm']['contacts']['byId']>>;

const contactName = (c: { firstName: string; lastName: string; email: string | null }) => `${c.firstName} ${c.lastName}`.trim() || c.email || 'Contact';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can, id, url, withId } = await mergeSession(args, { param: 'contactId', one: 'contact' });
  const survivor = await orThrowResponse(caller.crm.contacts.byId({ id }));
  const summary = (c: ContactForMerge) => ({ id: c.id, name: contactName(c) });

  if (!withId) {
    // step 1: pick the other contact; without a search, look for contacts sharing this one's last name (or first name, or phone)
    const q = url.searchParams.get('q')?.trim() || survivor.lastName || survivor.firstName || survivor.phone || '';
    const found = await orThrowResponse(caller.crm.contacts.list({ q: q || undefined, limit: 20, sort: 'updatedAt', direction: 'desc' }));
    return {
      step: 'pick' as const,
      survivor: summary(survivor),
      q,
      candidates: found.items
        .filter((c) => c.id !== id)
        .map((c) => ({
          id: c.id,
          title: contactName(c),
          detail: [c.email, c.phone, c.account?.name].filter(Boolean).join(' · '),
          meta: `created ${formatDate(c.createdAt)}`,
        })),
    };
  }

  const [other, customFields, members] = await Promise.all([
    orThrowResponse(caller.crm.contacts.byId({ id: withId })),
    customFieldDefs(caller, 'contact'),
    assignableMembers(caller, can.manage),
  ]);
  const moves = await orThrowResponse(caller.crm.contacts.mergePreview({ survivorId: id, mergedId: withId }));
  const memberName = (userId: string | null) => (userId ? (members?.find((m) => m.userId === userId)?.name ?? 'A former member') : null);
  const shown = (c: ContactForMerge, field: MergeField): string | null =>
    field === 'accountId' ? (c.account?.id ? c.account.name : null) : field === 'ownerId' ? memberName(c.ownerId) : (c[field] ?? null) || null;
  return {
    step: 'compare' as const,
    survivor: summary(survivor),
    other: summary(other),
    rows: [...mergeRows(mergeFields, survivor, other, (c, f) => c[f], shown), ...customMergeRows(customFields, survivor.custom, other.custom)],
    moves,
  };
}

export const action = (args: ActionFunctionArgs) =>
  mergeAction(args, { param: 'contactId', one: 'contact', basePath: '/crm/contacts', fields: mergeFieldNames }, (caller, input) => caller.crm.contacts.merge(input));

const noun = { one: 'contact', many: 'contacts', basePath: '/crm/contacts' };

export default function MergeContact() {
  return (
    <MergePage
      noun={noun}
      loaded={useLoaderData<typeof loader>()}
      result={useActionData<typeof action>()}
      moves="its timeline, converted leads and CRM links"
      providerLabel={(p) => providerName[p] ?? p}
    />
  );
}

export const meta: MetaFunction = () => [{ title: 'Merge contacts · CRM · CRM Hub' }];
