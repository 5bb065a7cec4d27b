import { z } from 'zod';
import { bearerOf } from '../core/oauth';
import { json } from '../core/sandbox';
import { handleBulk } from './bulk';
import { handleCollections } from './collections';
import { apiError, apiErrors, invalidSession, methodNotAllowed, notFound, readJson, requestLimitExceeded } from './errors';
import { normalizeId } from './ids';
import { allFieldRefs, lookupCursor, openQuery, projectRecord, registerCursor } from './query';
import { describeGlobalEntry, describeObject, formatDateTime, objectDef, OBJECT_NAMES, OBJECTS, type ObjectDef, type ObjectName, type SaveError } from './schema';
import { parseSoql, SoqlError, type FieldRef } from './soql';
import { lowerBound } from './sorted';
import { ORG_ID, USER_ID, type SalesforceStore } from './store';

/**
 * The versioned REST API under /services/data: versions, resources, limits, sObject
 * describe and CRUD, external-id upsert, getUpdated/getDeleted, query/queryMore/queryAll
 * and explain; composite sObject collections and Bulk API 2.0 live in their own files.
 */

export const MIN_VERSION = 31;
export const MAX_VERSION = 66;

const SEASONS = ['Winter', 'Spring', 'Summer'];
export const versionList = () =>
  Array.from({ length: MAX_VERSION - MIN_VERSION + 1 }, (_, i) => {
    const v = MIN_VERSION + i;
    const k = v - 20;
    return { label: `${SEASONS[k % 3]} '${String(11 + Math.floor(k / 3)).padStart(2, '0')}`, url: `/services/data/v${v}.0`, version: `${v}.0` };
  });

export interface RestContext {
  request: Request;
  url: URL;
  store: SalesforceStore;
  baseUrl: string;
  version: string;
  /** Path segments after /services/data/vXX.X/ */
  segments: string[];
}

export const toApiErrors = (errors: SaveError[]) => errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields }));

const recordBodySchema = z.record(z.string(), z.unknown());

const soqlErrorResponse = (error: SoqlError, soql: string) => apiError(400, error.errorCode, error.format(soql));

/** Page size for query results: Sforce-Query-Options batchSize (200..2000), default 2000. */
function batchSize(request: Request): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(request.headers.get('sforce-query-options') ?? '');
  return m ? Math.min(2000, Math.max(200, Number(m[1]))) : 2000;
}

function runQuery(ctx: RestContext, scanAll: boolean): Response {
  const { url, store, version, request } = ctx;
  const explain = url.searchParams.get('explain');
  if (explain !== null) return explainQuery(ctx, explain);
  const soql = url.searchParams.get('q');
  if (!soql) return apiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  let parsed;
  try {
    parsed = parseSoql(soql);
  } catch (error) {
    if (error instanceof SoqlError) return soqlErrorResponse(error, soql);
    throw error;
  }
  const planned = openQuery(parsed, store, scanAll);
  if (!planned.cursor) return json({ totalSize: planned.count, done: true, records: [] });
  const page = planned.cursor.fetch(0, batchSize(request))!;
  const body: Record<string, unknown> = {
    totalSize: planned.count,
    done: page.done,
    records: page.records.map((r) => projectRecord(r, planned.cursor!.type, parsed.fields, version, store)),
  };
  if (!page.done) {
    const id = registerCursor(store, planned.cursor);
    body.nextRecordsUrl = `/services/data/v${version}/${scanAll ? 'queryAll' : 'query'}/${id}-${page.records.length}`;
  }
  return json(body);
}

function queryMore(ctx: RestContext, locator: string, scanAll: boolean): Response {
  const { store, version, request } = ctx;
  const m = /^(01g[A-Za-z0-9]{12})-(\d+)$/.exec(locator);
  const cursor = m ? lookupCursor(store, m[1]!) : null;
  const offset = m ? Number(m[2]) : 0;
  const page = cursor?.fetch(offset, batchSize(request));
  if (!cursor || !page) return apiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  const body: Record<string, unknown> = {
    totalSize: cursor.totalSize,
    done: page.done,
    records: page.records.map((r) => projectRecord(r, cursor.type, cursor.fields, version, store)),
  };
  if (!page.done) body.nextRecordsUrl = `/services/data/v${version}/${scanAll ? 'queryAll' : 'query'}/${m![1]}-${offset + page.records.length}`;
  return json(body);
}

