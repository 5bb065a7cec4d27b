import { normalizeId } from './ids';
import { objectDef, OBJECTS, type FieldDef, type ObjectDef, type ObjectName } from './schema';

/**
 * A small SOQL front end: tokenizer, recursive-descent parser and type checker for the
 * subset a sync needs —
 *   SELECT fields | COUNT() | FIELDS(ALL|STANDARD|CUSTOM) FROM Account|Contact|Lead
 *   [WHERE <conditions with AND / OR / NOT / parentheses>] [ORDER BY f [ASC|DESC]
 *   [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
 * Conditions: = != <> < <= > >= LIKE IN NOT IN on fields and one level of parent
 * relationship (Contact.Account.Name), with string, number, boolean, null, datetime and
 * date-literal values (TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n).
 * Anything else answers Salesforce's own error (MALFORMED_QUERY, INVALID_FIELD,
 * INVALID_TYPE) with its caret-and-position message.
 */

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR' | 'NUMBER_OUTSIDE_VALID_RANGE',
    readonly detail: string,
    readonly pos: number | null,
  ) {
    super(detail);
  }

  /** The message as Salesforce formats it: the query line, a caret, row and column, the reason. */
  format(soql: string): string {
    if (this.pos === null) return this.detail;
    const before = soql.slice(0, this.pos);
    const row = before.split('\n').length;
    const lineStart = before.lastIndexOf('\n') + 1;
    const column = this.pos - lineStart + 1;
    const line = soql.slice(lineStart).split('\n')[0];
    return `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${this.detail}`;
  }
}

type TokKind = 'ident' | 'string' | 'number' | 'datetime' | 'date' | 'punct' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  /** Unescaped string / upper-cased keyword candidates keep `text`. */
  value: string;
  pos: number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![T\d])/;
const NUMBER = /^-?\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;
const PUNCT = ['!=', '<>', '<=', '>=', '=', '<', '>', '(', ')', ',', ':'];

