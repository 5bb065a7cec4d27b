import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { leads, memberships } from '../../../db/schema';
import { queues } from '../../../jobs/queues';
import { kommoBulkExceptions, kommoLinks, type KommoBulkResult } from '../../../db/schema/kommo';
import { KommoAccessBlocked } from '../../providers/kommo/errors';
import { closeLeadAsRolledBack, createComplexLead } from '../../providers/kommo/write';
import { ProviderRateLimited, ReauthorizationNeeded } from '../../providers/types';
import { writeAudit } from '../../security/audit';
import { KOMMO_BULK_CHUNK, KOMMO_BULK_MAX_LEADS } from '../../shared/kommo';
import { openKommoReader, requireKommoConnection } from './connection';
import { KommoError, type KommoDeps } from './deps';
import { issueBulkExceptionAction } from './manual-action';
import { findExisting } from './matching';
import { planBulkException } from './bulk-plan';

/**
 * Bulk exceptions (decision 007): the built-in, audited way around the one-click rule.
 *
 *   request   (tenant admin) a name, a reason, at most 300 leads → the dry run
 *   approve   the tenant's owner AND a platform super_admin — two different people;
 *             either may reject
 *   execute   (tenant owner, a click per chunk) 10 leads per click, each write with its own
 *             permit issued against the approved row, at the shared 7 rps pace; every
 *             lead touched is recorded and audited; created Kommo ids are kept
 *   rollback  a new exception of kind rollback over the created leads, approved the same
 *             way; running it closes those Kommo leads as lost, tagged (Kommo's API cannot
 *             delete leads), and removes our links
 *
 * Without both approvals nothing runs: the permit itself re-reads the approvals.
 */

type Db = KommoDeps['db'];
export type BulkRow = typeof kommoBulkExceptions.$inferSelect;
export const ROLLBACK_TAG = 'crm-hub rollback';

export async function bulkExceptionRow(db: Db, organizationId: string | null, id: string): Promise<BulkRow> {
  const [row] = await db
    .select()
    .from(kommoBulkExceptions)
    .where(and(eq(kommoBulkExceptions.id, id), organizationId ? eq(kommoBulkExceptions.organizationId, organizationId) : undefined));
  if (!row) throw new KommoError('not_found', 'Bulk exception not found.');
  return row;
}

export async function listBulkExceptions(db: Db, organizationId: string | null, options: { status?: BulkRow['status'][]; limit?: number } = {}) {
  return db
    .select()
    .from(kommoBulkExceptions)
    .where(and(organizationId ? eq(kommoBulkExceptions.organizationId, organizationId) : undefined, options.status ? inArray(kommoBulkExceptions.status, options.status) : undefined))
    .orderBy(desc(kommoBulkExceptions.createdAt))
    .limit(options.limit ?? 50);
}

/** Builds the dry run now (no queue, e.g. tests) or in the kommo-bulk-plan job. */
async function startDryRun(deps: KommoDeps, id: string) {
  if (deps.boss) {
    await deps.boss.send(queues.kommoBulkPlan.name, { exceptionId: id }, { singletonKey: id });
  } else {
    await planBulkException(deps, id);
  }
}

export async function requestBulkException(deps: KommoDeps, actor: { organizationId: string; userId: string; email: string }, input: { name: string; reason: string; leadIds: string[] }): Promise<BulkRow> {
  const leadIds = [...new Set(input.leadIds)];
  if (leadIds.length === 0 || leadIds.length > KOMMO_BULK_MAX_LEADS) throw new KommoError('invalid', `Name between 1 and ${KOMMO_BULK_MAX_LEADS} leads.`, { leadIds: [`Between 1 and ${KOMMO_BULK_MAX_LEADS} leads.`] });
  const found = await requireKommoConnection(deps.db, actor.organizationId);
  if (found.conn.status !== 'connected') throw new KommoError('not_connected', 'Kommo is not connected for this workspace.');
  const existing = await deps.db.select({ id: leads.id }).from(leads).where(and(eq(leads.organizationId, actor.organizationId), inArray(leads.id, leadIds), isNull(leads.deletedAt)));
  if (existing.length !== leadIds.length) throw new KommoError('not_found', `${leadIds.length - existing.length} of the named leads were not found.`);
  const [row] = await deps.db
    .insert(kommoBulkExceptions)
    .values({ organizationId: actor.organizationId, connectionId: found.conn.id, kind: 'create', name: input.name, reason: input.reason, leadIds, requestedBy: actor.userId, requestedByEmail: actor.email })
    .returning();
  await startDryRun(deps, row!.id);
  return bulkExceptionRow(deps.db, actor.organizationId, row!.id);
}

