import { and, asc, eq, max, sql } from 'drizzle-orm';
import { accounts, contacts, customFieldDefinitions, leads } from '../../../db/schema';
import type { CustomFieldEntity, CustomFieldType, CustomValues } from '../../shared/crm';
import { diffFields, type Executor } from './context';
import { conflictError, fieldError, fieldErrors, notFoundError } from './errors';

/**
 * Custom fields: an admin defines them per tenant and entity; each record keeps its
 * values in its `custom` jsonb object, keyed by the definition's key, and every write
 * is checked here against the definitions (decision 005).
 */

export type CustomFieldDefinition = typeof customFieldDefinitions.$inferSelect;
export type CustomValuesPatch = Record<string, string | number | null>;

const definitionColumns = {
  id: customFieldDefinitions.id,
  entity: customFieldDefinitions.entity,
  key: customFieldDefinitions.key,
  label: customFieldDefinitions.label,
  type: customFieldDefinitions.type,
  options: customFieldDefinitions.options,
  required: customFieldDefinitions.required,
  position: customFieldDefinitions.position,
};
export type CustomFieldView = Pick<CustomFieldDefinition, keyof typeof definitionColumns>;

export async function listCustomFields(db: Executor, organizationId: string, entity?: CustomFieldEntity): Promise<CustomFieldView[]> {
  return db
    .select(definitionColumns)
    .from(customFieldDefinitions)
    .where(and(eq(customFieldDefinitions.organizationId, organizationId), entity ? eq(customFieldDefinitions.entity, entity) : undefined))
    .orderBy(asc(customFieldDefinitions.entity), asc(customFieldDefinitions.position), asc(customFieldDefinitions.createdAt));
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** One value against its definition: the stored form, or an error message. */
export function coerceCustomValue(def: Pick<CustomFieldView, 'type' | 'options'>, raw: string | number): { ok: true; value: string | number } | { ok: false; message: string } {
  switch (def.type as CustomFieldType) {
    case 'text': {
      const value = String(raw).trim();
      return value.length > 2000 ? { ok: false, message: 'At most 2000 characters.' } : { ok: true, value };
    }
    case 'number': {
      const value = typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw.trim().replace(/\s/g, ''));
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, message: 'Must be a number.' };
    }
    case 'date': {
      const value = String(raw).trim();
      const parsed = new Date(`${value}T00:00:00Z`);
      const real = isoDate.test(value) && !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
      return real ? { ok: true, value } : { ok: false, message: 'Must be a date (YYYY-MM-DD).' };
    }
    case 'select': {
      const value = String(raw).trim();
      return def.options.includes(value) ? { ok: true, value } : { ok: false, message: `Must be one of: ${def.options.join(', ')}.` };
    }
  }
}

export type CustomCheck = { ok: true; values: CustomValues } | { ok: false; errors: Record<string, string[]> };

/**
 * Applies a patch of custom values (null or '' removes a value) onto a record's
 * current values. Unknown keys and invalid values are errors keyed `custom.<key>`;
 * a required field must end up with a value. Values already stored and not touched
 * by the patch are kept as they are.
 */
export function checkCustomValues(definitions: CustomFieldView[], patch: CustomValuesPatch | undefined, current: CustomValues | null): CustomCheck {
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const values: CustomValues = { ...(current ?? {}) };
  const errors: Record<string, string[]> = {};
  for (const [key, raw] of Object.entries(patch ?? {})) {
    const def = byKey.get(key);
    if (!def) {
      errors[`custom.${key}`] = ['No such custom field.'];
      continue;
    }
    if (raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      delete values[key];
      continue;
    }
    const result = coerceCustomValue(def, raw);
    if (result.ok) values[key] = result.value;
    else errors[`custom.${key}`] = [result.message];
  }
  for (const def of definitions) {
    if (def.required && values[def.key] === undefined && !errors[`custom.${def.key}`]) errors[`custom.${def.key}`] = [`${def.label} is required.`];
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values };
}

/** checkCustomValues against the tenant's definitions for the entity; throws field errors. */
export async function applyCustomValues(
  db: Executor,
  organizationId: string,
  entity: CustomFieldEntity,
  patch: CustomValuesPatch | undefined,
  current: CustomValues | null,
): Promise<CustomValues> {
  const definitions = await listCustomFields(db, organizationId, entity);
  const result = checkCustomValues(definitions, patch, current);
  if (!result.ok) throw fieldErrors(result.errors);
  return result.values;
}

export interface CustomFieldInput {
  entity: CustomFieldEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  options?: string[];
  required?: boolean;
}

