import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { recordLinks, syncConflicts, syncCursors } from '../../../db/schema';
import type { CursorKind, SyncEntity } from '../../shared/sync';
import type { Executor } from '../crm/context';

/** Record links, cursors and parked conflicts: the engine's bookkeeping tables. */

export type RecordLink = typeof recordLinks.$inferSelect;

export async function linksByRemoteIds(db: Executor, connectionId: string, entity: SyncEntity, remoteIds: string[]): Promise<Map<string, RecordLink>> {
  if (remoteIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(recordLinks)
    .where(and(eq(recordLinks.connectionId, connectionId), eq(recordLinks.entity, entity), inArray(recordLinks.remoteId, [...new Set(remoteIds)])));
  return new Map(rows.map((r) => [r.remoteId, r]));
}

/** What a sync writes onto an existing link after merging its record. */
export interface LinkStamp {
  id: string;
  base: Record<string, string | null>;
  remoteModifiedAt: Date | null;
  appModifiedAt: Date | null;
  appChangeSeq: number | null;
  lastSyncedAt: Date;
}

/** Many links' stamps in one statement (a page's worth, inside its transaction). */
export async function updateLinkStamps(db: Executor, stamps: LinkStamp[]): Promise<void> {
  if (stamps.length === 0) return;
  const payload = JSON.stringify(
    stamps.map((s) => ({
      id: s.id,
      base: s.base,
      remote_modified_at: s.remoteModifiedAt?.toISOString() ?? null,
      app_modified_at: s.appModifiedAt?.toISOString() ?? null,
      app_change_seq: s.appChangeSeq,
      last_synced_at: s.lastSyncedAt.toISOString(),
    })),
  );
  await db.execute(sql`
    update ${recordLinks} set base = v.base, remote_modified_at = v.remote_modified_at, app_modified_at = v.app_modified_at,
      app_change_seq = v.app_change_seq, last_synced_at = v.last_synced_at, updated_at = now()
    from jsonb_to_recordset(${payload}::jsonb) as v(id uuid, base jsonb, remote_modified_at timestamptz, app_modified_at timestamptz, app_change_seq bigint, last_synced_at timestamptz)
    where ${recordLinks.id} = v.id`);
}

export async function linksByAppIds(db: Executor, connectionId: string, entity: SyncEntity, appIds: string[]): Promise<Map<string, RecordLink>> {
  if (appIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(recordLinks)
    .where(and(eq(recordLinks.connectionId, connectionId), eq(recordLinks.entity, entity), inArray(recordLinks.appId, [...new Set(appIds)])));
  return new Map(rows.map((r) => [r.appId, r]));
}

/** Account links by either side, for carrying the contact ↔ account association. */
export async function accountLinkMaps(db: Executor, connectionId: string, probe: { remoteIds: string[]; appIds: string[] }) {
  const remoteIds = [...new Set(probe.remoteIds)];
  const appIds = [...new Set(probe.appIds)];
  const byRemote = new Map<string, string>();
  const byApp = new Map<string, string>();
  if (remoteIds.length || appIds.length) {
    const rows = await db
      .select({ appId: recordLinks.appId, remoteId: recordLinks.remoteId })
      .from(recordLinks)
      .where(
        and(
          eq(recordLinks.connectionId, connectionId),
          eq(recordLinks.entity, 'account'),
          or(remoteIds.length ? inArray(recordLinks.remoteId, remoteIds) : undefined, appIds.length ? inArray(recordLinks.appId, appIds) : undefined),
        ),
      );
    for (const r of rows) {
      byRemote.set(r.remoteId, r.appId);
      byApp.set(r.appId, r.remoteId);
    }
  }
  return { byRemote, byApp };
}

export async function readCursor<T>(db: Executor, connectionId: string, entity: SyncEntity, kind: CursorKind): Promise<T | null> {
  const [row] = await db
    .select({ cursor: syncCursors.cursor })
    .from(syncCursors)
    .where(and(eq(syncCursors.connectionId, connectionId), eq(syncCursors.entity, entity), eq(syncCursors.kind, kind)));
  return (row?.cursor as T | undefined) ?? null;
}

export async function writeCursor(db: Executor, connectionId: string, entity: SyncEntity, kind: CursorKind, cursor: object): Promise<void> {
  await db
    .insert(syncCursors)
    .values({ connectionId, entity, kind, cursor: cursor as Record<string, unknown> })
    .onConflictDoUpdate({ target: [syncCursors.connectionId, syncCursors.entity, syncCursors.kind], set: { cursor: cursor as Record<string, unknown>, updatedAt: new Date() } });
}

/** Open and ignored conflicts of some links, for the merge (parked fields are left alone; ignored ones stay quiet while unchanged). */
export async function conflictStateOf(db: Executor, linkIds: string[]) {
  const parked = new Map<string, Set<string>>();
  const ignored = new Map<string, Map<string, { app: string | null; remote: string | null }>>();
  if (linkIds.length === 0) return { parked, ignored };
  const rows = await db
    .select({ linkId: syncConflicts.recordLinkId, field: syncConflicts.field, status: syncConflicts.status, app: syncConflicts.appValue, remote: syncConflicts.remoteValue })
    .from(syncConflicts)
    .where(and(inArray(syncConflicts.recordLinkId, [...new Set(linkIds)]), inArray(syncConflicts.status, ['open', 'ignored'])))
    .orderBy(syncConflicts.createdAt);
  for (const r of rows) {
    if (r.status === 'open') {
      if (!parked.has(r.linkId)) parked.set(r.linkId, new Set());
      parked.get(r.linkId)!.add(r.field);
    } else {
      if (!ignored.has(r.linkId)) ignored.set(r.linkId, new Map());
      ignored.get(r.linkId)!.set(r.field, { app: r.app ?? null, remote: r.remote ?? null });
    }
  }
  return { parked, ignored };
}

/**
 * When a CRM merge folds one app record into another (server/services/crm/merge.ts), the
 * merged record's links move to the survivor — unless the survivor already has a link to
 * the same connection, in which case the merged record's link is dropped (its CRM record
 * then syncs as unlinked and is matched by dedupe key, never re-created blindly).
 */
export async function moveRecordLinks(db: Executor, organizationId: string, entity: SyncEntity, fromAppId: string, toAppId: string): Promise<void> {
  await db.execute(sql`
    delete from ${recordLinks} l
    where l.organization_id = ${organizationId} and l.entity = ${entity} and l.app_id = ${fromAppId}
      and exists (select 1 from ${recordLinks} s where s.connection_id = l.connection_id and s.entity = l.entity and s.app_id = ${toAppId})`);
  await db
    .update(recordLinks)
    .set({ appId: toAppId, updatedAt: new Date() })
    .where(and(eq(recordLinks.organizationId, organizationId), eq(recordLinks.entity, entity), eq(recordLinks.appId, fromAppId)));
}