/** A rollback of a done exception: the leads it created, approved again by two people before anything is closed. */
export async function requestBulkRollback(deps: KommoDeps, actor: { organizationId: string; userId: string; email: string }, id: string, reason: string): Promise<BulkRow> {
  const original = await bulkExceptionRow(deps.db, actor.organizationId, id);
  if (original.kind !== 'create' || original.status !== 'done') throw new KommoError('conflict', 'Only a finished bulk exception can be rolled back.');
  const leadIds = Object.keys(original.created);
  if (!leadIds.length) throw new KommoError('conflict', 'This exception created nothing in Kommo; there is nothing to roll back.');
  const [pending] = await deps.db
    .select({ id: kommoBulkExceptions.id })
    .from(kommoBulkExceptions)
    .where(and(eq(kommoBulkExceptions.rollbackOf, id), inArray(kommoBulkExceptions.status, ['dry_run', 'awaiting_approval', 'approved', 'running', 'done'])));
  if (pending) throw new KommoError('conflict', 'A rollback of this exception already exists.');
  const [row] = await deps.db
    .insert(kommoBulkExceptions)
    .values({
      organizationId: actor.organizationId,
      connectionId: original.connectionId,
      kind: 'rollback',
      name: `Rollback of "${original.name}"`,
      reason,
      leadIds,
      requestedBy: actor.userId,
      requestedByEmail: actor.email,
      rollbackOf: original.id,
    })
    .returning();
  await startDryRun(deps, row!.id);
  return bulkExceptionRow(deps.db, actor.organizationId, row!.id);
}

/**
 * One of the two approvals. `as` says which: the tenant's owner (checked against the
 * membership table, not only the session) or a platform super_admin. The same person
 * can never give both (also a database check).
 */
export async function approveBulkException(deps: KommoDeps, approver: { userId: string; as: 'owner' | 'super_admin'; organizationId: string | null }, id: string): Promise<BulkRow> {
  const row = await bulkExceptionRow(deps.db, approver.organizationId, id);
  if (row.status !== 'awaiting_approval') throw new KommoError('conflict', row.status === 'dry_run' ? 'The dry run is not ready yet.' : `This exception is ${row.status.replace('_', ' ')}.`);
  if (approver.as === 'owner') {
    const [member] = await deps.db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.organizationId, row.organizationId), eq(memberships.userId, approver.userId)));
    if (member?.role !== 'owner') throw new KommoError('forbidden', 'Only the workspace owner gives this approval.');
    if (row.superAdminApprovedBy === approver.userId) throw new KommoError('forbidden', 'The two approvals must come from two different people.');
  } else if (row.ownerApprovedBy === approver.userId) {
    throw new KommoError('forbidden', 'The two approvals must come from two different people.');
  }
  const set = approver.as === 'owner' ? { ownerApprovedBy: approver.userId, ownerApprovedAt: new Date() } : { superAdminApprovedBy: approver.userId, superAdminApprovedAt: new Date() };
  const [updated] = await deps.db
    .update(kommoBulkExceptions)
    .set({
      ...set,
      status: sql`case when ${approver.as === 'owner' ? kommoBulkExceptions.superAdminApprovedBy : kommoBulkExceptions.ownerApprovedBy} is not null then 'approved'::kommo_bulk_status else ${kommoBulkExceptions.status} end`,
      updatedAt: new Date(),
    })
    .where(and(eq(kommoBulkExceptions.id, id), eq(kommoBulkExceptions.status, 'awaiting_approval')))
    .returning();
  if (!updated) throw new KommoError('conflict', 'This exception changed meanwhile; reload it.');
  return updated;
}