function checkOptions(type: CustomFieldType, options: string[] | undefined) {
  if (type === 'select' && (!options || options.length === 0)) throw fieldError('options', 'A select field needs at least one option.');
  if (type !== 'select' && options && options.length > 0) throw fieldError('options', 'Only select fields have options.');
  if (options && new Set(options).size !== options.length) throw fieldError('options', 'Options must be distinct.');
}

export async function createCustomField(db: Executor, organizationId: string, input: CustomFieldInput): Promise<CustomFieldView> {
  checkOptions(input.type, input.options);
  const [taken] = await db
    .select({ id: customFieldDefinitions.id })
    .from(customFieldDefinitions)
    .where(and(eq(customFieldDefinitions.organizationId, organizationId), eq(customFieldDefinitions.entity, input.entity), eq(customFieldDefinitions.key, input.key)));
  if (taken) throw fieldError('key', 'A field with that key exists.');
  const [last] = await db
    .select({ position: max(customFieldDefinitions.position) })
    .from(customFieldDefinitions)
    .where(and(eq(customFieldDefinitions.organizationId, organizationId), eq(customFieldDefinitions.entity, input.entity)));
  const [row] = await db
    .insert(customFieldDefinitions)
    .values({ ...input, options: input.options ?? [], organizationId, position: (last?.position ?? -1) + 1 })
    .returning(definitionColumns);
  return row!;
}

async function requireCustomField(db: Executor, organizationId: string, id: string) {
  const [row] = await db
    .select(definitionColumns)
    .from(customFieldDefinitions)
    .where(and(eq(customFieldDefinitions.organizationId, organizationId), eq(customFieldDefinitions.id, id)));
  if (!row) throw notFoundError('Custom field');
  return row;
}

/** Label, options, required flag and position may change; key, entity and type are fixed. */
export async function updateCustomField(
  db: Executor,
  organizationId: string,
  id: string,
  patch: { label?: string; options?: string[]; required?: boolean; position?: number },
) {
  const before = await requireCustomField(db, organizationId, id);
  if (patch.options !== undefined) checkOptions(before.type, patch.options);
  const [after] = await db
    .update(customFieldDefinitions)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(customFieldDefinitions.organizationId, organizationId), eq(customFieldDefinitions.id, id)))
    .returning(definitionColumns);
  return { field: after!, changes: diffFields(before, after!, ['label', 'options', 'required', 'position']) };
}

/**
 * Sets the order of one entity's fields (forms and detail pages show them in it): the
 * list must name each of the entity's fields exactly once. One transaction.
 */
export async function reorderCustomFields(db: Executor, organizationId: string, entity: CustomFieldEntity, fieldIds: string[]) {
  return db.transaction(async (tx) => {
    const current = await tx
      .select({ id: customFieldDefinitions.id, label: customFieldDefinitions.label, position: customFieldDefinitions.position })
      .from(customFieldDefinitions)
      .where(and(eq(customFieldDefinitions.organizationId, organizationId), eq(customFieldDefinitions.entity, entity)))
      .orderBy(asc(customFieldDefinitions.position), asc(customFieldDefinitions.createdAt))
      .for('update');
    const known = new Set(current.map((f) => f.id));
    if (fieldIds.some((id) => !known.has(id))) throw notFoundError('Custom field');
    if (new Set(fieldIds).size !== fieldIds.length || fieldIds.length !== known.size) throw fieldError('fieldIds', 'List every field exactly once.');
    for (const [position, id] of fieldIds.entries()) {
      if (current.find((f) => f.id === id)?.position === position) continue;
      await tx
        .update(customFieldDefinitions)
        .set({ position, updatedAt: new Date() })
        .where(and(eq(customFieldDefinitions.organizationId, organizationId), eq(customFieldDefinitions.id, id)));
    }
    return { before: current.map((f) => f.label), fields: await listCustomFields(tx, organizationId, entity) };
  });
}

const entityTables = { lead: leads, contact: contacts, account: accounts } as const;

/**
 * Deletes a definition and strips its values from every record of the entity, in one
 * transaction, so a later field with the same key never meets stale values.
 */
export async function deleteCustomField(db: Executor, organizationId: string, id: string) {
  return db.transaction(async (tx) => {
    const field = await requireCustomField(tx, organizationId, id);
    const table = entityTables[field.entity];
    const stripped = await tx
      .update(table)
      .set({ custom: sql`${table.custom} - ${field.key}::text` })
      .where(and(eq(table.organizationId, organizationId), sql`${table.custom} ? ${field.key}::text`))
      .returning({ id: table.id });
    const deleted = await tx
      .delete(customFieldDefinitions)
      .where(and(eq(customFieldDefinitions.organizationId, organizationId), eq(customFieldDefinitions.id, id)))
      .returning({ id: customFieldDefinitions.id });
    if (deleted.length === 0) throw conflictError('The field changed meanwhile; try again.');
    return { field, strippedRecords: stripped.length };
  });
}
