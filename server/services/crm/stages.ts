import { and, asc, count, eq, inArray, isNull, max, ne, sql } from 'drizzle-orm';
import { leadStages, leads } from '../../../db/schema';
import { defaultLeadStages } from '../../shared/crm';
import { recordLeadEvents } from './activities';
import { diffFields, type CrmActor, type Executor } from './context';
import { conflictError, fieldError, notFoundError } from './errors';

export type Stage = typeof leadStages.$inferSelect;

export interface StageFields {
  name: string;
  description?: string | null;
  color?: string;
  isQualified?: boolean;
  isWon?: boolean;
  isLost?: boolean;
}

const stageColumns = {
  id: leadStages.id,
  name: leadStages.name,
  description: leadStages.description,
  position: leadStages.position,
  color: leadStages.color,
  isQualified: leadStages.isQualified,
  isWon: leadStages.isWon,
  isLost: leadStages.isLost,
};
export type StageView = { [K in keyof typeof stageColumns]: Stage[K] };

const active = (organizationId: string) => and(eq(leadStages.organizationId, organizationId), isNull(leadStages.deletedAt));

/** The five default stages of a new tenant (createTenant calls this in its transaction). */
export async function createDefaultStages(db: Executor, organizationId: string) {
  await db.insert(leadStages).values(defaultLeadStages.map((stage, position) => ({ ...stage, organizationId, position })));
}

export async function listStages(db: Executor, organizationId: string): Promise<StageView[]> {
  return db.select(stageColumns).from(leadStages).where(active(organizationId)).orderBy(asc(leadStages.position), asc(leadStages.createdAt));
}

/** An active stage of the tenant, or NOT_FOUND. */
export async function requireStage(db: Executor, organizationId: string, id: string): Promise<StageView> {
  const [stage] = await db.select(stageColumns).from(leadStages).where(and(active(organizationId), eq(leadStages.id, id)));
  if (!stage) throw notFoundError('Stage');
  return stage;
}

/** Where new leads go when no stage is given: the first stage of the pipeline. */
export async function firstStage(db: Executor, organizationId: string): Promise<StageView> {
  const [stage] = await db.select(stageColumns).from(leadStages).where(active(organizationId)).orderBy(asc(leadStages.position)).limit(1);
  if (!stage) throw conflictError('The tenant has no lead stages; an admin must create one first.');
  return stage;
}

/**
 * What entering a stage does to a lead, as column assignments usable for one lead or
 * many: a qualified stage stamps qualified_at once and lifts new/contacted leads to
 * "qualified"; a lost stage marks the lead lost. A converted lead stays converted.
 */
export function stageEntrySet(stage: Pick<StageView, 'id' | 'isQualified' | 'isLost'>) {
  return {
    stageId: stage.id,
    ...(stage.isQualified
      ? {
          qualifiedAt: sql`coalesce(${leads.qualifiedAt}, now())`,
          status: sql`case when ${leads.status} in ('new', 'contacted') then 'qualified'::lead_status else ${leads.status} end`,
        }
      : {}),
    ...(stage.isLost ? { status: sql`case when ${leads.status} = 'converted' then ${leads.status} else 'lost'::lead_status end` } : {}),
  };
}

function checkFlags(fields: { isWon?: boolean; isLost?: boolean }) {
  if (fields.isWon && fields.isLost) throw fieldError('isLost', 'A stage is won or lost, not both.');
}

async function assertNameFree(db: Executor, organizationId: string, name: string, exceptId?: string) {
  const [taken] = await db
    .select({ id: leadStages.id })
    .from(leadStages)
    .where(and(active(organizationId), eq(sql`lower(${leadStages.name})`, name.toLowerCase()), exceptId ? ne(leadStages.id, exceptId) : undefined));
  if (taken) throw fieldError('name', 'A stage with that name exists.');
}

export async function createStage(db: Executor, organizationId: string, input: StageFields): Promise<StageView> {
  checkFlags(input);
  await assertNameFree(db, organizationId, input.name);
  const [last] = await db.select({ position: max(leadStages.position) }).from(leadStages).where(active(organizationId));
  const [row] = await db
    .insert(leadStages)
    .values({ ...input, organizationId, position: (last?.position ?? -1) + 1 })
    .returning(stageColumns);
  return row!;
}

