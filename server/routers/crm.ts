import { TRPCError } from '@trpc/server';
import { z, ZodRealError } from 'zod';
import { publishEvent } from '../realtime/channel';
import { writeAudit, type AuditEntry } from '../security/audit';
import { tenantRoleCan, type TenantPermission } from '../security/rbac';
import { customFieldEntities, customFieldTypes, leadSources, userActivityKinds } from '../shared/crm';
import { accountSortSchema, createAccount, deleteAccount, getAccount, listAccounts, lookupAccounts, updateAccount } from '../services/crm/accounts';
import { createActivity, deleteActivity, listActivities, updateActivity } from '../services/crm/activities';
import { contactSortSchema, createContact, deleteContact, getContact, listContacts, updateContact } from '../services/crm/contacts';
import type { CrmActor, Executor } from '../services/crm/context';
import { convertLead } from '../services/crm/conversion';
import { analyzeLeadsCsv, exportLeadsCsv, importLeadsCsv, importOptionsSchema } from '../services/crm/csv';
import { createCustomField, deleteCustomField, listCustomFields, reorderCustomFields, updateCustomField } from '../services/crm/custom-fields';
import { CrmError } from '../services/crm/errors';
import { leadFilterSchema, leadSortSchema, listLeads, pipelineSummary } from '../services/crm/lead-query';
import { assignLeads, createLead, deleteLead, getLead, listAssignees, moveLeadsToStage, updateLead, type SaveAnyway } from '../services/crm/leads';
import { accountMergeFields, contactMergeFields, leadMergeFields, leadMergePreview, mergeAccounts, mergeContacts, mergeLeads, mergePreview, recordHistory } from '../services/crm/merge';
import { createStage, deleteStage, listStages, reorderStages, updateStage } from '../services/crm/stages';
import { middleware, router, tenantProcedure, type SessionUser, type TenantScope } from '../trpc';

// ---------------------------------------------------------------- plumbing

function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === '23505') return true;
  }
  return false;
}

/**
 * Turns the CRM services' domain errors into tRPC errors (field errors reach the client
 * as zod field errors, like input validation's) and keeps internal details out of messages.
 */
const withCrmErrors = middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof CrmError) {
    if (cause.kind === 'not_found') throw new TRPCError({ code: 'NOT_FOUND', message: cause.message });
    if (cause.kind === 'conflict') throw new TRPCError({ code: 'CONFLICT', message: cause.message });
    if (cause.kind === 'forbidden') throw new TRPCError({ code: 'FORBIDDEN', message: cause.message });
    const issues = Object.entries(cause.fieldErrors).flatMap(([field, messages]) =>
      messages.map((message) => ({ code: 'custom' as const, path: [field], message, input: undefined })),
    );
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause: new ZodRealError(issues) });
  }
  if (isUniqueViolation(cause)) throw new TRPCError({ code: 'CONFLICT', message: 'That conflicts with an existing record; reload and try again.' });
  // a database error's message carries the SQL and its parameters (customer data): keep it in the cause only
  if (result.error.code === 'INTERNAL_SERVER_ERROR') throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The CRM could not complete that request.', cause });
  return result;
});

const crmProcedure = (permission: TenantPermission) => tenantProcedure(permission).use(withCrmErrors);

function actorOf(ctx: { tenant: TenantScope; user: SessionUser }): CrmActor {
  return { organizationId: ctx.tenant.organizationId, userId: ctx.user.id, seesAllLeads: tenantRoleCan(ctx.tenant.role, 'crm.manage_all') };
}

/** Audit details for a save that went ahead despite flagged duplicates. */
const overridden = (saveAnyway: SaveAnyway | undefined, matches: { id: string | null }[]) =>
  matches.length ? { saveAnyway: { reason: saveAnyway?.reason, matches: matches.map((m) => m.id ?? 'hidden') } } : {};