export function tokenize(soql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = soql.slice(i);
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < soql.length && soql[j] !== "'"; j++) {
        if (soql[j] === '\\') {
          const n = soql[j + 1];
          if (n === undefined) break;
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\', '%': '\\%', _: '\\_' };
          const mapped = map[n];
          if (mapped === undefined) throw new SoqlError('MALFORMED_QUERY', `Invalid string literal '${soql.slice(i, j + 2)}'. Illegal character sequence '\\${n}' in string literal.`, i);
          value += mapped;
          j++;
        } else value += soql[j];
      }
      if (j >= soql.length) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${rest.split(/\s/)[0]}'`, i);
      out.push({ kind: 'string', text: soql.slice(i, j + 1), value, pos: i });
      i = j + 1;
      continue;
    }
    let m = DATETIME.exec(rest);
    if (m) {
      out.push({ kind: 'datetime', text: m[0], value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE.exec(rest);
    if (m) {
      out.push({ kind: 'date', text: m[0], value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER.exec(rest);
    if (m && (c !== '-' || !['number', 'string', 'ident', 'datetime'].includes(out[out.length - 1]?.kind ?? ''))) {
      out.push({ kind: 'number', text: m[0], value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = IDENT.exec(rest);
    if (m) {
      out.push({ kind: 'ident', text: m[0], value: m[0].toUpperCase(), pos: i });
      i += m[0].length;
      continue;
    }
    const p = PUNCT.find((x) => rest.startsWith(x));
    if (p) {
      out.push({ kind: 'punct', text: p, value: p, pos: i });
      i += p.length;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${c}'`, i);
  }
  out.push({ kind: 'eof', text: '<EOF>', value: '<EOF>', pos: soql.length });
  return out;
}

// ---- AST ----------------------------------------------------------------------------------

export interface FieldRef {
  /** Output path, canonical case: "Name" or "Account.Name". */
  path: string;
  field: FieldDef;
  /** The root's reference field for a parent path (Contact.AccountId), else null. */
  via: FieldDef | null;
  target: ObjectName;
  pos: number;
}

/** A type-checked literal. Text is lower-cased (SOQL compares text case-insensitively). */
export type Literal =
  | { kind: 'null' }
  | { kind: 'text'; value: string }
  | { kind: 'id'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'datetime'; value: number }
  | { kind: 'range'; lo: number; hi: number };

export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like' | 'in' | 'notin';

export type Expr =
  | { kind: 'and' | 'or'; items: Expr[] }
  | { kind: 'not'; item: Expr }
  | { kind: 'cmp'; ref: FieldRef; op: CmpOp; value: Literal; values: Literal[]; like: RegExp | null };

export interface OrderItem {
  ref: FieldRef;
  dir: 1 | -1;
  nullsFirst: boolean;
}

export interface ParsedQuery {
  soql: string;
  object: ObjectDef;
  count: boolean;
  fields: FieldRef[];
  where: Expr | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number;
}

const DAY = 86_400_000;
const DATE_LITERALS = new Set(['TODAY', 'YESTERDAY', 'TOMORROW', 'LAST_N_DAYS', 'NEXT_N_DAYS']);
const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'ORDER', 'BY', 'LIMIT', 'OFFSET', 'GROUP', 'HAVING', 'WITH', 'FOR', 'USING', 'IN', 'LIKE', 'NULL', 'TRUE', 'FALSE', 'ASC', 'DESC', 'NULLS']);

const textTypes = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);
const numberTypes = new Set(['double', 'int', 'currency']);

export function parseSoql(soql: string, now = Date.now()): ParsedQuery {
  const tokens = tokenize(soql);
  let at = 0;
  const peek = (o = 0) => tokens[Math.min(at + o, tokens.length - 1)]!;
  const next = () => tokens[Math.min(at++, tokens.length - 1)]!;
  const unexpected = (t: Token): never => {
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${t.text}'`, t.pos);
  };
  const isKw = (t: Token, kw: string) => t.kind === 'ident' && t.value === kw;
  const expectKw = (kw: string) => {
    const t = next();
    if (!isKw(t, kw)) unexpected(t);
    return t;
  };
  const expectPunct = (p: string) => {
    const t = next();
    if (t.kind !== 'punct' || t.value !== p) unexpected(t);
    return t;
  };

  expectKw('SELECT');
  // the select list is resolved once FROM is known
  type RawItem = { kind: 'field'; tok: Token } | { kind: 'count'; tok: Token } | { kind: 'fields'; tok: Token; which: string };
  const raw: RawItem[] = [];
  for (;;) {
    const t = next();
    if (t.kind === 'punct' && t.value === '(') throw new SoqlError('MALFORMED_QUERY', 'Relationship subqueries are not supported by this sandbox', t.pos);
    if (t.kind !== 'ident' || RESERVED.has(t.value)) unexpected(t);
    if ((t.value === 'COUNT' || t.value === 'FIELDS') && peek().kind === 'punct' && peek().value === '(') {
      next();
      if (t.value === 'COUNT') {
        if (!(peek().kind === 'punct' && peek().value === ')')) throw new SoqlError('MALFORMED_QUERY', 'Aggregate queries are not supported by this sandbox; use COUNT()', peek().pos);
        next();
        raw.push({ kind: 'count', tok: t });
      } else {
        const which = next();
        if (which.kind !== 'ident' || !['ALL', 'STANDARD', 'CUSTOM'].includes(which.value)) unexpected(which);
        expectPunct(')');
        raw.push({ kind: 'fields', tok: t, which: which.value });
      }
    } else raw.push({ kind: 'field', tok: t });
    if (peek().kind === 'punct' && peek().value === ',') {
      next();
      continue;
    }
    break;
  }
  expectKw('FROM');
  const objTok = next();
  if (objTok.kind !== 'ident' || RESERVED.has(objTok.value)) unexpected(objTok);
  const object = objectDef(objTok.text);
  if (!object)
    throw new SoqlError(
      'INVALID_TYPE',
      `sObject type '${objTok.text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      objTok.pos,
    );
  if (raw.some((r) => r.kind === 'count') && raw.length > 1) unexpected(raw[1]!.tok);

  const resolve = (tok: Token): FieldRef => {
    let parts = tok.text.split('.');
    if (parts.length > 1 && parts[0]!.toLowerCase() === object.name.toLowerCase() && !object.relationships.has(parts[0]!.toLowerCase())) parts = parts.slice(1);
    if (parts.length === 1) {
      const field = object.byName.get(parts[0]!.toLowerCase());
      if (!field)
        throw new SoqlError(
          'INVALID_FIELD',
          `No such column '${parts[0]}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
          tok.pos,
        );
      return { path: field.name, field, via: null, target: object.name, pos: tok.pos };
    }
    const via = parts.length === 2 ? object.relationships.get(parts[0]!.toLowerCase()) : undefined;
    const targetName = via?.referenceTo[0];
    const target = targetName && targetName in OBJECTS ? OBJECTS[targetName as ObjectName] : null;
    if (!via || !target)
      throw new SoqlError(
        'INVALID_FIELD',
        `Didn't understand relationship '${parts[0]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        tok.pos,
      );
    const field = target.byName.get(parts[1]!.toLowerCase());
    if (!field)
      throw new SoqlError(
        'INVALID_FIELD',
        `No such column '${parts[1]}' on entity '${target.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        tok.pos,
      );
    return { path: `${via.relationshipName}.${field.name}`, field, via, target: target.name, pos: tok.pos };
  };

  const fields: FieldRef[] = [];
  const seen = new Set<string>();
  let count = false;
  let fieldsFn: Token | null = null;
  for (const item of raw) {
    if (item.kind === 'count') {
      count = true;
      continue;
    }
    const refs =
      item.kind === 'field'
        ? [resolve(item.tok)]
        : object.fields
            .filter((f) => item.which === 'ALL' || (item.which === 'CUSTOM' ? f.custom : !f.custom))
            .map((f) => ({ path: f.name, field: f, via: null, target: object.name, pos: item.tok.pos }));
    if (item.kind === 'fields' && item.which !== 'STANDARD') fieldsFn = item.tok;
    for (const ref of refs) {
      const key = ref.path.toLowerCase();
      if (seen.has(key)) {
        if (item.kind === 'field') throw new SoqlError('MALFORMED_QUERY', `duplicate field selected: ${ref.path}`, ref.pos);
        continue;
      }
      seen.add(key);
      fields.push(ref);
    }
  }

  // ---- WHERE ----
  const literal = (ref: FieldRef, allowRange: boolean): Literal => {
    const t = next();
    const f = ref.field;
    const mismatch = (type: string, quoted: boolean): never => {
      throw new SoqlError('INVALID_FIELD', `value of filter criterion for field '${f.name}' must be of type ${type} and ${quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`, t.pos);
    };
    if (isKw(t, 'NULL')) return { kind: 'null' };
    if (f.type === 'id' || f.type === 'reference') {
      if (t.kind !== 'string') mismatch('id', true);
      const id = normalizeId(t.value);
      if (!id) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${t.value}`, t.pos);
      return { kind: 'id', value: id };
    }
    if (textTypes.has(f.type)) {
      if (t.kind !== 'string') mismatch('string', true);
      return { kind: 'text', value: t.value.toLowerCase() };
    }
    if (numberTypes.has(f.type)) {
      if (t.kind !== 'number') mismatch(f.type === 'int' ? 'int' : 'double', false);
      return { kind: 'number', value: Number(t.value) };
    }
    if (f.type === 'boolean') {
      if (!isKw(t, 'TRUE') && !isKw(t, 'FALSE')) mismatch('boolean', false);
      return { kind: 'boolean', value: t.value === 'TRUE' };
    }
    // datetime
    if (t.kind === 'datetime') return { kind: 'datetime', value: Date.parse(t.value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) };
    if (t.kind === 'ident' && DATE_LITERALS.has(t.value)) {
      const today = Math.floor(now / DAY) * DAY;
      let lo = today;
      let hi = today + DAY;
      if (t.value === 'YESTERDAY') [lo, hi] = [today - DAY, today];
      if (t.value === 'TOMORROW') [lo, hi] = [today + DAY, today + 2 * DAY];
      if (t.value === 'LAST_N_DAYS' || t.value === 'NEXT_N_DAYS') {
        expectPunct(':');
        const n = next();
        if (n.kind !== 'number' || !/^\d+$/.test(n.value)) unexpected(n);
        const days = Number(n.value);
        [lo, hi] = t.value === 'LAST_N_DAYS' ? [today - (days - 1) * DAY, today + DAY] : [today + DAY, today + (days + 1) * DAY];
      }
      if (!allowRange) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${t.text}'`, t.pos);
      return { kind: 'range', lo, hi };
    }
    return mismatch('dateTime', false);
  };

  const comparison = (): Expr => {
    const ft = next();
    if (ft.kind !== 'ident' || RESERVED.has(ft.value)) unexpected(ft);
    const ref = resolve(ft);
    const opTok = next();
    let op: CmpOp;
    if (opTok.kind === 'punct' && ['=', '!=', '<>', '<', '<=', '>', '>='].includes(opTok.value)) op = (opTok.value === '<>' ? '!=' : opTok.value) as CmpOp;
    else if (isKw(opTok, 'LIKE')) op = 'like';
    else if (isKw(opTok, 'IN')) op = 'in';
    else if (isKw(opTok, 'NOT') && isKw(peek(), 'IN')) {
      next();
      op = 'notin';
    } else return unexpected(opTok);
    if (op === 'in' || op === 'notin') {
      expectPunct('(');
      if (isKw(peek(), 'SELECT')) throw new SoqlError('MALFORMED_QUERY', 'Semi-join subqueries are not supported by this sandbox', peek().pos);
      const values: Literal[] = [literal(ref, false)];
      while (peek().kind === 'punct' && peek().value === ',') {
        next();
        values.push(literal(ref, false));
      }
      expectPunct(')');
      return { kind: 'cmp', ref, op, value: { kind: 'null' }, values, like: null };
    }
    const valueTok = peek();
    const value = literal(ref, true);
    if (op === 'like') {
      if (value.kind !== 'text') throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `invalid operator on ${ref.field.type} field: ${ref.path}`, opTok.pos);
      return { kind: 'cmp', ref, op, value, values: [], like: likePattern(value.value) };
    }
    if (value.kind === 'null' && op !== '=' && op !== '!=') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${valueTok.text}'`, valueTok.pos);
    return { kind: 'cmp', ref, op, value, values: [], like: null };
  };

  const unary = (): Expr => {
    if (isKw(peek(), 'NOT')) {
      next();
      return { kind: 'not', item: unary() };
    }
    if (peek().kind === 'punct' && peek().value === '(') {
      next();
      const e = condition();
      expectPunct(')');
      return e;
    }
    return comparison();
  };

  const condition = (): Expr => {
    const items = [unary()];
    let kind: 'and' | 'or' | null = null;
    while (isKw(peek(), 'AND') || isKw(peek(), 'OR')) {
      const t = next();
      const k = t.value === 'AND' ? 'and' : 'or';
      // SOQL needs parentheses when AND and OR are mixed
      if (kind && kind !== k) unexpected(t);
      kind = k;
      items.push(unary());
    }
    return kind ? { kind, items } : items[0]!;
  };

  let where: Expr | null = null;
  if (isKw(peek(), 'WHERE')) {
    next();
    where = condition();
  }

  const orderBy: OrderItem[] = [];
  if (isKw(peek(), 'ORDER')) {
    next();
    expectKw('BY');
    for (;;) {
      const t = next();
      if (t.kind !== 'ident' || RESERVED.has(t.value)) unexpected(t);
      const ref = resolve(t);
      let dir: 1 | -1 = 1;
      if (isKw(peek(), 'ASC')) next();
      else if (isKw(peek(), 'DESC')) {
        next();
        dir = -1;
      }
      let nullsFirst = dir === 1;
      if (isKw(peek(), 'NULLS')) {
        next();
        const w = next();
        if (isKw(w, 'FIRST')) nullsFirst = true;
        else if (isKw(w, 'LAST')) nullsFirst = false;
        else unexpected(w);
      }
      orderBy.push({ ref, dir, nullsFirst });
      if (peek().kind === 'punct' && peek().value === ',') {
        next();
        continue;
      }
      break;
    }
  }

  let limit: number | null = null;
  if (isKw(peek(), 'LIMIT')) {
    next();
    const t = next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) unexpected(t);
    limit = Number(t.value);
  }
  let offset = 0;
  if (isKw(peek(), 'OFFSET')) {
    next();
    const t = next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) unexpected(t);
    offset = Number(t.value);
    if (offset > 2000) throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000', t.pos);
  }
  if (peek().kind !== 'eof') unexpected(peek());
  if (fieldsFn && (limit === null || limit > 200)) throw new SoqlError('MALFORMED_QUERY', 'The SOQL FIELDS function must have a LIMIT of at most 200', fieldsFn.pos);
  return { soql, object, count, fields, where, orderBy, limit, offset };
}

function likePattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += pattern[i + 1];
      i++;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

// ---- evaluation ---------------------------------------------------------------------------

export type Row = Record<string, unknown>;
/** Resolves a parent record by id (for Account.Name on a Contact). */
export type ParentLookup = (id: string) => Row | null;

export function fieldGetter(ref: FieldRef, parent: ParentLookup): (r: Row) => unknown {
  const name = ref.field.name;
  if (!ref.via) return (r) => r[name];
  const via = ref.via.name;
  return (r) => {
    const id = r[via];
    if (typeof id !== 'string') return null;
    return parent(id)?.[name] ?? null;
  };
}

const norm = (ref: FieldRef, v: unknown) => (typeof v === 'string' && textTypes.has(ref.field.type) ? v.toLowerCase() : v);
const literalValue = (l: Literal) => ('value' in l ? l.value : null);

/** Compiles a WHERE expression into a predicate. */
export function compile(expr: Expr, parent: ParentLookup): (r: Row) => boolean {
  switch (expr.kind) {
    case 'and': {
      const parts = expr.items.map((e) => compile(e, parent));
      return (r) => parts.every((p) => p(r));
    }
    case 'or': {
      const parts = expr.items.map((e) => compile(e, parent));
      return (r) => parts.some((p) => p(r));
    }
    case 'not': {
      const inner = compile(expr.item, parent);
      return (r) => !inner(r);
    }
    case 'cmp': {
      const get = fieldGetter(expr.ref, parent);
      const ref = expr.ref;
      if (expr.op === 'in' || expr.op === 'notin') {
        const set = new Set<unknown>(expr.values.map(literalValue));
        const inSet = (r: Row) => {
          const v = get(r);
          return v !== null && v !== undefined && set.has(norm(ref, v));
        };
        if (expr.op === 'in') return inSet;
        const hasNull = set.has(null);
        return (r) => {
          const v = get(r);
          if (v === null || v === undefined) return !hasNull;
          return !set.has(norm(ref, v));
        };
      }
      if (expr.op === 'like') {
        const re = expr.like!;
        return (r) => {
          const v = get(r);
          return typeof v === 'string' && re.test(v);
        };
      }
      const lit = expr.value;
      if (lit.kind === 'null') return expr.op === '=' ? (r) => get(r) == null : (r) => get(r) != null;
      if (lit.kind === 'range') {
        const { lo, hi } = lit;
        const test: Record<string, (v: number) => boolean> = {
          '=': (v) => v >= lo && v < hi,
          '!=': (v) => v < lo || v >= hi,
          '<': (v) => v < lo,
          '<=': (v) => v < hi,
          '>': (v) => v >= hi,
          '>=': (v) => v >= lo,
        };
        const t = test[expr.op]!;
        return (r) => {
          const v = get(r);
          return typeof v === 'number' ? t(v) : expr.op === '!=';
        };
      }
      const want = lit.value as string | number | boolean;
      const op = expr.op;
      return (r) => {
        const raw = get(r);
        if (raw === null || raw === undefined) return op === '!=';
        const v = norm(ref, raw) as string | number | boolean;
        switch (op) {
          case '=':
            return v === want;
          case '!=':
            return v !== want;
          case '<':
            return v < want;
          case '<=':
            return v <= want;
          case '>':
            return v > want;
          default:
            return v >= want;
        }
      };
    }
  }
}

/**
 * Sorts rows for ORDER BY (text case-insensitive, nulls per NULLS FIRST/LAST, Id last).
 * Each row's sort values are computed once, not at every comparison.
 */
export function sortRows<R extends Row>(rows: R[], orderBy: OrderItem[], parent: ParentLookup): R[] {
  const getters = orderBy.map((o) => ({ get: fieldGetter(o.ref, parent), o }));
  const keyed = rows.map((row) => ({ row, keys: getters.map(({ get, o }) => norm(o.ref, get(row))), id: row.Id as string }));
  keyed.sort((a, b) => {
    for (let i = 0; i < getters.length; i++) {
      const o = getters[i]!.o;
      const x = a.keys[i];
      const y = b.keys[i];
      const xn = x === null || x === undefined;
      const yn = y === null || y === undefined;
      if (xn || yn) {
        if (xn && yn) continue;
        return xn === o.nullsFirst ? -1 : 1;
      }
      if (x === y) continue;
      return ((x as string) < (y as string) ? -1 : 1) * o.dir;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return keyed.map((k) => k.row);
}
