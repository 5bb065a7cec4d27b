import type { CrmEntity, PullCursor, RemoteField, RemoteFields, RemoteRecord } from '../types';

/**
 * Pure helpers: SOQL literals, Salesforce ↔ ISO timestamps, describe → RemoteField,
 * query rows → RemoteRecord, website → domain.
 */

export const SOBJECT: Record<CrmEntity, 'Account' | 'Contact'> = { account: 'Account', contact: 'Contact' };

/** Key prefixes of the two standard objects; the same in every org. */
export const KEY_PREFIX: Record<CrmEntity, string> = { account: '001', contact: '003' };

/** Query rows per REST page (the default and maximum `batchSize`) and so our pull page cap. */
export const MAX_QUERY_PAGE = 2000;
/** sObject Collections: records per create/update/upsert/delete call. */
export const COLLECTION_BATCH = 200;

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/;
const SF_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

export const isSalesforceId = (id: string) => SF_ID.test(id);

/** Refuses anything that is not an API name (or a parent path such as Account.Name): no SOQL injection through field lists. */
export function assertFieldName(name: string): string {
  if (!FIELD_NAME.test(name)) throw new Error(`not a Salesforce field API name: ${JSON.stringify(name)}`);
  return name;
}

/** A SOQL string literal. */
export const soqlString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A SOQL LIKE pattern literal matching `value` anywhere. */
export const soqlContains = (value: string) => `'%${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/%/g, '\\%').replace(/_/g, '\\_')}%'`;

/**
 * A SOQL dateTime literal (unquoted, UTC). SOQL documents `YYYY-MM-DDThh:mm:ssZ` without a
 * fraction, and a real org's SystemModstamp has whole seconds, so milliseconds are written
 * only when there are some (the sandbox stamps with milliseconds and accepts `.sssZ`).
 */
export function soqlDateTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`not an ISO timestamp: ${JSON.stringify(iso)}`);
  const text = new Date(ms).toISOString();
  return ms % 1000 === 0 ? text.replace('.000Z', 'Z') : text;
}

/** Exactly how REST renders a dateTime field; text fields are left alone. */
const SF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

/** Salesforce's `2026-01-02T03:04:05.678+0000` → `2026-01-02T03:04:05.678Z`. */
export function toIso(value: string): string {
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!Number.isFinite(ms)) throw new Error(`unreadable Salesforce timestamp: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/** The WHERE of a keyset page strictly after `cursor` in (SystemModstamp, Id) order; null from the start. */
export function cursorCondition(cursor: PullCursor | null): string | null {
  if (!cursor?.modifiedAt) return null;
  const at = soqlDateTime(cursor.modifiedAt);
  if (!cursor.id) return `SystemModstamp >= ${at}`;
  if (!isSalesforceId(cursor.id)) throw new Error(`not a Salesforce id in the cursor: ${JSON.stringify(cursor.id)}`);
  return `(SystemModstamp > ${at} OR (SystemModstamp = ${at} AND Id > ${soqlString(cursor.id)}))`;
}

/** Select list: Id, SystemModstamp, AccountId for contacts, then the asked fields, each once (case-insensitive). */
export function selectList(entity: CrmEntity, fields: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    const key = assertFieldName(name).toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(name);
  };
  add('Id');
  add('SystemModstamp');
  if (entity === 'contact') add('AccountId');
  for (const f of fields) add(f);
  return out;
}

function valueAt(row: Record<string, unknown>, path: string): unknown {
  let current: unknown = row;
  for (const part of path.split('.')) {
    if (!current || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function fieldValue(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return SF_DATETIME.test(value) ? toIso(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  // compound fields (addresses, geolocations) arrive as objects: keep them readable
  return JSON.stringify(value);
}

/** A query row → RemoteRecord: the asked fields only (datetimes as ISO UTC), accountId for contacts. */
export function toRemoteRecord(entity: CrmEntity, row: Record<string, unknown>, fields: string[]): RemoteRecord {
  const id = row.Id;
  const stamp = row.SystemModstamp;
  if (typeof id !== 'string' || typeof stamp !== 'string') throw new Error('query row without Id or SystemModstamp');
  const out: RemoteFields = {};
  for (const f of fields) out[f] = fieldValue(valueAt(row, f));
  const record: RemoteRecord = { id, modifiedAt: toIso(stamp), fields: out };
  if (entity === 'contact') record.accountId = typeof row.AccountId === 'string' ? row.AccountId : null;
  return record;
}

const APP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An external id value that is one of our app record ids (a dedupe-key upsert stores an e-mail/domain there instead). */
export const appIdOf = (value: unknown): string | null => (typeof value === 'string' && APP_ID.test(value) ? value.toLowerCase() : null);

/** What describe says about one field (the subset jsforce types and we read). */
export interface DescribeFieldLike {
  name: string;
  label: string;
  type: string;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  custom: boolean;
  picklistValues?: { active: boolean; value: string; label?: string | null }[] | null;
}

const TYPE_MAP: Record<string, RemoteField['type']> = {
  id: 'id',
  reference: 'reference',
  string: 'string',
  encryptedstring: 'string',
  combobox: 'string',
  textarea: 'textarea',
  email: 'email',
  phone: 'phone',
  url: 'url',
  picklist: 'enum',
  multipicklist: 'enum',
  boolean: 'boolean',
  double: 'number',
  int: 'number',
  long: 'number',
  currency: 'number',
  percent: 'number',
  date: 'date',
  datetime: 'datetime',
};

export function toRemoteField(f: DescribeFieldLike): RemoteField {
  const field: RemoteField = {
    name: f.name,
    label: f.label,
    type: TYPE_MAP[f.type] ?? 'string',
    // what a create must carry: not nillable, settable, and no default from the server
    required: !f.nillable && f.createable && !f.defaultedOnCreate,
    updateable: f.updateable,
    custom: f.custom,
  };
  if (f.type === 'picklist' || f.type === 'multipicklist') {
    field.options = (f.picklistValues ?? []).filter((v) => v.active).map((v) => ({ value: v.value, label: v.label ?? v.value }));
  }
  return field;
}

/** `https://www.Acme.com/about` → `acme.com`; null when there is no host. */
export function domainOf(website: string | null | undefined): string | null {
  if (!website) return null;
  let s = website.trim().toLowerCase();
  if (!s) return null;
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  s = s.replace(/^[^@/]*@/, '');
  s = s.split(/[/?#]/)[0]!.replace(/:\d+$/, '').replace(/\.$/, '');
  s = s.replace(/^www\d*\./, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s) ? s : null;
}

export const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
