import { and, asc, eq, inArray } from 'drizzle-orm';
import { leads, memberships, users } from '../../../db/schema';
import { tenantPermissions, type TenantRole } from '../../security/rbac';
import type { LeadSource, LeadStatus } from '../../shared/crm';
import { recordLeadEvent, recordLeadEvents, visibleLeadCondition, type TimelineEntry } from './activities';
import { cleanText, diffFields, type CrmActor, type Executor, type FieldChanges } from './context';
import { applyCustomValues, type CustomValuesPatch } from './custom-fields';
import { findLeadDuplicates, type DuplicateMatch } from './duplicates';
import { conflictError, notFoundError } from './errors';
import { findLead, type LeadView } from './lead-query';
import { phoneField, tenantCountry } from './phone';
import { firstStage, requireStage, stageEntrySet, stagesByIds } from './stages';

export interface LeadFields {
  name?: string;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  position?: string | null;
  taxId?: string | null;
  source?: LeadSource;
  status?: Exclude<LeadStatus, 'converted'>;
  stageId?: string;
  amount?: number | null;
  custom?: CustomValuesPatch;
}

/** Passed to save despite flagged duplicates; the reason is audited and kept on the timeline. */
export interface SaveAnyway {
  reason: string;
}

export type LeadSaveResult =
  | { status: 'duplicate'; matches: DuplicateMatch[] }
  | { status: 'saved'; lead: LeadView; changes: FieldChanges; overriddenDuplicates: DuplicateMatch[] };

const trackedFields = ['name', 'email', 'phone', 'company', 'position', 'taxId', 'source', 'status', 'stageId', 'amount', 'custom', 'assignedTo'] as const;

/** The roles that work the CRM: the only members leads (and accounts, contacts) can be assigned to. */
export const crmWriters = tenantPermissions['crm.write'] as readonly TenantRole[];

/** A lead can be assigned to a member of the tenant who works the CRM; anyone else is "not found". */
export async function assertAssignable(db: Executor, organizationId: string, userId: string) {
  const [member] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
  if (!member || !crmWriters.includes(member.role)) throw notFoundError('User');
}

/**
 * The tenant's members a lead (or an account/contact) can be assigned to: active users
 * whose role works the CRM (the assignee and owner pickers; assertAssignable is the check).
 */
export async function listAssignees(db: Executor, organizationId: string) {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organizationId, organizationId), inArray(memberships.role, [...crmWriters]), eq(users.status, 'active')))
    .orderBy(asc(users.name), asc(users.email));
}

