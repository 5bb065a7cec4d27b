import { z } from 'zod';
import { filterOperators, type FilterRule } from '../../shared/sync';
import { blank } from './transforms';

/**
 * Sync filters: rules (field, operator, value) on app field names, all of which a
 * record must pass. Both sides are judged in mapped-field space — app rows by their own
 * values, CRM records by their values after the mapping's transforms — so one rule set
 * means the same thing in both directions.
 */

export const filterRuleSchema = z
  .object({
    field: z.string().min(1).max(100),
    operator: z.enum(filterOperators),
    value: z.union([z.string().max(500), z.array(z.string().max(500)).max(100)]).optional(),
  })
  .strict()
  .refine((r) => ['is_empty', 'not_empty'].includes(r.operator) || r.value !== undefined, { message: 'This operator needs a value.', path: ['value'] });

export const filtersSchema = z
  .object({ account: z.array(filterRuleSchema).max(20).optional(), contact: z.array(filterRuleSchema).max(20).optional() })
  .strict();

const norm = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();

export function ruleMatches(rule: FilterRule, value: string | null): boolean {
  const values = Array.isArray(rule.value) ? rule.value : rule.value === undefined ? [] : [rule.value];
  const first = norm(values[0]);
  switch (rule.operator) {
    case 'eq':
      return norm(value) === first;
    case 'neq':
      return norm(value) !== first;
    case 'contains':
      return norm(value).includes(first);
    case 'not_contains':
      return !norm(value).includes(first);
    case 'starts_with':
      return norm(value).startsWith(first);
    case 'is_empty':
      return blank(value);
    case 'not_empty':
      return !blank(value);
    case 'in':
      return values.map(norm).includes(norm(value));
  }
}

/** True when a record (its app-space values by app field) passes every rule. */
export function passesFilters(rules: FilterRule[] | undefined, valueOf: (appField: string) => string | null): boolean {
  if (!rules?.length) return true;
  return rules.every((rule) => ruleMatches(rule, valueOf(rule.field)));
}
