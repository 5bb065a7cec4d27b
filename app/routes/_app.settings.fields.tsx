import { closestCenter, DndContext } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import * as Dialog from '@radix-ui/react-dialog';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useActionData, useFetcher, useLoaderData } from '@remix-run/react';
import { useEffect, useId, useState } from 'react';
import { z } from 'zod';
import { GripButton, useSortableList } from '~/components/crm/sortable';
import { DialogFrame, useDialogFetcher, type FieldErrors, type SettingsActionResult } from '~/components/crm/stages/fetcher-dialog';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { Field } from '~/components/ui/field';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { customFieldEntities, customFieldTypes, type CustomFieldEntity, type CustomFieldType } from '../../server/shared/crm';

const entityLabels: Record<CustomFieldEntity, { tab: string; plural: string }> = {
  lead: { tab: 'Leads', plural: 'leads' },
  contact: { tab: 'Contacts', plural: 'contacts' },
  account: { tab: 'Accounts', plural: 'accounts' },
};
const typeLabels: Record<CustomFieldType, string> = { text: 'Text', number: 'Number', date: 'Date', select: 'Select (list of options)' };

const entityFrom = (url: URL): CustomFieldEntity => {
  const entity = url.searchParams.get('entity');
  return (customFieldEntities as readonly string[]).includes(entity ?? '') ? (entity as CustomFieldEntity) : 'lead';
};

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('crm.custom_fields.manage')(args);
  const entity = entityFrom(new URL(args.request.url));
  const fields = await orThrowResponse(caller.crm.customFields.list({ entity }));
  return {
    entity,
    fields: fields.map((f) => ({ id: f.id, key: f.key, label: f.label, type: f.type, options: f.options, required: f.required })),
  };
}

/** One option per line; blank lines are ignored. */
const optionLines = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split('\n').map((line) => line.trim()).filter(Boolean));
const label = z.string().trim().min(1, 'Give the field a label.').max(80, 'At most 80 characters.');
const required = z.literal('on').optional();
const actionForm = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('create'),
    entity: z.enum(customFieldEntities),
    key: z.string().trim().min(1, 'Give the field a key.'),
    label,
    type: z.enum(customFieldTypes, 'Choose a type.'),
    options: optionLines,
    required,
  }),
  z.object({ intent: z.literal('update'), id: z.string().uuid(), type: z.enum(customFieldTypes), label, options: optionLines, required }),
  z.object({ intent: z.literal('delete'), id: z.string().uuid(), label: z.string().optional() }),
  z.object({ intent: z.literal('reorder'), entity: z.enum(customFieldEntities), fieldId: z.array(z.string().uuid()).min(1) }),
]);

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('crm.custom_fields.manage')(args);
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  const parsed = actionForm.safeParse({
    ...Object.fromEntries([...form.entries()].map(([k, v]) => [k, v === '' && k !== 'options' ? undefined : v])),
    ...(intent === 'reorder' ? { fieldId: form.getAll('fieldId') } : {}),
  });
  if (!parsed.success) {
    const fieldErrors = z.flattenError(parsed.error).fieldErrors as Record<string, string[]>;
    return data<SettingsActionResult>({ ok: false, intent, status: 400, message: 'Please correct the highlighted fields.', fieldErrors }, { status: 400, headers });
  }
  const input = parsed.data;
  const [result, message] =
    input.intent === 'create'
      ? [
          await formResult(
            caller.crm.customFields.create({
              entity: input.entity,
              key: input.key,
              label: input.label,
              type: input.type,
              options: input.type === 'select' ? input.options : undefined,
              required: input.required === 'on',
            }),
          ),
          `Field “${input.label}” added.`,
        ]
      : input.intent === 'update'
        ? [
            await formResult(
              caller.crm.customFields.update({
                id: input.id,
                label: input.label,
                options: input.type === 'select' ? input.options : undefined,
                required: input.required === 'on',
              }),
            ),
            `Field “${input.label}” saved.`,
          ]
        : input.intent === 'reorder'
          ? [await formResult(caller.crm.customFields.reorder({ entity: input.entity, fieldIds: input.fieldId })), 'New order saved.']
          : [await formResult(caller.crm.customFields.delete({ id: input.id })), `Field${input.label ? ` “${input.label}”` : ''} deleted.`];
  if (!result.ok) {
    return data<SettingsActionResult>({ ok: false, intent, status: result.status, message: result.message, fieldErrors: result.fieldErrors ?? {} }, { status: result.status, headers });
  }
  return data<SettingsActionResult>({ ok: true, intent, message }, { headers });
}