function explainQuery(ctx: RestContext, soql: string): Response {
  let parsed;
  try {
    parsed = parseSoql(soql);
  } catch (error) {
    if (error instanceof SoqlError) return soqlErrorResponse(error, soql);
    throw error;
  }
  const planned = openQuery({ ...parsed, count: true }, ctx.store, false);
  const size = ctx.store.collections[parsed.object.name].size;
  const indexed = parsed.where !== null && planned.count < size;
  return json({
    plans: [
      {
        cardinality: planned.count,
        fields: indexed ? ['SystemModstamp'] : [],
        leadingOperationType: indexed ? 'Index' : 'TableScan',
        notes: [],
        relativeCost: size === 0 ? 0 : Math.round((planned.count / size) * 1000) / 1000,
        sobjectCardinality: size,
        sobjectType: parsed.object.name,
      },
    ],
  });
}

/** Parses ?fields=A,B for a retrieve; an INVALID_FIELD answer for unknown names. */
function fieldsParam(def: ObjectDef, raw: string | null): FieldRef[] | Response {
  if (!raw) return allFieldRefs(def.name);
  const refs: FieldRef[] = [];
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const field = def.byName.get(name.toLowerCase());
    if (!field)
      return apiError(
        400,
        'INVALID_FIELD',
        `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    refs.push({ path: field.name, field, via: null, target: def.name, pos: 0 });
  }
  return refs;
}

const REPLICATION_WINDOW_MS = 30 * 86_400_000;
const floorMinute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

function replicationWindow(url: URL): { start: number; end: number } | Response {
  const schema = z.object({ start: z.string().min(1), end: z.string().min(1) });
  const parsed = schema.safeParse({ start: url.searchParams.get('start') ?? undefined, end: url.searchParams.get('end') ?? undefined });
  if (!parsed.success) return apiError(400, 'MISSING_ARGUMENT', 'start and end parameters are required');
  // a raw '+' in the query string decodes to a space
  const toMs = (s: string) => Date.parse(s.replace(' ', '+').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  const start = toMs(parsed.data.start);
  const end = toMs(parsed.data.end);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return apiError(400, 'INVALID_REPLICATION_DATE', 'start and end must be valid dateTime values');
  if (end <= start) return apiError(400, 'INVALID_REPLICATION_DATE', 'end date must be after start date');
  if (start < Date.now() - REPLICATION_WINDOW_MS) return apiError(400, 'INVALID_REPLICATION_DATE', 'start date cannot be more than 30 days ago');
  return { start: floorMinute(start), end: floorMinute(end) };
}

function getUpdated(ctx: RestContext, type: ObjectName): Response {
  const window = replicationWindow(ctx.url);
  if (window instanceof Response) return window;
  const col = ctx.store.collections[type];
  const covered = Math.min(window.end, ctx.store.now());
  const from = lowerBound(col.byStamp, 'stamp', [window.start, '']);
  const to = lowerBound(col.byStamp, 'stamp', [covered, '\uffff'], true);
  if (to - from > 600_000) return apiError(400, 'EXCEEDED_ID_LIMIT', 'too many ids: use a shorter time window');
  const ids = col.byStamp.slice(from, Math.max(from, to)).map((r) => r.Id);
  return json({ ids, latestDateCovered: formatDateTime(covered) });
}

function getDeleted(ctx: RestContext, type: ObjectName): Response {
  const window = replicationWindow(ctx.url);
  if (window instanceof Response) return window;
  const col = ctx.store.collections[type];
  const covered = Math.min(window.end, ctx.store.now());
  const deletedRecords = [];
  // the recycle bin is in deletion order: binary search the start
  let lo = 0;
  let hi = col.deleted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (col.deleted[mid]!.deletedDate < window.start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < col.deleted.length && col.deleted[i]!.deletedDate <= covered; i++) {
    const d = col.deleted[i]!;
    deletedRecords.push({ id: d.id, deletedDate: formatDateTime(d.deletedDate) });
  }
  return json({ deletedRecords, earliestDateAvailable: formatDateTime(floorMinute(ctx.store.createdAt)), latestDateCovered: formatDateTime(covered) });
}

const saveOk = (id: string, extra: Record<string, unknown> = {}) => ({ id, success: true, errors: [], ...extra });

async function createRecord(ctx: RestContext, def: ObjectDef): Promise<Response> {
  const body = await readJson(ctx.request);
  if (!body.ok) return body.response;
  const parsed = recordBodySchema.safeParse(body.value);
  if (!parsed.success) return apiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${def.name} from ${Array.isArray(body.value) ? 'START_ARRAY' : 'VALUE'}`);
  const result = ctx.store.validate(def.name, parsed.data, null);
  if (!result.ok) return apiErrors(400, toApiErrors(result.errors));
  const r = ctx.store.insert(def.name, result.values);
  return json(saveOk(r.Id), { status: 201 });
}

