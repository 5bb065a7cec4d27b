import { ID_BASE, type ObjectType } from './constants';

/**
 * One object type's records, built to scale to a million: records live in an array
 * indexed by `id - base` (ids are sequential), the live ones are also kept sorted by
 * id (list paging) and by (modified time, id) (incremental search), so a page costs
 * O(page + log n). Generated records keep their generator row and store only the
 * values written since (`props`); every property value is derived on read.
 */

export interface HsRecord {
  id: number;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
  /** Row of the generated data set, or -1 for records created through the API. */
  gen: number;
  /** Values written through the API or admin ops; they override generated values. */
  props: Record<string, string | null> | null;
}

/** Values derived from the record itself or its associations (hs_object_id, createdate...); undefined when not one. */
export type ComputedValue = (record: HsRecord, name: string) => string | null | undefined;
/** Generated value of a property for a generator row; undefined when the generator has none. */
export type GeneratedValue = (row: number, name: string) => string | null | undefined;

const byModified = (a: HsRecord, b: HsRecord) => a.updatedAt - b.updatedAt || a.id - b.id;

/** First index whose id is ≥ id. */
export function lowerBoundById(list: readonly { id: number }[], id: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose (updatedAt, id) is ≥ (time, id). */
export function lowerBoundByModified(list: HsRecord[], time: number, id = -Infinity): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = list[mid]!;
    if (r.updatedAt < time || (r.updatedAt === time && r.id < id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const normalizePhone = (phone: string) => phone.replace(/[^\d]/g, '');

export class ObjectCollection {
  private readonly records: (HsRecord | undefined)[];
  /** Live records sorted by id. */
  readonly active: HsRecord[];
  /** Archived records sorted by id. */
  readonly archived: HsRecord[] = [];
  /** Live records sorted by (updatedAt, id). */
  readonly modifiedOrder: HsRecord[];
  /** email (contacts) or domain (companies) → the oldest live record holding it. */
  private readonly uniqueIndex = new Map<string, HsRecord>();
  private phoneIndex: Map<string, HsRecord[]> | null = null;
  private nextId: number;
  readonly base: number;
  readonly uniqueKey: 'email' | 'domain';

  constructor(
    readonly type: ObjectType,
    seeds: { createdAt: number; updatedAt: number }[],
    private readonly generated: GeneratedValue,
    private readonly computed: ComputedValue,
  ) {
    this.base = ID_BASE[type];
    this.uniqueKey = type === 'contacts' ? 'email' : 'domain';
    this.records = new Array<HsRecord | undefined>(seeds.length);
    for (let i = 0; i < seeds.length; i++) {
      const seed = seeds[i]!;
      this.records[i] = { id: this.base + i, createdAt: seed.createdAt, updatedAt: seed.updatedAt, archivedAt: null, gen: i, props: null };
    }
    this.active = this.records.slice() as HsRecord[];
    this.modifiedOrder = this.active.slice().sort(byModified);
    for (const record of this.active) {
      const key = this.generated(record.gen, this.uniqueKey);
      if (key && !this.uniqueIndex.has(key)) this.uniqueIndex.set(key, record);
    }
    this.nextId = this.base + seeds.length;
  }

  get size(): number {
    return this.active.length;
  }

  /** A record by numeric id string, live or archived. */
  byId(id: string | number): HsRecord | undefined {
    const n = typeof id === 'number' ? id : /^\d{1,15}$/.test(id) ? Number(id) : NaN;
    if (!Number.isInteger(n)) return undefined;
    return this.records[n - this.base];
  }

  /** A live record by its unique key (email or domain), case-insensitive. */
  byUnique(value: string): HsRecord | undefined {
    return this.uniqueIndex.get(value.trim().toLowerCase());
  }

  /** Looks a live record up by `idProperty` (hs_object_id, email/domain, or any other property by scan). */
  lookup(idProperty: string | undefined, value: string): HsRecord | undefined {
    if (!idProperty || idProperty === 'hs_object_id') {
      const record = this.byId(value);
      return record && record.archivedAt === null ? record : undefined;
    }
    if (idProperty === this.uniqueKey) return this.byUnique(value);
    return this.active.find((r) => this.value(r, idProperty) === value);
  }

  /** Live records whose phone has the same digits. */
  byPhone(phone: string): HsRecord[] {
    if (!this.phoneIndex) {
      this.phoneIndex = new Map();
      for (const record of this.active) this.indexPhone(record);
    }
    return this.phoneIndex.get(normalizePhone(phone)) ?? [];
  }

  private indexPhone(record: HsRecord): void {
    const phone = this.value(record, 'phone');
    if (!phone || !this.phoneIndex) return;
    const key = normalizePhone(phone);
    const list = this.phoneIndex.get(key);
    if (list) list.push(record);
    else this.phoneIndex.set(key, [record]);
  }

  private unindexPhone(record: HsRecord, phone: string | null): void {
    if (!phone || !this.phoneIndex) return;
    const key = normalizePhone(phone);
    const list = this.phoneIndex.get(key)?.filter((r) => r !== record);
    if (list?.length) this.phoneIndex.set(key, list);
    else this.phoneIndex.delete(key);
  }

  /** The value of one property: computed, written, generated, or null. */
  value(record: HsRecord, name: string): string | null {
    const computed = this.computed(record, name);
    if (computed !== undefined) return computed;
    if (record.props && Object.prototype.hasOwnProperty.call(record.props, name)) return record.props[name] ?? null;
    if (record.gen >= 0) return this.generated(record.gen, name) ?? null;
    return null;
  }

  create(values: Record<string, string | null>, now: number): HsRecord {
    const record: HsRecord = { id: this.nextId++, createdAt: now, updatedAt: now, archivedAt: null, gen: -1, props: { ...values } };
    this.records[record.id - this.base] = record;
    this.active.push(record); // ids only grow: stays sorted
    this.insertModified(record);
    const key = values[this.uniqueKey];
    if (key && !this.uniqueIndex.has(key)) this.uniqueIndex.set(key, record);
    this.indexPhone(record);
    return record;
  }

  /**
   * Writes values; bumps the modification stamp when anything changed.
   * Returns the properties whose value changed.
   */
  update(record: HsRecord, values: Record<string, string | null>, now: number, touch = true): { name: string; value: string | null }[] {
    const changed: { name: string; value: string | null }[] = [];
    for (const [name, value] of Object.entries(values)) {
      const before = this.value(record, name);
      if (before === value) continue;
      if (name === this.uniqueKey) {
        if (before && this.uniqueIndex.get(before) === record) this.uniqueIndex.delete(before);
        if (value && !this.uniqueIndex.has(value)) this.uniqueIndex.set(value, record);
      }
      if (name === 'phone') this.unindexPhone(record, before);
      record.props ??= {};
      record.props[name] = value;
      if (name === 'phone') this.indexPhone(record);
      changed.push({ name, value });
    }
    if (changed.length && touch) this.touch(record, now);
    return changed;
  }

  /** Moves many live records to one new stamp with a single pass over the index (admin bulk modify). */
  touchMany(records: HsRecord[], now: number): void {
    const moving = new Set(records.filter((r) => r.archivedAt === null));
    if (moving.size < 32) {
      for (const record of moving) this.touch(record, now);
      return;
    }
    const list = this.modifiedOrder;
    let w = 0;
    for (let r = 0; r < list.length; r++) if (!moving.has(list[r]!)) list[w++] = list[r]!;
    list.length = w;
    for (const record of moving) record.updatedAt = Math.max(record.updatedAt, now);
    const sorted = [...moving].sort(byModified);
    const last = list[list.length - 1];
    if (!last || byModified(last, sorted[0]!) < 0) list.push(...sorted);
    else for (const record of sorted) this.insertModified(record);
  }

  /** Moves a live record to a new modification stamp (property or association change). */
  touch(record: HsRecord, now: number): void {
    if (record.archivedAt !== null) {
      record.updatedAt = Math.max(record.updatedAt, now);
      return;
    }
    this.removeModified(record);
    record.updatedAt = Math.max(record.updatedAt, now);
    this.insertModified(record);
  }

  archive(record: HsRecord, now: number): boolean {
    if (record.archivedAt !== null) return false;
    this.removeModified(record);
    const at = lowerBoundById(this.active, record.id);
    if (this.active[at] === record) this.active.splice(at, 1);
    record.archivedAt = now;
    this.archived.splice(lowerBoundById(this.archived, record.id), 0, record);
    this.unindex(record);
    return true;
  }

  /** Archives many records with one pass over the sorted arrays (admin deleteRecords on big stores). */
  archiveMany(records: HsRecord[], now: number): HsRecord[] {
    const doomed = new Set(records.filter((r) => r.archivedAt === null));
    if (doomed.size === 0) return [];
    if (doomed.size < 32) {
      for (const record of doomed) this.archive(record, now);
      return [...doomed];
    }
    const keep = (list: HsRecord[]) => {
      let w = 0;
      for (let r = 0; r < list.length; r++) if (!doomed.has(list[r]!)) list[w++] = list[r]!;
      list.length = w;
    };
    keep(this.active);
    keep(this.modifiedOrder);
    for (const record of doomed) {
      record.archivedAt = now;
      this.unindex(record);
    }
    this.archived.push(...doomed);
    this.archived.sort((a, b) => a.id - b.id);
    return [...doomed];
  }

  private unindex(record: HsRecord): void {
    const key = this.value(record, this.uniqueKey);
    if (key && this.uniqueIndex.get(key) === record) this.uniqueIndex.delete(key);
    this.unindexPhone(record, this.value(record, 'phone'));
  }

  private insertModified(record: HsRecord): void {
    const list = this.modifiedOrder;
    const last = list[list.length - 1];
    if (!last || byModified(last, record) < 0) list.push(record);
    else list.splice(lowerBoundByModified(list, record.updatedAt, record.id), 0, record);
  }

  private removeModified(record: HsRecord): void {
    const list = this.modifiedOrder;
    const at = lowerBoundByModified(list, record.updatedAt, record.id);
    if (list[at] === record) list.splice(at, 1);
    else {
      const slow = list.indexOf(record);
      if (slow >= 0) list.splice(slow, 1);
    }
  }
}