export default function CustomFieldSettings() {
  const { entity, fields } = useLoaderData<typeof loader>();
  const deleted = useActionData<typeof action>();
  const [notice, setNotice] = useState<string | null>(null);
  const names = entityLabels[entity];
  useEffect(() => setNotice(deleted?.ok ? deleted.message : null), [deleted]);
  const reorder = useFetcher<SettingsActionResult>();
  // the order on screen: the loader's, or the one just dropped while it saves
  const pendingOrder = reorder.formData?.getAll('fieldId').map(String);
  const ordered = pendingOrder ? pendingOrder.map((id) => fields.find((f) => f.id === id)).filter((f) => !!f) : fields;
  const reorderFailed = reorder.state === 'idle' && reorder.data && !reorder.data.ok ? reorder.data.message : null;
  useEffect(() => {
    if (reorder.state === 'idle' && reorder.data?.ok) setNotice(reorder.data.message);
  }, [reorder.state, reorder.data]);
  const onReorder = (ids: string[]) => {
    const form = new FormData();
    form.set('intent', 'reorder');
    form.set('entity', entity);
    for (const id of ids) form.append('fieldId', id);
    setNotice(null);
    reorder.submit(form, { method: 'post' });
  };
  const ids = ordered.map((f) => f.id);
  const sortable = useSortableList({ ids, nameOf: (id) => fields.find((f) => f.id === id)?.label ?? 'field', noun: 'field', onReorder });
  return (
    <div className="space-y-8">
      <nav aria-label="Record type" className="flex flex-wrap gap-2">
        {customFieldEntities.map((e) => (
          <Link
            key={e}
            to={`?entity=${e}`}
            aria-current={e === entity ? 'page' : undefined}
            className={`rounded-full px-3 py-1.5 text-sm font-medium ${e === entity ? 'bg-brand-600 text-white' : 'bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50'}`}
          >
            {entityLabels[e].tab}
          </Link>
        ))}
      </nav>
      {/* one live region that stays mounted, so each new notice is announced */}
      <div role="status" aria-live="polite" className={notice ? 'rounded-md border border-green-300 bg-green-50 px-4 py-3 text-sm text-green-900' : undefined}>
        {notice}
      </div>
      {deleted && !deleted.ok ? <Alert>{deleted.message}</Alert> : null}
      <section aria-labelledby="fields-heading" className="space-y-3">
        <div>
          <h2 id="fields-heading" className="text-lg font-semibold">
            Custom fields of {names.plural}
          </h2>
          <p className="text-sm text-slate-700">
            They show on every {entity} form and detail page, after the built-in fields, in this order. Drag a field by its grip, or focus the grip and use Space and the arrow
            keys.
          </p>
        </div>
        {reorderFailed ? <Alert>{reorderFailed}</Alert> : null}
        {fields.length === 0 ? (
          <EmptyState title={`No custom fields for ${names.plural} yet`}>Add one below.</EmptyState>
        ) : (
          <div
            className="overflow-x-auto rounded-lg border border-slate-200 bg-white"
            tabIndex={0}
            role="region"
            aria-label={`Custom fields of ${names.plural}`}
            aria-busy={reorder.state !== 'idle' || undefined}
          >
            <DndContext id="field-order-dnd" sensors={sortable.sensors} collisionDetection={closestCenter} accessibility={sortable.accessibility} onDragEnd={sortable.onDragEnd}>
            <table className="min-w-full text-sm" data-testid="custom-fields">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="w-12 px-2 py-3">
                    <span className="sr-only">Order</span>
                  </th>
                  <th className="px-4 py-3">Label</th>
                  <th className="px-4 py-3">Key</th>
                  <th className="px-4 py-3">Type</th>
                  <th className="px-4 py-3">Options</th>
                  <th className="px-4 py-3">Required</th>
                  <th className="px-4 py-3">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <SortableContext items={ids} strategy={verticalListSortingStrategy} disabled={reorder.state !== 'idle'}>
                <tbody className="divide-y divide-slate-100">
                  {ordered.map((f, index) => (
                    <FieldRow key={f.id} field={f} position={index + 1} entity={entity} onDone={setNotice} />
                  ))}
                </tbody>
              </SortableContext>
            </table>
            </DndContext>
          </div>
        )}
      </section>
      <AddFieldForm key={entity} entity={entity} onDone={setNotice} />
    </div>
  );
}

