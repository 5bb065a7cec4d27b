import { z } from 'zod';
import { json } from '../core/sandbox';
import { apiError, methodNotAllowed, notFound, readJson } from './errors';
import { normalizeId } from './ids';
import { allFieldRefs, projectRecord } from './query';
import { objectDef, objectOfId, saveError, type ObjectDef, type SaveError } from './schema';
import type { FieldRef } from './soql';
import type { Rec } from './sorted';
import type { RestContext } from './rest';

/**
 * sObject Collections (/composite/sobjects): create, update, upsert by external id,
 * delete and retrieve, up to 200 records a call, with allOrNone. Every record is
 * validated first; with allOrNone one failure rolls the whole call back and the other
 * records report ALL_OR_NONE_OPERATION_ROLLED_BACK. Results come back in request order
 * with per-record `statusCode` errors.
 */

const MAX_RECORDS = 200;
const writeBodySchema = z.object({ allOrNone: z.boolean().optional().default(false), records: z.array(z.record(z.string(), z.unknown())) });
const retrieveBodySchema = z.object({ ids: z.array(z.string()).min(1).max(2000), fields: z.array(z.string()).min(1) });

const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

type Planned = { ok: true; apply: () => Record<string, unknown> } | { ok: false; errors: SaveError[]; id?: string };

/** Runs the plans: all or none, or each valid one. */
function commit(plans: Planned[], allOrNone: boolean) {
  const failed = plans.some((p) => !p.ok);
  return plans.map((p) => {
    if (!p.ok) return { ...(p.id ? { id: p.id } : {}), success: false, errors: p.errors };
    if (allOrNone && failed) return { success: false, errors: [ROLLED_BACK] };
    return p.apply();
  });
}

function typeOfRecord(record: Record<string, unknown>): ObjectDef | SaveError {
  const attributes = record.attributes as { type?: unknown } | undefined;
  const type = typeof attributes?.type === 'string' ? attributes.type : null;
  if (!type) return saveError('INVALID_TYPE', 'Must send a concrete entity type.');
  return objectDef(type) ?? saveError('INVALID_TYPE', `sObject type '${type}' is not supported.`);
}

const withoutKeys = (record: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k.toLowerCase())));

