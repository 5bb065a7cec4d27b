import { and, count, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { accounts, auditLog, connections, contacts, kommoLinks, leadActivities, leads, recordLinks } from '../../../db/schema';
import type { CustomValues } from '../../shared/crm';
import { requireAccountRow } from './accounts';
import { recordLeadEvent } from './activities';
import { requireContactRow } from './contacts';
import { diffFields, type CrmActor, type Executor } from './context';
import { conflictError, fieldError } from './errors';
import { getLead, requireLeadRow } from './leads';
import { moveRecordLinks } from '../sync/links';

/**
 * Merging two records of a kind: the survivor keeps its id and takes, per field, the
 * value the user picked (by default its own, or the merged record's where its own is
 * empty); custom values the same way per key. Everything that pointed at the merged
 * record (activities and timeline, contacts, conversion pointers, earlier merges)
 * moves to the survivor; the merged record is soft-deleted with merged_into_id, so it
 * and its audit history stay reachable (recordHistory follows the pointers).
 * The sync engine's record links move too, in the same transaction, so the next sync
 * finds the CRM records linked and re-creates nothing (sync/links.ts moveRecordLinks).
 */

export type Side = 'survivor' | 'merged';
export interface MergeChoices {
  fields?: Record<string, Side>;
  custom?: Record<string, Side>;
}

export const leadMergeFields = ['name', 'email', 'phone', 'company', 'position', 'taxId', 'source', 'status', 'stageId', 'assignedTo', 'amount'] as const;
export const contactMergeFields = ['firstName', 'lastName', 'email', 'phone', 'position', 'accountId', 'ownerId'] as const;
export const accountMergeFields = ['name', 'domain', 'industry', 'phone', 'address', 'taxId', 'notes', 'ownerId'] as const;

const empty = (v: unknown) => v === null || v === undefined || v === '';

function pick<R extends Record<string, unknown>>(fields: readonly (keyof R & string)[], survivor: R, merged: R, choices: Record<string, Side> = {}) {
  const values: Partial<R> = {};
  for (const field of fields) {
    const side = choices[field] ?? (empty(survivor[field]) ? 'merged' : 'survivor');
    values[field] = side === 'merged' ? merged[field] : survivor[field];
  }
  return values;
}

function pickCustom(survivor: CustomValues, merged: CustomValues, choices: Record<string, Side> = {}): CustomValues {
  const values: CustomValues = {};
  for (const key of new Set([...Object.keys(survivor), ...Object.keys(merged)])) {
    const side = choices[key] ?? (survivor[key] === undefined ? 'merged' : 'survivor');
    const value = side === 'merged' ? merged[key] : survivor[key];
    if (value !== undefined) values[key] = value;
  }
  return values;
}

function checkChoices(fields: readonly string[], choices: MergeChoices) {
  const unknown = Object.keys(choices.fields ?? {}).filter((f) => !fields.includes(f));
  if (unknown.length) throw fieldError('fields', `Not a mergeable field: ${unknown.join(', ')}.`);
}

/** What the merged record's values were that the survivor did not take: kept on the timeline and in the audit. */
function discarded(fields: readonly string[], merged: Record<string, unknown>, result: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'custom') {
      const m = (merged.custom ?? {}) as Record<string, unknown>;
      const r = (result.custom ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(m)) if (JSON.stringify(m[k]) !== JSON.stringify(r[k])) out[`custom.${k}`] = m[k];
    } else if (!empty(merged[f]) && JSON.stringify(merged[f]) !== JSON.stringify(result[f])) out[f] = merged[f];
  }
  return out;
}

