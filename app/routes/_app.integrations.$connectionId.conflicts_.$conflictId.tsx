import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { formatDateTime, humanize } from '~/components/crm/format';
import { ACCOUNT_FIELD, conflictStatusStyle, fieldLabel, ValueText } from '~/components/integrations/conflict';
import { providerName } from '~/components/integrations/format';
import { uuidParams } from '~/components/integrations/history';
import { TableHead } from '~/components/ui/data-table';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import type { loader as layoutLoader } from './_app.integrations.$connectionId';

const uuid = z.string().uuid();

const idsOf = (params: LoaderFunctionArgs['params']) => uuidParams(params, ['connectionId', 'conflictId'], 'conflict');

/**
 * One record's conflicts (a sync_conflicts row is one field): the app's value left, the CRM's
 * right, the last synced (base) value beside them. Opened by any of the record's conflict ids.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('integrations.read')(args);
  const { connectionId, conflictId } = idsOf(args.params);
  const detail = await orThrowResponse(caller.conflicts.byId({ id: conflictId }));
  if (detail.conflict.connectionId !== connectionId)
    throw new Response('There is no conflict at this address.', {
      status: 404,
    });
  const c = detail.conflict;
  // an association's values are CRM account ids: show the linked account's name beside the id
  const shown = (f: typeof c, v: string | null) => (f.field === ACCOUNT_FIELD && v ? `${detail.accountNames[v] ?? 'An account not synced yet'} (${v})` : v);
  const view = (f: typeof c) => ({
    id: f.id,
    field: f.field,
    appField: f.appField,
    remoteField: f.remoteField,
    appValue: shown(f, f.appValue),
    currentAppValue: f.field === ACCOUNT_FIELD ? shown(f, f.appValue) : (detail.currentAppValues[f.id] ?? null),
    remoteValue: shown(f, f.remoteValue),
    baseValue: shown(f, f.baseValue),
    createdAt: f.createdAt,
  });
  return {
    record: {
      entity: c.entity,
      appId: c.appId,
      remoteId: c.remoteId,
      name: detail.recordName,
      exists: detail.appRecord !== null && detail.appRecord.deletedAt === null,
    },
    // this conflict when it is settled already (how, by which choice); the record's open fields either way
    settled:
      c.status === 'open'
        ? null
        : {
            ...view(c),
            status: c.status,
            resolution: c.resolution,
            resolvedAt: c.resolvedAt,
          },
    open: detail.openFieldsOfRecord.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.appField.localeCompare(b.appField)).map(view),
  };
}

const fieldChoice = z.enum(['app', 'crm', 'custom']);
const actionSchema = z.object({
  intent: z.enum(['resolve', 'ignore', 'alwaysApp', 'alwaysCrm']),
  ids: z.array(uuid).min(1).max(100),
});

type FieldErrors = Record<string, string>;

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('integrations.manage')(args);
  const { connectionId } = idsOf(args.params);
  const form = await args.request.formData();
  const parsed = actionSchema.safeParse({
    intent: form.get('intent'),
    ids: form.getAll('ids'),
  });
  if (!parsed.success)
    return data(
      {
        ok: false as const,
        message: 'Unknown request.',
        fieldErrors: {} as FieldErrors,
      },
      { status: 400, headers }
    );
  const { intent, ids } = parsed.data;

  // every field's choice is read and checked before any is applied, so a mistake settles nothing
  const plans: {
    id: string;
    choice: z.infer<typeof fieldChoice>;
    value?: string | null;
    always: boolean;
  }[] = [];
  const fieldErrors: FieldErrors = {};
  for (const id of ids) {
    if (intent === 'ignore') continue;
    if (intent === 'alwaysApp' || intent === 'alwaysCrm') {
      plans.push({
        id,
        choice: intent === 'alwaysApp' ? 'app' : 'crm',
        always: true,
      });
      continue;
    }
    const choice = fieldChoice.safeParse(form.get(`choice.${id}`));
    if (!choice.success) {
      fieldErrors[id] = 'Choose the app’s value, the CRM’s, or an edited one.';
      continue;
    }
    const value = z
      .string()
      .max(10_000)
      .safeParse(form.get(`value.${id}`) ?? '');
    if (choice.data === 'custom' && !value.success) {
      fieldErrors[id] = 'The edited value is too long (10,000 characters at most).';
      continue;
    }
    const always = form.get(`always.${id}`) === 'on';
    if (always && choice.data === 'custom') {
      fieldErrors[id] = '“From now on” needs a side (the app or the CRM), not an edited value.';
      continue;
    }
    plans.push({
      id,
      choice: choice.data,
      value: choice.data === 'custom' ? (value.success ? value.data : '') : undefined,
      always,
    });
  }
  if (Object.keys(fieldErrors).length)
    return data(
      {
        ok: false as const,
        message: 'Please correct the highlighted fields.',
        fieldErrors,
      },
      { status: 400, headers }
    );

  for (const id of ids) {
    const plan = plans.find((p) => p.id === id);
    const result = await formResult(
      plan
        ? caller.conflicts.resolve({
            id,
            choice: plan.choice,
            value: plan.value,
            always: plan.always,
          })
        : caller.conflicts.ignore({ id })
    );
    if (!result.ok) {
      const message = result.fieldErrors?.value?.[0] ?? result.message;
      return data(
        {
          ok: false as const,
          message: `${message} Fields before this one were settled; the rest were not.`,
          fieldErrors: { [id]: message } as FieldErrors,
        },
        { status: result.status, headers }
      );
    }
  }

  // on to the next open conflict of this connection, or back to the list when none is left
  const settled = intent === 'ignore' ? 'ignored' : 'resolved';
  const next = await orThrowResponse(caller.conflicts.records({ connectionId, status: 'open', limit: 1 }));
  const nextId = next.items[0]?.firstId;
  throw redirect(nextId ? `/integrations/${connectionId}/conflicts/${nextId}?settled=${settled}` : `/integrations/${connectionId}/conflicts?settled=${settled}`, { headers });
}

function FieldRow({ f, crmName, canManage, error }: { f: ReturnType<typeof useLoaderData<typeof loader>>['open'][number]; crmName: string; canManage: boolean; error?: string }) {
  const [choice, setChoice] = useState<'app' | 'crm' | 'custom' | ''>('');
  const [edited, setEdited] = useState(f.currentAppValue ?? '');
  const isAccount = f.field === ACCOUNT_FIELD;
  const label = fieldLabel(f.appField);
  const differs = f.currentAppValue !== f.remoteValue;
  const movedSince = f.currentAppValue !== f.appValue;
  const highlight = differs ? 'bg-amber-50' : '';
  const groupId = `field-${f.id}`;
  return (
    <>
      <tr data-testid="conflict-field" data-field={f.appField} className="border-t border-slate-200 align-top">
        <th scope="row" className="px-3 py-3 text-left font-medium">
          <span id={groupId}>{label}</span>
          <div className="text-xs font-normal text-slate-600">
            {crmName}: <span className="font-mono">{f.remoteField}</span>
          </div>
          {differs ? <div className="mt-1 text-xs font-semibold text-amber-900">Differs</div> : null}
        </th>
        <td className={`px-3 py-3 ${highlight}`} data-testid="app-value">
          <ValueText value={f.currentAppValue} />
          {movedSince ? (
            <div className="mt-1 text-xs text-slate-700">
              Was <ValueText value={f.appValue} /> when detected
            </div>
          ) : null}
        </td>
        <td className={`px-3 py-3 ${highlight}`} data-testid="crm-value">
          <ValueText value={f.remoteValue} />
        </td>
        <td className="px-3 py-3 text-slate-700" data-testid="base-value">
          <ValueText value={f.baseValue} />
        </td>
      </tr>
      {canManage ? (
        // the choice sits under the values (full width), so the comparison fits a phone
        <tr data-testid="conflict-choice">
          <td colSpan={4} className="px-3 pb-4">
            <input type="hidden" name="ids" value={f.id} />
            <fieldset aria-describedby={error ? `${groupId}-error` : undefined} className="space-y-2 rounded-md border border-slate-200 bg-slate-50 p-3">
              <legend className="px-1 text-xs font-semibold uppercase tracking-wide text-slate-700">Keep for {label}</legend>
              <div className="flex flex-wrap gap-x-5 gap-y-1.5">
                <label className="flex items-center gap-2">
                  <input type="radio" name={`choice.${f.id}`} value="app" checked={choice === 'app'} onChange={() => setChoice('app')} />
                  App’s value
                </label>
                <label className="flex items-center gap-2">
                  <input type="radio" name={`choice.${f.id}`} value="crm" checked={choice === 'crm'} onChange={() => setChoice('crm')} />
                  {crmName}’s value
                </label>
                {!isAccount ? (
                  <label className="flex items-center gap-2">
                    <input type="radio" name={`choice.${f.id}`} value="custom" checked={choice === 'custom'} onChange={() => setChoice('custom')} />
                    An edited value
                  </label>
                ) : null}
              </div>
              {!isAccount ? (
                <label className="block max-w-md text-xs text-slate-700">
                  Merged value for {label}
                  <input
                    name={`value.${f.id}`}
                    value={edited}
                    onChange={(e) => {
                      setEdited(e.target.value);
                      setChoice('custom');
                    }}
                    className="mt-0.5 block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900"
                  />
                </label>
              ) : null}
              <label className="flex items-start gap-2 text-xs text-slate-700">
                <input type="checkbox" name={`always.${f.id}`} className="mt-0.5" disabled={choice === 'custom'} />
                <span>From now on the chosen side wins every conflict of this field (sets the field mapping’s override).</span>
              </label>
            </fieldset>
            {error ? (
              <p id={`${groupId}-error`} className="mt-1 text-sm text-red-700">
                {error}
              </p>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

export default function ConflictDetail() {
  const { record, settled, open } = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>('routes/_app.integrations.$connectionId');
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const connectionId = layout?.connection.id ?? '';
  const canManage = layout?.canManage ?? false;
  const crmName = providerName[layout?.connection.provider ?? ''] ?? 'CRM';
  const busy = navigation.state === 'submitting';
  const justSettled = params.get('settled');
  const recordHref = `/crm/${record.entity === 'account' ? 'accounts' : 'contacts'}/${record.appId}`;

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm">
          <Link to={`/integrations/${connectionId}/conflicts`} className="text-brand-700 underline">
            ← Conflicts
          </Link>
        </p>
        <h2 className="mt-2 text-lg font-semibold">{record.name ?? `${humanize(record.entity)} ${record.appId.slice(0, 8)}`}</h2>
        <p className="mt-1 text-sm text-slate-700">
          {humanize(record.entity)} ·{' '}
          {record.exists ? (
            <Link to={recordHref} className="text-brand-700 underline">
              Open in the app
            </Link>
          ) : (
            'deleted in the app'
          )}{' '}
          · {crmName} id <span className="font-mono">{record.remoteId}</span>
        </p>
      </div>

      {justSettled && !result ? <Alert tone="success">{justSettled === 'ignored' ? 'Ignored' : 'Resolved'}. Here is the next open conflict.</Alert> : null}
      {result && !result.ok ? <Alert tone="error">{result.message}</Alert> : null}

      {settled ? (
        <section aria-labelledby="settled-heading" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <h3 id="settled-heading" className="flex items-center gap-2 text-base font-semibold">
            {fieldLabel(settled.appField)}
            <span className={`rounded-full border px-2 py-0.5 text-xs font-medium ${conflictStatusStyle[settled.status]}`}>{humanize(settled.status)}</span>
          </h3>
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-6 gap-y-1">
            <dt className="text-slate-600">App’s value then</dt>
            <dd>
              <ValueText value={settled.appValue} />
            </dd>
            <dt className="text-slate-600">{crmName}’s value then</dt>
            <dd>
              <ValueText value={settled.remoteValue} />
            </dd>
            <dt className="text-slate-600">Last synced value</dt>
            <dd>
              <ValueText value={settled.baseValue} />
            </dd>
            {settled.resolution ? (
              <>
                <dt className="text-slate-600">Kept</dt>
                <dd>
                  <ValueText value={settled.resolution.value} /> (
                  {settled.resolution.choice === 'custom' ? 'edited' : settled.resolution.choice === 'crm' ? crmName : humanize(settled.resolution.choice)})
                </dd>
              </>
            ) : null}
            <dt className="text-slate-600">{humanize(settled.status)}</dt>
            <dd>{formatDateTime(settled.resolvedAt)}</dd>
          </dl>
        </section>
      ) : null}

      {open.length === 0 ? (
        settled ? (
          <p className="text-sm text-slate-700">No other field of this record is in conflict.</p>
        ) : null
      ) : (
        <Form method="post" className="space-y-4">
          <section aria-labelledby="compare-heading" className="space-y-2">
            <h3 id="compare-heading" className="text-base font-semibold">
              {open.length === 1 ? 'One field' : `${open.length} fields`} changed on both sides
            </h3>
            <p className="text-sm text-slate-700">
              The app’s value is on the left, {crmName}’s on the right, and the value both had at the last sync beside them. Highlighted fields differ.
              {canManage ? ' Choose what to keep for each field; the next sync sends your choice to the side that lacks it.' : ''}
            </p>
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Comparison of the app and the CRM">
              <table className="min-w-full text-sm">
                <TableHead columns={['Field', 'App', crmName, 'Last synced']} />
                <tbody>
                  {open.map((f) => (
                    <FieldRow key={f.id} f={f} crmName={crmName} canManage={canManage} error={result && !result.ok ? result.fieldErrors[f.id] : undefined} />
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          {canManage ? (
            <div className="space-y-3">
              <div className="flex flex-wrap gap-2">
                <Button type="submit" name="intent" value="resolve" disabled={busy}>
                  Resolve
                </Button>
                <Button type="submit" name="intent" value="ignore" variant="secondary" disabled={busy}>
                  Ignore
                </Button>
                <Button type="submit" name="intent" value="alwaysApp" variant="secondary" disabled={busy}>
                  Always use app
                </Button>
                <Button type="submit" name="intent" value="alwaysCrm" variant="secondary" disabled={busy}>
                  Always use {crmName}
                </Button>
              </div>
              <p className="text-sm text-slate-700">
                <strong>Ignore</strong> leaves both sides as they are (the same pair of values is not raised again; a new change is). <strong>Always use app</strong> /{' '}
                <strong>Always use {crmName}</strong> keep that side’s value for every field above now, and set each field mapping’s override so later conflicts of these fields
                settle themselves that way instead of waiting here; change it back under Field mappings.
              </p>
            </div>
          ) : (
            <p className="text-sm text-slate-700">Only owners and admins settle conflicts.</p>
          )}
        </Form>
      )}
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: `Conflict${data?.record.name ? `: ${data.record.name}` : ''} · Integrations · CRM Hub`,
  },
];