/** The audit writer redacts any detail key containing "key" (secrets): a field's key travels as `fieldKey`. */
const auditedField = ({ key, ...field }: { key: string } & Record<string, unknown>) => ({ fieldKey: key, ...field });

// ---------------------------------------------------------------- inputs

const id = z.string().uuid();
const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => text(max).nullable().optional();
const email = text(320)
  .refine((v) => v === '' || z.email().safeParse(v).success, 'Not an e-mail address.')
  .nullable()
  .optional();
const phone = text(40).nullable().optional();
const custom = z.record(z.string().max(40), z.union([z.string().max(10_000), z.number(), z.null()])).optional();
const saveAnyway = z.object({ reason: text(500).min(3) }).optional();
const page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(200).default(50) };
const side = z.enum(['survivor', 'merged']);
const mergeInput = <F extends readonly [string, ...string[]]>(fields: F) =>
  z.object({
    survivorId: id,
    mergedId: id,
    fields: z.partialRecord(z.enum(fields), side).optional(),
    custom: z.record(z.string().max(40), side).optional(),
  });

const mergePair = z.object({ survivorId: id, mergedId: id }).refine((p) => p.survivorId !== p.mergedId, { message: 'Choose two different records.', path: ['mergedId'] });

const leadFields = {
  email,
  phone,
  company: optionalText(200),
  position: optionalText(200),
  taxId: optionalText(64),
  source: z.enum(leadSources).optional(),
  status: z.enum(['new', 'contacted', 'qualified', 'lost']).optional(),
  stageId: id.optional(),
  amount: z.number().nonnegative().max(1e12).nullable().optional(),
  custom,
};
const leadListInput = leadFilterSchema.extend({
  ...leadSortSchema.shape,
  cursor: id.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

const accountFields = {
  domain: optionalText(253),
  industry: optionalText(120),
  phone,
  address: optionalText(500),
  taxId: optionalText(64),
  notes: optionalText(10_000),
  ownerId: id.nullable().optional(),
  custom,
};

const contactFields = {
  lastName: text(120).optional(),
  email,
  phone,
  position: optionalText(200),
  accountId: id.nullable().optional(),
  ownerId: id.nullable().optional(),
  custom,
};

const stageFields = {
  description: optionalText(500),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'A colour like #3366ff.').optional(),
  isQualified: z.boolean().optional(),
  isWon: z.boolean().optional(),
  isLost: z.boolean().optional(),
};

const activityFields = {
  kind: z.enum(userActivityKinds),
  title: text(300).min(1),
  description: optionalText(10_000),
  dueAt: z.coerce.date().nullable().optional(),
  completedAt: z.coerce.date().nullable().optional(),
};
const activitySubject = { leadId: id.optional(), contactId: id.optional(), accountId: id.optional() };
const oneSubject = [
  (s: { leadId?: string; contactId?: string; accountId?: string }) => [s.leadId, s.contactId, s.accountId].filter(Boolean).length === 1,
  'Give exactly one of leadId, contactId, accountId.',
] as const;

// ---------------------------------------------------------------- per-record procedures (leads, accounts, contacts)

type CrmRecord = 'lead' | 'account' | 'contact';
type Audit = (entry: AuditEntry) => Promise<void>;
type SavedOrDuplicate = { status: 'duplicate'; matches: { id: string | null }[] } | { status: 'saved'; changes: { after: object }; overriddenDuplicates: { id: string | null }[] };

/** A record's change history (the audit trail of its fields), for whoever can read the record. */
const historyProcedure = (type: CrmRecord) =>
  crmProcedure('crm.read')
    .input(z.object({ id }))
    .query(({ ctx, input }) => recordHistory(ctx.db, actorOf(ctx), type, input.id));

/** Deletes a record through `remove` (which returns the row as it was) and audits `crm.<type>.delete` with that row. */
const deleteProcedure = (type: CrmRecord, remove: (db: Executor, actor: CrmActor, id: string) => Promise<unknown>) =>
  crmProcedure('crm.write')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const before = await remove(ctx.db, actorOf(ctx), input.id);
      await ctx.audit({ action: `crm.${type}.delete`, targetType: type, targetId: input.id, details: { before } });
      return { ok: true };
    });

