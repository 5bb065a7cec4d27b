import { outputValue, OBJECTS, type ObjectName } from './schema';
import { compile, sortRows, type Expr, type FieldRef, type ParsedQuery, type Row } from './soql';
import { compareKeys, keyOf, lowerBound, MAX_ID, MIN_ID, type IndexKind, type Key, type Rec } from './sorted';
import type { SalesforceStore } from './store';

/**
 * Query execution. A query becomes a cursor over one of the collection's two sorted
 * orders — (SystemModstamp, Id) or Id — bounded by the interval its WHERE implies, or
 * over a small materialized array (hash lookups, other sort orders, queryAll).
 *
 * Index cursors are keyset cursors: a page resumes by binary search after the key of the
 * previous page's last record, so a page costs O(page size + log n) however deep it is.
 * They read a snapshot by write sequence: records created or moved (modified) after the
 * query started are skipped — a modified record shows up in the next incremental query
 * instead, which is what a Salesforce query cursor gives a sync.
 */

interface Bound {
  key: Key;
  incl: boolean;
}
interface Interval {
  lo: Bound;
  hi: Bound;
}

const FULL: Interval = { lo: { key: [-Infinity, MIN_ID], incl: true }, hi: { key: [Infinity, MAX_ID], incl: true } };
const STAMP_FIELDS = new Set(['SystemModstamp', 'LastModifiedDate']);

const maxLo = (a: Bound, b: Bound): Bound => {
  const c = compareKeys(a.key, b.key);
  return c > 0 ? a : c < 0 ? b : { key: a.key, incl: a.incl && b.incl };
};
const minHi = (a: Bound, b: Bound): Bound => {
  const c = compareKeys(a.key, b.key);
  return c < 0 ? a : c > 0 ? b : { key: a.key, incl: a.incl && b.incl };
};
const intersect = (a: Interval, b: Interval): Interval => ({ lo: maxLo(a.lo, b.lo), hi: minHi(a.hi, b.hi) });

function cmpInterval(op: string, lo: Key, hi: Key, point: Key | null): Interval | null {
  const full = FULL;
  switch (op) {
    case '=':
      return { lo: { key: lo, incl: true }, hi: { key: hi, incl: true } };
    case '>':
      return { lo: { key: point ?? hi, incl: false }, hi: full.hi };
    case '>=':
      return { lo: { key: point ?? lo, incl: true }, hi: full.hi };
    case '<':
      return { lo: full.lo, hi: { key: point ?? lo, incl: false } };
    case '<=':
      return { lo: full.lo, hi: { key: point ?? hi, incl: true } };
    default:
      return null;
  }
}

/** The interval one comparison allows on an index, or null when it is not a range of that index. */
function comparisonInterval(e: Extract<Expr, { kind: 'cmp' }>, kind: IndexKind): Interval | null {
  if (e.ref.via) return null;
  const name = e.ref.field.name;
  if (kind === 'stamp' && STAMP_FIELDS.has(name)) {
    if (e.value.kind === 'datetime') {
      const v = e.value.value;
      return cmpInterval(e.op, [v, MIN_ID], [v, MAX_ID], null);
    }
    if (e.value.kind === 'range') {
      const { lo, hi } = e.value;
      // [lo, hi) as keys: from (lo, MIN) inclusive to (hi, MIN) exclusive
      switch (e.op) {
        case '=':
          return { lo: { key: [lo, MIN_ID], incl: true }, hi: { key: [hi, MIN_ID], incl: false } };
        case '>=':
          return { lo: { key: [lo, MIN_ID], incl: true }, hi: FULL.hi };
        case '>':
          return { lo: { key: [hi, MIN_ID], incl: true }, hi: FULL.hi };
        case '<':
          return { lo: FULL.lo, hi: { key: [lo, MIN_ID], incl: false } };
        case '<=':
          return { lo: FULL.lo, hi: { key: [hi, MIN_ID], incl: false } };
        default:
          return null;
      }
    }
    return null;
  }
  if (kind === 'id' && name === 'Id' && e.value.kind === 'id') {
    const k: Key = [0, e.value.value];
    return cmpInterval(e.op, k, k, k);
  }
  return null;
}

const isIdComparison = (e: Expr): e is Extract<Expr, { kind: 'cmp' }> =>
  e.kind === 'cmp' && !e.ref.via && e.ref.field.name === 'Id' && e.value.kind === 'id' && ['=', '<', '<=', '>', '>='].includes(e.op);

/**
 * The tightest interval of the index that contains every match, and whether the WHERE
 * is exactly that interval (then no per-record filter is needed and counts are O(log n)).
 * Understands the keyset form `SystemModstamp > X OR (SystemModstamp = X AND Id > Y)`.
 */