export async function updateStage(db: Executor, organizationId: string, id: string, patch: Partial<StageFields>) {
  const before = await requireStage(db, organizationId, id);
  checkFlags({ isWon: patch.isWon ?? before.isWon, isLost: patch.isLost ?? before.isLost });
  if (patch.name !== undefined) await assertNameFree(db, organizationId, patch.name, id);
  const [after] = await db
    .update(leadStages)
    .set(patch)
    .where(and(active(organizationId), eq(leadStages.id, id)))
    .returning(stageColumns);
  return { stage: after!, changes: diffFields(before, after!, ['name', 'description', 'color', 'isQualified', 'isWon', 'isLost']) };
}

/** The new order of the pipeline: every active stage exactly once. */
export async function reorderStages(db: Executor, organizationId: string, stageIds: string[]) {
  return db.transaction(async (tx) => {
    const current = await tx.select({ id: leadStages.id }).from(leadStages).where(active(organizationId)).for('update');
    const known = new Set(current.map((s) => s.id));
    if (stageIds.some((id) => !known.has(id))) throw notFoundError('Stage');
    if (new Set(stageIds).size !== stageIds.length || stageIds.length !== known.size) {
      throw fieldError('stageIds', 'List every stage exactly once.');
    }
    for (const [position, id] of stageIds.entries()) {
      await tx.update(leadStages).set({ position }).where(and(eq(leadStages.organizationId, organizationId), eq(leadStages.id, id)));
    }
    return listStages(tx, organizationId);
  });
}

/**
 * Soft-deletes a stage. A stage that still holds leads (deleted and merged ones
 * included: their stage_id must stay valid) needs `moveToStageId`; its leads move there
 * in the same transaction, each with a timeline entry. The last stage cannot go.
 */
export async function deleteStage(db: Executor, actor: CrmActor, id: string, moveToStageId?: string) {
  const organizationId = actor.organizationId;
  return db.transaction(async (tx) => {
    const stage = await requireStage(tx, organizationId, id);
    const [others] = await tx.select({ n: count() }).from(leadStages).where(and(active(organizationId), ne(leadStages.id, id)));
    if (!others?.n) throw conflictError('A pipeline keeps at least one stage.');
    const [held] = await tx.select({ n: count() }).from(leads).where(and(eq(leads.organizationId, organizationId), eq(leads.stageId, id)));
    const heldCount = held?.n ?? 0;
    let target: StageView | null = null;
    if (moveToStageId !== undefined) {
      if (moveToStageId === id) throw fieldError('moveToStageId', 'Choose another stage.');
      target = await requireStage(tx, organizationId, moveToStageId);
    }
    if (heldCount > 0 && !target) {
      throw conflictError(`The stage holds ${heldCount} lead(s); choose a stage to move them to.`);
    }
    let moved: { id: string; deletedAt: Date | null }[] = [];
    if (target && heldCount > 0) {
      moved = await tx
        .update(leads)
        .set(stageEntrySet(target))
        .where(and(eq(leads.organizationId, organizationId), eq(leads.stageId, id)))
        .returning({ id: leads.id, deletedAt: leads.deletedAt });
      await recordLeadEvents(
        tx,
        actor,
        moved
          .filter((lead) => !lead.deletedAt)
          .map((lead) => ({
            leadId: lead.id,
            title: `Moved from ${stage.name} to ${target!.name} (stage deleted)`,
            details: { event: 'stage_changed', from: stage.id, to: target!.id, reason: 'stage_deleted' },
          })),
      );
    }
    await tx.update(leadStages).set({ deletedAt: new Date() }).where(and(eq(leadStages.organizationId, organizationId), eq(leadStages.id, id)));
    return { stage, movedTo: target, moved: moved.length };
  });
}

/** Stages by id for a set of leads' stage ids (names for timelines and CSV). */
export async function stagesByIds(db: Executor, organizationId: string, ids: string[]) {
  if (ids.length === 0) return new Map<string, StageView>();
  const rows = await db.select(stageColumns).from(leadStages).where(and(eq(leadStages.organizationId, organizationId), inArray(leadStages.id, ids)));
  return new Map(rows.map((r) => [r.id, r]));
}
