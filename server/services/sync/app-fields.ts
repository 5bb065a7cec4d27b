import type { CountryCode } from 'libphonenumber-js/max';
import { accounts, contacts } from '../../../db/schema';
import type { SyncEntity } from '../../shared/sync';
import { normalizeDomain } from '../crm/accounts';
import type { Executor } from '../crm/context';
import { coerceCustomValue, listCustomFields, type CustomFieldView } from '../crm/custom-fields';
import { normalizePhone } from '../crm/phone';
import { canonical } from './transforms';

/**
 * The app side of a mapping: which fields an account or contact offers (columns and
 * `custom.<key>`), how a row's field reads in mapped-field space, and how values coming
 * from the CRM become a column update (normalised as the CRM services store them:
 * phones E.164, domains bare, custom values checked against their definitions).
 */

export type AppFieldType = 'text' | 'textarea' | 'email' | 'phone' | 'url' | 'number' | 'date' | 'select';

export interface AppField {
  name: string;
  label: string;
  type: AppFieldType;
  required: boolean;
  custom: boolean;
  options?: string[];
}

export type AccountRow = typeof accounts.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
export type AppRow = AccountRow | ContactRow;

const builtIn: Record<SyncEntity, AppField[]> = {
  account: [
    { name: 'name', label: 'Name', type: 'text', required: true, custom: false },
    { name: 'domain', label: 'Domain', type: 'url', required: false, custom: false },
    { name: 'industry', label: 'Industry', type: 'text', required: false, custom: false },
    { name: 'phone', label: 'Phone', type: 'phone', required: false, custom: false },
    { name: 'address', label: 'Address', type: 'textarea', required: false, custom: false },
    { name: 'taxId', label: 'Tax ID', type: 'text', required: false, custom: false },
    { name: 'notes', label: 'Notes', type: 'textarea', required: false, custom: false },
  ],
  contact: [
    { name: 'firstName', label: 'First name', type: 'text', required: false, custom: false },
    { name: 'lastName', label: 'Last name', type: 'text', required: false, custom: false },
    { name: 'email', label: 'E-mail', type: 'email', required: false, custom: false },
    { name: 'phone', label: 'Phone', type: 'phone', required: false, custom: false },
    { name: 'position', label: 'Position', type: 'text', required: false, custom: false },
  ],
};

const customType: Record<string, AppFieldType> = { text: 'text', number: 'number', date: 'date', select: 'select' };

export async function listAppFields(db: Executor, organizationId: string, entity: SyncEntity): Promise<AppField[]> {
  const custom = await listCustomFields(db, organizationId, entity);
  return [
    ...builtIn[entity],
    ...custom.map((d) => ({ name: `custom.${d.key}`, label: d.label, type: customType[d.type] ?? 'text', required: false, custom: true, options: d.type === 'select' ? d.options : undefined })),
  ];
}

export const builtInFields = (entity: SyncEntity) => builtIn[entity];

/** A row's field in mapped-field space. */
export function readAppField(row: AppRow, appField: string): string | null {
  if (appField.startsWith('custom.')) return canonical(row.custom[appField.slice(7)]);
  return canonical((row as unknown as Record<string, unknown>)[appField]);
}

/** Columns that are NOT NULL in the app (an empty CRM value writes ''). */
const notNullText = new Set(['firstName', 'lastName', 'name']);

export interface AppWrite {
  columns: Record<string, string | null>;
  /** Custom values to set (null removes the key). */
  custom: Record<string, string | number | null>;
}

export interface AppWriteContext {
  country: CountryCode;
  customFields: Map<string, CustomFieldView>;
}

/**
 * App-space values (by app field) → a column update. A value the app cannot hold (an
 * unknown custom key, a number that is not one, an option not on the list) is refused
 * with a message; the record then fails alone.
 */
export function buildAppWrite(values: Record<string, string | null>, ctx: AppWriteContext): { ok: true; write: AppWrite } | { ok: false; message: string } {
  const write: AppWrite = { columns: {}, custom: {} };
  for (const [field, value] of Object.entries(values)) {
    if (field.startsWith('custom.')) {
      const key = field.slice(7);
      const def = ctx.customFields.get(key);
      if (!def) return { ok: false, message: `Unknown custom field "${key}".` };
      if (value === null || value.trim() === '') {
        write.custom[key] = null;
        continue;
      }
      const coerced = coerceCustomValue(def, value);
      if (!coerced.ok) return { ok: false, message: `${def.label}: ${coerced.message}` };
      write.custom[key] = coerced.value;
      continue;
    }
    if (field === 'phone') {
      const phone = normalizePhone(value, ctx.country);
      write.columns.phone = phone.ok ? phone.value : null;
    } else if (field === 'domain') {
      write.columns.domain = normalizeDomain(value) ?? null;
    } else if (field === 'email') {
      write.columns.email = value?.trim() || null;
    } else {
      write.columns[field] = notNullText.has(field) ? (value?.trim() ?? '') : value;
    }
  }
  return { ok: true, write };
}

/** Applies a write to a row's custom object (for updates; inserts start from {}). */
export function mergeCustom(current: Record<string, string | number>, patch: AppWrite['custom']): Record<string, string | number> {
  const next = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}

/**
 * "ACME, Inc." → "acmeinc": the normalised name accounts are matched by when they have no
 * domain. Only ASCII spaces and punctuation are removed, exactly as the SQL twin in
 * app-records.ts does, so both agree whatever the database's locale.
 */
export function normalizedName(name: string | null | undefined): string | null {
  const text = (name ?? '').toLowerCase().replace(/[\s!-/:-@[-`{-~]+/g, '');
  return text || null;
}