type FieldView = { id: string; key: string; label: string; type: CustomFieldType; options: string[]; required: boolean };

/** One field's row, dragged by its grip (pointer, or keyboard: Space, Up/Down, Space). */
function FieldRow({ field: f, position, entity, onDone }: { field: FieldView; position: number; entity: CustomFieldEntity; onDone: (message: string) => void }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: f.id, attributes: { roleDescription: 'sortable field' } });
  return (
    <tr
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={isDragging ? 'relative z-10 bg-brand-50 shadow-lg' : 'bg-white'}
      data-testid="custom-field-row"
      data-field-key={f.key}
    >
      <td className="px-2 py-3">
        <GripButton sortable={{ attributes, listeners, setActivatorNodeRef }} label={`Reorder ${f.label} (position ${position})`} />
      </td>
      <td className="px-4 py-3 font-medium">{f.label}</td>
      <td className="px-4 py-3">
        <code className="rounded bg-slate-100 px-1 py-0.5 text-xs">{f.key}</code>
      </td>
      <td className="px-4 py-3">{typeLabels[f.type].split(' ')[0]}</td>
      <td className="max-w-xs px-4 py-3 text-slate-700">{f.options.length ? f.options.join(', ') : '—'}</td>
      <td className="px-4 py-3">{f.required ? 'Yes' : 'No'}</td>
      <td className="whitespace-nowrap px-4 py-3 text-right">
        <EditFieldDialog field={f} onDone={onDone} />
        <ConfirmDialog
          trigger={
            <Button variant="ghost" className="min-h-9 px-3 py-1 text-red-800 hover:bg-red-50">
              Delete<span className="sr-only"> {f.label}</span>
            </Button>
          }
          title={`Delete the field “${f.label}”?`}
          description={`Its values are removed from every ${entity} that has one. This cannot be undone.`}
          confirmLabel="Delete field"
          intent="delete"
          hidden={{ id: f.id, label: f.label }}
        />
      </td>
    </tr>
  );
}

