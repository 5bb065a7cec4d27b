import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { accounts, fieldMappings, recordLinks, syncConflicts } from '../../../db/schema';
import type { ConflictStatus, SyncEntity } from '../../shared/sync';
import type { Executor } from '../crm/context';
import { listCustomFields } from '../crm/custom-fields';
import { tenantCountry } from '../crm/phone';
import { buildAppWrite, readAppField, type AppRow } from './app-fields';
import { appRowsByIds, appTable, updateAppRow } from './app-records';
import { SyncError, syncNotFound } from './errors';
import { ACCOUNT_KEY } from './mapping-set';

/**
 * Parked conflicts (manual_review) and their resolution. Resolving writes the chosen
 * value into the app record and moves the field's base to the CRM value the person saw:
 * the next sync then finds "changed in the app only" when the choice differs from the CRM
 * and pushes it, or nothing to do when the CRM's value was chosen. "Always use app/CRM"
 * also sets the mapping's override, so later conflicts of that field settle themselves.
 */

export type SyncConflict = typeof syncConflicts.$inferSelect;

type ConflictFilter = { connectionId?: string; status?: ConflictStatus; entity?: SyncEntity };

const conflictFilter = (organizationId: string, input: ConflictFilter) =>
  and(
    eq(syncConflicts.organizationId, organizationId),
    input.connectionId ? eq(syncConflicts.connectionId, input.connectionId) : undefined,
    input.status ? eq(syncConflicts.status, input.status) : undefined,
    input.entity ? eq(syncConflicts.entity, input.entity) : undefined,
  );

export async function listConflicts(
  db: Executor,
  organizationId: string,
  input: ConflictFilter & { cursor?: string; limit: number },
) {
  // the cursor row is compared in SQL, where timestamps keep their microseconds
  const cursorRow = input.cursor
    ? sql`(select c.created_at, c.id from sync_conflicts c where c.id = ${input.cursor} and c.organization_id = ${organizationId})`
    : undefined;
  const items = await db
    .select()
    .from(syncConflicts)
    .where(and(conflictFilter(organizationId, input), cursorRow ? sql`(sync_conflicts.created_at, sync_conflicts.id) < ${cursorRow}` : undefined))
    .orderBy(desc(syncConflicts.createdAt), desc(syncConflicts.id))
    .limit(input.limit + 1);
  return { items: items.slice(0, input.limit), nextCursor: items.length > input.limit ? items[input.limit - 1]!.id : null };
}

/**
 * Conflicts grouped per record (a row is one field; a person settles a record), newest
 * first, keyset-paginated by (latest detection, record link id). The cursor is the last
 * group's `cursor` string, kept as Postgres' own timestamp text so no microseconds are lost.
 */
export async function listConflictRecords(
  db: Executor,
  organizationId: string,
  input: ConflictFilter & { cursor?: string; limit: number },
) {
  const latest = sql`max(${syncConflicts.createdAt})`;
  let after: { at: string; recordLinkId: string } | undefined;
  if (input.cursor) {
    const [at, recordLinkId] = input.cursor.split('|');
    if (at && recordLinkId) after = { at, recordLinkId };
  }
  const rows = await db
    .select({
      recordLinkId: syncConflicts.recordLinkId,
      entity: syncConflicts.entity,
      appId: syncConflicts.appId,
      remoteId: syncConflicts.remoteId,
      fields: sql<string[]>`array_agg(${syncConflicts.appField} order by ${syncConflicts.createdAt}, ${syncConflicts.appField})`,
      /** The first (oldest) conflict of the group: the detail page's address. */
      firstId: sql<string>`(array_agg(${syncConflicts.id} order by ${syncConflicts.createdAt}, ${syncConflicts.id}))[1]`,
      detectedAt: sql<Date>`${latest}`.mapWith(syncConflicts.createdAt),
      cursorAt: sql<string>`${latest}::text`,
    })
    .from(syncConflicts)
    .where(conflictFilter(organizationId, input))
    .groupBy(syncConflicts.recordLinkId, syncConflicts.entity, syncConflicts.appId, syncConflicts.remoteId)
    .having(after ? sql`(${latest}, ${syncConflicts.recordLinkId}) < (${after.at}::timestamptz, ${after.recordLinkId}::uuid)` : undefined)
    .orderBy(desc(latest), desc(syncConflicts.recordLinkId))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const names = new Map<string, string>();
  for (const entity of ['account', 'contact'] as const) {
    const ids = page.filter((r) => r.entity === entity).map((r) => r.appId);
    for (const [id, row] of await appRowsByIds(db, organizationId, entity, ids)) names.set(id, recordName(row));
  }
  const last = page[page.length - 1];
  return {
    items: page.map(({ cursorAt: _, ...r }) => ({ ...r, recordName: names.get(r.appId) ?? null })),
    nextCursor: rows.length > input.limit && last ? `${last.cursorAt}|${last.recordLinkId}` : null,
  };
}