/** A lead the actor sees (locked for update inside a transaction), or NOT_FOUND. */
export async function requireLeadRow(db: Executor, actor: CrmActor, id: string, lock = false) {
  const query = db.select().from(leads).where(and(visibleLeadCondition(actor), eq(leads.id, id)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFoundError('Lead');
  return row;
}
export type LeadRow = Awaited<ReturnType<typeof requireLeadRow>>;

export async function getLead(db: Executor, actor: CrmActor, id: string): Promise<LeadView> {
  const lead = await findLead(db, actor, id);
  if (!lead) throw notFoundError('Lead');
  return lead;
}

/** Normalises the contact fields of an input (trim, E.164 phone with the tenant's country). */
async function normalizeLeadFields(db: Executor, organizationId: string, input: LeadFields) {
  const country = await tenantCountry(db, organizationId);
  return {
    name: input.name?.trim(),
    email: cleanText(input.email),
    phone: phoneField(input.phone, country),
    company: cleanText(input.company),
    position: cleanText(input.position),
    taxId: cleanText(input.taxId),
    source: input.source,
    status: input.status,
    amount: input.amount,
  };
}

const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export async function createLead(
  db: Executor,
  actor: CrmActor,
  input: LeadFields & { name: string; assignedTo?: string | null },
  saveAnyway?: SaveAnyway,
): Promise<LeadSaveResult> {
  const fields = await normalizeLeadFields(db, actor.organizationId, input);
  const stage = input.stageId ? await requireStage(db, actor.organizationId, input.stageId) : await firstStage(db, actor.organizationId);
  const custom = await applyCustomValues(db, actor.organizationId, 'lead', input.custom, null);
  // a sales user's leads are their own; managers may hand a new lead to any CRM member (or nobody)
  const assignedTo = !actor.seesAllLeads || input.assignedTo === undefined ? actor.userId : input.assignedTo;
  if (assignedTo && assignedTo !== actor.userId) await assertAssignable(db, actor.organizationId, assignedTo);

  const matches = await findLeadDuplicates(db, actor, { email: fields.email, phone: fields.phone });
  if (matches.length && !saveAnyway) return { status: 'duplicate', matches };

  const id = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(leads)
      .values({
        ...defined(fields),
        name: fields.name!,
        organizationId: actor.organizationId,
        stageId: stage.id,
        status: fields.status ?? (stage.isLost ? 'lost' : stage.isQualified ? 'qualified' : 'new'),
        qualifiedAt: stage.isQualified || fields.status === 'qualified' ? new Date() : null,
        assignedTo,
        custom,
        createdBy: actor.userId,
      })
      .returning({ id: leads.id });
    await recordLeadEvent(tx, actor, {
      leadId: row!.id,
      title: 'Lead created',
      details: { event: 'created', ...(matches.length ? { savedDespiteDuplicates: { reason: saveAnyway!.reason, matches: matches.map((m) => m.id) } } : {}) },
    });
    return row!.id;
  });
  const lead = await getLead(db, actor, id);
  const changes = diffFields({}, { ...lead, custom }, trackedFields);
  return { status: 'saved', lead, changes, overriddenDuplicates: matches };
}

/** Locks the lead for the whole change, so a concurrent edit cannot slip between the read and the write. */
export async function updateLead(db: Executor, actor: CrmActor, id: string, input: LeadFields, saveAnyway?: SaveAnyway): Promise<LeadSaveResult> {
  const outcome = await db.transaction(async (tx) => {
    const before = await requireLeadRow(tx, actor, id, true);
    const fields = defined(await normalizeLeadFields(tx, actor.organizationId, input));
    if (fields.status && before.status === 'converted') throw conflictError('A converted lead keeps its status.');
    const stage = input.stageId && input.stageId !== before.stageId ? await requireStage(tx, actor.organizationId, input.stageId) : null;
    const custom = input.custom ? await applyCustomValues(tx, actor.organizationId, 'lead', input.custom, before.custom) : undefined;

    const emailChanged = fields.email && fields.email.toLowerCase() !== before.email?.toLowerCase();
    const phoneChanged = fields.phone && fields.phone !== before.phone;
    const matches =
      emailChanged || phoneChanged
        ? await findLeadDuplicates(tx, actor, { email: emailChanged ? fields.email : null, phone: phoneChanged ? fields.phone : null }, id)
        : [];
    if (matches.length && !saveAnyway) return { status: 'duplicate' as const, matches };

    const qualifying = fields.status === 'qualified' && !before.qualifiedAt ? { qualifiedAt: new Date() } : {};
    const [after] = await tx
      .update(leads)
      .set({ ...(stage ? stageEntrySet(stage) : {}), ...fields, ...qualifying, ...(custom ? { custom } : {}) })
      .where(and(eq(leads.organizationId, actor.organizationId), eq(leads.id, id)))
      .returning();
    const events: TimelineEntry[] = [];
    if (stage) {
      const names = await stagesByIds(tx, actor.organizationId, [before.stageId]);
      events.push({
        leadId: id,
        title: `Moved from ${names.get(before.stageId)?.name ?? 'a deleted stage'} to ${stage.name}`,
        details: { event: 'stage_changed', from: before.stageId, to: stage.id },
      });
    }
    const fieldChanges = diffFields(before, after!, trackedFields.filter((f) => f !== 'stageId'));
    if (Object.keys(fieldChanges.after).length) {
      events.push({
        leadId: id,
        title: `Updated ${Object.keys(fieldChanges.after).join(', ')}`,
        details: {
          event: 'updated',
          ...fieldChanges,
          ...(matches.length ? { savedDespiteDuplicates: { reason: saveAnyway!.reason, matches: matches.map((m) => m.id) } } : {}),
        },
      });
    }
    await recordLeadEvents(tx, actor, events);
    return { status: 'saved' as const, changes: diffFields(before, after!, trackedFields), matches };
  });
  if (outcome.status === 'duplicate') return outcome;
  const lead = await getLead(db, actor, id);
  return { status: 'saved', lead, changes: outcome.changes, overriddenDuplicates: outcome.matches };
}