function missingRecord(ctx: RestContext, id: string): Response {
  return ctx.store.findDeleted(id) ? apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted') : notFound();
}

async function recordById(ctx: RestContext, def: ObjectDef, idSegment: string): Promise<Response> {
  const { request, store, version } = ctx;
  const id = normalizeId(idSegment);
  if (!id || id.slice(0, 3) !== def.keyPrefix) return apiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${idSegment}`);
  const r = store.find(id);
  if (!r) return missingRecord(ctx, id);
  switch (request.method) {
    case 'GET': {
      const refs = fieldsParam(def, ctx.url.searchParams.get('fields'));
      if (refs instanceof Response) return refs;
      return json(projectRecord(r, def.name, refs, version, store));
    }
    case 'PATCH': {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const parsed = recordBodySchema.safeParse(body.value);
      if (!parsed.success) return apiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${def.name}`);
      const result = store.validate(def.name, parsed.data, r);
      if (!result.ok) return apiErrors(400, toApiErrors(result.errors));
      store.update(r, result.values);
      return new Response(null, { status: 204 });
    }
    case 'DELETE':
      store.remove([r]);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed(request.method, ['GET', 'PATCH', 'DELETE', 'HEAD']);
  }
}

async function recordByExternalId(ctx: RestContext, def: ObjectDef, fieldName: string, value: string): Promise<Response> {
  const { request, store, version } = ctx;
  const field = def.byName.get(fieldName.toLowerCase());
  if (!field) return apiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`);
  if (!field.externalId && field.type !== 'id') return apiError(400, 'INVALID_FIELD', `Field ${field.name} is not an External ID or indexed field for ${def.name}`);
  const existing = field.type === 'id' ? store.find(value) : (store.collections[def.name].externalIds.get(value.toLowerCase()) ?? null);
  if (request.method === 'GET' || request.method === 'DELETE') {
    if (!existing) return notFound();
    if (request.method === 'DELETE') {
      store.remove([existing]);
      return new Response(null, { status: 204 });
    }
    const refs = fieldsParam(def, ctx.url.searchParams.get('fields'));
    if (refs instanceof Response) return refs;
    return json(projectRecord(existing, def.name, refs, version, store));
  }
  if (request.method !== 'PATCH') return methodNotAllowed(request.method, ['GET', 'PATCH', 'DELETE', 'HEAD']);
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const parsed = recordBodySchema.safeParse(body.value);
  if (!parsed.success) return apiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${def.name}`);
  const input = Object.fromEntries(Object.entries(parsed.data).filter(([k]) => k.toLowerCase() !== field.name.toLowerCase()));
  if (field.type === 'id' && !existing) return notFound();
  if (existing) {
    const result = store.validate(def.name, input, existing);
    if (!result.ok) return apiErrors(400, toApiErrors(result.errors));
    store.update(existing, result.values);
    // since API 46.0 an upsert that updates answers 200 with a body; before, 204
    return Number(version) >= 46 ? json(saveOk(existing.Id, { created: false })) : new Response(null, { status: 204 });
  }
  const result = store.validate(def.name, { ...input, [field.name]: value }, null);
  if (!result.ok) return apiErrors(400, toApiErrors(result.errors));
  const r = store.insert(def.name, result.values);
  return json(saveOk(r.Id, { created: true }), { status: 201 });
}

function resources(ctx: RestContext) {
  const base = `/services/data/v${ctx.version}`;
  return json({
    tooling: `${base}/tooling`,
    metadata: `${base}/metadata`,
    jobs: `${base}/jobs`,
    search: `${base}/search`,
    query: `${base}/query`,
    queryAll: `${base}/queryAll`,
    identity: `${ctx.baseUrl}/id/${ORG_ID}/${USER_ID}`,
    composite: `${base}/composite`,
    limits: `${base}/limits`,
    recent: `${base}/recent`,
    sobjects: `${base}/sobjects`,
  });
}