/** Open conflicts of a connection, counted per field (the tab's badge). */
export async function countOpenConflicts(db: Executor, organizationId: string, connectionId: string): Promise<{ fields: number; records: number }> {
  const [row] = await db
    .select({ fields: sql<number>`count(*)::int`, records: sql<number>`count(distinct ${syncConflicts.recordLinkId})::int` })
    .from(syncConflicts)
    .where(and(eq(syncConflicts.organizationId, organizationId), eq(syncConflicts.connectionId, connectionId), eq(syncConflicts.status, 'open')));
  return { fields: row?.fields ?? 0, records: row?.records ?? 0 };
}

/** How a person recognises the record: an account's name, a contact's name or e-mail. */
function recordName(row: AppRow): string {
  const r = row as unknown as Record<string, string | null | undefined>;
  if (typeof r.name === 'string' && r.name) return r.name;
  const full = [r.firstName, r.lastName].filter(Boolean).join(' ');
  return full || r.email || row.id;
}

export async function conflictById(db: Executor, organizationId: string, id: string, lock = false): Promise<SyncConflict> {
  const query = db
    .select()
    .from(syncConflicts)
    .where(and(eq(syncConflicts.id, id), eq(syncConflicts.organizationId, organizationId)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw syncNotFound('Conflict');
  return row;
}

/** A conflict with both sides' whole records in app terms, for the split comparison. */
export async function conflictDetail(db: Executor, organizationId: string, id: string) {
  const conflict = await conflictById(db, organizationId, id);
  const rows = await appRowsByIds(db, organizationId, conflict.entity, [conflict.appId]);
  const others = await db
    .select()
    .from(syncConflicts)
    .where(and(eq(syncConflicts.recordLinkId, conflict.recordLinkId), eq(syncConflicts.status, 'open')));
  const appRecord = rows.get(conflict.appId) ?? null;
  // the app's value now (it may have moved since the conflict was parked): what "use app" writes
  const currentAppValues = Object.fromEntries(
    [conflict, ...others].filter((c) => c.field !== ACCOUNT_KEY).map((c) => [c.id, appRecord ? readAppField(appRecord, c.appField) : null]),
  );
  // an association is valued by the CRM account's id on both sides: name the app accounts linked to those ids
  const accountIds = [conflict, ...others]
    .filter((c) => c.field === ACCOUNT_KEY)
    .flatMap((c) => [c.appValue, c.remoteValue, c.baseValue])
    .filter((v): v is string => !!v);
  const accountNames: Record<string, string> = {};
  if (accountIds.length) {
    const named = await db
      .select({ remoteId: recordLinks.remoteId, name: accounts.name })
      .from(recordLinks)
      .innerJoin(accounts, eq(accounts.id, recordLinks.appId))
      .where(and(eq(recordLinks.connectionId, conflict.connectionId), eq(recordLinks.entity, 'account'), inArray(recordLinks.remoteId, [...new Set(accountIds)])));
    for (const row of named) accountNames[row.remoteId] = row.name;
  }
  return { conflict, appRecord, openFieldsOfRecord: others, recordName: appRecord ? recordName(appRecord) : null, currentAppValues, accountNames };
}

export interface Resolution {
  choice: 'app' | 'crm' | 'custom';
  value?: string | null;
  /** Also make this side win every later conflict of this field. */
  always?: boolean;
}

export async function resolveConflict(db: Executor, actor: { organizationId: string; userId: string }, id: string, resolution: Resolution): Promise<SyncConflict> {
  return db.transaction(async (tx) => {
    const conflict = await conflictById(tx, actor.organizationId, id, true);
    if (conflict.status !== 'open') throw new SyncError('conflict', 'This conflict is already settled.');
    if (conflict.field === ACCOUNT_KEY && resolution.choice === 'custom') throw new SyncError('invalid', 'Choose the app or the CRM for an account association.');
    if (resolution.always && resolution.choice === 'custom') throw new SyncError('invalid', '"Always" needs a side (app or CRM).');
    const [link] = await tx.select().from(recordLinks).where(eq(recordLinks.id, conflict.recordLinkId)).for('update');
    if (!link) throw syncNotFound('Record link');
    const row = (await appRowsByIds(tx, actor.organizationId, conflict.entity, [conflict.appId], true)).get(conflict.appId);
    if (!row) throw syncNotFound('Record');

    let chosen: string | null;
    if (conflict.field === ACCOUNT_KEY) {
      chosen = resolution.choice === 'app' ? conflict.appValue : conflict.remoteValue;
      if (resolution.choice === 'crm') {
        const [account] = chosen
          ? await tx
              .select({ appId: recordLinks.appId })
              .from(recordLinks)
              .where(and(eq(recordLinks.connectionId, conflict.connectionId), eq(recordLinks.entity, 'account'), eq(recordLinks.remoteId, chosen)))
          : [];
        if (chosen && !account) throw new SyncError('bad_state', 'That CRM account is not linked to an app account yet; sync accounts first.');
        await updateAppRow(tx, conflict.entity, row, { columns: {}, custom: {} }, account?.appId ?? null);
      }
    } else {
      chosen = resolution.choice === 'app' ? readAppField(row, conflict.appField) : resolution.choice === 'crm' ? conflict.remoteValue : (resolution.value ?? null);
      const country = await tenantCountry(tx, actor.organizationId);
      const customFields = new Map((await listCustomFields(tx, actor.organizationId, conflict.entity)).map((d) => [d.key, d]));
      const built = buildAppWrite({ [conflict.appField]: chosen }, { country, customFields });
      if (!built.ok) throw new SyncError('invalid', built.message, { value: [built.message] });
      await updateAppRow(tx, conflict.entity, row, built.write);
    }
    // the base takes the CRM's value: a chosen value that differs from it is then an app-side change the next push sends
    await tx
      .update(recordLinks)
      .set({ base: { ...link.base, [conflict.field]: conflict.remoteValue ?? null }, updatedAt: new Date() })
      .where(eq(recordLinks.id, link.id));
    // make sure the record is in the next push window even when the app already held the chosen value
    const table = appTable(conflict.entity);
    await tx.update(table).set({ updatedAt: sql`clock_timestamp()` }).where(eq(table.id, row.id));
    if (resolution.always) {
      await tx
        .update(fieldMappings)
        .set({ override: resolution.choice === 'app' ? 'always_app' : 'always_crm', updatedAt: new Date() })
        .where(and(eq(fieldMappings.connectionId, conflict.connectionId), eq(fieldMappings.entity, conflict.entity), eq(fieldMappings.appField, conflict.appField), eq(fieldMappings.remoteField, conflict.remoteField)));
    }
    const [after] = await tx
      .update(syncConflicts)
      .set({ status: 'resolved', resolution: { choice: resolution.choice, value: chosen }, resolvedBy: actor.userId, resolvedAt: new Date(), updatedAt: new Date() })
      .where(eq(syncConflicts.id, conflict.id))
      .returning();
    return after!;
  });
}

/** Leaves both sides as they are; the same pair of values is not parked again (a new change is). */
export async function ignoreConflicts(db: Executor, actor: { organizationId: string; userId: string }, ids: string[]): Promise<number> {
  const rows = await db
    .update(syncConflicts)
    .set({ status: 'ignored', resolvedBy: actor.userId, resolvedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(syncConflicts.organizationId, actor.organizationId), inArray(syncConflicts.id, ids), eq(syncConflicts.status, 'open')))
    .returning({ id: syncConflicts.id });
  return rows.length;
}