export async function rejectBulkException(deps: KommoDeps, rejecter: { userId: string; organizationId: string | null }, id: string, reason: string): Promise<BulkRow> {
  const row = await bulkExceptionRow(deps.db, rejecter.organizationId, id);
  if (!['dry_run', 'awaiting_approval', 'approved'].includes(row.status)) throw new KommoError('conflict', `This exception is ${row.status.replace('_', ' ')}.`);
  const [updated] = await deps.db
    .update(kommoBulkExceptions)
    .set({ status: 'rejected', rejectedBy: rejecter.userId, rejectionReason: reason, updatedAt: new Date() })
    .where(eq(kommoBulkExceptions.id, id))
    .returning();
  return updated!;
}

/**
 * Runs the next chunk of an approved exception (a person's click). Each lead: a fresh
 * look (link, Kommo search) before any create, a permit of its own, its outcome stored
 * and audited before the next. Kommo's block or a lost authorization stops the chunk
 * where it is; the next click resumes there. One run at a time per exception.
 */
export async function executeBulkChunk(deps: KommoDeps, actor: { organizationId: string; userId: string; email: string }, id: string): Promise<BulkRow> {
  const reserved = await deps.sql.reserve();
  try {
    const [lock] = await reserved<{ locked: boolean }[]>`select pg_try_advisory_lock(7009, hashtext(${id})) as locked`;
    if (!lock?.locked) throw new KommoError('conflict', 'This exception is already running; wait for the current chunk.');
    try {
      return await runChunk(deps, actor, id);
    } finally {
      await reserved`select pg_advisory_unlock(7009, hashtext(${id}))`;
    }
  } finally {
    reserved.release();
  }
}

async function runChunk(deps: KommoDeps, actor: { organizationId: string; userId: string; email: string }, id: string): Promise<BulkRow> {
  let row = await bulkExceptionRow(deps.db, actor.organizationId, id);
  if (row.status !== 'approved' && row.status !== 'running') throw new KommoError('conflict', row.status === 'awaiting_approval' ? 'Nothing runs without both approvals.' : `This exception is ${row.status.replace('_', ' ')}.`);
  const opened = await openKommoReader(deps, row.connectionId);
  await deps.db.update(kommoBulkExceptions).set({ status: 'running', updatedAt: new Date() }).where(eq(kommoBulkExceptions.id, id));
  const end = Math.min(row.dryRun.length, row.position + KOMMO_BULK_CHUNK);
  for (let index = row.position; index < end; index++) {
    const item = row.dryRun[index]!;
    const record = async (result: Omit<KommoBulkResult, 'at'>, created?: number) => {
      await deps.db
        .update(kommoBulkExceptions)
        .set({
          position: index + 1,
          results: sql`${kommoBulkExceptions.results} || ${JSON.stringify([{ ...result, at: new Date().toISOString() }])}::jsonb`,
          ...(created ? { created: sql`${kommoBulkExceptions.created} || ${JSON.stringify({ [item.leadId]: created })}::jsonb` } : {}),
          updatedAt: new Date(),
        })
        .where(eq(kommoBulkExceptions.id, id));
      await writeAudit(deps.db, { userId: actor.userId, email: actor.email }, null, {
        action: 'kommo.bulk.item',
        organizationId: actor.organizationId,
        targetType: 'lead',
        targetId: item.leadId,
        outcome: result.outcome === 'failed' ? 'failure' : 'success',
        details: { exceptionId: id, kind: row.kind, outcome: result.outcome, kommoLeadId: result.kommoLeadId ?? null, detail: result.detail ?? null },
      });
    };
    try {
      if (item.action === 'skip') {
        await record({ leadId: item.leadId, outcome: 'skipped', detail: item.reason });
      } else if (item.action === 'close') {
        const action = await issueBulkExceptionAction(deps.db, { exceptionId: id, organizationId: actor.organizationId, leadId: item.leadId, userId: actor.userId, userEmail: actor.email });
        await closeLeadAsRolledBack(action, opened.transport, item.kommoLeadId!, ROLLBACK_TAG);
        await deps.db.delete(kommoLinks).where(and(eq(kommoLinks.connectionId, row.connectionId), eq(kommoLinks.profileId, item.leadId), eq(kommoLinks.kommoLeadId, item.kommoLeadId!), eq(kommoLinks.origin, 'created')));
        await record({ leadId: item.leadId, outcome: 'closed', kommoLeadId: item.kommoLeadId });
      } else {
        const outcome = await linkOrCreate(deps, opened, row, item, actor);
        await record(outcome, outcome.outcome === 'created' ? (outcome.kommoLeadId ?? undefined) : undefined);
      }
    } catch (error) {
      if (error instanceof KommoAccessBlocked || error instanceof ReauthorizationNeeded || error instanceof ProviderRateLimited) {
        throw new KommoError(error instanceof KommoAccessBlocked ? 'blocked' : error instanceof ProviderRateLimited ? 'too_many' : 'reauthorize', `Stopped at lead ${index + 1} of ${row.dryRun.length}: ${error.message}. The next run resumes here.`);
      }
      await record({ leadId: item.leadId, outcome: 'failed', detail: error instanceof Error ? error.message.slice(0, 300) : String(error) });
    }
  }
  row = await bulkExceptionRow(deps.db, actor.organizationId, id);
  if (row.position >= row.dryRun.length) {
    await deps.db.update(kommoBulkExceptions).set({ status: 'done', finishedAt: new Date(), updatedAt: new Date() }).where(eq(kommoBulkExceptions.id, id));
    if (row.kind === 'rollback' && row.rollbackOf) {
      await deps.db.update(kommoBulkExceptions).set({ status: 'rolled_back', updatedAt: new Date() }).where(eq(kommoBulkExceptions.id, row.rollbackOf));
    }
    row = await bulkExceptionRow(deps.db, actor.organizationId, id);
  }
  return row;
}

