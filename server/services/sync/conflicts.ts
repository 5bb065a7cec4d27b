import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { fieldMappings, recordLinks, syncConflicts } from '../../../db/schema';
import type { ConflictStatus, SyncEntity } from '../../shared/sync';
import type { Executor } from '../crm/context';
import { listCustomFields } from '../crm/custom-fields';
import { tenantCountry } from '../crm/phone';
import { buildAppWrite, readAppField } from './app-fields';
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

export async function listConflicts(
  db: Executor,
  organizationId: string,
  input: { connectionId?: string; status?: ConflictStatus; entity?: SyncEntity; cursor?: string; limit: number },
) {
  let after: { createdAt: Date; id: string } | undefined;
  if (input.cursor) {
    const [row] = await db.select({ createdAt: syncConflicts.createdAt, id: syncConflicts.id }).from(syncConflicts).where(and(eq(syncConflicts.id, input.cursor), eq(syncConflicts.organizationId, organizationId)));
    after = row;
  }
  const items = await db
    .select()
    .from(syncConflicts)
    .where(
      and(
        eq(syncConflicts.organizationId, organizationId),
        input.connectionId ? eq(syncConflicts.connectionId, input.connectionId) : undefined,
        input.status ? eq(syncConflicts.status, input.status) : undefined,
        input.entity ? eq(syncConflicts.entity, input.entity) : undefined,
        after ? or(lt(syncConflicts.createdAt, after.createdAt), and(eq(syncConflicts.createdAt, after.createdAt), lt(syncConflicts.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(syncConflicts.createdAt), desc(syncConflicts.id))
    .limit(input.limit + 1);
  return { items: items.slice(0, input.limit), nextCursor: items.length > input.limit ? items[input.limit - 1]!.id : null };
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
  return { conflict, appRecord: rows.get(conflict.appId) ?? null, openFieldsOfRecord: others };
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