export function analyze(expr: Expr | null, kind: IndexKind): { iv: Interval; exact: boolean } {
  if (!expr) return { iv: FULL, exact: true };
  switch (expr.kind) {
    case 'cmp': {
      const iv = comparisonInterval(expr, kind);
      return iv ? { iv, exact: true } : { iv: FULL, exact: false };
    }
    case 'not':
      return { iv: FULL, exact: false };
    case 'and': {
      const parts = expr.items.map((e) => ({ e, r: analyze(e, kind) }));
      let iv = parts.reduce((acc, p) => intersect(acc, p.r.iv), FULL);
      let exact = true;
      const pinned = kind === 'stamp' && iv.lo.key[0] === iv.hi.key[0] && Number.isFinite(iv.lo.key[0]) && iv.lo.key[1] === MIN_ID && iv.hi.key[1] === MAX_ID;
      for (const p of parts) {
        if (p.r.exact) continue;
        if (pinned && isIdComparison(p.e)) {
          const v = iv.lo.key[0];
          const y = p.e.value.kind === 'id' ? p.e.value.value : MIN_ID;
          const slice = cmpInterval(p.e.op, [v, y], [v, y], [v, y])!;
          iv = intersect(iv, intersect(slice, { lo: { key: [v, MIN_ID], incl: true }, hi: { key: [v, MAX_ID], incl: true } }));
          continue;
        }
        exact = false;
      }
      return { iv, exact };
    }
    case 'or': {
      const parts = expr.items.map((e) => analyze(e, kind));
      const hull: Interval = {
        lo: parts.reduce((acc, p) => (compareKeys(p.iv.lo.key, acc.key) < 0 ? p.iv.lo : acc), parts[0]!.iv.lo),
        hi: parts.reduce((acc, p) => (compareKeys(p.iv.hi.key, acc.key) > 0 ? p.iv.hi : acc), parts[0]!.iv.hi),
      };
      if (parts.some((p) => !p.exact)) return { iv: hull, exact: false };
      const sorted = parts.map((p) => p.iv).sort((a, b) => compareKeys(a.lo.key, b.lo.key));
      let cur = sorted[0]!;
      for (const next of sorted.slice(1)) {
        const c = compareKeys(next.lo.key, cur.hi.key);
        const touches = c < 0 || (c === 0 && (next.lo.incl || cur.hi.incl));
        if (!touches) return { iv: hull, exact: false };
        if (compareKeys(next.hi.key, cur.hi.key) > 0 || (compareKeys(next.hi.key, cur.hi.key) === 0 && next.hi.incl)) cur = { lo: cur.lo, hi: next.hi };
      }
      return { iv: cur, exact: true };
    }
  }
}

const startIndex = (list: Rec[], kind: IndexKind, lo: Bound) => lowerBound(list, kind, lo.key, !lo.incl);
/** One past the last position inside the upper bound. */
const endIndex = (list: Rec[], kind: IndexKind, hi: Bound) => lowerBound(list, kind, hi.key, hi.incl);

export interface PageResult {
  records: Rec[];
  done: boolean;
}

export interface QueryCursor {
  readonly type: ObjectName;
  readonly fields: FieldRef[];
  readonly totalSize: number;
  lastUsed: number;
  /** The page starting at `offset`; null when that offset was never reached by this cursor. */
  fetch(offset: number, size: number): PageResult | null;
}

class ArrayCursor implements QueryCursor {
  lastUsed = Date.now();
  readonly totalSize: number;
  constructor(
    readonly type: ObjectName,
    readonly fields: FieldRef[],
    private readonly rows: Rec[],
  ) {
    this.totalSize = rows.length;
  }
  fetch(offset: number, size: number): PageResult | null {
    if (offset > this.rows.length) return null;
    const records = this.rows.slice(offset, offset + size);
    return { records, done: offset + records.length >= this.rows.length };
  }
}

class KeysetCursor implements QueryCursor {
  lastUsed = Date.now();
  /** Offset → key of the last record before it (null: the start of the range). */
  private readonly positions = new Map<number, Key | null>();
  constructor(
    readonly type: ObjectName,
    readonly fields: FieldRef[],
    readonly totalSize: number,
    private readonly list: Rec[],
    private readonly kind: IndexKind,
    private readonly dir: 1 | -1,
    private readonly iv: Interval,
    private readonly filter: ((r: Row) => boolean) | null,
    private readonly snapshotSeq: number,
    skip: number,
  ) {
    this.positions.set(0, null);
    if (skip > 0) {
      const { last } = this.scan(null, skip);
      this.positions.set(0, last);
    }
  }

