import type { z } from 'zod';
import { parseObjectType, type ObjectType } from './constants';
import { validationError } from './errors';
import type { HsRecord } from './records';
import type { Caller, HubSpotStore } from './store';

/** What every HubSpot route handler gets. */
export interface RouteContext {
  request: Request;
  url: URL;
  store: HubSpotStore;
  /** The authenticated caller (API routes only). */
  caller: Caller | null;
  baseUrl: string;
  params: string[];
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** Scopes of which the caller needs at least one (from the path parameters); none = no check. */
  scopes?: (params: string[]) => string[];
  handle: (ctx: RouteContext) => Promise<Response> | Response;
}

/** Parses a JSON body with a zod schema; answers HubSpot's VALIDATION_ERROR on failure. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S, maxLength = Infinity): Promise<{ ok: true; data: z.output<S> } | { ok: false; response: Response }> {
  const text = await request.text();
  if (text.length > maxLength) return { ok: false, response: validationError(`The request body has ${text.length} characters; the maximum is ${maxLength}.`) };
  let raw: unknown;
  try {
    raw = text ? JSON.parse(text) : undefined;
  } catch (error) {
    return { ok: false, response: validationError(`Invalid input JSON on line 1, column 1: ${error instanceof Error ? error.message : String(error)}`) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ message: issue.message, in: issue.path.join('.') || 'body', code: issue.code.toUpperCase() }));
    return { ok: false, response: validationError(`Invalid input JSON: ${errors.map((e) => `${e.in}: ${e.message}`).join('; ')}`, errors) };
  }
  return { ok: true, data: parsed.data };
}

export async function readForm(request: Request): Promise<URLSearchParams> {
  return new URLSearchParams(await request.text());
}

/** Query arrays come as repeated keys (the client) or comma-separated (curl users); both work. */
export function queryList(url: URL, name: string): string[] | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length === 0) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export const DEFAULT_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
};
const ALWAYS: Record<ObjectType, string[]> = {
  contacts: ['createdate', 'hs_object_id', 'lastmodifieddate'],
  companies: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** The properties a response carries: the defaults, or the requested ones that exist plus the always-on few. */
export function propertyNames(store: HubSpotStore, type: ObjectType, requested: string[] | undefined): string[] {
  if (!requested || requested.length === 0) return DEFAULT_PROPERTIES[type];
  const names = new Set(ALWAYS[type]);
  for (const name of requested) if (store.properties.get(type, name)) names.add(name);
  return [...names].sort();
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A CRM object as the v3 APIs return it (SimplePublicObject). */
export function serializeRecord(store: HubSpotStore, type: ObjectType, record: HsRecord, names: string[], withHistory?: string[]) {
  const collection = store.collection(type);
  const properties: Record<string, string | null> = {};
  for (const name of names) properties[name] = collection.value(record, name);
  const out: Record<string, unknown> = {
    id: String(record.id),
    properties,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    archived: record.archivedAt !== null,
  };
  if (record.archivedAt !== null) out.archivedAt = iso(record.archivedAt);
  if (withHistory?.length) {
    const history: Record<string, { value: string; timestamp: string; sourceType: string }[]> = {};
    for (const name of withHistory) {
      if (!store.properties.get(type, name)) continue;
      const value = collection.value(record, name);
      history[name] = value === null ? [] : [{ value, timestamp: iso(record.updatedAt), sourceType: record.gen >= 0 && !record.props?.[name] ? 'CRM_UI' : 'API' }];
    }
    out.propertiesWithHistory = history;
  }
  return out;
}

/** Batch response envelope; 207 with `errors`/`numErrors` when some inputs failed. */
export function batchEnvelope(startedAt: number, results: unknown[], errors: unknown[]) {
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: iso(startedAt), completedAt: iso(Date.now()) };
  if (errors.length) {
    body.numErrors = errors.length;
    body.errors = errors;
  }
  return body;
}

/** `crm.objects.<type>.<access>` for the object type in path parameter `index` (plus any extra scopes that also grant it). */
export const objectScope =
  (access: 'read' | 'write', index = 0, extra: (type: ObjectType) => string[] = () => []) =>
  (params: string[]): string[] => {
    const type = parseObjectType(params[index] ?? '');
    return type ? [`crm.objects.${type}.${access}`, ...extra(type)] : [];
  };
