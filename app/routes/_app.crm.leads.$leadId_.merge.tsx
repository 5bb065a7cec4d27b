import * as Dialog from '@radix-ui/react-dialog';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { formatAmount, formatDate, humanize, isUuid, personName } from '~/components/crm/format';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { formResult, orThrowResponse } from '~/lib/trpc.server';

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

const empty = (v: unknown) => v === null || v === undefined || v === '';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  const id = args.params.leadId;
  if (!isUuid(id)) throw new Response('Lead not found.', { status: 404 });
  if (!can.manage) throw new Response('Only managers merge leads.', { status: 403 });
  const url = new URL(args.request.url);
  const survivor = await orThrowResponse(caller.crm.leads.byId({ id }));
  const summary = (l: LeadForMerge) => ({ id: l.id, name: l.name, email: l.email, phone: l.phone, company: l.company, status: l.status, createdAt: l.createdAt });
  const withId = url.searchParams.get('with') ?? undefined;

  if (!isUuid(withId) || withId === id) {
    // step 1: pick the other lead; without a search, look for leads sharing this one's e-mail, phone or name
    const q = url.searchParams.get('q')?.trim() || survivor.email || survivor.phone || survivor.name;
    const found = await orThrowResponse(caller.crm.leads.list({ q, limit: 20, sort: 'updatedAt', direction: 'desc' }));
    return {
      step: 'pick' as const,
      survivor: summary(survivor),
      q,
      candidates: found.items.filter((l) => l.id !== id).map((l) => ({ id: l.id, name: l.name, email: l.email, phone: l.phone, company: l.company, status: l.status, createdAt: l.createdAt })),
    };
  }

  const [other, customFields] = await Promise.all([orThrowResponse(caller.crm.leads.byId({ id: withId })), customFieldDefs(caller, 'lead')]);
  const rows = mergeFields.map(([field, label]) => {
    const mine = survivor[field];
    const theirs = other[field];
    return {
      key: `field.${field}`,
      label,
      survivor: shown(survivor, field),
      merged: shown(other, field),
      same: JSON.stringify(mine ?? null) === JSON.stringify(theirs ?? null),
      // the service's default: keep the survivor's value unless it has none
      preferred: empty(mine) && !empty(theirs) ? ('merged' as const) : ('survivor' as const),
    };
  });
  const customRows = customFields
    .filter((def) => survivor.custom[def.key] !== undefined || other.custom[def.key] !== undefined)
    .map((def) => {
      const mine = survivor.custom[def.key];
      const theirs = other.custom[def.key];
      return {
        key: `custom.${def.key}`,
        label: def.label,
        survivor: mine === undefined ? null : String(mine),
        merged: theirs === undefined ? null : String(theirs),
        same: mine === theirs,
        preferred: mine === undefined ? ('merged' as const) : ('survivor' as const),
      };
    });
  return {
    step: 'compare' as const,
    survivor: summary(survivor),
    other: summary(other),
    rows: [...rows, ...customRows],
    blocked: survivor.status === 'converted' || other.status === 'converted' ? 'Converted leads cannot be merged.' : null,
  };
}

const side = z.enum(['survivor', 'merged']);

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  const id = args.params.leadId;
  if (!isUuid(id)) throw new Response('Lead not found.', { status: 404 });
  if (!can.manage) throw new Response('Only managers merge leads.', { status: 403 });
  const form = await args.request.formData();
  const mergedId = String(form.get('mergedId') ?? '');
  if (!isUuid(mergedId)) return data({ message: 'Choose the lead to merge into this one.' }, { status: 400, headers });
  const fields: Partial<Record<MergeField, 'survivor' | 'merged'>> = {};
  const custom: Record<string, 'survivor' | 'merged'> = {};
  for (const [key, value] of form.entries()) {
    const choice = side.safeParse(value);
    if (!choice.success) continue;
    if (key.startsWith('field.')) {
      const field = key.slice(6);
      if (mergeFields.some(([f]) => f === field)) fields[field as MergeField] = choice.data;
    } else if (key.startsWith('custom.')) custom[key.slice(7)] = choice.data;
  }
  const result = await formResult(caller.crm.leads.merge({ survivorId: id, mergedId, fields, custom }));
  if (!result.ok) return data({ message: result.message }, { status: result.status, headers });
  return redirect(`/crm/leads/${id}?notice=lead-merged`, { headers });
}

export default function MergeLead() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="space-y-4">
      <p className="text-sm">
        <Link to={`/crm/leads/${loaded.survivor.id}`} className="font-medium text-brand-700 hover:underline">
          ← {loaded.survivor.name}
        </Link>
      </p>
      <h2 className="text-xl font-semibold">Merge a lead into {loaded.survivor.name}</h2>
      {result ? <Alert>{result.message}</Alert> : null}
      {loaded.step === 'pick' ? <PickOther survivorId={loaded.survivor.id} q={loaded.q} candidates={loaded.candidates} /> : <Compare {...loaded} />}
    </div>
  );
}