async function writeBody(ctx: RestContext): Promise<z.infer<typeof writeBodySchema> | Response> {
  const body = await readJson(ctx.request);
  if (!body.ok) return body.response;
  const parsed = writeBodySchema.safeParse(body.value);
  if (!parsed.success) return apiError(400, 'JSON_PARSER_ERROR', `Invalid collection request body: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
  if (parsed.data.records.length > MAX_RECORDS) return apiError(400, 'EXCEEDED_ID_LIMIT', `Maximum number of records in a collection request is ${MAX_RECORDS}`);
  return parsed.data;
}

async function create(ctx: RestContext): Promise<Response> {
  const body = await writeBody(ctx);
  if (body instanceof Response) return body;
  const { store } = ctx;
  const seenExt = new Set<string>();
  const plans: Planned[] = body.records.map((record) => {
    const def = typeOfRecord(record);
    if ('statusCode' in def) return { ok: false, errors: [def] };
    if (Object.keys(record).some((k) => k.toLowerCase() === 'id')) return { ok: false, errors: [saveError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id'])] };
    const result = store.validate(def.name, record, null);
    if (!result.ok) return { ok: false, errors: result.errors };
    const ext = result.values.External_Id__c;
    if (typeof ext === 'string') {
      if (seenExt.has(`${def.name}:${ext.toLowerCase()}`)) return { ok: false, errors: [saveError('DUPLICATE_VALUE', `duplicate value found: External_Id__c duplicates value on record in this request`, ['External_Id__c'])] };
      seenExt.add(`${def.name}:${ext.toLowerCase()}`);
    }
    return { ok: true, apply: () => ({ id: store.insert(def.name, result.values).Id, success: true, errors: [] }) };
  });
  return json(commit(plans, body.allOrNone));
}

async function update(ctx: RestContext): Promise<Response> {
  const body = await writeBody(ctx);
  if (body instanceof Response) return body;
  const { store } = ctx;
  const seen = new Set<Rec>();
  const plans: Planned[] = body.records.map((record) => {
    const def = typeOfRecord(record);
    if ('statusCode' in def) return { ok: false, errors: [def] };
    const rawId = Object.entries(record).find(([k]) => k.toLowerCase() === 'id')?.[1];
    if (typeof rawId !== 'string' || !rawId) return { ok: false, errors: [saveError('MISSING_ARGUMENT', 'Id not specified in an update call', [])] };
    const id = normalizeId(rawId);
    if (!id || id.slice(0, 3) !== def.keyPrefix) return { ok: false, errors: [saveError('MALFORMED_ID', `${def.label} ID: id value of incorrect type: ${rawId}`, ['Id'])] };
    const r = store.find(id);
    if (!r) return { ok: false, id, errors: [store.findDeleted(id) ? saveError('ENTITY_IS_DELETED', 'entity is deleted') : saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')] };
    if (seen.has(r)) return { ok: false, id, errors: [saveError('DUPLICATE_VALUE', 'Duplicate id in list: ' + id, [])] };
    seen.add(r);
    const result = store.validate(def.name, withoutKeys(record, ['id']), r);
    if (!result.ok) return { ok: false, id, errors: result.errors };
    return {
      ok: true,
      apply: () => {
        store.update(r, result.values);
        return { id, success: true, errors: [] };
      },
    };
  });
  return json(commit(plans, body.allOrNone));
}

async function upsert(ctx: RestContext, def: ObjectDef, fieldName: string): Promise<Response> {
  if (Number(ctx.version) < 46) return notFound();
  const field = def.byName.get(fieldName.toLowerCase());
  if (!field) return apiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`);
  if (!field.externalId && field.type !== 'id') return apiError(400, 'INVALID_FIELD', `Field ${field.name} is not an External ID or indexed field for ${def.name}`);
  const body = await writeBody(ctx);
  if (body instanceof Response) return body;
  const { store } = ctx;
  const col = store.collections[def.name];
  const counts = new Map<string, number>();
  const valueOf = (record: Record<string, unknown>) => Object.entries(record).find(([k]) => k.toLowerCase() === field.name.toLowerCase())?.[1];
  for (const record of body.records) {
    const v = valueOf(record);
    if (typeof v === 'string' && v) counts.set(v.toLowerCase(), (counts.get(v.toLowerCase()) ?? 0) + 1);
  }
  const plans: Planned[] = body.records.map((record) => {
    const recordType = typeOfRecord(record);
    if ('statusCode' in recordType) return { ok: false, errors: [recordType] };
    if (recordType.name !== def.name) return { ok: false, errors: [saveError('INVALID_TYPE', `Record type ${recordType.name} does not match ${def.name}`)] };
    const value = valueOf(record);
    if (typeof value !== 'string' || !value) return { ok: false, errors: [saveError('MISSING_ARGUMENT', `${field.name} not specified`, [field.name])] };
    if ((counts.get(value.toLowerCase()) ?? 0) > 1) return { ok: false, errors: [saveError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${value}`, [field.name])] };
    const existing = field.type === 'id' ? store.find(value) : (col.externalIds.get(value.toLowerCase()) ?? null);
    if (field.type === 'id' && (!existing || objectOfId(existing.Id) !== def.name)) return { ok: false, errors: [saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')] };
    const input = withoutKeys(record, [field.name.toLowerCase()]);
    const result = store.validate(def.name, existing ? input : { ...input, [field.name]: value }, existing);
    if (!result.ok) return { ok: false, ...(existing ? { id: existing.Id } : {}), errors: result.errors };
    return {
      ok: true,
      apply: () => {
        if (existing) {
          store.update(existing, result.values);
          return { id: existing.Id, success: true, errors: [], created: false };
        }
        return { id: store.insert(def.name, result.values).Id, success: true, errors: [], created: true };
      },
    };
  });
  return json(commit(plans, body.allOrNone));
}

function destroy(ctx: RestContext): Response {
  const { store, url } = ctx;
  const query = z
    .object({ ids: z.string().min(1), allOrNone: z.enum(['true', 'false']).optional() })
    .safeParse({ ids: url.searchParams.get('ids') ?? undefined, allOrNone: url.searchParams.get('allOrNone') ?? undefined });
  if (!query.success) return apiError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
  const ids = query.data.ids.split(',').map((s) => s.trim());
  if (ids.length > MAX_RECORDS) return apiError(400, 'EXCEEDED_ID_LIMIT', `Maximum number of records in a collection request is ${MAX_RECORDS}`);
  const toRemove: Rec[] = [];
  const plans: Planned[] = ids.map((raw) => {
    const id = normalizeId(raw);
    if (!id) return { ok: false, id: raw, errors: [saveError('MALFORMED_ID', `malformed id ${raw}`)] };
    const r = store.find(id);
    if (!r) return { ok: false, id, errors: [store.findDeleted(id) ? saveError('ENTITY_IS_DELETED', 'entity is deleted') : saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')] };
    return {
      ok: true,
      apply: () => {
        toRemove.push(r);
        return { id, success: true, errors: [] };
      },
    };
  });
  const results = commit(plans, query.data.allOrNone === 'true');
  const unique = [...new Set(toRemove)];
  store.remove(unique);
  return json(results);
}

async function retrieve(ctx: RestContext, def: ObjectDef): Promise<Response> {
  const { request, store, url, version } = ctx;
  let ids: string[];
  let fieldNames: string[];
  if (request.method === 'POST') {
    const body = await readJson(request);
    if (!body.ok) return body.response;
    const parsed = retrieveBodySchema.safeParse(body.value);
    if (!parsed.success) return apiError(400, 'JSON_PARSER_ERROR', `Invalid retrieve body: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
    ({ ids, fields: fieldNames } = parsed.data);
  } else {
    ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
    fieldNames = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    if (!ids.length || !fieldNames.length) return apiError(400, 'MISSING_ARGUMENT', 'ids and fields parameters are required');
  }
  const refs: FieldRef[] = [];
  for (const name of fieldNames) {
    const field = def.byName.get(name.toLowerCase());
    if (!field) return apiError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
    refs.push(allFieldRefs(def.name).find((r) => r.field === field)!);
  }
  return json(
    ids.map((raw) => {
      const r = store.find(raw);
      return r && objectOfId(r.Id) === def.name ? projectRecord(r, def.name, refs, version, store) : null;
    }),
  );
}

export async function handleCollections(ctx: RestContext): Promise<Response> {
  const { request, segments } = ctx;
  const [, , typeSegment, extField, ...rest] = segments;
  if (rest.length) return notFound();
  if (!typeSegment) {
    switch (request.method) {
      case 'POST':
        return create(ctx);
      case 'PATCH':
        return update(ctx);
      case 'DELETE':
        return destroy(ctx);
      default:
        return methodNotAllowed(request.method, ['POST', 'PATCH', 'DELETE']);
    }
  }
  const def = objectDef(typeSegment);
  if (!def) return notFound();
  if (!extField) return request.method === 'POST' || request.method === 'GET' ? retrieve(ctx, def) : methodNotAllowed(request.method, ['GET', 'POST']);
  return request.method === 'PATCH' ? upsert(ctx, def, extField) : methodNotAllowed(request.method, ['PATCH']);
}
