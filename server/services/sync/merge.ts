import type { ConflictStrategy, MappingDirection, MappingOverride } from '../../shared/sync';
import { blank } from './transforms';

/**
 * The three-way merge of one linked record, in mapped-field space (DESIGN §4): each
 * field's app value and CRM value are compared with the base — the value both sides
 * agreed on at the last successful sync.
 *
 *   app = base, crm = base      → nothing (this is what stops our own writes echoing back)
 *   app = crm                   → converged; the base moves to it
 *   only the CRM changed        → the app takes it          (if the field pulls)
 *   only the app changed        → the CRM takes it          (if the field pushes)
 *   both changed, differently   → a conflict: the field's override, else the connection's
 *                                 strategy picks a winner; manual_review parks the field
 *
 * Pure and allocation-light: it runs once per record per sync (the benchmark's
 * "conflict detection cost per record").
 */

export type Values = Record<string, string | null>;

export interface MergeField {
  /** The base snapshot key: `appField>remoteField`. */
  key: string;
  direction: MappingDirection;
  override: MappingOverride;
}

export interface MergeInput {
  fields: readonly MergeField[];
  app: Values;
  remote: Values;
  /** Missing keys (never synced) count as null. */
  base: Record<string, string | null | undefined>;
  strategy: ConflictStrategy;
  /** Epoch ms of each side's last modification, for last_write_wins (ties go to the CRM). */
  appModifiedAt: number;
  remoteModifiedAt: number;
  /** Fields with an open conflict: left alone until a person resolves them. */
  parked?: ReadonlySet<string>;
  /** Conflicts a person chose to ignore, by key, with the values they saw: not parked again while unchanged. */
  ignored?: ReadonlyMap<string, { app: string | null; remote: string | null }>;
}

export interface MergeConflict {
  key: string;
  app: string | null;
  remote: string | null;
  base: string | null;
}

export interface MergeOutcome {
  /** Values the app record must take. */
  toApp: Values;
  /** Values the CRM record must take (app-space; the mapping's push transform applies). */
  toRemote: Values;
  /** The base after both patches are applied. */
  base: Values;
  /** Newly parked (manual_review) or still-parked conflicts with the current values. */
  conflicts: MergeConflict[];
  /** Both-sided changes settled automatically (strategy or override). */
  settled: { key: string; winner: 'app' | 'crm' }[];
  /** Parked fields whose two sides now agree (their conflicts close). */
  converged: string[];
}

const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? null) === (b ?? null);

function winnerOf(field: MergeField, r: string | null, input: MergeInput): 'app' | 'crm' | 'park' {
  switch (field.override) {
    case 'always_app':
      return 'app';
    case 'always_crm':
      return 'crm';
    case 'prefer_crm_unless_blank':
      return blank(r) ? 'app' : 'crm';
    case 'strategy':
      break;
  }
  switch (input.strategy) {
    case 'crm_wins':
      return 'crm';
    case 'app_wins':
      return 'app';
    case 'last_write_wins':
      return input.appModifiedAt > input.remoteModifiedAt ? 'app' : 'crm';
    case 'manual_review':
      return 'park';
  }
}

export function mergeRecord(input: MergeInput): MergeOutcome {
  const out: MergeOutcome = { toApp: {}, toRemote: {}, base: {}, conflicts: [], settled: [], converged: [] };
  for (const field of input.fields) {
    const { key } = field;
    const b = input.base[key] ?? null;
    out.base[key] = b;
    // 'none', or a side whose value is unknown (a contact's account not linked yet): left alone
    if (field.direction === 'none' || !(key in input.app) || !(key in input.remote)) continue;
    const a = input.app[key] ?? null;
    const r = input.remote[key] ?? null;
    if (same(a, r)) {
      out.base[key] = a;
      if (input.parked?.has(key)) out.converged.push(key);
      continue;
    }
    const appChanged = !same(a, b);
    const remoteChanged = !same(r, b);
    const pulls = field.direction === 'both' || field.direction === 'pull';
    const pushes = field.direction === 'both' || field.direction === 'push';
    if (field.direction === 'pull' || (remoteChanged && !appChanged)) {
      // a pull-only field follows the CRM whenever the CRM changed, whatever the app did
      if (remoteChanged && pulls) {
        out.toApp[key] = r;
        out.base[key] = r;
      }
      continue;
    }
    if (field.direction === 'push' || (appChanged && !remoteChanged)) {
      if (appChanged && pushes) {
        out.toRemote[key] = a;
        out.base[key] = a;
      }
      continue;
    }
    // both sides changed, to different values
    if (input.parked?.has(key)) {
      out.conflicts.push({ key, app: a, remote: r, base: b });
      continue;
    }
    const winner = winnerOf(field, r, input);
    if (winner === 'park') {
      const ignored = input.ignored?.get(key);
      if (ignored && same(ignored.app, a) && same(ignored.remote, r)) continue;
      out.conflicts.push({ key, app: a, remote: r, base: b });
      continue;
    }
    out.settled.push({ key, winner });
    if (winner === 'crm') {
      out.toApp[key] = r;
      out.base[key] = r;
    } else {
      out.toRemote[key] = a;
      out.base[key] = a;
    }
  }
  return out;
}

export const hasValues = (values: Values) => Object.keys(values).length > 0;