/** Soft delete; the lead stays in the database (and its timeline) with deleted_at set. */
export async function deleteLead(db: Executor, actor: CrmActor, id: string) {
  return db.transaction(async (tx) => {
    const lead = await requireLeadRow(tx, actor, id, true);
    await tx.update(leads).set({ deletedAt: new Date() }).where(and(eq(leads.organizationId, actor.organizationId), eq(leads.id, id)));
    await recordLeadEvent(tx, actor, { leadId: id, title: 'Lead deleted', details: { event: 'deleted' } });
    return { id, name: lead.name, email: lead.email, assignedTo: lead.assignedTo };
  });
}

/** All the ids, each a lead the actor sees, locked; one missing id refuses the whole batch. */
async function requireLeadRows(db: Executor, actor: CrmActor, ids: string[]) {
  const unique = [...new Set(ids)];
  const rows = await db
    .select({ id: leads.id, stageId: leads.stageId, assignedTo: leads.assignedTo })
    .from(leads)
    .where(and(visibleLeadCondition(actor), inArray(leads.id, unique)))
    .for('update');
  if (rows.length !== unique.length) throw notFoundError('Lead');
  return rows;
}

/** (Re)assigns leads; managers only (the router requires crm.manage_all). null unassigns. */
export async function assignLeads(db: Executor, actor: CrmActor, ids: string[], assignedTo: string | null) {
  if (assignedTo) await assertAssignable(db, actor.organizationId, assignedTo);
  return db.transaction(async (tx) => {
    const rows = await requireLeadRows(tx, actor, ids);
    const changed = rows.filter((r) => r.assignedTo !== assignedTo);
    if (changed.length) {
      await tx.update(leads).set({ assignedTo }).where(and(eq(leads.organizationId, actor.organizationId), inArray(leads.id, changed.map((r) => r.id))));
      await recordLeadEvents(
        tx,
        actor,
        changed.map((r) => ({
          leadId: r.id,
          title: assignedTo ? 'Assigned' : 'Unassigned',
          details: { event: 'assigned', from: r.assignedTo, to: assignedTo },
        })),
      );
    }
    return { changed: changed.map((r) => ({ id: r.id, from: r.assignedTo })), unchanged: rows.length - changed.length };
  });
}

/** Moves leads to a stage (the kanban drag for one, the bulk action for many). */
export async function moveLeadsToStage(db: Executor, actor: CrmActor, ids: string[], stageId: string) {
  const stage = await requireStage(db, actor.organizationId, stageId);
  return db.transaction(async (tx) => {
    const rows = await requireLeadRows(tx, actor, ids);
    const changed = rows.filter((r) => r.stageId !== stage.id);
    if (changed.length) {
      const names = await stagesByIds(tx, actor.organizationId, [...new Set(changed.map((r) => r.stageId))]);
      await tx.update(leads).set(stageEntrySet(stage)).where(and(eq(leads.organizationId, actor.organizationId), inArray(leads.id, changed.map((r) => r.id))));
      await recordLeadEvents(
        tx,
        actor,
        changed.map((r) => ({
          leadId: r.id,
          title: `Moved from ${names.get(r.stageId)?.name ?? 'a deleted stage'} to ${stage.name}`,
          details: { event: 'stage_changed', from: r.stageId, to: stage.id },
        })),
      );
    }
    return { stage: { id: stage.id, name: stage.name }, changed: changed.map((r) => ({ id: r.id, from: r.stageId })), unchanged: rows.length - changed.length };
  });
}
