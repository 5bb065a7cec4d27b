import { and, eq, inArray, isNull, notExists, sql } from 'drizzle-orm';
import { accounts, contacts, recordLinks } from '../../../db/schema';
import type { SyncEntity } from '../../shared/sync';
import type { Executor } from '../crm/context';
import { mergeCustom, normalizedName, type AccountRow, type AppRow, type AppWrite, type ContactRow } from './app-fields';

/**
 * The app's accounts and contacts as the sync engine reads and writes them: by id (with
 * a row lock inside a page's transaction), by dedupe key among active records not yet
 * linked to the connection, inserted and updated in bulk. Writes go straight to the
 * tables (the CRM services' actor and duplicate answers are for people); the trigger
 * still stamps change_seq and updated_at.
 */

export const appTable = (entity: SyncEntity) => (entity === 'account' ? accounts : contacts);

export async function appRowsByIds(db: Executor, organizationId: string, entity: SyncEntity, ids: string[], lock = false): Promise<Map<string, AppRow>> {
  if (ids.length === 0) return new Map();
  const table = appTable(entity);
  const query = db
    .select()
    .from(table)
    .where(and(eq(table.organizationId, organizationId), inArray(table.id, [...new Set(ids)])))
    .orderBy(table.id);
  const rows = (lock ? await query.for('update') : await query) as AppRow[];
  return new Map(rows.map((r) => [r.id, r]));
}

export const isLive = (row: AppRow) => row.deletedAt === null && row.mergedIntoId === null;

const notLinked = (connectionId: string, entity: SyncEntity, idColumn: typeof accounts.id | typeof contacts.id) =>
  notExists(
    sql`(select 1 from ${recordLinks} where ${recordLinks.connectionId} = ${connectionId} and ${recordLinks.entity} = ${entity} and ${recordLinks.appId} = ${idColumn})`,
  );

/** Active contacts by lower-cased e-mail that no CRM record of this connection is linked to yet. */
export async function unlinkedContactsByEmail(db: Executor, organizationId: string, connectionId: string, emails: string[]): Promise<Map<string, ContactRow>> {
  const keys = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  if (keys.length === 0) return new Map();
  const rows = await db
    .select()
    .from(contacts)
    .where(
      and(
        eq(contacts.organizationId, organizationId),
        isNull(contacts.deletedAt),
        inArray(sql`lower(${contacts.email})`, keys),
        notLinked(connectionId, 'contact', contacts.id),
      ),
    )
    .orderBy(contacts.createdAt, contacts.id)
    .for('update');
  const out = new Map<string, ContactRow>();
  for (const row of rows) if (row.email && !out.has(row.email.toLowerCase())) out.set(row.email.toLowerCase(), row);
  return out;
}

/**
 * Live app records by id that no CRM record of this connection is linked to: the ones a CRM
 * record names as its own (RemoteRecord.appId — we created it, and the crash came before our link).
 */
export async function unlinkedByIds(db: Executor, organizationId: string, connectionId: string, entity: SyncEntity, ids: string[]): Promise<Map<string, AppRow>> {
  const wanted = [...new Set(ids.filter(Boolean))];
  if (wanted.length === 0) return new Map();
  const table = entity === 'contact' ? contacts : accounts;
  const rows = (await db
    .select()
    .from(table)
    .where(and(eq(table.organizationId, organizationId), isNull(table.deletedAt), isNull(table.mergedIntoId), inArray(table.id, wanted), notLinked(connectionId, entity, table.id)))
    .orderBy(table.id)
    .for('update')) as AppRow[];
  return new Map(rows.map((r) => [r.id, r]));
}

/** Same as normalizedName(): lower-case, ASCII spaces and punctuation removed (locale-independent on both sides). */
const nameKey = sql`regexp_replace(lower(${accounts.name}), '[[:space:]!-/:-@[-\`{-~]+', '', 'g')`;

/** Active accounts that no CRM record of this connection is linked to yet: by domain, and by normalised name. */
export async function unlinkedAccounts(
  db: Executor,
  organizationId: string,
  connectionId: string,
  probe: { domains: string[]; names: string[] },
): Promise<{ byDomain: Map<string, AccountRow>; byName: Map<string, AccountRow> }> {
  const domains = [...new Set(probe.domains.filter(Boolean))];
  const names = [...new Set(probe.names.filter(Boolean))];
  const byDomain = new Map<string, AccountRow>();
  const byName = new Map<string, AccountRow>();
  if (domains.length === 0 && names.length === 0) return { byDomain, byName };
  const base = and(eq(accounts.organizationId, organizationId), isNull(accounts.deletedAt), isNull(accounts.mergedIntoId), notLinked(connectionId, 'account', accounts.id));
  if (domains.length) {
    const rows = await db
      .select()
      .from(accounts)
      .where(and(base, inArray(sql`lower(${accounts.domain})`, domains)))
      .orderBy(accounts.createdAt, accounts.id)
      .for('update');
    for (const row of rows) if (row.domain && !byDomain.has(row.domain.toLowerCase())) byDomain.set(row.domain.toLowerCase(), row);
  }
  if (names.length) {
    const rows = await db
      .select()
      .from(accounts)
      .where(and(base, inArray(nameKey, names)))
      .orderBy(accounts.createdAt, accounts.id)
      .for('update');
    for (const row of rows) {
      const key = normalizedName(row.name);
      if (key && !byName.has(key)) byName.set(key, row);
    }
  }
  return { byDomain, byName };
}

export interface NewAppRecord {
  write: AppWrite;
  accountId?: string | null;
}

/** Inserts in one statement; returns the rows in input order. */
export async function insertAppRows(db: Executor, organizationId: string, entity: SyncEntity, records: NewAppRecord[]): Promise<AppRow[]> {
  if (records.length === 0) return [];
  const values = records.map((r) => ({
    ...r.write.columns,
    ...(entity === 'contact' && r.accountId !== undefined ? { accountId: r.accountId } : {}),
    organizationId,
    custom: mergeCustom({}, r.write.custom),
    ...(entity === 'account' ? { name: r.write.columns.name ?? '' } : {}),
  }));
  const rows = (await db
    .insert(appTable(entity))
    .values(values as never)
    .returning()) as AppRow[];
  return rows;
}

/** One row's update; null when nothing changed. */
export async function updateAppRow(db: Executor, entity: SyncEntity, row: AppRow, write: AppWrite, accountId?: string | null): Promise<AppRow | null> {
  const set: Record<string, unknown> = { ...write.columns };
  if (Object.keys(write.custom).length) set.custom = mergeCustom(row.custom, write.custom);
  if (entity === 'contact' && accountId !== undefined) set.accountId = accountId;
  if (Object.keys(set).length === 0) return null;
  const table = appTable(entity);
  const [after] = (await db
    .update(table)
    .set(set as never)
    .where(eq(table.id, row.id))
    .returning()) as AppRow[];
  return after ?? null;
}

export async function softDeleteAppRows(db: Executor, organizationId: string, entity: SyncEntity, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const table = appTable(entity);
  const rows = await db
    .update(table)
    .set({ deletedAt: new Date() })
    .where(and(eq(table.organizationId, organizationId), inArray(table.id, ids), isNull(table.deletedAt)))
    .returning({ id: table.id });
  return rows.length;
}
