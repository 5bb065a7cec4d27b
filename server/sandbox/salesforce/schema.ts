import { z } from 'zod';
import { KEY_PREFIX, keyPrefixOf, normalizeId } from './ids';

/**
 * The sObjects the sandbox serves (Account, Contact, Lead) with the field metadata that
 * drives describe, SOQL type checks and write validation. Standard fields keep their
 * real API names; Region__c, Tier__c and External_Id__c are the org's custom fields.
 */

export type FieldType = 'id' | 'reference' | 'string' | 'textarea' | 'email' | 'phone' | 'url' | 'picklist' | 'boolean' | 'double' | 'int' | 'currency' | 'datetime';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  custom: boolean;
  externalId: boolean;
  unique: boolean;
  calculated: boolean;
  nameField: boolean;
  defaultedOnCreate: boolean;
  defaultValue: string | null;
  picklist: { values: string[]; restricted: boolean } | null;
  referenceTo: string[];
  relationshipName: string | null;
  precision: number;
  scale: number;
}

export type ObjectName = 'Account' | 'Contact' | 'Lead';
export const OBJECT_NAMES: ObjectName[] = ['Account', 'Contact', 'Lead'];

export interface ObjectDef {
  name: ObjectName;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  /** Lower-cased API name → field. */
  byName: Map<string, FieldDef>;
  /** Lower-cased relationship name → reference field (e.g. "account" → AccountId). */
  relationships: Map<string, FieldDef>;
  /** Fields a create must set (not nillable, createable, no default). */
  required: string[];
  childRelationships: { childSObject: ObjectName; field: string; relationshipName: string; cascadeDelete: boolean }[];
}

type FieldInput = Partial<FieldDef> & { name: string; type: FieldType };

function field(input: FieldInput): FieldDef {
  const readOnly = input.type === 'id' || input.calculated === true;
  return {
    label: input.name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'),
    length: { string: 255, textarea: 32000, email: 80, phone: 40, url: 255, picklist: 255, id: 18, reference: 18 }[input.type as string] ?? 0,
    nillable: true,
    createable: !readOnly,
    updateable: !readOnly,
    custom: input.name.endsWith('__c'),
    externalId: false,
    unique: false,
    calculated: false,
    nameField: false,
    defaultedOnCreate: false,
    defaultValue: null,
    picklist: null,
    referenceTo: [],
    relationshipName: null,
    precision: 0,
    scale: 0,
    ...input,
  };
}

const readOnlyDate = (name: string, label: string) => field({ name, label, type: 'datetime', nillable: false, createable: false, updateable: false, defaultedOnCreate: true });
const audit = (name: string, label: string, relationshipName: string) =>
  field({ name, label, type: 'reference', referenceTo: ['User'], relationshipName, nillable: false, createable: false, updateable: false, defaultedOnCreate: true });