function AddFieldForm({ entity, onDone }: { entity: CustomFieldEntity; onDone: (message: string) => void }) {
  const fetcher = useFetcher<SettingsActionResult>();
  const [formKey, setFormKey] = useState(0);
  const [type, setType] = useState<CustomFieldType>('text');
  const [labelText, setLabelText] = useState('');
  const [key, setKey] = useState<string | null>(null); // null: follows the label
  const typeId = useId();
  useEffect(() => {
    if (fetcher.state !== 'idle' || !fetcher.data?.ok) return;
    onDone(fetcher.data.message);
    setFormKey((k) => k + 1);
    setType('text');
    setLabelText('');
    setKey(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fetcher.state, fetcher.data]);
  const failure = fetcher.state === 'idle' && fetcher.data && !fetcher.data.ok ? fetcher.data : null;
  const busy = fetcher.state !== 'idle';
  return (
    <section aria-labelledby="add-field-heading" className="max-w-lg space-y-3">
      <h2 id="add-field-heading" className="text-lg font-semibold">
        Add a field to {entityLabels[entity].plural}
      </h2>
      <fetcher.Form key={formKey} method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <input type="hidden" name="intent" value="create" />
        <input type="hidden" name="entity" value={entity} />
        {failure ? <Alert>{failure.message}</Alert> : null}
        <Field label="Label" name="label" required maxLength={80} autoComplete="off" value={labelText} onChange={(e) => setLabelText(e.target.value)} error={failure?.fieldErrors.label} />
        <Field
          label="Key"
          name="key"
          required
          maxLength={40}
          autoComplete="off"
          value={key ?? keyFromLabel(labelText)}
          onChange={(e) => setKey(e.target.value)}
          hint="Lower-case letters, digits and _, starting with a letter. Used in imports and the API; it cannot change later."
          error={failure?.fieldErrors.key}
        />
        <div className="space-y-1">
          <label htmlFor={typeId} className="block text-sm font-medium text-slate-800">
            Type
          </label>
          <select
            id={typeId}
            name="type"
            value={type}
            onChange={(e) => setType(e.target.value as CustomFieldType)}
            className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
          >
            {customFieldTypes.map((t) => (
              <option key={t} value={t}>
                {typeLabels[t]}
              </option>
            ))}
          </select>
        </div>
        {type === 'select' ? <OptionsInput errors={failure?.fieldErrors} /> : null}
        <RequiredInput entity={entity} />
        <Button type="submit" disabled={busy}>
          {busy ? 'Adding…' : 'Add field'}
        </Button>
      </fetcher.Form>
    </section>
  );
}

function EditFieldDialog({ field, onDone }: { field: FieldView; onDone: (message: string) => void }) {
  const { fetcher, open, onOpenChange, failure, busy } = useDialogFetcher(onDone);
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger asChild>
        <Button variant="secondary" className="mr-1 min-h-9 px-3 py-1">
          Edit<span className="sr-only"> {field.label}</span>
        </Button>
      </Dialog.Trigger>
      <DialogFrame title={`Edit the field “${field.label}”`} description={`Key ${field.key} and type ${field.type} stay as they are.`}>
        <fetcher.Form method="post" className="mt-4 space-y-4">
          <input type="hidden" name="intent" value="update" />
          <input type="hidden" name="id" value={field.id} />
          <input type="hidden" name="type" value={field.type} />
          {failure ? <Alert>{failure.message}</Alert> : null}
          <Field label="Label" name="label" required maxLength={80} defaultValue={field.label} autoComplete="off" error={failure?.fieldErrors.label} />
          {field.type === 'select' ? <OptionsInput errors={failure?.fieldErrors} defaultValue={field.options.join('\n')} /> : null}
          <RequiredInput defaultChecked={field.required} />
          <div className="flex justify-end gap-2">
            <Dialog.Close asChild>
              <Button type="button" variant="secondary">
                Cancel
              </Button>
            </Dialog.Close>
            <Button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save field'}
            </Button>
          </div>
        </fetcher.Form>
      </DialogFrame>
    </Dialog.Root>
  );
}

function OptionsInput({ errors, defaultValue }: { errors?: FieldErrors; defaultValue?: string }) {
  const id = useId();
  const messages = Object.entries(errors ?? {})
    .filter(([k]) => k === 'options' || k.startsWith('options.'))
    .flatMap(([, v]) => v ?? []);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        Options
      </label>
      <textarea
        id={id}
        name="options"
        rows={4}
        required
        defaultValue={defaultValue}
        aria-invalid={messages.length ? true : undefined}
        aria-describedby={`${id}-${messages.length ? 'error' : 'hint'}`}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm aria-[invalid]:border-red-600"
      />
      {messages.length ? (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {messages.join(' ')}
        </p>
      ) : (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          One option per line.
        </p>
      )}
    </div>
  );
}

function RequiredInput({ entity, defaultChecked }: { entity?: CustomFieldEntity; defaultChecked?: boolean }) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <input id={id} type="checkbox" name="required" defaultChecked={defaultChecked} className="h-4 w-4 rounded border-slate-400" />
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        Required{entity ? ` on every ${entity}` : ''}
      </label>
    </div>
  );
}

/** "Deal size (€)" → "deal_size": a key suggestion that passes the API's pattern. */
function keyFromLabel(text: string): string {
  const key = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 40);
  return key;
}

export const meta: MetaFunction = () => [{ title: 'Custom fields · Settings · CRM Hub' }];
