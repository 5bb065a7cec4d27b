import * as Dialog from '@radix-ui/react-dialog';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { formatDateTime } from '~/components/crm/format';
import { DialogFrame, useDialogFetcher, type FieldErrors } from '~/components/crm/stages/fetcher-dialog';
import { relativeTime } from '~/components/integrations/format';
import { byInput, connectionIdOf, jsonInput } from '~/components/integrations/mapping-form';
import { FieldPicker, type PickerOption } from '~/components/integrations/mapping-picker';
import { entityTabLabel, mappingDirectionHint, mappingDirectionLabel, mappingOverrideLabel, transformSummary } from '~/components/integrations/mapping-labels';
import { TransformEditor } from '~/components/integrations/mapping-transforms';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { tenantRoleCan } from '../../server/security/rbac';
import type { TransformStep } from '../../server/services/sync/transforms';
import { mappingDirections, mappingOverrides, syncEntities, type MappingDirection, type MappingOverride, type SyncEntity } from '../../server/shared/sync';

/**
 * Field mappings of one connection (issue #4, screen 3): a tab per entity the connection
 * syncs, the mapping table with its validation, auto-map, add/edit/delete, reset to the
 * provider's defaults, and a preview of five CRM records through the mapping. Managers read.
 */

export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('integrations.read')(args);
  const connectionId = connectionIdOf(args.params);
  const canManage = tenantRoleCan(tenant.role, 'integrations.manage');
  const connection = await orThrowResponse(caller.connections.byId({ id: connectionId }));
  const entities = syncEntities.filter((e) => connection.entities.includes(e));
  const requested = new URL(args.request.url).searchParams.get('entity');
  const entity: SyncEntity = entities.find((e) => e === requested) ?? entities[0] ?? 'account';
  let report = await orThrowResponse(caller.mappings.list({ connectionId, entity }));
  let fieldsError: string | null = null;
  let fieldsReadAt: string | null = null;
  // the CRM's field list is read once and cached on the connection; later loads use the cache
  if (canManage && connection.hasCredentials) {
    const loaded = await formResult(caller.connections.remoteFields({ id: connectionId, entity }));
    if (loaded.ok) fieldsReadAt = loaded.value.fetchedAt;
    else fieldsError = loaded.message;
    if (loaded.ok && !report.remoteFields) report = await orThrowResponse(caller.mappings.list({ connectionId, entity }));
  }
  return {
    connection: { id: connection.id, status: connection.status, hasCredentials: connection.hasCredentials },
    entity,
    entities,
    canManage,
    appFields: report.appFields.map((f) => ({ name: f.name, label: f.label, type: f.type, required: f.required })),
    remoteFields: report.remoteFields?.map((f) => ({ name: f.name, label: f.label, type: f.type, required: f.required, updateable: f.updateable, custom: f.custom })) ?? null,
    mappings: report.mappings.map((m) => ({
      id: m.id,
      appField: m.appField,
      remoteField: m.remoteField,
      direction: m.direction,
      override: m.override,
      transform: (m.transform ?? []) as TransformStep[],
    })),
    issues: report.issues,
    requiredUnmapped: report.requiredUnmapped,
    fieldsError,
    fieldsReadAt,
    now: new Date().toISOString(),
  };
}

const entity = z.enum(syncEntities);
const id = z.string().uuid();
/** The transform editor posts its steps as JSON; the procedure validates them against the declarative set. */
const steps = jsonInput('[]', 20_000, 'The transforms could not be read.');
const mappingFields = {
  direction: z.enum(mappingDirections, 'Choose a direction.'),
  override: z.enum(mappingOverrides).default('strategy'),
  transform: steps,
};
const actionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.enum(['autoMap', 'refreshFields', 'reset', 'preview']), entity }),
  z.object({
    intent: z.literal('create'),
    entity,
    appField: z.string({ error: 'Choose an app field.' }).min(1, 'Choose an app field.').max(100),
    remoteField: z.string({ error: 'Choose a CRM field.' }).min(1, 'Choose a CRM field.').max(100),
    ...mappingFields,
  }),
  z.object({ intent: z.literal('update'), id, ...mappingFields }),
  z.object({ intent: z.literal('delete'), id }),
]);

export interface PreviewAnswer {
  records: { remoteId: string; values: Record<string, string | null>; error: string | null }[];
}