const commonHead = () => [
  field({ name: 'Id', label: 'Record ID', type: 'id', nillable: false, defaultedOnCreate: true }),
  field({ name: 'IsDeleted', label: 'Deleted', type: 'boolean', nillable: false, createable: false, updateable: false, defaultedOnCreate: true, defaultValue: 'false' }),
];
const commonTail = () => [
  field({ name: 'OwnerId', label: 'Owner ID', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', nillable: false, defaultedOnCreate: true }),
  readOnlyDate('CreatedDate', 'Created Date'),
  audit('CreatedById', 'Created By ID', 'CreatedBy'),
  readOnlyDate('LastModifiedDate', 'Last Modified Date'),
  audit('LastModifiedById', 'Last Modified By ID', 'LastModifiedBy'),
  readOnlyDate('SystemModstamp', 'System Modstamp'),
  field({ name: 'Region__c', label: 'Region', type: 'picklist', picklist: { values: ['AMER', 'EMEA', 'APAC'], restricted: true } }),
  field({ name: 'Tier__c', label: 'Tier', type: 'picklist', picklist: { values: ['Gold', 'Silver', 'Bronze'], restricted: true } }),
  field({ name: 'External_Id__c', label: 'External Id', type: 'string', length: 80, externalId: true, unique: true }),
];

export const INDUSTRIES = ['Software', 'Manufacturing', 'Retail', 'Finance', 'Healthcare', 'Logistics', 'Education', 'Energy', 'Media', 'Real Estate'];
export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
export const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];
export const ACCOUNT_TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'];

const definitions: Record<ObjectName, { label: string; labelPlural: string; fields: FieldDef[] }> = {
  Account: {
    label: 'Account',
    labelPlural: 'Accounts',
    fields: [
      ...commonHead(),
      field({ name: 'Name', label: 'Account Name', type: 'string', nillable: false, nameField: true }),
      field({ name: 'Type', label: 'Account Type', type: 'picklist', picklist: { values: ACCOUNT_TYPES, restricted: false } }),
      field({ name: 'Industry', type: 'picklist', picklist: { values: INDUSTRIES, restricted: false } }),
      field({ name: 'Phone', label: 'Account Phone', type: 'phone' }),
      field({ name: 'Website', type: 'url' }),
      field({ name: 'BillingCity', label: 'Billing City', type: 'string', length: 40 }),
      field({ name: 'BillingCountry', label: 'Billing Country', type: 'string', length: 80 }),
      field({ name: 'NumberOfEmployees', label: 'Employees', type: 'int', precision: 8 }),
      field({ name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0 }),
      field({ name: 'Description', label: 'Account Description', type: 'textarea' }),
      ...commonTail(),
    ],
  },
  Contact: {
    label: 'Contact',
    labelPlural: 'Contacts',
    fields: [
      ...commonHead(),
      field({ name: 'AccountId', label: 'Account ID', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' }),
      field({ name: 'FirstName', label: 'First Name', type: 'string', length: 40 }),
      field({ name: 'LastName', label: 'Last Name', type: 'string', length: 80, nillable: false }),
      field({ name: 'Name', label: 'Full Name', type: 'string', length: 121, calculated: true, nillable: false, nameField: true }),
      field({ name: 'Email', type: 'email' }),
      field({ name: 'Phone', label: 'Business Phone', type: 'phone' }),
      field({ name: 'MobilePhone', label: 'Mobile Phone', type: 'phone' }),
      field({ name: 'Title', type: 'string', length: 128 }),
      field({ name: 'MailingCity', label: 'Mailing City', type: 'string', length: 40 }),
      field({ name: 'MailingCountry', label: 'Mailing Country', type: 'string', length: 80 }),
      field({ name: 'LeadSource', label: 'Lead Source', type: 'picklist', picklist: { values: LEAD_SOURCES, restricted: false } }),
      ...commonTail(),
    ],
  },
  Lead: {
    label: 'Lead',
    labelPlural: 'Leads',
    fields: [
      ...commonHead(),
      field({ name: 'FirstName', label: 'First Name', type: 'string', length: 40 }),
      field({ name: 'LastName', label: 'Last Name', type: 'string', length: 80, nillable: false }),
      field({ name: 'Name', label: 'Full Name', type: 'string', length: 121, calculated: true, nillable: false, nameField: true }),
      field({ name: 'Company', type: 'string', nillable: false }),
      field({ name: 'Email', type: 'email' }),
      field({ name: 'Phone', type: 'phone' }),
      field({ name: 'Title', type: 'string', length: 128 }),
      field({ name: 'City', type: 'string', length: 40 }),
      field({ name: 'Country', type: 'string', length: 80 }),
      field({ name: 'Industry', type: 'picklist', picklist: { values: INDUSTRIES, restricted: false } }),
      field({ name: 'LeadSource', label: 'Lead Source', type: 'picklist', picklist: { values: LEAD_SOURCES, restricted: false } }),
      field({
        name: 'Status',
        label: 'Lead Status',
        type: 'picklist',
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: LEAD_STATUSES[0]!,
        picklist: { values: LEAD_STATUSES, restricted: true },
      }),
      field({ name: 'IsConverted', label: 'Converted', type: 'boolean', nillable: false, createable: false, updateable: false, defaultedOnCreate: true, defaultValue: 'false' }),
      ...commonTail(),
    ],
  },
};

function build(name: ObjectName): ObjectDef {
  const def = definitions[name];
  const byName = new Map(def.fields.map((f) => [f.name.toLowerCase(), f]));
  const relationships = new Map(def.fields.filter((f) => f.relationshipName).map((f) => [f.relationshipName!.toLowerCase(), f]));
  return {
    name,
    label: def.label,
    labelPlural: def.labelPlural,
    keyPrefix: KEY_PREFIX[name],
    fields: def.fields,
    byName,
    relationships,
    required: def.fields.filter((f) => !f.nillable && f.createable && !f.defaultedOnCreate).map((f) => f.name),
    childRelationships: name === 'Account' ? [{ childSObject: 'Contact', field: 'AccountId', relationshipName: 'Contacts', cascadeDelete: true }] : [],
  };
}

export const OBJECTS: Record<ObjectName, ObjectDef> = { Account: build('Account'), Contact: build('Contact'), Lead: build('Lead') };

/** Case-insensitive sObject name lookup, as the REST URLs and SOQL allow. */
export function objectDef(name: string): ObjectDef | null {
  const hit = OBJECT_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
  return hit ? OBJECTS[hit] : null;
}

export function objectOfId(id: string): ObjectName | null {
  const prefix = keyPrefixOf(id);
  return OBJECT_NAMES.find((n) => OBJECTS[n].keyPrefix === prefix) ?? null;
}

/** A per-record error in the shape save results use (`statusCode`, not `errorCode`). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

const saveError = (statusCode: string, message: string, fields: string[] = []): SaveError => ({ statusCode, message, fields });

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** One zod schema per field type: the value as it arrives in JSON or in a Bulk CSV cell. */
const valueSchemas = {
  text: z.union([z.string(), z.number(), z.boolean()]).transform(String),
  email: z.union([z.email(), z.literal('')]),
  boolean: z.union([z.boolean(), z.enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False']).transform((v) => v.toLowerCase() === 'true')]),
  number: z.union([z.number(), z.string().trim().regex(/^[-+]?\d+(\.\d+)?$/).transform(Number)]).pipe(z.number().finite()),
  int: z.union([z.number(), z.string().trim().regex(/^[-+]?\d+$/).transform(Number)]).pipe(z.number().int()),
  datetime: z.string().regex(isoDateTime).transform((v) => Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))).pipe(z.number().finite()),
  id: z.string(),
};

/**
 * Validates and converts one incoming field value. `null` clears the field. Reference
 * targets are checked by the store (it knows which records exist).
 */
export function coerceValue(def: FieldDef, raw: unknown): { ok: true; value: unknown } | { ok: false; error: SaveError } {
  const label = def.label;
  if (raw === null) {
    if (!def.nillable) return { ok: false, error: saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${def.name}]`, [def.name]) };
    return { ok: true, value: null };
  }
  const parseError = (expected: string) => ({
    ok: false as const,
    error: saveError('JSON_PARSER_ERROR', `Cannot deserialize instance of ${expected} from VALUE_STRING value ${String(raw)} or request may be missing a required field`, [def.name]),
  });
  switch (def.type) {
    case 'boolean': {
      const r = valueSchemas.boolean.safeParse(raw);
      return r.success ? { ok: true, value: r.data } : parseError('boolean');
    }
    case 'double':
    case 'currency': {
      const r = valueSchemas.number.safeParse(raw);
      return r.success ? { ok: true, value: r.data } : parseError('double');
    }
    case 'int': {
      const r = valueSchemas.int.safeParse(raw);
      return r.success ? { ok: true, value: r.data } : parseError('int');
    }
    case 'datetime': {
      const r = valueSchemas.datetime.safeParse(raw);
      return r.success ? { ok: true, value: r.data } : parseError('datetime');
    }
    case 'id':
    case 'reference': {
      const r = valueSchemas.id.safeParse(raw);
      if (!r.success) return parseError('reference');
      if (r.data === '') {
        if (!def.nillable) return { ok: false, error: saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${def.name}]`, [def.name]) };
        return { ok: true, value: null };
      }
      const id = normalizeId(r.data);
      if (!id) return { ok: false, error: saveError('MALFORMED_ID', `${label}: id value of incorrect type: ${r.data}`, [def.name]) };
      return { ok: true, value: id };
    }
    default: {
      const text = valueSchemas.text.safeParse(raw);
      if (!text.success) return parseError('String');
      const value = text.data;
      if (value === '') {
        if (!def.nillable) return { ok: false, error: saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${def.name}]`, [def.name]) };
        return { ok: true, value: null };
      }
      if (value.length > def.length)
        return { ok: false, error: saveError('STRING_TOO_LONG', `${label}: data value too large: ${value.slice(0, 40)} (max length=${def.length})`, [def.name]) };
      if (def.type === 'email' && !valueSchemas.email.safeParse(value).success)
        return { ok: false, error: saveError('INVALID_EMAIL_ADDRESS', `${label}: invalid email address: ${value}`, [def.name]) };
      if (def.picklist?.restricted && !def.picklist.values.includes(value))
        return { ok: false, error: saveError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${label}: bad value for restricted picklist field: ${value}`, [def.name]) };
      return { ok: true, value };
    }
  }
}