/** What merging `mergedId` into `survivorId` would move (the merge screen's summary). */
const mergePreviewProcedure = (type: 'account' | 'contact') =>
  crmProcedure('crm.manage_all')
    .input(mergePair)
    .query(({ ctx, input }) => mergePreview(ctx.db, actorOf(ctx), type, input.survivorId, input.mergedId));

type MergeResult = { changes: object; notTaken: unknown; movedActivities: unknown; movedContacts?: unknown };

/** Merges `mergedId` into `survivorId` (managers), auditing `crm.<type>.merge` on the survivor with what moved. */
const mergeProcedure = <F extends readonly [string, ...string[]], R extends MergeResult>(
  type: CrmRecord,
  fields: F,
  merge: (db: Executor, actor: CrmActor, survivorId: string, mergedId: string, choices: z.infer<ReturnType<typeof mergeInput<F>>>) => Promise<R>,
) =>
  crmProcedure('crm.manage_all')
    .input(mergeInput(fields))
    .mutation(async ({ ctx, input }) => {
      const result = await merge(ctx.db, actorOf(ctx), input.survivorId, input.mergedId, input);
      const { movedContacts } = result;
      await ctx.audit({
        action: `crm.${type}.merge`,
        targetType: type,
        targetId: input.survivorId,
        details: { mergedId: input.mergedId, ...result.changes, notTaken: result.notTaken, movedActivities: result.movedActivities, ...(movedContacts === undefined ? {} : { movedContacts }) },
      });
      return result;
    });

/**
 * Audits a duplicate-checked save of a lead or contact: flagged duplicates (nothing saved) as
 * `crm.<type>.duplicates_found`, else `crm.<type>.<create|update>` with the changes and any override.
 */
async function auditCheckedSave(
  audit: Audit,
  type: 'lead' | 'contact',
  save: { action: 'create'; targetId?: undefined } | { action: 'update'; targetId: string },
  result: SavedOrDuplicate & { [record: string]: unknown },
  saveAnyway: SaveAnyway | undefined,
) {
  if (result.status === 'duplicate') {
    await audit({ action: `crm.${type}.duplicates_found`, targetType: type, ...(save.targetId ? { targetId: save.targetId } : {}), details: { matches: result.matches.map((m) => m.id ?? 'hidden') } });
    return;
  }
  const overrides = overridden(saveAnyway, result.overriddenDuplicates);
  await audit({
    action: `crm.${type}.${save.action}`,
    targetType: type,
    targetId: save.targetId ?? (result[type] as { id: string }).id,
    details: save.action === 'create' ? { after: result.changes.after, ...overrides } : { ...result.changes, ...overrides },
  });
}
// ---------------------------------------------------------------- routers