/** What Auto-map suggests (a dry run), for the review dialog. */
export interface AutoMapSuggestionAnswer {
  appField: string;
  remoteField: string;
  score: number;
}

/** A ticked suggestion travels as `appField|remoteField` (a CRM field name never holds a `|`). */
const pickSeparator = '|';
const pickSchema = z
  .array(z.string().max(201).includes(pickSeparator, { error: 'Not a suggestion.' }))
  .min(1, 'Tick at least one suggestion.')
  .max(500)
  .transform((picks) =>
    picks.map((p) => {
      const at = p.lastIndexOf(pickSeparator);
      return { appField: p.slice(0, at), remoteField: p.slice(at + 1) };
    }),
  );

export type MappingActionResult =
  | { ok: true; intent: string; message: string; preview?: PreviewAnswer; suggestions?: AutoMapSuggestionAnswer[] }
  | { ok: false; intent: string; message: string; status: number; fieldErrors: FieldErrors };

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('integrations.manage')(args);
  const connectionId = connectionIdOf(args.params);
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  if (intent === 'autoMapApply') {
    const chosen = z.object({ entity, pick: pickSchema }).safeParse({ entity: form.get('entity'), pick: form.getAll('pick') });
    if (!chosen.success) {
      const fieldErrors = z.flattenError(chosen.error).fieldErrors as Record<string, string[]>;
      return data<MappingActionResult>({ ok: false, intent, status: 400, message: fieldErrors.pick?.[0] ?? 'Please correct the highlighted fields.', fieldErrors }, { status: 400, headers });
    }
    const result = await formResult(caller.mappings.autoMap({ connectionId, entity: chosen.data.entity, apply: true, only: chosen.data.pick }));
    const created = result.ok ? result.value.created : [];
    const message = created.length
      ? `Auto-map added ${created.length} mapping${created.length === 1 ? '' : 's'}: ${created.map((m) => `${m.appField} ↔ ${m.remoteField}`).join(', ')}.`
      : 'Nothing was added: the chosen fields are mapped already or no longer fit.';
    return data<MappingActionResult>(
      result.ok ? { ok: true, intent, message } : { ok: false, intent, status: result.status, message: result.message, fieldErrors: byInput(result.fieldErrors) },
      { status: result.ok ? 200 : result.status, headers },
    );
  }
  const parsed = actionSchema.safeParse(Object.fromEntries([...form.entries()].map(([k, v]) => [k, v === '' ? undefined : v])));
  if (!parsed.success) {
    const fieldErrors = z.flattenError(parsed.error).fieldErrors as Record<string, string[]>;
    return data<MappingActionResult>({ ok: false, intent, status: 400, message: 'Please correct the highlighted fields.', fieldErrors }, { status: 400, headers });
  }
  const input = parsed.data;
  const answer = (result: Awaited<ReturnType<typeof formResult>>, message: string, extra: { preview?: PreviewAnswer; suggestions?: AutoMapSuggestionAnswer[] } = {}) =>
    data<MappingActionResult>(
      result.ok ? { ok: true, intent, message, ...extra } : { ok: false, intent, status: result.status, message: result.message, fieldErrors: byInput(result.fieldErrors) },
      { status: result.ok ? 200 : result.status, headers },
    );
  switch (input.intent) {
    case 'autoMap': {
      // a dry run: the review dialog shows the suggestions and adds only the ticked ones (autoMapApply)
      const result = await formResult(caller.mappings.autoMap({ connectionId, entity: input.entity, apply: false }));
      return answer(result, '', result.ok ? { suggestions: result.value.suggestions } : {});
    }
    case 'refreshFields': {
      const result = await formResult(caller.connections.remoteFields({ id: connectionId, entity: input.entity, refresh: true }));
      return answer(result, result.ok ? `The CRM field list was read again (${result.value.fields.length} fields).` : '');
    }
    case 'reset':
      return answer(await formResult(caller.mappings.reset({ connectionId, entity: input.entity })), 'The mappings are back to the defaults.');
    case 'preview': {
      const result = await formResult(caller.mappings.preview({ connectionId, entity: input.entity }));
      return answer(result, '', result.ok ? { preview: { records: result.value } } : {});
    }
    case 'create': {
      const { intent: _, entity: e, ...mapping } = input;
      const result = await formResult(caller.mappings.create({ connectionId, entity: e, ...mapping, transform: mapping.transform as never }));
      return answer(result, `Mapping added: ${input.appField} ↔ ${input.remoteField}.`);
    }
    case 'update': {
      const { intent: _, ...patch } = input;
      const result = await formResult(caller.mappings.update({ ...patch, transform: patch.transform as never }));
      return answer(result, result.ok ? `Mapping saved: ${result.value.appField} ↔ ${result.value.remoteField}.` : '');
    }
    case 'delete': {
      const result = await formResult(caller.mappings.delete({ id: input.id }));
      return answer(result, 'Mapping deleted.');
    }
  }
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type MappingRow = LoaderData['mappings'][number];