export { saveError };

/** Salesforce's REST datetime format: 2026-01-01T00:00:00.000+0000 */
export const formatDateTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** A field value as REST JSON shows it. */
export function outputValue(def: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (def.type === 'datetime') return formatDateTime(value as number);
  return value;
}

/** The reference field's target type check: AccountId must hold an Account id. */
export function referenceTargetOk(def: FieldDef, id: string): boolean {
  if (def.referenceTo.includes('User')) return keyPrefixOf(id) === KEY_PREFIX.User;
  return def.referenceTo.some((t) => OBJECTS[t as ObjectName]?.keyPrefix === keyPrefixOf(id));
}

const picklistValues = (f: FieldDef) =>
  (f.picklist?.values ?? []).map((value) => ({ active: true, defaultValue: f.defaultValue === value, label: value, validFor: null, value }));

const soapType: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  boolean: 'xsd:boolean',
  double: 'xsd:double',
  currency: 'xsd:double',
  int: 'xsd:int',
  datetime: 'xsd:dateTime',
};

export function describeField(f: FieldDef) {
  const text = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'id', 'reference'].includes(f.type);
  return {
    aggregatable: f.type !== 'textarea',
    autoNumber: false,
    byteLength: text ? f.length * 3 : 0,
    calculated: f.calculated,
    calculatedFormula: null,
    cascadeDelete: false,
    caseSensitive: false,
    compoundFieldName: null,
    controllerName: null,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.type === 'boolean' ? f.defaultValue === 'true' : f.defaultValue,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? f.precision : 0,
    externalId: f.externalId,
    filterable: f.type !== 'textarea',
    groupable: !['textarea', 'double', 'currency', 'datetime'].includes(f.type),
    htmlFormatted: false,
    idLookup: f.type === 'id' || f.externalId || f.type === 'email',
    inlineHelpText: null,
    label: f.label,
    length: text ? f.length : 0,
    name: f.name,
    nameField: f.nameField,
    namePointing: false,
    nillable: f.nillable,
    permissionable: f.nillable && !f.calculated && f.type !== 'id',
    picklistValues: picklistValues(f),
    precision: f.precision,
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    relationshipOrder: null,
    restrictedPicklist: f.picklist?.restricted ?? false,
    scale: f.scale,
    soapType: soapType[f.type],
    sortable: f.type !== 'textarea',
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
  };
}

