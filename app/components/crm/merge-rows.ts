import { z } from 'zod';
import type { MergeRow, MergeSide } from './merge';

/**
 * Server side of the merge screens (merge.tsx): the comparison rows of two records and
 * the choices a submitted form makes. Both follow the service's default (server/services/
 * crm/merge.ts): the survivor keeps its value unless it has none.
 */

const empty = (v: unknown) => v === null || v === undefined || v === '';

export function mergeRows<R, F extends string>(
  fields: readonly (readonly [F, string])[],
  survivor: R,
  other: R,
  value: (record: R, field: F) => unknown,
  shown: (record: R, field: F) => string | null,
): MergeRow[] {
  return fields.map(([field, label]) => {
    const mine = value(survivor, field);
    const theirs = value(other, field);
    return {
      key: `field.${field}`,
      label,
      survivor: shown(survivor, field),
      merged: shown(other, field),
      same: JSON.stringify(mine ?? null) === JSON.stringify(theirs ?? null),
      preferred: empty(mine) && !empty(theirs) ? 'merged' : 'survivor',
    };
  });
}

/** Rows for the custom fields either record has a value for. */
export function customMergeRows(definitions: { key: string; label: string }[], survivor: Record<string, unknown>, other: Record<string, unknown>): MergeRow[] {
  return definitions
    .filter((def) => survivor[def.key] !== undefined || other[def.key] !== undefined)
    .map((def) => {
      const mine = survivor[def.key];
      const theirs = other[def.key];
      return {
        key: `custom.${def.key}`,
        label: def.label,
        survivor: mine === undefined || mine === null ? null : String(mine),
        merged: theirs === undefined || theirs === null ? null : String(theirs),
        same: mine === theirs,
        preferred: mine === undefined ? 'merged' : 'survivor',
      };
    });
}

const side = z.enum(['survivor', 'merged']);

/** The radios of a submitted merge form: `field.<name>` (only the allowed names) and `custom.<key>`. */
export function mergeChoices<F extends string>(form: FormData, allowed: readonly F[]) {
  const fields: Partial<Record<F, MergeSide>> = {};
  const custom: Record<string, MergeSide> = {};
  for (const [key, value] of form.entries()) {
    const choice = side.safeParse(value);
    if (!choice.success) continue;
    if (key.startsWith('field.')) {
      const field = key.slice(6) as F;
      if (allowed.includes(field)) fields[field] = choice.data;
    } else if (key.startsWith('custom.') && key.length <= 47) custom[key.slice(7)] = choice.data;
  }
  return { fields, custom };
}