const selectClass = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm';

function DirectionAndOverride({ direction, override, errors }: { direction: MappingDirection; override: MappingOverride; errors: FieldErrors }) {
  return (
    <div className="space-y-4">
      <label className="block text-sm font-medium text-slate-800">
        Direction
        <select name="direction" defaultValue={direction} className={selectClass} aria-invalid={errors.direction?.length ? true : undefined} aria-describedby="mapping-direction-error">
          {mappingDirections.map((d) => (
            <option key={d} value={d}>
              {mappingDirectionLabel[d]} — {mappingDirectionHint[d]}
            </option>
          ))}
        </select>
        {errors.direction?.length ? (
          <span id="mapping-direction-error" className="mt-1 block font-normal text-red-700">
            {errors.direction.join(' ')}
          </span>
        ) : null}
      </label>
      <label className="block text-sm font-medium text-slate-800">
        When both sides changed
        <select name="override" defaultValue={override} className={selectClass}>
          {mappingOverrides.map((o) => (
            <option key={o} value={o}>
              {mappingOverrideLabel[o]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** Cancel and the submit button; `submit={false}` leaves only Cancel (nothing to submit). */
function DialogButtons({ busy, label, busyLabel, disabled = false, submit = true }: { busy: boolean; label: string; busyLabel: string; disabled?: boolean; submit?: boolean }) {
  return (
    <div className="flex justify-end gap-2">
      <Dialog.Close asChild>
        <Button type="button" variant="secondary">
          Cancel
        </Button>
      </Dialog.Close>
      {submit ? (
        <Button type="submit" disabled={busy || disabled}>
          {busy ? busyLabel : label}
        </Button>
      ) : null}
    </div>
  );
}

function FormFailure({ failure }: { failure: { message: string } | null }) {
  return failure ? <Alert tone="error">{failure.message}</Alert> : null;
}

function AddMappingDialog({ d, onDone }: { d: LoaderData; onDone: (message: string) => void }) {
  const { fetcher, open, onOpenChange, failure, busy } = useDialogFetcher(onDone, 'mapping-create');
  const errors = failure?.fieldErrors ?? {};
  const mappedApp = new Map(d.mappings.map((m) => [m.appField, m.remoteField]));
  const mappedRemote = new Map(d.mappings.map((m) => [m.remoteField, m.appField]));
  const appOptions: PickerOption[] = d.appFields.map((f) => ({
    value: f.name,
    label: f.label,
    detail: [f.type, mappedApp.has(f.name) ? `mapped to ${mappedApp.get(f.name)}` : null].filter(Boolean).join(' · '),
  }));
  const remoteOptions: PickerOption[] = (d.remoteFields ?? []).map((f) => ({
    value: f.name,
    label: f.label,
    disabled: f.type === 'id' || f.type === 'reference',
    highlight: d.requiredUnmapped.includes(f.name),
    detail: [
      f.type,
      f.required ? 'required' : null,
      f.updateable ? null : 'read-only',
      f.custom ? 'custom' : null,
      mappedRemote.has(f.name) ? `mapped to ${mappedRemote.get(f.name)}` : null,
    ]
      .filter(Boolean)
      .join(' · '),
  }));
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger asChild>
        <Button disabled={!d.remoteFields}>Add mapping</Button>
      </Dialog.Trigger>
      <DialogFrame title="Add a mapping" description={`Pick an app field and the ${entityTabLabel[d.entity].toLowerCase().replace(/s$/, '')} field of the CRM it exchanges values with.`}>
        <fetcher.Form method="post" className="mt-4 space-y-4" key={open ? 'open' : 'closed'}>
          <input type="hidden" name="intent" value="create" />
          <input type="hidden" name="entity" value={d.entity} />
          <FormFailure failure={failure} />
          <FieldPicker legend="App field" name="appField" searchLabel="Search app fields" options={appOptions} error={errors.appField} />
          <FieldPicker legend="CRM field" name="remoteField" searchLabel="Search CRM fields" options={remoteOptions} error={errors.remoteField} />
          <DirectionAndOverride direction="both" override="strategy" errors={errors} />
          <TransformEditor initial={[]} error={errors.transform} />
          <DialogButtons busy={busy} label="Add mapping" busyLabel="Adding…" />
        </fetcher.Form>
      </DialogFrame>
    </Dialog.Root>
  );
}

function EditMappingDialog({ m, appLabel, remoteLabel, onDone }: { m: MappingRow; appLabel: string; remoteLabel: string; onDone: (message: string) => void }) {
  const { fetcher, open, onOpenChange, failure, busy } = useDialogFetcher(onDone, `mapping-update-${m.id}`);
  const errors = failure?.fieldErrors ?? {};
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger asChild>
        <Button variant="secondary" className="min-h-9 px-3 py-1" aria-label={`Edit mapping ${appLabel} ↔ ${remoteLabel}`}>
          Edit
        </Button>
      </Dialog.Trigger>
      <DialogFrame title={`Edit ${appLabel} ↔ ${remoteLabel}`} description="Change how values flow, how they are transformed and who wins when both sides changed.">
        <fetcher.Form method="post" className="mt-4 space-y-4" key={open ? 'open' : 'closed'}>
          <input type="hidden" name="intent" value="update" />
          <input type="hidden" name="id" value={m.id} />
          <FormFailure failure={failure} />
          <DirectionAndOverride direction={m.direction} override={m.override} errors={errors} />
          <TransformEditor initial={m.transform} error={errors.transform} />
          <DialogButtons busy={busy} label="Save mapping" busyLabel="Saving…" />
        </fetcher.Form>
      </DialogFrame>
    </Dialog.Root>
  );
}

function PreviewPanel({ d }: { d: LoaderData }) {
  const fetcher = useFetcher<MappingActionResult>({ key: `mapping-preview-${d.entity}` });
  const answer = fetcher.data;
  const pulled = d.mappings.filter((m) => m.direction === 'both' || m.direction === 'pull');
  const columns = [...new Set(pulled.map((m) => m.appField))];
  const labelOf = (name: string) => d.appFields.find((f) => f.name === name)?.label ?? name;
  const records = answer?.ok ? (answer.preview?.records ?? []) : [];
  return (
    <section aria-labelledby="preview-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h2 id="preview-heading" className="text-base font-semibold">
            Preview
          </h2>
          <p className="text-sm text-slate-700">Five CRM records and how they would land in the app with the current mapping. Nothing is saved.</p>
        </div>
        <fetcher.Form method="post">
          <input type="hidden" name="intent" value="preview" />
          <input type="hidden" name="entity" value={d.entity} />
          <Button type="submit" variant="secondary" disabled={fetcher.state !== 'idle' || !d.connection.hasCredentials}>
            {fetcher.state !== 'idle' ? 'Loading…' : answer ? 'Load again' : 'Load preview'}
          </Button>
        </fetcher.Form>
      </div>
      {answer && !answer.ok ? <Alert tone="error">{answer.message}</Alert> : null}
      {answer?.ok && records.length === 0 ? <p className="text-sm text-slate-700">The CRM has no {entityTabLabel[d.entity].toLowerCase()} to preview.</p> : null}
      {records.length ? (
        <div className="overflow-x-auto rounded-md border border-slate-200" tabIndex={0} role="region" aria-label="Preview of CRM records">
          <table className="min-w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th className="px-3 py-2">CRM id</th>
                {columns.map((c) => (
                  <th key={c} className="px-3 py-2">
                    {labelOf(c)}
                  </th>
                ))}
                <th className="px-3 py-2">Result</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {records.map((r) => (
                <tr key={r.remoteId} data-testid="preview-record">
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{r.remoteId}</td>
                  {columns.map((c) => (
                    <td key={c} className="px-3 py-2">
                      {r.values[c] ?? <span className="text-slate-600">—</span>}
                    </td>
                  ))}
                  <td className="px-3 py-2">{r.error ? <span className="text-red-700">{r.error}</span> : 'Would import'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function AutoMapDialog({ d, onDone, disabled }: { d: LoaderData; onDone: (message: string) => void; disabled: boolean }) {
  const { fetcher, open, onOpenChange, failure, busy } = useDialogFetcher(onDone, 'mapping-automap');
  const suggest = useFetcher<MappingActionResult>({ key: `mapping-automap-suggest-${d.entity}` });
  const answer = suggest.state === 'idle' ? suggest.data : undefined;
  const suggestions = answer?.ok ? (answer.suggestions ?? []) : [];
  const keyOf = (s: AutoMapSuggestionAnswer) => `${s.appField}${pickSeparator}${s.remoteField}`;
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (answer?.ok) setChosen(new Set((answer.suggestions ?? []).map(keyOf)));
  }, [answer]);
  const openChange = (next: boolean) => {
    onOpenChange(next);
    if (next) suggest.submit({ intent: 'autoMap', entity: d.entity }, { method: 'post' });
  };
  const appField = (name: string) => d.appFields.find((f) => f.name === name);
  const remoteField = (name: string) => d.remoteFields?.find((f) => f.name === name);
  const toggle = (key: string, on: boolean) => setChosen((prev) => (on ? new Set(prev).add(key) : new Set([...prev].filter((k) => k !== key))));
  return (
    <Dialog.Root open={open} onOpenChange={openChange}>
      <Dialog.Trigger asChild>
        <Button variant="secondary" disabled={disabled}>
          Auto-map
        </Button>
      </Dialog.Trigger>
      <DialogFrame title="Review auto-map suggestions" description="Fields whose names or labels are alike. Untick any you do not want; nothing changes until you add them.">
        <fetcher.Form method="post" className="mt-4 space-y-4">
          <input type="hidden" name="intent" value="autoMapApply" />
          <input type="hidden" name="entity" value={d.entity} />
          <FormFailure failure={failure} />
          {suggest.state !== 'idle' ? (
            <p className="text-sm text-slate-700" role="status">
              Looking for similar fields…
            </p>
          ) : answer && !answer.ok ? (
            <Alert tone="error">{answer.message}</Alert>
          ) : answer && suggestions.length === 0 ? (
            <EmptyState title="Nothing to suggest">Every app field with a similar CRM field is mapped already. Use Add mapping for the rest.</EmptyState>
          ) : (
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium text-slate-800">
                {chosen.size} of {suggestions.length} suggestion{suggestions.length === 1 ? '' : 's'} chosen
              </legend>
              <ul className="space-y-2">
                {suggestions.map((s) => {
                  const key = keyOf(s);
                  const app = appField(s.appField);
                  const remote = remoteField(s.remoteField);
                  return (
                    <li key={key} data-testid="automap-suggestion">
                      <label className="flex items-start gap-3 rounded-md border border-slate-200 p-3 text-sm">
                        <input type="checkbox" name="pick" value={key} checked={chosen.has(key)} onChange={(e) => toggle(key, e.currentTarget.checked)} className="mt-1 h-4 w-4" />
                        <span className="min-w-0 break-words">
                          <span className="font-medium text-slate-900">
                            {app?.label ?? s.appField} ↔ {remote?.label ?? s.remoteField}
                          </span>
                          <span className="block text-slate-700">
                            {s.appField} ({app?.type ?? 'field'}) ↔ {s.remoteField} ({remote?.type ?? 'field'}
                            {remote && !remote.updateable ? ', read-only: pulled only' : ''})
                          </span>
                          <span className="block text-slate-700">{s.score >= 0.95 ? 'Known synonym or same name' : 'Similar name or label'} · {Math.round(s.score * 100)} % alike</span>
                        </span>
                      </label>
                    </li>
                  );
                })}
              </ul>
            </fieldset>
          )}
          <DialogButtons busy={busy} label="Add selected" busyLabel="Adding…" disabled={chosen.size === 0} submit={suggestions.length > 0} />
        </fetcher.Form>
      </DialogFrame>
    </Dialog.Root>
  );
}

export default function FieldMappingsPage() {
  const d = useLoaderData<typeof loader>();
  const pageResult = useActionData<typeof action>();
  const navigation = useNavigation();
  // the latest answer, from a dialog (fetcher) or from the page's own forms, whichever came last
  const answerOf = (r: typeof pageResult) => (r && r.intent !== 'preview' ? { ok: r.ok, message: r.message } : null);
  const [notice, setNotice] = useState<{ ok: boolean; message: string } | null>(() => answerOf(pageResult));
  const done = (message: string) => setNotice({ ok: true, message });
  useEffect(() => {
    const answer = answerOf(pageResult);
    if (answer) setNotice(answer);
  }, [pageResult]);
  const [shownEntity, setShownEntity] = useState(d.entity);
  if (shownEntity !== d.entity) {
    // another tab: the last answer was about the previous one
    setShownEntity(d.entity);
    setNotice(null);
  }
  const busy = navigation.state !== 'idle';
  const appLabel = (name: string) => d.appFields.find((f) => f.name === name)?.label ?? name;
  const remote = (name: string) => d.remoteFields?.find((f) => f.name === name);
  const setIssues = d.issues.filter((i) => !i.mappingId && i.level === 'error');

  if (d.entities.length === 0) return <EmptyState title="This connection syncs no entities">Choose accounts or contacts in the sync settings first.</EmptyState>;

  return (
    <div className="space-y-6">
      <nav aria-label="Entities" className="flex flex-wrap gap-2">
        {d.entities.map((e) => (
          <Link
            key={e}
            to={`?entity=${e}`}
            aria-current={e === d.entity ? 'page' : undefined}
            className={`rounded-full border px-3 py-1 text-sm font-medium ${e === d.entity ? 'border-brand-600 bg-brand-50 text-brand-900' : 'border-slate-300 bg-white text-slate-800 hover:bg-slate-50'}`}
          >
            {entityTabLabel[e]}
          </Link>
        ))}
      </nav>

      {notice ? <Alert tone={notice.ok ? 'success' : 'error'}>{notice.message}</Alert> : null}
      {d.fieldsError ? <Alert tone="error">The CRM field list could not be read: {d.fieldsError}</Alert> : null}
      {!d.remoteFields && !d.fieldsError ? (
        <Alert tone="info">{d.canManage ? 'The CRM field list is not loaded yet: authorize the connection first.' : 'The CRM field list has not been loaded yet; an owner or admin loads it when opening this page.'}</Alert>
      ) : null}
      {setIssues.length ? (
        <Alert tone="error">
          <ul className="list-inside list-disc">
            {setIssues.map((i) => (
              <li key={i.message}>{i.message}</li>
            ))}
          </ul>
        </Alert>
      ) : null}

      {d.canManage ? (
        <div className="flex flex-wrap items-center gap-2">
          <AddMappingDialog d={d} onDone={done} />
          <AutoMapDialog d={d} onDone={done} disabled={busy || !d.remoteFields} />
          <Form method="post">
            <input type="hidden" name="entity" value={d.entity} />
            <Button type="submit" name="intent" value="refreshFields" variant="secondary" disabled={busy || !d.connection.hasCredentials}>
              Refresh CRM fields
            </Button>
          </Form>
          <ConfirmDialog
            // a reset replaces every mapping: the new ids remount the dialog, closed
            key={d.mappings.map((m) => m.id).join()}
            trigger={<Button variant="secondary">Reset to defaults</Button>}
            title={`Reset the ${entityTabLabel[d.entity].toLowerCase()} mappings?`}
            description="Every mapping of this entity is replaced by the provider's default mappings. Records already synced are not changed."
            confirmLabel="Reset mappings"
            intent="reset"
            hidden={{ entity: d.entity }}
          />
        </div>
      ) : (
        <p className="text-sm text-slate-700">You can read the mappings; owners and admins change them.</p>
      )}

      {d.fieldsReadAt ? (
        <p className="text-sm text-slate-700" data-testid="fields-read-at">
          CRM field list ({d.remoteFields?.length ?? 0} fields) read{' '}
          <time dateTime={d.fieldsReadAt} title={formatDateTime(d.fieldsReadAt)}>
            {relativeTime(d.fieldsReadAt, d.now)}
          </time>
          ; refresh it after adding fields in the CRM.
        </p>
      ) : null}

      <section aria-labelledby="mappings-heading" className="space-y-2">
        <h2 id="mappings-heading" className="text-base font-semibold">
          {entityTabLabel[d.entity]}: {d.mappings.length} mapping{d.mappings.length === 1 ? '' : 's'}
        </h2>
        {d.mappings.length === 0 && d.requiredUnmapped.length === 0 ? (
          <EmptyState title="No mappings">Nothing syncs for this entity until a field is mapped. Use Auto-map, Add mapping or Reset to defaults.</EmptyState>
        ) : (
          <div className="overflow-x-auto rounded-md border border-slate-200 bg-white" tabIndex={0} role="region" aria-label={`Field mappings of ${entityTabLabel[d.entity].toLowerCase()}`}>
            <table className="min-w-full text-sm">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-3 py-2">App field</th>
                  <th className="px-3 py-2">CRM field</th>
                  <th className="px-3 py-2">Direction</th>
                  <th className="px-3 py-2">Transforms</th>
                  <th className="px-3 py-2">If both changed</th>
                  <th className="px-3 py-2">Check</th>
                  {d.canManage ? <th className="px-3 py-2">Actions</th> : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {d.mappings.map((m) => {
                  const r = remote(m.remoteField);
                  const issues = d.issues.filter((i) => i.mappingId === m.id);
                  const remoteLabel = r?.label ?? m.remoteField;
                  return (
                    <tr key={m.id} data-testid="mapping-row" className={issues.length ? 'bg-red-50' : undefined}>
                      <td className="px-3 py-2">
                        <span className="font-medium">{appLabel(m.appField)}</span> <span className="text-slate-600">({m.appField})</span>
                      </td>
                      <td className="px-3 py-2">
                        <span className="font-medium">{remoteLabel}</span> <span className="text-slate-600">({m.remoteField})</span>
                        {r ? <span className="block text-xs text-slate-700">{[r.type, r.required ? 'required' : null, r.updateable ? null : 'read-only'].filter(Boolean).join(' · ')}</span> : null}
                      </td>
                      <td className="whitespace-nowrap px-3 py-2">{mappingDirectionLabel[m.direction]}</td>
                      <td className="px-3 py-2">{transformSummary(m.transform)}</td>
                      <td className="px-3 py-2">{m.override === 'strategy' ? 'Connection strategy' : mappingOverrideLabel[m.override]}</td>
                      <td className="px-3 py-2">
                        {issues.length ? (
                          <ul className="text-red-800">
                            {issues.map((i) => (
                              <li key={i.message}>{i.message}</li>
                            ))}
                          </ul>
                        ) : (
                          <span className="text-green-800">OK</span>
                        )}
                      </td>
                      {d.canManage ? (
                        <td className="px-3 py-2">
                          <div className="flex gap-2">
                            <EditMappingDialog m={m} appLabel={appLabel(m.appField)} remoteLabel={remoteLabel} onDone={done} />
                            <ConfirmDialog
                              trigger={
                                <Button variant="danger" className="min-h-9 px-3 py-1" aria-label={`Delete mapping ${appLabel(m.appField)} ↔ ${remoteLabel}`}>
                                  Delete
                                </Button>
                              }
                              title={`Delete ${appLabel(m.appField)} ↔ ${remoteLabel}?`}
                              description="The field stops syncing. Values already synced stay on both sides."
                              confirmLabel="Delete mapping"
                              intent="delete"
                              hidden={{ id: m.id }}
                            />
                          </div>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
                {d.requiredUnmapped.map((name) => {
                  const r = remote(name);
                  return (
                    <tr key={`required-${name}`} data-testid="required-unmapped" className="bg-amber-50">
                      <td className="px-3 py-2 text-slate-700">Not mapped</td>
                      <td className="px-3 py-2">
                        <span className="font-medium">{r?.label ?? name}</span> <span className="text-slate-600">({name})</span>
                      </td>
                      <td colSpan={d.canManage ? 5 : 4} className="px-3 py-2 font-medium text-amber-900">
                        Required by the CRM: records created from the app will be refused until a mapping writes it.
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {d.canManage ? <PreviewPanel d={d} /> : null}
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Field mappings · Integrations · CRM Hub' }];