export async function mergeLeads(db: Executor, actor: CrmActor, survivorId: string, mergedId: string, choices: MergeChoices = {}) {
  if (survivorId === mergedId) throw fieldError('mergedId', 'Choose two different leads.');
  checkChoices(leadMergeFields, choices);
  const result = await db.transaction(async (tx) => {
    const survivor = await requireLeadRow(tx, actor, survivorId, true);
    const merged = await requireLeadRow(tx, actor, mergedId, true);
    if (survivor.status === 'converted' || merged.status === 'converted') throw conflictError('Converted leads cannot be merged.');
    const values = { ...pick(leadMergeFields, survivor, merged, choices.fields), custom: pickCustom(survivor.custom, merged.custom, choices.custom) };
    const qualifiedAt = [survivor.qualifiedAt, merged.qualifiedAt].filter((d): d is Date => !!d).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;

    await tx.update(leads).set({ deletedAt: new Date(), mergedIntoId: survivorId }).where(and(eq(leads.organizationId, actor.organizationId), eq(leads.id, mergedId)));
    const [after] = await tx
      .update(leads)
      .set({ ...values, qualifiedAt })
      .where(and(eq(leads.organizationId, actor.organizationId), eq(leads.id, survivorId)))
      .returning();
    const moved = await tx
      .update(leadActivities)
      .set({ leadId: survivorId })
      .where(and(eq(leadActivities.organizationId, actor.organizationId), eq(leadActivities.leadId, mergedId)))
      .returning({ id: leadActivities.id });
    await tx.update(leads).set({ mergedIntoId: survivorId }).where(and(eq(leads.organizationId, actor.organizationId), eq(leads.mergedIntoId, mergedId)));
    await moveKommoLeadLinks(tx, actor.organizationId, mergedId, survivorId);

    const changes = diffFields(survivor, after!, [...leadMergeFields, 'custom']);
    const lost = discarded([...leadMergeFields, 'custom'], merged, after!);
    await recordLeadEvent(tx, actor, {
      leadId: survivorId,
      title: `Merged lead "${merged.name}" into this one`,
      details: { event: 'merged', mergedId, taken: changes.after, notTaken: lost, movedActivities: moved.length },
    });
    return { changes, notTaken: lost, movedActivities: moved.length, merged: { id: merged.id, name: merged.name } };
  });
  return { ...result, lead: await getLead(db, actor, survivorId) };
}

/**
 * A merged lead's Kommo links move to the survivor like record links do: one where the
 * survivor is already linked through that connection is dropped (one link per lead and
 * connection: kommo_links_profile_key), the others re-point.
 */
async function moveKommoLeadLinks(db: Executor, organizationId: string, fromId: string, toId: string) {
  const mine = and(eq(kommoLinks.organizationId, organizationId), eq(kommoLinks.profileType, 'lead'));
  const survivorLinks = await db.select({ connectionId: kommoLinks.connectionId }).from(kommoLinks).where(and(mine, eq(kommoLinks.profileId, toId)));
  const taken = survivorLinks.map((l) => l.connectionId);
  if (taken.length) await db.delete(kommoLinks).where(and(mine, eq(kommoLinks.profileId, fromId), inArray(kommoLinks.connectionId, taken)));
  await db.update(kommoLinks).set({ profileId: toId }).where(and(mine, eq(kommoLinks.profileId, fromId)));
}

export async function mergeContacts(db: Executor, actor: CrmActor, survivorId: string, mergedId: string, choices: MergeChoices = {}) {
  if (survivorId === mergedId) throw fieldError('mergedId', 'Choose two different contacts.');
  checkChoices(contactMergeFields, choices);
  const org = actor.organizationId;
  return db.transaction(async (tx) => {
    const survivor = await requireContactRow(tx, org, survivorId, true);
    const merged = await requireContactRow(tx, org, mergedId, true);
    const values = { ...pick(contactMergeFields, survivor, merged, choices.fields), custom: pickCustom(survivor.custom, merged.custom, choices.custom) };
    if (values.accountId && values.accountId !== survivor.accountId) await requireAccountRow(tx, org, values.accountId);
    // the merged contact leaves the active set first: its e-mail may be the one the survivor takes
    await tx.update(contacts).set({ deletedAt: new Date(), mergedIntoId: survivorId }).where(and(eq(contacts.organizationId, org), eq(contacts.id, mergedId)));
    const [after] = await tx
      .update(contacts)
      .set({ ...values, isPrimary: survivor.isPrimary || merged.isPrimary })
      .where(and(eq(contacts.organizationId, org), eq(contacts.id, survivorId)))
      .returning();
    const moved = await tx
      .update(leadActivities)
      .set({ contactId: survivorId })
      .where(and(eq(leadActivities.organizationId, org), eq(leadActivities.contactId, mergedId)))
      .returning({ id: leadActivities.id });
    await tx.update(leads).set({ convertedToContactId: survivorId }).where(and(eq(leads.organizationId, org), eq(leads.convertedToContactId, mergedId)));
    await tx.update(contacts).set({ mergedIntoId: survivorId }).where(and(eq(contacts.organizationId, org), eq(contacts.mergedIntoId, mergedId)));
    await moveRecordLinks(tx, org, 'contact', mergedId, survivorId);
    const changes = diffFields(survivor, after!, [...contactMergeFields, 'custom']);
    const lost = discarded([...contactMergeFields, 'custom'], merged, after!);
    await recordLeadEvent(tx, actor, {
      contactId: survivorId,
      title: `Merged contact "${`${merged.firstName} ${merged.lastName}`.trim()}" into this one`,
      details: { event: 'merged', mergedId, taken: changes.after, notTaken: lost, movedActivities: moved.length },
    });
    return { contact: after!, changes, notTaken: lost, movedActivities: moved.length, merged: { id: merged.id, email: merged.email } };
  });
}

