import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { providerName } from '~/components/integrations/format';
import { byInput, connectionIdOf, jsonInput } from '~/components/integrations/mapping-form';
import { FilterRulesBuilder } from '~/components/integrations/mapping-filters';
import { entityTabLabel } from '~/components/integrations/mapping-labels';
import { Alert } from '~/components/ui/alert';
import { Button, buttonClass } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { tenantRoleCan } from '../../server/security/rbac';
import {
  conflictStrategies,
  syncDirections,
  syncEntities,
  syncFrequencies,
  type ConflictStrategy,
  type ConnectionFilters,
  type SyncDirection,
  type SyncEntity,
  type SyncFrequency,
} from '../../server/shared/sync';

/**
 * Sync settings of one connection (issue #4, screen 6), and the configure step of the
 * connect flow: the OAuth callback lands here with `?welcome=1`, and a save then points
 * at the field mappings. Managers read; owners and admins change.
 */

export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('integrations.read')(args);
  const connectionId = connectionIdOf(args.params);
  const c = await orThrowResponse(caller.connections.byId({ id: connectionId }));
  // filter rules may only name mapped app fields (they are judged in mapped-field space)
  const reports = await Promise.all(syncEntities.map((entity) => orThrowResponse(caller.mappings.list({ connectionId, entity }))));
  const filterFields = Object.fromEntries(
    syncEntities.map((entity, i) => {
      const report = reports[i]!;
      const mapped = new Set(report.mappings.filter((m) => m.direction !== 'none').map((m) => m.appField));
      return [entity, report.appFields.filter((f) => mapped.has(f.name)).map((f) => ({ name: f.name, label: f.label }))];
    }),
  ) as Record<SyncEntity, { name: string; label: string }[]>;
  return {
    connection: {
      id: c.id,
      provider: c.provider,
      status: c.status,
      connectedAs: c.connectedAs,
      hasCredentials: c.hasCredentials,
      direction: c.direction,
      frequency: c.frequency,
      entities: c.entities,
      filters: c.filters as ConnectionFilters,
      conflictStrategy: c.conflictStrategy,
      createMissing: c.createMissing,
      propagateDeletes: c.propagateDeletes,
      dailyApiBudgetPercent: c.dailyApiBudgetPercent,
      apiCallsToday: c.apiCallsToday,
    },
    filterFields,
    canManage: tenantRoleCan(tenant.role, 'integrations.manage'),
  };
}

const filtersJson = jsonInput('{}', 50_000, 'The filter rules could not be read.');
const actionSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('save'),
    frequency: z.enum(syncFrequencies, 'Choose a frequency.'),
    direction: z.enum(syncDirections, 'Choose a direction.'),
    entities: z.array(z.enum(syncEntities)).min(1, 'Choose at least one entity.').max(2),
    conflictStrategy: z.enum(conflictStrategies, 'Choose a conflict strategy.'),
    filters: filtersJson,
    createMissing: z.literal('on').optional(),
    propagateDeletes: z.literal('on').optional(),
    dailyApiBudgetPercent: z.coerce.number({ error: 'Enter a percentage.' }).int('Enter a whole percentage.').min(1, 'At least 1 %.').max(100, 'At most 100 %.'),
  }),
  z.object({ intent: z.literal('test') }),
]);

type SettingsResult =
  | { ok: true; intent: string; message: string }
  | { ok: false; intent: string; message: string; fieldErrors: Record<string, string[] | undefined> };

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('integrations.manage')(args);
  const id = connectionIdOf(args.params);
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  const raw = { ...Object.fromEntries([...form.entries()].map(([k, v]) => [k, v === '' ? undefined : v])), entities: form.getAll('entities') };
  const parsed = actionSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors = z.flattenError(parsed.error).fieldErrors as Record<string, string[]>;
    return data<SettingsResult>({ ok: false, intent, message: 'Please correct the highlighted fields.', fieldErrors }, { status: 400, headers });
  }
  const input = parsed.data;
  if (input.intent === 'test') {
    const result = await formResult(caller.connections.test({ id }));
    if (!result.ok) return data<SettingsResult>({ ok: false, intent, message: result.message, fieldErrors: {} }, { status: result.status, headers });
    const test = result.value;
    return data<SettingsResult>(
      test.ok ? { ok: true, intent, message: `The connection works: connected as ${test.connectedAs}.` } : { ok: false, intent, message: `The CRM did not answer as expected: ${test.error}`, fieldErrors: {} },
      { headers },
    );
  }
  const result = await formResult(
    caller.connections.update({
      id,
      frequency: input.frequency,
      direction: input.direction,
      entities: input.entities,
      conflictStrategy: input.conflictStrategy,
      filters: input.filters as ConnectionFilters,
      createMissing: input.createMissing === 'on',
      propagateDeletes: input.propagateDeletes === 'on',
      dailyApiBudgetPercent: input.dailyApiBudgetPercent,
    }),
  );
  if (!result.ok) {
    // "filters.contact.0.value" belongs to the rule builder
    return data<SettingsResult>({ ok: false, intent, message: result.message, fieldErrors: byInput(result.fieldErrors) }, { status: result.status, headers });
  }
  return data<SettingsResult>({ ok: true, intent, message: 'Sync settings saved.' }, { headers });
}