  private visible(r: Rec): boolean {
    // the stamp order moves a record on every write; the id order only gains new records
    if ((this.kind === 'stamp' ? r._seq : r._cseq) > this.snapshotSeq) return false;
    return !this.filter || this.filter(r);
  }

  private scan(after: Key | null, size: number): { records: Rec[]; last: Key | null; exhausted: boolean } {
    const { list, kind, iv } = this;
    const records: Rec[] = [];
    let last = after;
    if (this.dir === 1) {
      const end = endIndex(list, kind, iv.hi);
      let i = after ? Math.max(lowerBound(list, kind, after, true), startIndex(list, kind, iv.lo)) : startIndex(list, kind, iv.lo);
      for (; i < end && records.length < size; i++) {
        const r = list[i]!;
        if (!this.visible(r)) continue;
        records.push(r);
        last = keyOf(kind, r);
      }
      return { records, last, exhausted: i >= end };
    }
    const start = startIndex(list, kind, iv.lo);
    let i = (after ? Math.min(lowerBound(list, kind, after), endIndex(list, kind, iv.hi)) : endIndex(list, kind, iv.hi)) - 1;
    for (; i >= start && records.length < size; i--) {
      const r = list[i]!;
      if (!this.visible(r)) continue;
      records.push(r);
      last = keyOf(kind, r);
    }
    return { records, last, exhausted: i < start };
  }

  fetch(offset: number, size: number): PageResult | null {
    if (!this.positions.has(offset)) return null;
    const want = Math.max(0, Math.min(size, this.totalSize - offset));
    if (want === 0) return { records: [], done: true };
    const { records, last, exhausted } = this.scan(this.positions.get(offset)!, want);
    const end = offset + records.length;
    this.positions.set(end, last);
    return { records, done: exhausted || end >= this.totalSize };
  }
}

export interface PlannedQuery {
  count: number;
  cursor: QueryCursor | null;
}

/** Finds a top-level `Id|External_Id__c|Email = / IN` to answer from a hash index. */
function hashLookup(q: ParsedQuery, store: SalesforceStore): Rec[] | null {
  const conjuncts = !q.where ? [] : q.where.kind === 'and' ? q.where.items : [q.where];
  const type = q.object.name;
  const col = store.collections[type];
  for (const c of conjuncts) {
    if (c.kind !== 'cmp' || c.ref.via || (c.op !== '=' && c.op !== 'in')) continue;
    const values = (c.op === 'in' ? c.values : [c.value]).filter((v) => v.kind !== 'null').map((v) => ('value' in v ? String(v.value) : ''));
    const name = c.ref.field.name;
    if (name === 'Id') return values.map((id) => store.get(id)).filter((r): r is Rec => !!r && store.typeOf(r) === type);
    if (name === 'External_Id__c') return values.map((v) => col.externalIds.get(v)).filter((r): r is Rec => !!r);
    if (name === 'Email') {
      const index = col.emailIndex();
      return [...new Set(values.flatMap((v) => index.get(v) ?? []))];
    }
  }
  return null;
}