export async function mergeAccounts(db: Executor, actor: CrmActor, survivorId: string, mergedId: string, choices: MergeChoices = {}) {
  if (survivorId === mergedId) throw fieldError('mergedId', 'Choose two different accounts.');
  checkChoices(accountMergeFields, choices);
  const org = actor.organizationId;
  return db.transaction(async (tx) => {
    const survivor = await requireAccountRow(tx, org, survivorId, true);
    const merged = await requireAccountRow(tx, org, mergedId, true);
    const values = { ...pick(accountMergeFields, survivor, merged, choices.fields), custom: pickCustom(survivor.custom, merged.custom, choices.custom) };
    await tx.update(accounts).set({ deletedAt: new Date(), mergedIntoId: survivorId }).where(and(eq(accounts.organizationId, org), eq(accounts.id, mergedId)));
    const [after] = await tx
      .update(accounts)
      .set(values)
      .where(and(eq(accounts.organizationId, org), eq(accounts.id, survivorId)))
      .returning();
    const movedContacts = await tx
      .update(contacts)
      .set({ accountId: survivorId })
      .where(and(eq(contacts.organizationId, org), eq(contacts.accountId, mergedId)))
      .returning({ id: contacts.id });
    const moved = await tx
      .update(leadActivities)
      .set({ accountId: survivorId })
      .where(and(eq(leadActivities.organizationId, org), eq(leadActivities.accountId, mergedId)))
      .returning({ id: leadActivities.id });
    await tx.update(leads).set({ convertedToAccountId: survivorId }).where(and(eq(leads.organizationId, org), eq(leads.convertedToAccountId, mergedId)));
    await tx.update(accounts).set({ mergedIntoId: survivorId }).where(and(eq(accounts.organizationId, org), eq(accounts.mergedIntoId, mergedId)));
    await moveRecordLinks(tx, org, 'account', mergedId, survivorId);
    const changes = diffFields(survivor, after!, [...accountMergeFields, 'custom']);
    const lost = discarded([...accountMergeFields, 'custom'], merged, after!);
    await recordLeadEvent(tx, actor, {
      accountId: survivorId,
      title: `Merged account "${merged.name}" into this one`,
      details: { event: 'merged', mergedId, taken: changes.after, notTaken: lost, movedActivities: moved.length, movedContacts: movedContacts.length },
    });
    return { account: after!, changes, notTaken: lost, movedActivities: moved.length, movedContacts: movedContacts.length, merged: { id: merged.id, name: merged.name } };
  });
}

/**
 * What a merge would move from `mergedId` to the survivor, for the confirm screen:
 * timeline entries, the account's contacts, leads converted into the record, records
 * merged into it earlier, and its links to connected CRMs (a link whose connection the
 * survivor is already linked through is dropped, not moved: see moveRecordLinks).
 */
export async function mergePreview(db: Executor, actor: CrmActor, type: 'contact' | 'account', survivorId: string, mergedId: string) {
  const org = actor.organizationId;
  if (type === 'contact') {
    await requireContactRow(db, org, survivorId);
    await requireContactRow(db, org, mergedId);
  } else {
    await requireAccountRow(db, org, survivorId);
    await requireAccountRow(db, org, mergedId);
  }
  const subject = type === 'contact' ? leadActivities.contactId : leadActivities.accountId;
  const convertedInto = type === 'contact' ? leads.convertedToContactId : leads.convertedToAccountId;
  const table = type === 'contact' ? contacts : accounts;
  const [[activities], [convertedLeads], [earlierMerges], relatedContacts, links] = await Promise.all([
    db.select({ n: count() }).from(leadActivities).where(and(eq(leadActivities.organizationId, org), eq(subject, mergedId), isNull(leadActivities.deletedAt))),
    db.select({ n: count() }).from(leads).where(and(eq(leads.organizationId, org), eq(convertedInto, mergedId))),
    db.select({ n: count() }).from(table).where(and(eq(table.organizationId, org), eq(table.mergedIntoId, mergedId))),
    type === 'account'
      ? db
          .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, email: contacts.email })
          .from(contacts)
          .where(and(eq(contacts.organizationId, org), eq(contacts.accountId, mergedId), isNull(contacts.deletedAt)))
          .orderBy(contacts.lastName, contacts.firstName)
          .limit(101)
      : Promise.resolve([]),
    db
      .select({ appId: recordLinks.appId, connectionId: recordLinks.connectionId, provider: connections.provider, remoteId: recordLinks.remoteId })
      .from(recordLinks)
      .innerJoin(connections, eq(connections.id, recordLinks.connectionId))
      .where(and(eq(recordLinks.organizationId, org), eq(recordLinks.entity, type), inArray(recordLinks.appId, [survivorId, mergedId]))),
  ]);
  const survivorConnections = new Set(links.filter((l) => l.appId === survivorId).map((l) => l.connectionId));
  return {
    activities: activities?.n ?? 0,
    convertedLeads: convertedLeads?.n ?? 0,
    earlierMerges: earlierMerges?.n ?? 0,
    contacts: relatedContacts.slice(0, 100),
    moreContacts: relatedContacts.length > 100,
    links: links
      .filter((l) => l.appId === mergedId)
      .map((l) => ({ provider: l.provider, remoteId: l.remoteId, outcome: survivorConnections.has(l.connectionId) ? ('dropped' as const) : ('moved' as const) })),
  };
}
export type MergePreview = Awaited<ReturnType<typeof mergePreview>>;

