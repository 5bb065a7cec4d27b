import { json } from '../core/sandbox';
import { SEARCH_LIMITS, type ObjectType } from './constants';
import { validationError } from './errors';
import { objectScope, propertyNames, readJson, serializeRecord, type Route, type RouteContext } from './http';
import { parseTimestamp, type PropertyDef } from './properties';
import { lowerBoundByModified, type HsRecord, type ObjectCollection } from './records';
import { objectType } from './routes-objects';
import { searchSchema, type Filter, type SearchRequest } from './schemas';
import type { HubSpotStore } from './store';

/**
 * POST /crm/v3/objects/{type}/search. Filter groups are ORed, filters inside a group
 * ANDed. The incremental-sync shape — a range on the modification date sorted by it —
 * is answered straight from the (modified, id) index in O(log n + page); other
 * queries are evaluated once, sorted, and cached per store version so later pages
 * are cheap. Paging stops at HubSpot's 10,000-result cap with a 400.
 */

const MODIFIED: Record<ObjectType, string[]> = { contacts: ['lastmodifieddate', 'hs_lastmodifieddate'], companies: ['hs_lastmodifieddate'] };
const SEARCHABLE: Record<ObjectType, string[]> = { contacts: ['firstname', 'lastname', 'email', 'phone', 'company'], companies: ['name', 'domain', 'phone'] };

interface Sort {
  name: string;
  descending: boolean;
}

type Kind = 'time' | 'number' | 'text';
const kindOf = (def: PropertyDef): Kind => (def.type === 'datetime' || def.type === 'date' ? 'time' : def.type === 'number' ? 'number' : 'text');

/** A comparable form of a value: epoch ms, a number, or lower-cased text; null when absent. */
function comparable(kind: Kind, raw: string | null | undefined): number | string | null {
  if (raw === null || raw === undefined || raw === '') return null;
  if (kind === 'time') return parseTimestamp(raw);
  if (kind === 'number') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : null;
  }
  return raw.toLowerCase();
}

const TOKEN_SPLIT = /[^\p{L}\p{N}]+/u;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function containsToken(value: string, token: string): boolean {
  const lower = value.toLowerCase();
  if (token.includes('*')) {
    const re = globToRegExp(token);
    return re.test(lower) || lower.split(TOKEN_SPLIT).some((t) => re.test(t));
  }
  const wanted = token.toLowerCase();
  return lower === wanted || lower.split(TOKEN_SPLIT).includes(wanted);
}

type Predicate = (record: HsRecord) => boolean;

function compileFilter(collection: ObjectCollection, def: PropertyDef, filter: Filter): Predicate | string {
  const kind = kindOf(def);
  const name = filter.propertyName;
  const needs = (field: 'value' | 'highValue' | 'values') => `Filter on ${name} with operator ${filter.operator} needs "${field}".`;
  const get = (record: HsRecord) => comparable(kind, collection.value(record, name));
  const parse = (raw: string) => comparable(kind, raw);
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return (r) => get(r) !== null;
    case 'NOT_HAS_PROPERTY':
      return (r) => get(r) === null;
    case 'IN':
    case 'NOT_IN': {
      if (!filter.values) return needs('values');
      const set = new Set(filter.values.map(parse));
      return filter.operator === 'IN' ? (r) => set.has(get(r)) : (r) => !set.has(get(r));
    }
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      if (filter.value === undefined) return needs('value');
      const token = filter.value;
      const hit = (r: HsRecord) => {
        const v = collection.value(r, name);
        return v !== null && containsToken(v, token);
      };
      return filter.operator === 'CONTAINS_TOKEN' ? hit : (r) => !hit(r);
    }
    case 'BETWEEN': {
      if (filter.value === undefined) return needs('value');
      if (filter.highValue === undefined) return needs('highValue');
      const lo = parse(filter.value);
      const hi = parse(filter.highValue);
      if (lo === null || hi === null) return `Invalid value for ${name}.`;
      return (r) => {
        const v = get(r);
        return v !== null && v >= lo && v <= hi;
      };
    }
    default: {
      if (filter.value === undefined) return needs('value');
      const target = parse(filter.value);
      if (target === null) return `Invalid value "${filter.value}" for ${name}.`;
      switch (filter.operator) {
        case 'EQ':
          return (r) => get(r) === target;
        case 'NEQ':
          return (r) => get(r) !== target;
        case 'LT':
          return (r) => {
            const v = get(r);
            return v !== null && v < target;
          };
        case 'LTE':
          return (r) => {
            const v = get(r);
            return v !== null && v <= target;
          };
        case 'GT':
          return (r) => {
            const v = get(r);
            return v !== null && v > target;
          };
        default:
          return (r) => {
            const v = get(r);
            return v !== null && v >= target;
          };
      }
    }
  }
}