/** Plans and opens a query: its total size and, unless it is COUNT(), a cursor. */
export function openQuery(q: ParsedQuery, store: SalesforceStore, scanAll: boolean): PlannedQuery {
  const type = q.object.name;
  const col = store.collections[type];
  const parent = (id: string) => store.get(id);
  const predicate = q.where ? compile(q.where, parent) : null;
  const limit = q.limit ?? Infinity;
  const window = (n: number) => Math.max(0, Math.min(n - q.offset, limit));

  const materialize = (rows: Rec[]): PlannedQuery => {
    rows = sortRows(rows, q.orderBy, parent);
    const sliced = rows.slice(q.offset, q.offset + window(rows.length));
    return { count: sliced.length, cursor: q.count ? null : new ArrayCursor(type, q.fields, sliced) };
  };

  const direct = hashLookup(q, store);
  if (direct && !scanAll) return materialize(direct.filter((r) => !predicate || predicate(r)));

  const stamp = analyze(q.where, 'stamp');
  const stampNarrowed = compareKeys(stamp.iv.lo.key, FULL.lo.key) !== 0 || compareKeys(stamp.iv.hi.key, FULL.hi.key) !== 0;
  const o = q.orderBy;
  const isStamp = (i: number) => !!o[i] && !o[i]!.ref.via && STAMP_FIELDS.has(o[i]!.ref.field.name);
  const isId = (i: number) => !!o[i] && !o[i]!.ref.via && o[i]!.ref.field.name === 'Id';
  let kind: IndexKind | null = null;
  let dir: 1 | -1 = 1;
  if (o.length === 0) kind = stampNarrowed ? 'stamp' : 'id';
  else if (o.length === 1 && isId(0)) [kind, dir] = ['id', o[0]!.dir];
  else if (isStamp(0) && (o.length === 1 || (o.length === 2 && isId(1) && o[1]!.dir === o[0]!.dir))) [kind, dir] = ['stamp', o[0]!.dir];

  const scanRange = (k: IndexKind, iv: Interval, filter: ((r: Row) => boolean) | null) => {
    const list = k === 'stamp' ? col.byStamp : col.byIdOrder;
    const out: Rec[] = [];
    for (let i = startIndex(list, k, iv.lo), end = endIndex(list, k, iv.hi); i < end; i++) if (!filter || filter(list[i]!)) out.push(list[i]!);
    return out;
  };

  if (scanAll || kind === null) {
    const source: IndexKind = stampNarrowed ? 'stamp' : 'id';
    const rows = scanRange(source, source === 'stamp' ? stamp.iv : analyze(q.where, 'id').iv, predicate);
    if (scanAll) for (const d of col.deleted) if (!predicate || predicate(d.record)) rows.push(d.record);
    return materialize(rows);
  }

  const { iv, exact } = kind === 'stamp' ? stamp : analyze(q.where, 'id');
  const list = kind === 'stamp' ? col.byStamp : col.byIdOrder;
  const filter = exact ? null : predicate;
  let total: number;
  if (filter) {
    total = 0;
    for (let i = startIndex(list, kind, iv.lo), end = endIndex(list, kind, iv.hi); i < end; i++) if (filter(list[i]!)) total++;
  } else total = Math.max(0, endIndex(list, kind, iv.hi) - startIndex(list, kind, iv.lo));
  const count = window(total);
  if (q.count) return { count, cursor: null };
  return { count, cursor: new KeysetCursor(type, q.fields, count, list, kind, dir, iv, filter, store.currentSeq(), q.offset) };
}

/** A record as the REST query and retrieve calls return it. */
export function projectRecord(r: Rec, type: ObjectName, fields: FieldRef[], version: string, store: SalesforceStore): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type, url: `/services/data/v${version}/sobjects/${type}/${r.Id}` } };
  for (const ref of fields) {
    if (!ref.via) {
      out[ref.field.name] = outputValue(ref.field, r[ref.field.name]);
      continue;
    }
    const rel = ref.via.relationshipName!;
    const parentId = r[ref.via.name];
    const parentRec = typeof parentId === 'string' ? store.get(parentId) : null;
    if (!parentRec) {
      out[rel] = null;
      continue;
    }
    const nested = (out[rel] as Record<string, unknown> | undefined) ?? {
      attributes: { type: ref.target, url: `/services/data/v${version}/sobjects/${ref.target}/${parentRec.Id}` },
    };
    nested[ref.field.name] = outputValue(ref.field, parentRec[ref.field.name]);
    out[rel] = nested;
  }
  return out;
}

/** All fields of an object as select refs (retrieve without ?fields=). */
export function allFieldRefs(type: ObjectName): FieldRef[] {
  return OBJECTS[type].fields.map((field) => ({ path: field.name, field, via: null, target: type, pos: 0 }));
}

const CURSOR_TTL_MS = 15 * 60_000;

/**
 * Keeps a cursor for queryMore. As Salesforce does, idle cursors expire after 15 minutes
 * and a user has a bounded number open (10): opening one more releases the least
 * recently used, whose locator then answers INVALID_QUERY_LOCATOR.
 */
export function registerCursor(store: SalesforceStore, cursor: QueryCursor): string {
  const now = Date.now();
  for (const [id, c] of store.cursors) {
    if (now - c.lastUsed > CURSOR_TTL_MS) store.cursors.delete(id);
  }
  while (store.cursors.size >= Math.max(1, store.settings.maxOpenCursors)) store.cursors.delete(store.cursors.keys().next().value!);
  const id = store.nextLocatorId();
  store.cursors.set(id, cursor);
  return id;
}

export function lookupCursor(store: SalesforceStore, id: string): QueryCursor | null {
  const c = store.cursors.get(id);
  if (!c) return null;
  if (Date.now() - c.lastUsed > CURSOR_TTL_MS) {
    store.cursors.delete(id);
    return null;
  }
  c.lastUsed = Date.now();
  store.cursors.delete(id);
  store.cursors.set(id, c);
  return c;
}