const leadsRouter = router({
  list: crmProcedure('crm.read')
    .input(leadListInput)
    .query(({ ctx, input }) => {
      const { cursor, limit, sort, direction, ...filter } = input;
      return listLeads(ctx.db, actorOf(ctx), filter, { sort, direction }, { cursor, limit });
    }),

  /** Per-stage counts and totals for the kanban, over the same filters as the list. */
  pipeline: crmProcedure('crm.read')
    .input(leadFilterSchema)
    .query(({ ctx, input }) => pipelineSummary(ctx.db, actorOf(ctx), input)),

  byId: crmProcedure('crm.read')
    .input(z.object({ id }))
    .query(({ ctx, input }) => getLead(ctx.db, actorOf(ctx), input.id)),

  history: historyProcedure('lead'),

  create: crmProcedure('crm.write')
    .input(z.object({ name: text(200).min(1), ...leadFields, assignedTo: id.nullable().optional(), saveAnyway }))
    .mutation(async ({ ctx, input }) => {
      const { saveAnyway, ...fields } = input;
      const actor = actorOf(ctx);
      if (!actor.seesAllLeads && fields.assignedTo !== undefined && fields.assignedTo !== actor.userId) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'Only managers assign leads to others.' });
      }
      const result = await createLead(ctx.db, actor, fields, saveAnyway);
      await auditCheckedSave(ctx.audit, 'lead', { action: 'create' }, result, saveAnyway);
      return result;
    }),

  update: crmProcedure('crm.write')
    .input(z.object({ id, name: text(200).min(1).optional(), ...leadFields, saveAnyway }))
    .mutation(async ({ ctx, input }) => {
      const { id, saveAnyway, ...fields } = input;
      const result = await updateLead(ctx.db, actorOf(ctx), id, fields, saveAnyway);
      await auditCheckedSave(ctx.audit, 'lead', { action: 'update', targetId: id }, result, saveAnyway);
      return result;
    }),

  delete: deleteProcedure('lead', deleteLead),

  assign: crmProcedure('crm.manage_all')
    .input(z.object({ id, assignedTo: id.nullable() }))
    .mutation(async ({ ctx, input }) => {
      const result = await assignLeads(ctx.db, actorOf(ctx), [input.id], input.assignedTo);
      await ctx.audit({
        action: 'crm.lead.assign',
        targetType: 'lead',
        targetId: input.id,
        details: { before: { assignedTo: result.changed[0]?.from ?? input.assignedTo }, after: { assignedTo: input.assignedTo } },
      });
      return result;
    }),

  bulkAssign: crmProcedure('crm.manage_all')
    .input(z.object({ ids: z.array(id).min(1).max(1000), assignedTo: id.nullable() }))
    .mutation(async ({ ctx, input }) => {
      const result = await assignLeads(ctx.db, actorOf(ctx), input.ids, input.assignedTo);
      await ctx.audit({
        action: 'crm.lead.bulk_assign',
        targetType: 'lead',
        details: { ids: result.changed.map((c) => c.id), count: result.changed.length, after: { assignedTo: input.assignedTo } },
      });
      return result;
    }),

  bulkSetStage: crmProcedure('crm.manage_all')
    .input(z.object({ ids: z.array(id).min(1).max(1000), stageId: id }))
    .mutation(async ({ ctx, input }) => {
      const result = await moveLeadsToStage(ctx.db, actorOf(ctx), input.ids, input.stageId);
      await ctx.audit({
        action: 'crm.lead.bulk_stage',
        targetType: 'lead',
        details: { ids: result.changed.map((c) => c.id), count: result.changed.length, after: { stageId: input.stageId, stage: result.stage.name } },
      });
      return result;
    }),

  /** What merging lead `mergedId` into `survivorId` would move; a sales user only sees their own leads (as in merge). */
  mergePreview: crmProcedure('crm.manage_all')
    .input(mergePair)
    .query(({ ctx, input }) => leadMergePreview(ctx.db, actorOf(ctx), input.survivorId, input.mergedId)),

  merge: mergeProcedure('lead', leadMergeFields, mergeLeads),

  convert: crmProcedure('crm.write')
    .input(z.object({ id, accountId: id.optional(), contactId: id.optional() }))
    .mutation(async ({ ctx, input }) => {
      const result = await convertLead(ctx.db, actorOf(ctx), input.id, input);
      await ctx.audit({
        action: 'crm.lead.convert',
        targetType: 'lead',
        targetId: input.id,
        details: { account: result.account, contact: result.contact },
      });
      return result;
    }),

  /** CSV of the current view (filters and sort of the list), at most 50,000 rows. Audited, though a query: data leaves. */
  export: crmProcedure('crm.read')
    .input(leadFilterSchema.extend(leadSortSchema.shape))
    .query(async ({ ctx, input }) => {
      const { sort, direction, ...filter } = input;
      const result = await exportLeadsCsv(ctx.db, actorOf(ctx), filter, { sort, direction });
      await writeAudit(ctx.db, { userId: ctx.user.id, email: ctx.user.email }, ctx.meta, {
        action: 'crm.lead.export',
        organizationId: ctx.tenant.organizationId,
        targetType: 'lead',
        details: { rowCount: result.rowCount, truncated: result.truncated, filter: input },
      });
      return result;
    }),
});