/** Candidate records of one filter group: a slice of an index, or an index lookup, or everything. */
interface Source {
  list: HsRecord[];
  start: number;
  end: number;
  /** 'modified' when the slice is in (updatedAt, id) order. */
  order: 'modified' | 'id' | 'none';
  /** Filters fully answered by the source (need no re-check). */
  consumed: Set<Filter>;
}

function sourceFor(type: ObjectType, collection: ObjectCollection, filters: Filter[]): Source {
  const consumed = new Set<Filter>();
  let lo = -Infinity;
  let hi = Infinity;
  for (const f of filters) {
    if (!MODIFIED[type].includes(f.propertyName)) continue;
    const v = f.value !== undefined ? parseTimestamp(f.value) : null;
    const h = f.highValue !== undefined ? parseTimestamp(f.highValue) : null;
    if (v === null) continue;
    if (f.operator === 'GTE') lo = Math.max(lo, v);
    else if (f.operator === 'GT') lo = Math.max(lo, v + 1);
    else if (f.operator === 'LTE') hi = Math.min(hi, v);
    else if (f.operator === 'LT') hi = Math.min(hi, v - 1);
    else if (f.operator === 'EQ') [lo, hi] = [Math.max(lo, v), Math.min(hi, v)];
    else if (f.operator === 'BETWEEN' && h !== null) [lo, hi] = [Math.max(lo, v), Math.min(hi, h)];
    else continue;
    consumed.add(f);
  }
  if (consumed.size) {
    const list = collection.modifiedOrder;
    const start = lo === -Infinity ? 0 : lowerBoundByModified(list, lo);
    const end = hi === Infinity ? list.length : lowerBoundByModified(list, hi + 1);
    return { list, start, end: Math.max(start, end), order: 'modified', consumed };
  }
  for (const f of filters) {
    if (f.operator !== 'EQ' && f.operator !== 'IN') continue;
    const values = f.operator === 'EQ' ? (f.value !== undefined ? [f.value] : []) : (f.values ?? []);
    let found: HsRecord[] | null = null;
    if (f.propertyName === collection.uniqueKey) found = values.map((v) => collection.byUnique(v)).filter((r): r is HsRecord => !!r);
    else if (f.propertyName === 'hs_object_id') found = values.map((v) => collection.lookup(undefined, v)).filter((r): r is HsRecord => !!r);
    else if (f.propertyName === 'phone') found = values.flatMap((v) => collection.byPhone(v));
    if (found) {
      const list = [...new Set(found)];
      return { list, start: 0, end: list.length, order: 'none', consumed: new Set() };
    }
  }
  return { list: collection.active, start: 0, end: collection.active.length, order: 'id', consumed };
}

interface Cached {
  version: number;
  records: HsRecord[];
}

const caches = new WeakMap<HubSpotStore, Map<string, Cached>>();

function cacheFor(store: HubSpotStore): Map<string, Cached> {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new Map()));
  return cache;
}

/** Sorts records by the requested properties (then id); each record's sort keys are computed once, not per comparison. */
function sortRecords(collection: ObjectCollection, records: HsRecord[], sorts: { sort: Sort; kind: Kind }[]): HsRecord[] {
  if (sorts.length === 0) return records.sort((a, b) => a.id - b.id);
  const keyed = records.map((record) => ({ record, keys: sorts.map(({ sort, kind }) => comparable(kind, collection.value(record, sort.name))) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < sorts.length; i++) {
      const x = a.keys[i]!;
      const y = b.keys[i]!;
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = x < y ? -1 : 1;
      return sorts[i]!.sort.descending ? -c : c;
    }
    return a.record.id - b.record.id;
  });
  return keyed.map((k) => k.record);
}

interface Plan {
  total: number;
  /** Records at positions [from, to). */
  slice: (from: number, to: number) => HsRecord[];
}