const frequencyText: Record<SyncFrequency, { label: string; hint: (provider: string) => string }> = {
  realtime: {
    label: 'Realtime',
    hint: (p) => (p === 'hubspot' ? 'HubSpot tells us about changes as they happen (signed webhooks); a poll every minute catches anything missed.' : 'Changes are polled every minute.'),
  },
  hourly: { label: 'Hourly', hint: () => 'An incremental sync an hour after the last one.' },
  daily: { label: 'Daily', hint: () => 'Once a day at the start of your business day, in your time zone.' },
  manual: { label: 'Manual', hint: () => 'Only when someone presses "Sync now".' },
};

const directionText: Record<SyncDirection, { label: string; hint: string }> = {
  bidirectional: { label: 'Both ways', hint: 'Changes flow from the CRM to the app and from the app to the CRM.' },
  pull: { label: 'CRM → App', hint: 'The app receives the CRM’s changes; nothing is written to the CRM.' },
  push: { label: 'App → CRM', hint: 'The CRM receives the app’s changes; nothing is written to the app.' },
};

const strategyText: Record<ConflictStrategy, { label: string; hint: string }> = {
  last_write_wins: { label: 'Last write wins', hint: 'When a field changed on both sides, the side changed most recently wins.' },
  crm_wins: { label: 'CRM wins', hint: 'When a field changed on both sides, the CRM’s value is kept and written to the app.' },
  app_wins: { label: 'App wins', hint: 'When a field changed on both sides, the app’s value is kept and written to the CRM.' },
  manual_review: {
    label: 'Manual review',
    hint: 'Only the fields changed on both sides wait under Conflicts for someone to choose; the record’s other changes still sync.',
  },
};