const importRouter = router({
  analyze: crmProcedure('crm.manage_all')
    .input(importOptionsSchema)
    .mutation(({ ctx, input }) => analyzeLeadsCsv(ctx.db, ctx.tenant.organizationId, input)),

  run: crmProcedure('crm.manage_all')
    .input(
      importOptionsSchema.extend({
        mapping: z.array(z.string().max(60).nullable()).max(500),
        dryRun: z.boolean().default(true),
        /** Chosen by the browser; progress events on the realtime channel carry it. */
        progressToken: z.string().max(64).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const organizationId = ctx.tenant.organizationId;
      const token = input.progressToken;
      const onProgress = token
        ? (progress: { processed: number; total: number }) =>
            publishEvent(ctx.app.sql, { organizationId, topic: 'crm.import.progress', data: { token, dryRun: input.dryRun, ...progress } }).catch(() => {})
        : undefined;
      const result = await importLeadsCsv(ctx.db, actorOf(ctx), input, onProgress);
      const { errors, preview, ...counts } = result;
      await ctx.audit({ action: input.dryRun ? 'crm.lead.import_preview' : 'crm.lead.import', targetType: 'lead', details: { ...counts, mapping: input.mapping } });
      return result;
    }),
});

const accountsRouter = router({
  list: crmProcedure('crm.read')
    .input(z.object({ q: text(200).optional(), ...page, ...accountSortSchema.shape }))
    .query(({ ctx, input }) => listAccounts(ctx.db, ctx.tenant.organizationId, input)),

  /** The account picker: id, name and domain of up to `limit` accounts matching `q`, by name. */
  lookup: crmProcedure('crm.read')
    .input(z.object({ q: text(200).optional(), limit: z.number().int().min(1).max(200).default(20) }))
    .query(({ ctx, input }) => lookupAccounts(ctx.db, ctx.tenant.organizationId, input)),

  byId: crmProcedure('crm.read')
    .input(z.object({ id }))
    .query(({ ctx, input }) => getAccount(ctx.db, actorOf(ctx), input.id)),

  history: historyProcedure('account'),

  create: crmProcedure('crm.write')
    .input(z.object({ name: text(200).min(1), ...accountFields }))
    .mutation(async ({ ctx, input }) => {
      const { account, changes } = await createAccount(ctx.db, actorOf(ctx), input);
      await ctx.audit({ action: 'crm.account.create', targetType: 'account', targetId: account.id, details: { after: changes.after } });
      return account;
    }),

  update: crmProcedure('crm.write')
    .input(z.object({ id, name: text(200).min(1).optional(), ...accountFields }))
    .mutation(async ({ ctx, input }) => {
      const { id, ...fields } = input;
      const { account, changes } = await updateAccount(ctx.db, actorOf(ctx), id, fields);
      await ctx.audit({ action: 'crm.account.update', targetType: 'account', targetId: id, details: changes });
      return account;
    }),

  delete: deleteProcedure('account', deleteAccount),

  mergePreview: mergePreviewProcedure('account'),

  merge: mergeProcedure('account', accountMergeFields, mergeAccounts),
});

const contactsRouter = router({
  list: crmProcedure('crm.read')
    .input(z.object({ q: text(200).optional(), ...page, ...contactSortSchema.shape }))
    .query(({ ctx, input }) => listContacts(ctx.db, ctx.tenant.organizationId, input)),

  byId: crmProcedure('crm.read')
    .input(z.object({ id }))
    .query(({ ctx, input }) => getContact(ctx.db, ctx.tenant.organizationId, input.id)),

  history: historyProcedure('contact'),

  create: crmProcedure('crm.write')
    .input(z.object({ firstName: text(120).min(1), ...contactFields, saveAnyway }))
    .mutation(async ({ ctx, input }) => {
      const { saveAnyway, ...fields } = input;
      const result = await createContact(ctx.db, actorOf(ctx), fields, saveAnyway);
      await auditCheckedSave(ctx.audit, 'contact', { action: 'create' }, result, saveAnyway);
      return result;
    }),

  update: crmProcedure('crm.write')
    .input(z.object({ id, firstName: text(120).min(1).optional(), ...contactFields, saveAnyway }))
    .mutation(async ({ ctx, input }) => {
      const { id, saveAnyway, ...fields } = input;
      const result = await updateContact(ctx.db, actorOf(ctx), id, fields, saveAnyway);
      await auditCheckedSave(ctx.audit, 'contact', { action: 'update', targetId: id }, result, saveAnyway);
      return result;
    }),

  delete: deleteProcedure('contact', deleteContact),

  mergePreview: mergePreviewProcedure('contact'),

  merge: mergeProcedure('contact', contactMergeFields, mergeContacts),
});

const stagesRouter = router({
  list: crmProcedure('crm.read').query(({ ctx }) => listStages(ctx.db, ctx.tenant.organizationId)),

  create: crmProcedure('crm.stages.manage')
    .input(z.object({ name: text(80).min(1), ...stageFields }))
    .mutation(async ({ ctx, input }) => {
      const stage = await createStage(ctx.db, ctx.tenant.organizationId, input);
      await ctx.audit({ action: 'crm.stage.create', targetType: 'lead_stage', targetId: stage.id, details: { after: input } });
      return stage;
    }),

  update: crmProcedure('crm.stages.manage')
    .input(z.object({ id, name: text(80).min(1).optional(), ...stageFields }))
    .mutation(async ({ ctx, input }) => {
      const { id, ...patch } = input;
      const { stage, changes } = await updateStage(ctx.db, ctx.tenant.organizationId, id, patch);
      await ctx.audit({ action: 'crm.stage.update', targetType: 'lead_stage', targetId: id, details: changes });
      return stage;
    }),

  reorder: crmProcedure('crm.stages.manage')
    .input(z.object({ stageIds: z.array(id).min(1).max(100) }))
    .mutation(async ({ ctx, input }) => {
      const stages = await reorderStages(ctx.db, ctx.tenant.organizationId, input.stageIds);
      await ctx.audit({ action: 'crm.stage.reorder', targetType: 'lead_stage', details: { order: stages.map((s) => s.name) } });
      return stages;
    }),

  /** A stage holding leads needs `moveToStageId`: the answer is CONFLICT (with the count) without it. */
  delete: crmProcedure('crm.stages.manage')
    .input(z.object({ id, moveToStageId: id.optional() }))
    .mutation(async ({ ctx, input }) => {
      const result = await deleteStage(ctx.db, actorOf(ctx), input.id, input.moveToStageId);
      await ctx.audit({
        action: 'crm.stage.delete',
        targetType: 'lead_stage',
        targetId: input.id,
        details: { before: { name: result.stage.name }, movedTo: result.movedTo?.name ?? null, movedLeads: result.moved },
      });
      return { ok: true, moved: result.moved };
    }),
});

const activitiesRouter = router({
  /** The timeline of one lead, contact or account, newest first. */
  list: crmProcedure('crm.read')
    .input(
      z.object({ ...activitySubject, cursor: id.optional(), limit: z.number().int().min(1).max(200).default(50) }).refine(...oneSubject),
    )
    .query(({ ctx, input }) => {
      const { cursor, limit, ...subject } = input;
      return listActivities(ctx.db, actorOf(ctx), subject, { cursor, limit });
    }),

  create: crmProcedure('crm.write')
    .input(z.object({ ...activitySubject, ...activityFields }).refine(...oneSubject))
    .mutation(async ({ ctx, input }) => {
      const { leadId, contactId, accountId, ...fields } = input;
      const activity = await createActivity(ctx.db, actorOf(ctx), { leadId, contactId, accountId }, fields);
      await ctx.audit({ action: 'crm.activity.create', targetType: 'activity', targetId: activity.id, details: { after: activity } });
      return activity;
    }),

  update: crmProcedure('crm.write')
    .input(z.object({ id, ...activityFields, kind: activityFields.kind.optional(), title: activityFields.title.optional() }))
    .mutation(async ({ ctx, input }) => {
      const { id, ...patch } = input;
      const { activity, changes } = await updateActivity(ctx.db, actorOf(ctx), id, patch);
      await ctx.audit({ action: 'crm.activity.update', targetType: 'activity', targetId: id, details: changes });
      return activity;
    }),

  delete: crmProcedure('crm.write')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const before = await deleteActivity(ctx.db, actorOf(ctx), input.id);
      await ctx.audit({ action: 'crm.activity.delete', targetType: 'activity', targetId: input.id, details: { before } });
      return { ok: true };
    }),
});

