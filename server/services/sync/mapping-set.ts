import type { RemoteField, RemoteFields, RemoteRecord } from '../../providers/types';
import type { MappingDirection, MappingOverride, SyncEntity } from '../../shared/sync';
import { readAppField, type AppRow } from './app-fields';
import type { MergeField, Values } from './merge';
import { canonical, isPullOnlyTransform, parseTransform, remoteFieldsRead, toApp, toRemote, type TransformContext, type TransformStep } from './transforms';

/**
 * A connection's mappings for one entity, compiled for the engine: the merge's field
 * list, the CRM fields a pull must ask for, and both sides' records read into
 * mapped-field space (keyed `appField>remoteField`, the base snapshot's keys).
 *
 * Contacts carry one more key, ACCOUNT_KEY: the contact ↔ account association, valued by
 * the CRM id of the account (the app side reads it through the account's record link).
 */

export const ACCOUNT_KEY = '@account';

export interface MappingRow {
  id: string;
  appField: string;
  remoteField: string;
  direction: MappingDirection;
  override: MappingOverride;
  transform: unknown;
}

export interface CompiledMapping {
  key: string;
  appField: string;
  remoteField: string;
  direction: MappingDirection;
  override: MappingOverride;
  steps: TransformStep[];
}

/** Steps that only normalise (same value in, same value out the second time): applied to app values too, so "John@X.com" in the app equals "john@x.com" pulled through `lower`. */
const NORMALISERS = new Set(['trim', 'lower', 'upper', 'phone_e164', 'domain']);

export const mappingKey = (appField: string, remoteField: string) => `${appField}>${remoteField}`;

export class MappingSet {
  readonly mappings: CompiledMapping[];
  readonly fields: MergeField[];
  /** CRM fields to read on pulls and fetches. */
  readonly remoteFields: string[];
  private readonly byAppField = new Map<string, CompiledMapping>();

  constructor(
    readonly entity: SyncEntity,
    rows: MappingRow[],
    private readonly ctx: TransformContext,
    /** Contacts: whether accounts sync too, so the association can be carried. */
    readonly withAccount: boolean,
    /** The CRM's field types (from describe), to write numbers and booleans as such. */
    private readonly remoteTypes: Map<string, RemoteField['type']> = new Map(),
  ) {
    this.mappings = rows.map((r) => {
      const steps = parseTransform(r.transform);
      const direction: MappingDirection = isPullOnlyTransform(steps) && r.direction !== 'none' ? 'pull' : r.direction;
      return { key: mappingKey(r.appField, r.remoteField), appField: r.appField, remoteField: r.remoteField, direction, override: r.override, steps };
    });
    for (const m of this.mappings) if (m.direction === 'both' || m.direction === 'pull' || !this.byAppField.has(m.appField)) this.byAppField.set(m.appField, m);
    this.fields = this.mappings.map((m) => ({ key: m.key, direction: m.direction, override: m.override }));
    if (entity === 'contact' && withAccount) this.fields.push({ key: ACCOUNT_KEY, direction: 'both', override: 'strategy' });
    this.remoteFields = [...new Set(this.mappings.filter((m) => m.direction !== 'none').flatMap((m) => remoteFieldsRead(m.remoteField, m.steps)))];
  }

  /** An app row in mapped-field space; `accountRemoteId` is the CRM id of its account (undefined: unknown, left out). */
  appValues(row: AppRow, accountRemoteId?: string | null): Values {
    const values: Values = {};
    for (const m of this.mappings) {
      let v = readAppField(row, m.appField);
      for (const step of m.steps) if (NORMALISERS.has(step.op)) v = toApp({ v }, 'v', [step], this.ctx);
      values[m.key] = v;
    }
    if (this.entity === 'contact' && this.withAccount && accountRemoteId !== undefined) values[ACCOUNT_KEY] = accountRemoteId;
    return values;
  }

  /** A CRM record in mapped-field space. */
  remoteValues(record: RemoteRecord): Values {
    const values: Values = {};
    for (const m of this.mappings) values[m.key] = toApp(record.fields, m.remoteField, m.steps, this.ctx);
    if (this.entity === 'contact' && this.withAccount) values[ACCOUNT_KEY] = record.accountId ?? null;
    return values;
  }

  /** The app field a key writes (for pulls), or null (association, unknown). */
  appFieldOf(key: string): string | null {
    return this.mappings.find((m) => m.key === key)?.appField ?? null;
  }

  /** App-space values → the app fields they set (only mappings that pull). */
  appPatch(values: Values): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const m of this.mappings) {
      if (!(m.key in values) || (m.direction !== 'both' && m.direction !== 'pull')) continue;
      out[m.appField] = values[m.key] ?? null;
    }
    return out;
  }

  /** App-space values → CRM fields (only mappings that push), in the CRM's types. */
  remotePatch(values: Values): RemoteFields {
    const out: RemoteFields = {};
    for (const m of this.mappings) {
      if (!(m.key in values) || (m.direction !== 'both' && m.direction !== 'push')) continue;
      out[m.remoteField] = this.typed(m.remoteField, toRemote(values[m.key] ?? null, m.steps));
    }
    return out;
  }

  private typed(field: string, value: string | null): string | number | boolean | null {
    if (value === null) return null;
    const type = this.remoteTypes.get(field);
    if (type === 'number') {
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    if (type === 'boolean') return value === 'true';
    return value;
  }

  /** The app-space value of an app field as the CRM record has it (for filters and dedupe keys). */
  remoteValueOfAppField(values: Values, appField: string): string | null {
    const m = this.byAppField.get(appField);
    return m ? (values[m.key] ?? null) : null;
  }

  appValueOfAppField(values: Values, appField: string): string | null {
    return this.remoteValueOfAppField(values, appField);
  }

  /** Every mapped key with the same value: the base of a record the sync has just written to one side from the other. */
  static baseFrom(values: Values): Record<string, string | null> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, canonical(v)]));
  }
}