function PickOther({ survivorId, q, candidates }: { survivorId: string; q: string; candidates: { id: string; name: string; email: string | null; phone: string | null; company: string | null; status: string; createdAt: string | Date }[] }) {
  const [params] = useSearchParams();
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        Step 1 of 2: choose the duplicate. It is merged <em>into</em> this lead: its activities move here and it is removed afterwards.
      </p>
      <Form method="get" role="search" className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor="merge-q" className="block text-sm font-medium">
            Find a lead
          </label>
          <input id="merge-q" name="q" type="search" defaultValue={params.get('q') ?? q} className="mt-1 block w-72 max-w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
        </div>
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </Form>
      {candidates.length === 0 ? (
        <EmptyState title="No other lead matches">Search by name, e-mail, phone or company.</EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" aria-label="Leads to merge">
          {candidates.map((c) => (
            <li key={c.id} className="flex flex-wrap items-center gap-3 px-4 py-3 text-sm">
              <div className="min-w-0 flex-1">
                <div className="font-medium">{c.name}</div>
                <div className="text-slate-700">{[c.email, c.phone, c.company].filter(Boolean).join(' · ') || '—'}</div>
                <div className="text-xs text-slate-600">
                  {humanize(c.status)} · created {formatDate(c.createdAt)}
                </div>
              </div>
              <Link to={`?with=${c.id}`} className="inline-flex min-h-10 items-center rounded-md border border-slate-300 bg-white px-3 py-2 font-medium hover:bg-slate-50">
                Choose<span className="sr-only"> {c.name}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      <p className="text-sm">
        <Link to={`/crm/leads/${survivorId}`} className="font-medium text-brand-700 hover:underline">
          Cancel
        </Link>
      </p>
    </div>
  );
}

type CompareData = Extract<ReturnType<typeof useLoaderData<typeof loader>>, { step: 'compare' }>;

function Compare({ survivor, other, rows, blocked }: CompareData) {
  const [open, setOpen] = useState(false);
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const differing = rows.filter((r) => !r.same);
  const same = rows.filter((r) => r.same);
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        Step 2 of 2: for each field that differs, choose the value to keep. <strong>{other.name}</strong> is merged into <strong>{survivor.name}</strong>; its activities
        and history move over and it is removed.{' '}
        <Link to={`/crm/leads/${other.id}/merge?with=${survivor.id}`} className="font-medium text-brand-700 hover:underline">
          Keep {other.name} instead
        </Link>
        {' · '}
        <Link to="?" className="font-medium text-brand-700 hover:underline">
          Choose another lead
        </Link>
      </p>
      {blocked ? <Alert>{blocked}</Alert> : null}
      <Form method="post" id="merge-form" className="space-y-4">
        <input type="hidden" name="mergedId" value={other.id} />
        {differing.length === 0 ? (
          <Alert tone="info">Every field holds the same value in both leads.</Alert>
        ) : (
          <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Fields that differ">
            <table className="min-w-full text-sm">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-3 py-2">Field</th>
                  <th className="px-3 py-2">Keep: {survivor.name}</th>
                  <th className="px-3 py-2">Merged: {other.name}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {differing.map((r) => (
                  <tr key={r.key}>
                    <th scope="row" className="px-3 py-2 text-left font-medium">
                      {r.label}
                    </th>
                    {(['survivor', 'merged'] as const).map((sideName) => (
                      <td key={sideName} className="px-3 py-2">
                        <label className="flex items-start gap-2">
                          <input type="radio" name={r.key} value={sideName} defaultChecked={r.preferred === sideName} className="mt-0.5 h-4 w-4" />
                          <span className={r[sideName] === null ? 'text-slate-600' : ''}>
                            {r[sideName] ?? '(empty)'}
                            <span className="sr-only"> for {r.label}</span>
                          </span>
                        </label>
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {same.length ? <p className="text-xs text-slate-600">Same in both: {same.map((r) => r.label).join(', ')}.</p> : null}
        <Dialog.Root open={open} onOpenChange={setOpen}>
          <Dialog.Trigger asChild>
            <Button type="button" disabled={!!blocked || busy}>
              {busy ? 'Merging…' : 'Merge leads…'}
            </Button>
          </Dialog.Trigger>
          <Dialog.Portal>
            <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
            <Dialog.Content className="fixed left-1/2 top-1/2 z-50 w-[min(92vw,28rem)] -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-6 shadow-xl">
              <Dialog.Title className="text-lg font-semibold">Merge {other.name} into {survivor.name}?</Dialog.Title>
              <Dialog.Description className="mt-2 text-sm text-slate-700">
                {survivor.name} keeps the values you chose; values not taken are kept on its timeline. {other.name} is removed. This cannot be undone from the screen.
              </Dialog.Description>
              <div className="mt-4 flex justify-end gap-2">
                <Dialog.Close asChild>
                  <Button type="button" variant="secondary">
                    Cancel
                  </Button>
                </Dialog.Close>
                {/* outside the <form> in the DOM (portal), tied to it by the form attribute */}
                <Button type="submit" form="merge-form" name="intent" value="merge" onClick={() => setTimeout(() => setOpen(false), 0)}>
                  Merge
                </Button>
              </div>
            </Dialog.Content>
          </Dialog.Portal>
        </Dialog.Root>
      </Form>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Merge leads · CRM · CRM Hub' }];