/**
 * What merging lead `mergedId` into `survivorId` would move (the lead merge screen's
 * summary): its timeline entries, leads merged into it earlier, the custom values it
 * has (taken by default where the survivor has none, else kept as the survivor's), and
 * its Kommo links (dropped where the survivor is linked through that connection).
 * Both leads go through requireLeadRow, so a sales user only previews their own leads.
 */
export async function leadMergePreview(db: Executor, actor: CrmActor, survivorId: string, mergedId: string) {
  if (survivorId === mergedId) throw fieldError('mergedId', 'Choose two different leads.');
  const org = actor.organizationId;
  const survivor = await requireLeadRow(db, actor, survivorId);
  const merged = await requireLeadRow(db, actor, mergedId);
  const [[activities], [earlierMerges], links] = await Promise.all([
    db.select({ n: count() }).from(leadActivities).where(and(eq(leadActivities.organizationId, org), eq(leadActivities.leadId, mergedId))),
    db.select({ n: count() }).from(leads).where(and(eq(leads.organizationId, org), eq(leads.mergedIntoId, mergedId))),
    db
      .select({ profileId: kommoLinks.profileId, connectionId: kommoLinks.connectionId, kommoLeadId: kommoLinks.kommoLeadId, kommoContactId: kommoLinks.kommoContactId })
      .from(kommoLinks)
      .where(and(eq(kommoLinks.organizationId, org), eq(kommoLinks.profileType, 'lead'), inArray(kommoLinks.profileId, [survivorId, mergedId]))),
  ]);
  const survivorConnections = new Set(links.filter((l) => l.profileId === survivorId).map((l) => l.connectionId));
  const survivorCustom = (survivor.custom ?? {}) as CustomValues;
  return {
    activities: activities?.n ?? 0,
    earlierMerges: earlierMerges?.n ?? 0,
    customValues: Object.keys((merged.custom ?? {}) as CustomValues)
      .sort()
      .map((key) => ({ key, outcome: survivorCustom[key] === undefined ? ('taken' as const) : ('kept' as const) })),
    links: links
      .filter((l) => l.profileId === mergedId)
      .map((l) => ({
        provider: 'kommo' as const,
        remoteId: String(l.kommoLeadId ?? l.kommoContactId),
        outcome: survivorConnections.has(l.connectionId) ? ('dropped' as const) : ('moved' as const),
      })),
  };
}
export type LeadMergePreview = Awaited<ReturnType<typeof leadMergePreview>>;

const historyTables = { lead: 'leads', contact: 'contacts', account: 'accounts' } as const;

/**
 * The audit trail of a record the actor sees and of every record merged into it (the
 * audit log is append-only, so merges re-point by following merged_into_id rather than
 * rewriting history). Includes bulk entries that list the record among their ids.
 */
export async function recordHistory(db: Executor, actor: CrmActor, type: keyof typeof historyTables, id: string, limit = 200) {
  const organizationId = actor.organizationId;
  if (type === 'lead') await requireLeadRow(db, actor, id);
  else if (type === 'contact') await requireContactRow(db, organizationId, id);
  else await requireAccountRow(db, organizationId, id);
  const rows = await db.execute<{ id: string }>(sql`
    with recursive merged(id) as (
      select ${id}::uuid
      union
      select t.id from ${sql.identifier(historyTables[type])} t join merged m on t.merged_into_id = m.id where t.organization_id = ${organizationId}
    ) select id::text as id from merged limit 1000`);
  const ids = [...rows].map((r) => r.id);
  const idArray = sql`array[${sql.join(
    ids.map((i) => sql`${i}`),
    sql`, `,
  )}]::text[]`;
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actorEmail: auditLog.actorEmail,
      action: auditLog.action,
      targetId: auditLog.targetId,
      outcome: auditLog.outcome,
      details: auditLog.details,
    })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.organizationId, organizationId),
        eq(auditLog.targetType, type),
        or(inArray(auditLog.targetId, ids), sql`${auditLog.details} -> 'ids' ?| ${idArray}`),
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(limit);
}