function plan(store: HubSpotStore, type: ObjectType, req: SearchRequest, sorts: Sort[], groups: { filters: Filter[]; predicates: Map<Filter, Predicate> }[], query: string | null): Plan {
  const collection = store.collection(type);
  // fast path: one group (or none) fully answered by an index, in the order asked for
  if (groups.length <= 1 && !query && sorts.length <= 1) {
    const filters = groups[0]?.filters ?? [];
    const source = sourceFor(type, collection, filters);
    const allConsumed = filters.every((f) => source.consumed.has(f));
    const sort = sorts[0];
    const ordered =
      (source.order === 'modified' && sort && MODIFIED[type].includes(sort.name)) ||
      (source.order === 'id' && filters.length === 0 && (!sort || sort.name === 'hs_object_id')) ||
      (source.order === 'id' && filters.length === 0 && sort && MODIFIED[type].includes(sort.name));
    if (allConsumed && ordered) {
      const list = source.order === 'id' && sort && MODIFIED[type].includes(sort.name) ? collection.modifiedOrder : source.list;
      const { start, end } = list === source.list ? source : { start: 0, end: list.length };
      const descending = sort?.descending ?? false;
      return {
        total: end - start,
        slice: (from, to) => {
          const out: HsRecord[] = [];
          for (let k = from; k < Math.min(to, end - start); k++) out.push(list[descending ? end - 1 - k : start + k]!);
          return out;
        },
      };
    }
  }
  const key = JSON.stringify([type, req.filterGroups ?? [], sorts, query]);
  const cache = cacheFor(store);
  let cached = cache.get(key);
  if (!cached || cached.version !== store.version) {
    const matched = new Set<HsRecord>();
    const searchable = SEARCHABLE[type];
    const q = query?.toLowerCase() ?? null;
    const matchesQuery = (r: HsRecord) => !q || searchable.some((name) => collection.value(r, name)?.toLowerCase().includes(q));
    for (const group of groups.length ? groups : [{ filters: [], predicates: new Map() }]) {
      const source = sourceFor(type, collection, group.filters);
      const checks = group.filters.filter((f) => !source.consumed.has(f)).map((f) => group.predicates.get(f)!);
      for (let k = source.start; k < source.end; k++) {
        const record = source.list[k]!;
        if (record.archivedAt !== null || matched.has(record)) continue;
        if (checks.every((check) => check(record)) && matchesQuery(record)) matched.add(record);
      }
    }
    const defs = sorts.map((sort) => ({ sort, kind: kindOf(store.properties.get(type, sort.name)!) }));
    const records = sortRecords(collection, [...matched], defs);
    cached = { version: store.version, records };
    cache.set(key, cached);
    if (cache.size > 16) cache.delete(cache.keys().next().value!);
  }
  const records = cached.records;
  return { total: records.length, slice: (from, to) => records.slice(from, to) };
}

async function search(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, searchSchema, 3_000);
  if (!body.ok) return body.response;
  const req = body.data;
  const limit = req.limit ?? 10;
  if (limit < 0 || limit > SEARCH_LIMITS.maxLimit) return validationError(`limit must be between 0 and ${SEARCH_LIMITS.maxLimit}, got ${limit}`);
  const after = req.after ?? '0';
  if (!/^\d{1,9}$/.test(after)) return validationError(`Invalid after: ${after}`);
  const offset = Number(after);
  if (offset + limit > SEARCH_LIMITS.maxResults) {
    return validationError(`The search API returns at most ${SEARCH_LIMITS.maxResults} results per query: after (${offset}) + limit (${limit}) exceeds it. Narrow the filters to page further.`);
  }
  const groupsIn = req.filterGroups ?? [];
  const filterCount = groupsIn.reduce((n, g) => n + g.filters.length, 0);
  if (groupsIn.length > SEARCH_LIMITS.maxFilterGroups) return validationError(`Too many filter groups: ${groupsIn.length}; at most ${SEARCH_LIMITS.maxFilterGroups} are allowed.`);
  if (groupsIn.some((g) => g.filters.length > SEARCH_LIMITS.maxFiltersPerGroup)) return validationError(`Too many filters in a filter group; at most ${SEARCH_LIMITS.maxFiltersPerGroup} are allowed per group.`);
  if (filterCount > SEARCH_LIMITS.maxFilters) return validationError(`Too many filters: ${filterCount}; at most ${SEARCH_LIMITS.maxFilters} are allowed in total.`);
  const collection = ctx.store.collection(type);
  const groups: { filters: Filter[]; predicates: Map<Filter, Predicate> }[] = [];
  for (const group of groupsIn) {
    const predicates = new Map<Filter, Predicate>();
    for (const filter of group.filters) {
      const def = ctx.store.properties.get(type, filter.propertyName);
      if (!def) return validationError(`Property "${filter.propertyName}" does not exist on object type ${type}.`);
      const compiled = compileFilter(collection, def, filter);
      if (typeof compiled === 'string') return validationError(compiled);
      predicates.set(filter, compiled);
    }
    if (group.filters.length) groups.push({ filters: group.filters, predicates });
  }
  const sorts: Sort[] = [];
  for (const s of req.sorts ?? []) {
    const sort = typeof s === 'string' ? { name: s.replace(/^-/, ''), descending: s.startsWith('-') } : { name: s.propertyName, descending: s.direction === 'DESCENDING' };
    if (!ctx.store.properties.get(type, sort.name)) return validationError(`Cannot sort by "${sort.name}": the property does not exist on object type ${type}.`);
    sorts.push(sort);
  }
  const query = req.query?.trim() ? req.query.trim() : null;
  const result = plan(ctx.store, type, req, sorts, groups, query);
  const names = propertyNames(ctx.store, type, req.properties);
  const page = result.slice(offset, offset + limit);
  const out: Record<string, unknown> = { total: result.total, results: page.map((r) => serializeRecord(ctx.store, type, r, names)) };
  if (offset + limit < result.total && limit > 0) out.paging = { next: { after: String(offset + limit) } };
  return json(out);
}

export const searchRoutes: Route[] = [{ method: 'POST', pattern: /^\/crm\/v3\/objects\/([A-Za-z0-9-]+)\/search$/, scopes: objectScope('read'), handle: search }];
