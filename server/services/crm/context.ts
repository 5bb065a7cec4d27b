import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type * as schema from '../../../db/schema';

/** The database or a transaction: CRM services accept either, so callers can compose them atomically. */
export type Executor = PgDatabase<PostgresJsQueryResultHKT, typeof schema>;

/**
 * Who is acting in the CRM. Every service scopes its queries by `organizationId`;
 * lead queries also by `userId` unless `seesAllLeads` (the crm.manage_all permission):
 * a sales user's view of the tenant holds only the leads assigned to them.
 */
export interface CrmActor {
  organizationId: string;
  userId: string;
  seesAllLeads: boolean;
}

/** A before/after summary of the fields a change touched, for the audit log and the timeline. */
export type FieldChanges = {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
};

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Only the keys whose value differs; custom values are compared per key as `custom.<key>`. */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>, keys: readonly string[]): FieldChanges {
  const changes: FieldChanges = { before: {}, after: {} };
  for (const key of keys) {
    if (key === 'custom') {
      const b = (before.custom ?? {}) as Record<string, unknown>;
      const a = (after.custom ?? {}) as Record<string, unknown>;
      for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
        if (!same(b[k], a[k])) {
          changes.before[`custom.${k}`] = b[k] ?? null;
          changes.after[`custom.${k}`] = a[k] ?? null;
        }
      }
      continue;
    }
    if (!same(before[key], after[key])) {
      changes.before[key] = before[key] ?? null;
      changes.after[key] = after[key] ?? null;
    }
  }
  return changes;
}

export const hasChanges = (changes: FieldChanges) => Object.keys(changes.after).length > 0;

/** Trimmed text or null: empty form fields and CSV cells mean "no value". */
export function cleanText(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