function limits(ctx: RestContext) {
  const { store } = ctx;
  const max = store.settings.dailyApiLimit;
  return json({
    DailyApiRequests: { Max: max, Remaining: Math.max(0, max - store.apiUsage.used) },
    DailyBulkApiBatches: { Max: 15000, Remaining: 15000 - store.ingestJobs.size },
    DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 - store.queryJobs.size },
    DailyBulkV2QueryFileStorageMB: { Max: 1_000_000, Remaining: 1_000_000 },
    DataStorageMB: { Max: 5120, Remaining: 5120 - Math.ceil(OBJECT_NAMES.reduce((n, t) => n + store.collections[t].size, 0) / 500) },
    ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
    HourlyODataCallout: { Max: 20000, Remaining: 20000 },
  });
}

async function sobjects(ctx: RestContext): Promise<Response> {
  const { request, segments, version } = ctx;
  const [, typeSegment, third, fourth, ...rest] = segments;
  if (!typeSegment) return request.method === 'GET' ? json({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: OBJECT_NAMES.map((n) => describeGlobalEntry(OBJECTS[n], version)) }) : methodNotAllowed(request.method, ['GET', 'HEAD']);
  const def = objectDef(typeSegment);
  if (!def) return notFound();
  if (rest.length) return notFound();
  if (third === undefined) {
    if (request.method === 'GET') return json({ objectDescribe: describeGlobalEntry(def, version), recentItems: [] });
    if (request.method === 'POST') return createRecord(ctx, def);
    return methodNotAllowed(request.method, ['GET', 'POST', 'HEAD']);
  }
  if (fourth === undefined) {
    if (third === 'describe') return request.method === 'GET' ? json(describeObject(def, version)) : methodNotAllowed(request.method, ['GET', 'HEAD']);
    if (third === 'updated') return request.method === 'GET' ? getUpdated(ctx, def.name) : methodNotAllowed(request.method, ['GET', 'HEAD']);
    if (third === 'deleted') return request.method === 'GET' ? getDeleted(ctx, def.name) : methodNotAllowed(request.method, ['GET', 'HEAD']);
    return recordById(ctx, def, third);
  }
  return recordByExternalId(ctx, def, third, decodeURIComponent(fourth));
}

/** Handles /services/data...; null when the path is elsewhere. */
export async function handleRest(request: Request, url: URL, store: SalesforceStore, baseUrl: string): Promise<Response | null> {
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '/services/data' && !path.startsWith('/services/data/')) return null;
  const withLimit = (response: Response) => {
    response.headers.set('sforce-limit-info', store.limitInfoHeader());
    return response;
  };
  if (path === '/services/data') return withLimit(request.method === 'GET' ? json(versionList()) : methodNotAllowed(request.method, ['GET', 'HEAD']));
  const m = /^\/services\/data\/v(\d+\.\d)(?:\/(.*))?$/.exec(path);
  const version = m?.[1];
  if (!m || !version || Number(version) < MIN_VERSION || Number(version) > MAX_VERSION + 0.05) return withLimit(notFound());

  // Salesforce takes the session id as "Bearer <token>" or the older "OAuth <token>"
  const oauthScheme = /^OAuth\s+(.+)$/i.exec(request.headers.get('authorization') ?? '');
  const access = store.oauth.validate(bearerOf(request) ?? oauthScheme?.[1]?.trim() ?? null);
  if (access === 'missing') return withLimit(apiError(401, 'INVALID_AUTH_HEADER', 'INVALID_HEADER_TYPE'));
  if (typeof access === 'string') return withLimit(invalidSession());
  if (!store.takeApiCall()) return withLimit(requestLimitExceeded());

  const segments = (m[2] ?? '').split('/').filter(Boolean).map((s) => s);
  const ctx: RestContext = { request, url, store, baseUrl, version, segments };
  return withLimit(await route(ctx));
}

async function route(ctx: RestContext): Promise<Response> {
  const { segments, request } = ctx;
  const [head, second] = segments;
  if (!head) return request.method === 'GET' ? resources(ctx) : methodNotAllowed(request.method, ['GET', 'HEAD']);
  switch (head) {
    case 'limits':
      return segments.length === 1 && request.method === 'GET' ? limits(ctx) : notFound();
    case 'sobjects':
      return sobjects(ctx);
    case 'query':
    case 'queryAll': {
      if (request.method !== 'GET') return methodNotAllowed(request.method, ['GET', 'HEAD']);
      if (segments.length > 2) return notFound();
      return second ? queryMore(ctx, second, head === 'queryAll') : runQuery(ctx, head === 'queryAll');
    }
    case 'composite':
      if (second !== 'sobjects') return notFound();
      if (Number(ctx.version) < 42) return notFound();
      return handleCollections(ctx);
    case 'jobs':
      return handleBulk(ctx);
    default:
      return notFound();
  }
}
