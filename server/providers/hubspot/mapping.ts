import type { CrmEntity, RemoteField, RemoteRecord } from '../types';

/**
 * HubSpot names and shapes: entity ↔ object type, the modification stamp, record
 * and property mapping.
 *
 * - account = company, contact = contact.
 * - The modification stamp is `hs_lastmodifieddate` for both (contacts also have
 *   `lastmodifieddate`; we use the object-level one everywhere, for search and reads).
 * - A contact's account is its *primary* company, read from `associatedcompanyid`
 *   (HubSpot keeps it in step with the Primary association label), so pulls need no
 *   extra association calls. Writes set it through the v4 associations API.
 * - Dedupe keys: contacts by lower-cased `email`; accounts by lower-cased `domain`
 *   (HubSpot's "Company Domain Name").
 * - Values come back as HubSpot sends them: strings (numbers, booleans, dates
 *   included) or null. Record ids are numeric strings and compare as numbers.
 */

export type ObjectType = 'contacts' | 'companies';

export const OBJECT_TYPE: Record<CrmEntity, ObjectType> = { contact: 'contacts', account: 'companies' };
export const STAMP = 'hs_lastmodifieddate';
export const DEDUPE_PROPERTY: Record<CrmEntity, 'email' | 'domain'> = { contact: 'email', account: 'domain' };
export const PRIMARY_COMPANY = 'associatedcompanyid';
/** Our unique custom property: the app record id, stamped on every record we create without a dedupe key (an upsert by it cannot create twice). */
export const APP_ID_PROPERTY = 'crmhub_id';

/** HUBSPOT_DEFINED association type ids, contact → company. */
export const CONTACT_TO_COMPANY = { primary: 1, unlabeled: 279 } as const;

export interface HsObject {
  id: string;
  properties: Record<string, string | null | undefined>;
  updatedAt?: Date;
  archivedAt?: Date;
}

/** Epoch ms of a HubSpot datetime value (ISO string or epoch-ms string). */
export function parseStamp(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export const compareIds = (a: string, b: string): number => {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
};

export function stampOf(object: HsObject): number {
  return parseStamp(object.properties[STAMP]) ?? parseStamp(object.properties.lastmodifieddate) ?? object.updatedAt?.getTime() ?? 0;
}

/** The properties to request: the caller's fields plus what the mapping needs. */
export function propertiesFor(entity: CrmEntity, fields: string[], extra: string[] = []): string[] {
  const names = new Set([...fields, ...extra, STAMP, APP_ID_PROPERTY]);
  if (entity === 'contact') names.add(PRIMARY_COMPANY);
  return [...names];
}

export function toRemoteRecord(entity: CrmEntity, object: HsObject, fields: string[]): RemoteRecord {
  const record: RemoteRecord = {
    id: object.id,
    modifiedAt: new Date(stampOf(object)).toISOString(),
    fields: Object.fromEntries(fields.map((name) => [name, object.properties[name] ?? null])),
  };
  if (entity === 'contact') record.accountId = object.properties[PRIMARY_COMPANY] || null;
  const appId = object.properties[APP_ID_PROPERTY];
  if (appId) record.appId = appId;
  return record;
}

/** Sorts by (stamp, numeric id), the order pulls promise. */
export const byStampAndId = (a: HsObject, b: HsObject) => stampOf(a) - stampOf(b) || compareIds(a.id, b.id);

/** Normalised dedupe key: e-mail or domain, trimmed and lower-cased. */
export const dedupeKey = (value: string) => value.trim().toLowerCase();

/** Property values as HubSpot takes them: strings; '' clears a value. */
export function toHubSpotProperties(fields: Record<string, string | number | boolean | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) out[name] = value === null ? '' : String(value);
  return out;
}

export interface HsProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  hubspotDefined?: boolean;
  calculated?: boolean;
  referencedObjectType?: string;
  hasUniqueValue?: boolean;
  modificationMetadata?: { readOnlyValue?: boolean };
  options?: { label: string; value: string; hidden?: boolean }[];
}

function fieldType(p: HsProperty): RemoteField['type'] {
  if (p.name === 'hs_object_id') return 'id';
  if (p.name === PRIMARY_COMPANY || p.referencedObjectType) return 'reference';
  if (p.name === 'email' || p.fieldType === 'email') return 'email';
  if (p.fieldType === 'phonenumber') return 'phone';
  if (p.name === 'domain' || p.name === 'website') return 'url';
  switch (p.type) {
    case 'number':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'enumeration':
      return p.fieldType === 'booleancheckbox' ? 'boolean' : 'enum';
    default:
      return p.fieldType === 'textarea' ? 'textarea' : 'string';
  }
}

/** A HubSpot property as a RemoteField. HubSpot has no API-required properties, so `required` is false. */
export function toRemoteField(p: HsProperty): RemoteField {
  const type = fieldType(p);
  const field: RemoteField = {
    name: p.name,
    label: p.label,
    type,
    required: false,
    updateable: !(p.modificationMetadata?.readOnlyValue ?? false) && !p.calculated && type !== 'id',
    custom: p.hubspotDefined !== true, // HubSpot omits the flag on custom properties
  };
  if (type === 'enum') field.options = (p.options ?? []).filter((o) => !o.hidden).map((o) => ({ value: o.value, label: o.label }));
  return field;
}