const customFieldsRouter = router({
  list: crmProcedure('crm.read')
    .input(z.object({ entity: z.enum(customFieldEntities).optional() }).optional())
    .query(({ ctx, input }) => listCustomFields(ctx.db, ctx.tenant.organizationId, input?.entity)),

  create: crmProcedure('crm.custom_fields.manage')
    .input(
      z.object({
        entity: z.enum(customFieldEntities),
        key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'Lower-case letters, digits and _; starts with a letter; up to 40.'),
        label: text(80).min(1),
        type: z.enum(customFieldTypes),
        options: z.array(text(100).min(1)).max(100).optional(),
        required: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const field = await createCustomField(ctx.db, ctx.tenant.organizationId, input);
      await ctx.audit({ action: 'crm.custom_field.create', targetType: 'custom_field', targetId: field.id, details: { after: auditedField(field) } });
      return field;
    }),

  update: crmProcedure('crm.custom_fields.manage')
    .input(
      z.object({
        id,
        label: text(80).min(1).optional(),
        options: z.array(text(100).min(1)).max(100).optional(),
        required: z.boolean().optional(),
        position: z.number().int().min(0).max(1000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { id, ...patch } = input;
      const { field, changes } = await updateCustomField(ctx.db, ctx.tenant.organizationId, id, patch);
      await ctx.audit({ action: 'crm.custom_field.update', targetType: 'custom_field', targetId: id, details: changes });
      return field;
    }),

  /** The order of one entity's fields on forms and detail pages: every field of the entity, once. */
  reorder: crmProcedure('crm.custom_fields.manage')
    .input(z.object({ entity: z.enum(customFieldEntities), fieldIds: z.array(id).min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { before, fields } = await reorderCustomFields(ctx.db, ctx.tenant.organizationId, input.entity, input.fieldIds);
      await ctx.audit({ action: 'crm.custom_field.reorder', targetType: 'custom_field', details: { entity: input.entity, before: { order: before }, after: { order: fields.map((f) => f.label) } } });
      return fields;
    }),

  /** Deletes the definition and its values on every record (the count is audited). */
  delete: crmProcedure('crm.custom_fields.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const { field, strippedRecords } = await deleteCustomField(ctx.db, ctx.tenant.organizationId, input.id);
      await ctx.audit({ action: 'crm.custom_field.delete', targetType: 'custom_field', targetId: input.id, details: { before: auditedField(field), strippedRecords } });
      return { ok: true, strippedRecords };
    }),
});

/** The native CRM (DESIGN §4, decision 005). */
export const crmRouter = router({
  /** Who a lead, contact or account can be assigned to (the assignee and owner pickers): active members whose role works the CRM. */
  assignees: crmProcedure('crm.write').query(({ ctx }) => listAssignees(ctx.db, ctx.tenant.organizationId)),
  leads: leadsRouter,
  accounts: accountsRouter,
  contacts: contactsRouter,
  stages: stagesRouter,
  activities: activitiesRouter,
  customFields: customFieldsRouter,
  import: importRouter,
});