function ChoiceGroup<T extends string>({
  legend,
  name,
  values,
  text,
  current,
  disabled,
  error,
}: {
  legend: string;
  name: string;
  values: readonly T[];
  text: (value: T) => { label: string; hint: string };
  current: T;
  disabled: boolean;
  error?: string[];
}) {
  return (
    <fieldset className="space-y-2" disabled={disabled}>
      <legend className="text-sm font-semibold">{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {values.map((v) => {
          const t = text(v);
          return (
            <label key={v} className="flex cursor-pointer items-start gap-2 rounded-md border border-slate-200 bg-white p-3 text-sm has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50">
              <input type="radio" name={name} value={v} defaultChecked={v === current} className="mt-1" />
              <span>
                <span className="font-medium">{t.label}</span>
                <span className="block text-slate-700">{t.hint}</span>
              </span>
            </label>
          );
        })}
      </div>
      {error?.length ? <p className="text-sm text-red-700">{error.join(' ')}</p> : null}
    </fieldset>
  );
}

function Switch({ name, label, hint, defaultChecked, disabled }: { name: string; label: string; hint: string; defaultChecked: boolean; disabled: boolean }) {
  return (
    <label className="flex cursor-pointer items-start gap-3 text-sm">
      <input type="checkbox" role="switch" name={name} defaultChecked={defaultChecked} disabled={disabled} className="peer sr-only" />
      <span
        aria-hidden="true"
        className="relative mt-0.5 inline-block h-6 w-11 shrink-0 rounded-full bg-slate-400 transition-colors after:absolute after:left-0.5 after:top-0.5 after:h-5 after:w-5 after:rounded-full after:bg-white after:transition-transform peer-checked:bg-brand-600 peer-checked:after:translate-x-5 peer-focus-visible:outline peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-brand-600 peer-disabled:opacity-60"
      />
      <span>
        <span className="font-medium">{label}</span>
        <span className="block text-slate-700">{hint}</span>
      </span>
    </label>
  );
}

export default function SyncSettingsPage() {
  const { connection: c, filterFields, canManage } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const welcome = params.get('welcome') === '1';
  const [entities, setEntities] = useState<SyncEntity[]>(c.entities);
  const busy = navigation.state !== 'idle';
  const saving = busy && navigation.formData?.get('intent') === 'save';
  const testing = busy && navigation.formData?.get('intent') === 'test';
  const errors = result && !result.ok ? result.fieldErrors : {};
  const name = providerName[c.provider] ?? c.provider;
  const saved = result?.ok && result.intent === 'save';
  const readOnly = !canManage;

  return (
    <div className="space-y-6">
      {welcome && !result ? (
        <Alert tone="success">
          <strong>Connected — choose how to sync.</strong> {name} is connected{c.connectedAs ? ` as ${c.connectedAs}` : ''}. Check the direction, frequency and entities below and save; then map the fields.
        </Alert>
      ) : null}
      {saved && welcome ? (
        <div role="status" className="space-y-3 rounded-md border border-green-300 bg-green-50 px-4 py-3 text-sm text-green-900">
          <p>
            <strong>All set.</strong> {name} will sync with these settings. Next, check which fields go where.
          </p>
          <Link to={`/integrations/${c.id}/mappings`} className={buttonClass('primary')}>
            Map fields
          </Link>
        </div>
      ) : null}
      {result && !(saved && welcome) && result.intent === 'save' ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      {readOnly ? <p className="text-sm text-slate-700">You can read these settings; owners and admins change them.</p> : null}

      <section aria-labelledby="test-heading" className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <div>
          <h2 id="test-heading" className="text-base font-semibold">
            Connection
          </h2>
          <p className="text-sm text-slate-700">{c.connectedAs ? `Connected as ${c.connectedAs}.` : 'Not authorized yet.'}</p>
        </div>
        {canManage ? (
          <Form method="post">
            <Button type="submit" name="intent" value="test" variant="secondary" disabled={busy || !c.hasCredentials}>
              {testing ? 'Testing…' : 'Test connection'}
            </Button>
          </Form>
        ) : null}
        {result?.intent === 'test' ? (
          <div className="w-full">
            <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert>
          </div>
        ) : null}
      </section>

      <Form method="post" className="space-y-6" aria-label="Sync settings">
        <fieldset disabled={readOnly} className="space-y-6">
          <ChoiceGroup
            legend="Frequency"
            name="frequency"
            values={syncFrequencies}
            text={(v) => ({ label: frequencyText[v].label, hint: frequencyText[v].hint(c.provider) })}
            current={c.frequency}
            disabled={readOnly}
            error={errors.frequency}
          />
          <ChoiceGroup legend="Direction" name="direction" values={['bidirectional', 'pull', 'push'] as const} text={(v) => directionText[v]} current={c.direction} disabled={readOnly} error={errors.direction} />
          <fieldset className="space-y-2">
            <legend className="text-sm font-semibold">Entities</legend>
            <div className="flex flex-wrap gap-4">
              {syncEntities.map((e) => (
                <label key={e} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    name="entities"
                    value={e}
                    checked={entities.includes(e)}
                    onChange={(ev) => setEntities((all) => (ev.target.checked ? syncEntities.filter((x) => x === e || all.includes(x)) : all.filter((x) => x !== e)))}
                  />
                  {entityTabLabel[e]}
                </label>
              ))}
            </div>
            <p className="text-xs text-slate-600">Contacts keep their account association when accounts sync too.</p>
            {errors.entities?.length ? <p className="text-sm text-red-700">{errors.entities.join(' ')}</p> : null}
          </fieldset>
          <ChoiceGroup
            legend="Conflict strategy"
            name="conflictStrategy"
            values={conflictStrategies}
            text={(v) => strategyText[v]}
            current={c.conflictStrategy}
            disabled={readOnly}
            error={errors.conflictStrategy}
          />
        </fieldset>

        <section aria-labelledby="filters-heading" className="space-y-2">
          <h2 id="filters-heading" className="text-sm font-semibold">
            Filters
          </h2>
          <p className="text-sm text-slate-700">Only records that pass every rule sync, on both sides. Rules use mapped fields and ignore case.</p>
          <FilterRulesBuilder initial={c.filters} entities={entities} fields={filterFields} disabled={readOnly} error={errors.filters} />
        </section>

        <fieldset disabled={readOnly} className="space-y-4">
          <legend className="text-sm font-semibold">Records</legend>
          <Switch
            name="createMissing"
            label="Create missing records"
            hint="A record found on one side only (and not matched by e-mail, domain or name) is created on the other side. Off: it is skipped."
            defaultChecked={c.createMissing}
            disabled={readOnly}
          />
          <Switch
            name="propagateDeletes"
            label="Propagate deletes"
            hint="A record deleted on one side is deleted on the other (soft delete in the app). Off: the records are only unlinked."
            defaultChecked={c.propagateDeletes}
            disabled={readOnly}
          />
        </fieldset>

        <fieldset disabled={readOnly} className="space-y-2">
          <legend className="text-sm font-semibold">Daily API budget</legend>
          <label className="block max-w-xs text-sm">
            Share of the CRM’s daily API allowance this connection may use (%)
            <input
              type="number"
              name="dailyApiBudgetPercent"
              min={1}
              max={100}
              step={1}
              defaultValue={c.dailyApiBudgetPercent}
              aria-invalid={errors.dailyApiBudgetPercent?.length ? true : undefined}
              aria-describedby="budget-used"
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm aria-[invalid]:border-red-600"
            />
          </label>
          <p id="budget-used" className="text-sm text-slate-700" data-testid="api-calls-today">
            {c.apiCallsToday.toLocaleString('en')} API call{c.apiCallsToday === 1 ? '' : 's'} used today. A sync stops before it would go over the budget and continues the next day.
          </p>
          {errors.dailyApiBudgetPercent?.length ? <p className="text-sm text-red-700">{errors.dailyApiBudgetPercent.join(' ')}</p> : null}
        </fieldset>

        {canManage ? (
          <div className="flex flex-wrap gap-2">
            <Button type="submit" name="intent" value="save" disabled={busy}>
              {saving ? 'Saving…' : 'Save settings'}
            </Button>
          </div>
        ) : null}
      </Form>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Sync settings · Integrations · CRM Hub' }];
