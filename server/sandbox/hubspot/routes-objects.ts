import { json } from '../core/sandbox';
import { ASSOCIATION_TYPES, BATCH_MAX_INPUTS, LIST_MAX_LIMIT, parseObjectType, SINGULAR, type ObjectType } from './constants';
import { hsError, notFound, propertyValuesError, validationError, type PropertyValueError } from './errors';
import { batchEnvelope, objectScope, propertyNames, queryList, readJson, serializeRecord, type Route, type RouteContext } from './http';
import { normalizeValue } from './properties';
import { lowerBoundById, type HsRecord } from './records';
import { batchArchiveSchema, batchCreateSchema, batchReadSchema, batchUpdateSchema, batchUpsertSchema, createInputSchema, updateInputSchema } from './schemas';
import type { HubSpotStore } from './store';

/** CRM v3 objects: list, read, create, update, archive and the batch endpoints, for contacts and companies. */

export function objectType(ctx: RouteContext, index = 0): ObjectType | Response {
  const segment = ctx.params[index] ?? '';
  return parseObjectType(segment) ?? hsError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${segment}`);
}

const other = (type: ObjectType): ObjectType => (type === 'contacts' ? 'companies' : 'contacts');
const upperSingular = (type: ObjectType) => SINGULAR[type].toUpperCase();

/** Checks written values against the property definitions; all errors at once, as HubSpot lists them. */
export function checkValues(store: HubSpotStore, type: ObjectType, raw: Record<string, string | number | boolean | null>): { values: Record<string, string | null> } | Response {
  const values: Record<string, string | null> = {};
  const errors: PropertyValueError[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const result = normalizeValue(store.properties.get(type, name), name, value);
    if ('error' in result) errors.push(result);
    else values[name] = result.value;
  }
  return errors.length ? propertyValuesError(errors) : { values };
}

const conflict = (existing: HsRecord) => hsError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);

/** Contacts' e-mail is unique: a write may not take another live contact's address. */
function emailConflict(store: HubSpotStore, type: ObjectType, values: Record<string, string | null>, self?: HsRecord): Response | null {
  if (type !== 'contacts' || !values.email) return null;
  const existing = store.contacts.byUnique(values.email);
  return existing && existing !== self ? conflict(existing) : null;
}

type AssociationInput = { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] };

/** Validates `associations` of a create input: the targets exist and the type ids are contact↔company ones. */
function checkAssociations(store: HubSpotStore, type: ObjectType, inputs: AssociationInput[] | undefined): { target: HsRecord; primary: boolean }[] | Response {
  const out: { target: HsRecord; primary: boolean }[] = [];
  const ids = type === 'contacts' ? ASSOCIATION_TYPES.contactToCompany : ASSOCIATION_TYPES.companyToContact;
  for (const input of inputs ?? []) {
    const target = store.collection(other(type)).lookup(undefined, input.to.id);
    if (!target) return validationError(`Unable to create association: ${SINGULAR[other(type)]} ${input.to.id} does not exist.`);
    let primary = false;
    for (const spec of input.types) {
      if (spec.associationCategory !== 'HUBSPOT_DEFINED' || (spec.associationTypeId !== ids.primary && spec.associationTypeId !== ids.unlabeled)) {
        return validationError(`${spec.associationCategory} association type ${spec.associationTypeId} is not valid between ${SINGULAR[type]} and ${SINGULAR[other(type)]}.`);
      }
      if (spec.associationTypeId === ids.primary) primary = true;
    }
    out.push({ target, primary });
  }
  return out;
}

function applyAssociations(store: HubSpotStore, type: ObjectType, record: HsRecord, links: { target: HsRecord; primary: boolean }[]): void {
  for (const { target, primary } of links) {
    if (type === 'contacts') store.associate(record, target, primary);
    else store.associate(target, record, primary);
  }
}

/** v3 `associations` block of a record: `{companies: {results: [{id, type}]}}`. */
function v3Associations(store: HubSpotStore, type: ObjectType, record: HsRecord, wanted: string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const name of wanted) {
    const toType = parseObjectType(name);
    if (!toType || toType === type) continue;
    const links = type === 'contacts' ? store.associations.companiesOf(record) : store.associations.contactsOf(record);
    const target = store.collection(toType);
    const from = SINGULAR[type];
    const to = SINGULAR[toType];
    const results: { id: string; type: string }[] = [];
    for (const link of links) {
      const other = target.byId(link.id);
      if (!other || other.archivedAt !== null) continue;
      if (link.primary) results.push({ id: String(link.id), type: `${from}_to_${to}` });
      results.push({ id: String(link.id), type: `${from}_to_${to}_unlabeled` });
    }
    if (results.length) out[toType] = { results };
  }
  return Object.keys(out).length ? out : undefined;
}

function parseLimit(raw: string | null, fallback: number, max: number): number | Response {
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) return validationError(`limit must be a positive integer, got ${raw}`);
  if (n > max) return validationError(`limit must be less than or equal to ${max}, got ${n}`);
  return n;
}

async function list(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const limit = parseLimit(ctx.url.searchParams.get('limit'), 10, LIST_MAX_LIMIT);
  if (limit instanceof Response) return limit;
  const after = ctx.url.searchParams.get('after');
  if (after !== null && !/^\d{1,15}$/.test(after)) return validationError(`Invalid paging cursor after=${after}`);
  const archived = ctx.url.searchParams.get('archived') === 'true';
  const collection = ctx.store.collection(type);
  const source = archived ? collection.archived : collection.active;
  const start = after === null ? 0 : lowerBoundById(source, Number(after));
  const page = source.slice(start, start + limit);
  const names = propertyNames(ctx.store, type, queryList(ctx.url, 'properties'));
  const withHistory = queryList(ctx.url, 'propertiesWithHistory');
  const associations = queryList(ctx.url, 'associations') ?? [];
  const results = page.map((record) => {
    const out = serializeRecord(ctx.store, type, record, names, withHistory);
    const assoc = associations.length ? v3Associations(ctx.store, type, record, associations) : undefined;
    return assoc ? { ...out, associations: assoc } : out;
  });
  const body: Record<string, unknown> = { results };
  const next = source[start + limit];
  if (next) {
    const link = new URL(`${ctx.baseUrl}${ctx.url.pathname}${ctx.url.search}`);
    link.searchParams.set('after', String(next.id));
    body.paging = { next: { after: String(next.id), link: link.toString() } };
  }
  return json(body);
}

function findForRead(ctx: RouteContext, type: ObjectType, id: string, idProperty: string | null, archived: boolean): HsRecord | undefined {
  const collection = ctx.store.collection(type);
  if (archived) {
    const record = idProperty && idProperty !== 'hs_object_id' ? undefined : collection.byId(id);
    return record?.archivedAt !== null ? record : undefined;
  }
  return collection.lookup(idProperty ?? undefined, id);
}

async function getOne(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const idProperty = ctx.url.searchParams.get('idProperty');
  if (idProperty && !ctx.store.properties.isIdProperty(type, idProperty)) return validationError(`${idProperty} is not a unique property and cannot be used as idProperty`);
  const record = findForRead(ctx, type, decodeURIComponent(ctx.params[1]!), idProperty, ctx.url.searchParams.get('archived') === 'true');
  if (!record) return notFound();
  const out = serializeRecord(ctx.store, type, record, propertyNames(ctx.store, type, queryList(ctx.url, 'properties')), queryList(ctx.url, 'propertiesWithHistory'));
  const assoc = v3Associations(ctx.store, type, record, queryList(ctx.url, 'associations') ?? []);
  return json(assoc ? { ...out, associations: assoc } : out);
}

const writtenNames = (store: HubSpotStore, type: ObjectType, values: Record<string, string | null>) => propertyNames(store, type, Object.keys(values).length ? Object.keys(values) : ['hs_object_id']);

async function create(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, createInputSchema);
  if (!body.ok) return body.response;
  const checked = checkValues(ctx.store, type, body.data.properties);
  if (checked instanceof Response) return checked;
  const dup = emailConflict(ctx.store, type, checked.values);
  if (dup) return dup;
  const links = checkAssociations(ctx.store, type, body.data.associations);
  if (links instanceof Response) return links;
  const record = ctx.store.createRecord(type, checked.values);
  applyAssociations(ctx.store, type, record, links);
  return json(serializeRecord(ctx.store, type, record, writtenNames(ctx.store, type, checked.values)), { status: 201 });
}

async function update(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const idProperty = ctx.url.searchParams.get('idProperty');
  if (idProperty && !ctx.store.properties.isIdProperty(type, idProperty)) return validationError(`${idProperty} is not a unique property and cannot be used as idProperty`);
  const body = await readJson(ctx.request, updateInputSchema);
  if (!body.ok) return body.response;
  const record = ctx.store.collection(type).lookup(idProperty ?? undefined, decodeURIComponent(ctx.params[1]!));
  if (!record) return notFound();
  const checked = checkValues(ctx.store, type, body.data.properties);
  if (checked instanceof Response) return checked;
  const dup = emailConflict(ctx.store, type, checked.values, record);
  if (dup) return dup;
  ctx.store.updateRecord(type, record, checked.values);
  return json(serializeRecord(ctx.store, type, record, writtenNames(ctx.store, type, checked.values)));
}

async function archive(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const record = ctx.store.collection(type).lookup(undefined, ctx.params[1]!);
  if (record) ctx.store.archiveRecords(type, [record]);
  return new Response(null, { status: 204 });
}

function tooMany(count: number): Response | null {
  return count > BATCH_MAX_INPUTS ? validationError(`Batch input limit exceeded: ${count} inputs given, at most ${BATCH_MAX_INPUTS} are allowed.`) : null;
}

function duplicates(ids: string[]): Response | null {
  const seen = new Set<string>();
  const dups = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  return dups.length ? validationError(`Duplicate IDs found in batch input: [${dups.join(', ')}]. IDs must be unique`) : null;
}

const notFoundError = (type: ObjectType, ids: string[]) => ({
  status: 'error',
  category: 'OBJECT_NOT_FOUND',
  message: `Could not get some ${upperSingular(type)} objects, they may be deleted or not exist. Check that ids are valid.`,
  context: { ids },
  errors: [],
  links: {},
});

async function batchRead(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, batchReadSchema);
  if (!body.ok) return body.response;
  const { inputs, idProperty } = body.data;
  const limited = tooMany(inputs.length);
  if (limited) return limited;
  if (idProperty && !ctx.store.properties.isIdProperty(type, idProperty)) return validationError(`${idProperty} is not a unique property and cannot be used as idProperty`);
  const archived = ctx.url.searchParams.get('archived') === 'true';
  const names = propertyNames(ctx.store, type, body.data.properties);
  const results: unknown[] = [];
  const missing: string[] = [];
  const seen = new Set<number>();
  for (const { id } of inputs) {
    const record = findForRead(ctx, type, id, idProperty ?? null, archived);
    if (!record) missing.push(id);
    else if (!seen.has(record.id)) {
      seen.add(record.id);
      results.push(serializeRecord(ctx.store, type, record, names, body.data.propertiesWithHistory));
    }
  }
  const errors = missing.length ? [notFoundError(type, missing)] : [];
  return json(batchEnvelope(startedAt, results, errors), { status: errors.length ? 207 : 200 });
}

async function batchCreate(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, batchCreateSchema);
  if (!body.ok) return body.response;
  const limited = tooMany(body.data.inputs.length);
  if (limited) return limited;
  const prepared: { values: Record<string, string | null>; links: { target: HsRecord; primary: boolean }[] }[] = [];
  const emails = new Set<string>();
  for (const input of body.data.inputs) {
    const checked = checkValues(ctx.store, type, input.properties);
    if (checked instanceof Response) return checked;
    const dup = emailConflict(ctx.store, type, checked.values);
    if (dup) return dup;
    if (type === 'contacts' && checked.values.email) {
      if (emails.has(checked.values.email)) return validationError(`Duplicate email ${checked.values.email} in batch input.`);
      emails.add(checked.values.email);
    }
    const links = checkAssociations(ctx.store, type, input.associations);
    if (links instanceof Response) return links;
    prepared.push({ values: checked.values, links });
  }
  const results = prepared.map(({ values, links }) => {
    const record = ctx.store.createRecord(type, values);
    applyAssociations(ctx.store, type, record, links);
    return serializeRecord(ctx.store, type, record, writtenNames(ctx.store, type, values));
  });
  return json(batchEnvelope(startedAt, results, []), { status: 201 });
}

async function batchUpdate(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, batchUpdateSchema);
  if (!body.ok) return body.response;
  const { inputs } = body.data;
  const limited = tooMany(inputs.length) ?? duplicates(inputs.map((i) => i.id));
  if (limited) return limited;
  const missing: string[] = [];
  const prepared: { record: HsRecord; values: Record<string, string | null> }[] = [];
  for (const input of inputs) {
    if (input.idProperty && !ctx.store.properties.isIdProperty(type, input.idProperty)) return validationError(`${input.idProperty} is not a unique property and cannot be used as idProperty`);
    const checked = checkValues(ctx.store, type, input.properties);
    if (checked instanceof Response) return checked;
    const record = ctx.store.collection(type).lookup(input.idProperty, input.id);
    if (!record) {
      missing.push(input.id);
      continue;
    }
    const dup = emailConflict(ctx.store, type, checked.values, record);
    if (dup) return dup;
    prepared.push({ record, values: checked.values });
  }
  const results = prepared.map(({ record, values }) => {
    ctx.store.updateRecord(type, record, values);
    return serializeRecord(ctx.store, type, record, writtenNames(ctx.store, type, values));
  });
  const errors = missing.length ? [notFoundError(type, missing)] : [];
  return json(batchEnvelope(startedAt, results, errors), { status: errors.length ? 207 : 200 });
}

async function batchUpsert(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, batchUpsertSchema);
  if (!body.ok) return body.response;
  const { inputs } = body.data;
  const limited = tooMany(inputs.length) ?? duplicates(inputs.map((i) => `${i.idProperty ?? 'hs_object_id'}:${i.id.toLowerCase()}`));
  if (limited) return limited;
  const collection = ctx.store.collection(type);
  const missing: string[] = [];
  const prepared: { record: HsRecord | undefined; values: Record<string, string | null> }[] = [];
  for (const input of inputs) {
    const idProperty = input.idProperty ?? 'hs_object_id';
    if (!ctx.store.properties.isIdProperty(type, idProperty)) return validationError(`${idProperty} is not a unique property and cannot be used as idProperty`);
    const checked = checkValues(ctx.store, type, input.properties);
    if (checked instanceof Response) return checked;
    const record = collection.lookup(idProperty, input.id);
    if (!record && idProperty === 'hs_object_id') {
      missing.push(input.id);
      continue;
    }
    const values = record ? checked.values : { ...checked.values };
    if (!record) {
      const key = normalizeValue(ctx.store.properties.get(type, idProperty), idProperty, input.id);
      if ('error' in key) return propertyValuesError([key]);
      values[idProperty] = key.value;
    }
    const dup = emailConflict(ctx.store, type, values, record);
    if (dup) return dup;
    prepared.push({ record, values });
  }
  const results = prepared.map(({ record, values }) => {
    const isNew = !record;
    const target = record ?? ctx.store.createRecord(type, values);
    if (record) ctx.store.updateRecord(type, record, values);
    return { ...serializeRecord(ctx.store, type, target, writtenNames(ctx.store, type, values)), new: isNew };
  });
  const errors = missing.length ? [notFoundError(type, missing)] : [];
  return json(batchEnvelope(startedAt, results, errors), { status: errors.length ? 207 : 200 });
}

async function batchArchive(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, batchArchiveSchema);
  if (!body.ok) return body.response;
  const limited = tooMany(body.data.inputs.length);
  if (limited) return limited;
  const collection = ctx.store.collection(type);
  const records = body.data.inputs.map((i) => collection.lookup(undefined, i.id)).filter((r): r is HsRecord => r !== undefined);
  ctx.store.archiveRecords(type, records);
  return new Response(null, { status: 204 });
}

const T = '([A-Za-z0-9-]+)';
const read = objectScope('read');
const write = objectScope('write');

export const objectRoutes: Route[] = [
  { method: 'POST', pattern: new RegExp(`^/crm/v3/objects/${T}/batch/read$`), scopes: read, handle: batchRead },
  { method: 'POST', pattern: new RegExp(`^/crm/v3/objects/${T}/batch/create$`), scopes: write, handle: batchCreate },
  { method: 'POST', pattern: new RegExp(`^/crm/v3/objects/${T}/batch/update$`), scopes: write, handle: batchUpdate },
  { method: 'POST', pattern: new RegExp(`^/crm/v3/objects/${T}/batch/upsert$`), scopes: write, handle: batchUpsert },
  { method: 'POST', pattern: new RegExp(`^/crm/v3/objects/${T}/batch/archive$`), scopes: write, handle: batchArchive },
  { method: 'GET', pattern: new RegExp(`^/crm/v3/objects/${T}$`), scopes: read, handle: list },
  { method: 'POST', pattern: new RegExp(`^/crm/v3/objects/${T}$`), scopes: write, handle: create },
  { method: 'GET', pattern: new RegExp(`^/crm/v3/objects/${T}/([^/]+)$`), scopes: read, handle: getOne },
  { method: 'PATCH', pattern: new RegExp(`^/crm/v3/objects/${T}/([^/]+)$`), scopes: write, handle: update },
  { method: 'DELETE', pattern: new RegExp(`^/crm/v3/objects/${T}/([^/]+)$`), scopes: write, handle: archive },
];