export function describeGlobalEntry(o: ObjectDef, version: string) {
  return {
    activateable: false,
    createable: true,
    custom: false,
    customSetting: false,
    deletable: true,
    deprecatedAndHidden: false,
    feedEnabled: true,
    keyPrefix: o.keyPrefix,
    label: o.label,
    labelPlural: o.labelPlural,
    layoutable: true,
    mergeable: true,
    mruEnabled: true,
    name: o.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: true,
    updateable: true,
    urls: objectUrls(o, version),
  };
}

export function objectUrls(o: ObjectDef, version: string) {
  const base = `/services/data/v${version}/sobjects/${o.name}`;
  return { compactLayouts: `${base}/describe/compactLayouts`, rowTemplate: `${base}/{ID}`, describe: `${base}/describe`, sobject: base, layouts: `${base}/describe/layouts` };
}

export function describeObject(o: ObjectDef, version: string) {
  return {
    ...describeGlobalEntry(o, version),
    childRelationships: o.childRelationships.map((c) => ({ cascadeDelete: c.cascadeDelete, childSObject: c.childSObject, deprecatedAndHidden: false, field: c.field, junctionIdListNames: [], junctionReferenceTo: [], relationshipName: c.relationshipName, restrictedDelete: false })),
    fields: o.fields.map(describeField),
    recordTypeInfos: [{ active: true, available: true, defaultRecordTypeMapping: true, developerName: 'Master', master: true, name: 'Master', recordTypeId: '012000000000000AAA', urls: { layout: `/services/data/v${version}/sobjects/${o.name}/describe/layouts/012000000000000AAA` } }],
    supportedScopes: [{ label: 'All ' + o.labelPlural.toLowerCase(), name: 'everything' }, { label: 'My ' + o.labelPlural.toLowerCase(), name: 'mine' }],
  };
}