async function linkOrCreate(
  deps: KommoDeps,
  opened: Awaited<ReturnType<typeof openKommoReader>>,
  row: BulkRow,
  item: BulkRow['dryRun'][number],
  actor: { organizationId: string; userId: string; email: string },
): Promise<Omit<KommoBulkResult, 'at'>> {
  const [link] = await deps.db.select().from(kommoLinks).where(and(eq(kommoLinks.connectionId, row.connectionId), eq(kommoLinks.profileType, 'lead'), eq(kommoLinks.profileId, item.leadId)));
  if (link) return { leadId: item.leadId, outcome: 'skipped', kommoLeadId: link.kommoLeadId, detail: 'linked meanwhile' };
  const [lead] = await deps.db.select().from(leads).where(and(eq(leads.organizationId, row.organizationId), eq(leads.id, item.leadId), isNull(leads.deletedAt)));
  if (!lead) return { leadId: item.leadId, outcome: 'skipped', detail: 'the lead was deleted meanwhile' };
  const [first = '', ...rest] = lead.name.trim().split(/\s+/);
  const data = { name: lead.name, firstName: first, lastName: rest.join(' '), phone: lead.phone, email: lead.email, position: lead.position, amount: lead.amount };
  // Kommo may have changed since the dry run: look again before creating anything
  const found = await findExisting(deps, opened.reader, opened.found, data);
  const insertLink = (kommoLeadId: number, kommoContactId: number | null, origin: 'created' | 'linked') =>
    deps.db
      .insert(kommoLinks)
      .values({ organizationId: row.organizationId, connectionId: row.connectionId, profileType: 'lead', profileId: item.leadId, kommoLeadId, kommoContactId, origin, createdBy: actor.userId })
      .onConflictDoNothing();
  if (found?.lead) {
    await insertLink(found.lead.id, found.contact.id, 'linked');
    return { leadId: item.leadId, outcome: 'linked', kommoLeadId: found.lead.id, detail: item.action === 'link' ? undefined : 'found in Kommo at execution: linked, nothing created' };
  }
  const action = await issueBulkExceptionAction(deps.db, { exceptionId: row.id, organizationId: row.organizationId, leadId: item.leadId, userId: actor.userId, userEmail: actor.email });
  const contact = found?.contact ? { id: found.contact.id } : { firstName: data.firstName, lastName: data.lastName, phone: data.phone, email: data.email, position: data.position };
  const created = await createComplexLead(action, opened.transport, { name: data.name, price: data.amount, contact }, `bulk:${row.id}`);
  await insertLink(created.leadId, created.contactId, 'created');
  return { leadId: item.leadId, outcome: 'created', kommoLeadId: created.leadId };
}
