import { z } from 'zod';
import { conflictStatuses, syncEntities } from '../shared/sync';
import { conflictDetail, countOpenConflicts, ignoreConflicts, listConflictRecords, listConflicts, resolveConflict } from '../services/sync/conflicts';
import { connectionById } from '../services/sync/connections';
import { notFound, router } from '../trpc';
import { syncProcedure } from './sync-procedures';

const id = z.string().uuid();

/** Conflicts parked by manual review: list, split comparison, resolve, ignore. */
export const conflictsRouter = router({
  list: syncProcedure('integrations.read')
    .input(
      z.object({
        connectionId: id.optional(),
        status: z.enum(conflictStatuses).default('open'),
        entity: z.enum(syncEntities).optional(),
        cursor: id.optional(),
        limit: z.number().int().min(1).max(100).default(25),
      }),
    )
    .query(async ({ ctx, input }) => {
      if (input.connectionId) await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId);
      return listConflicts(ctx.db, ctx.tenant.organizationId, input);
    }),

  /** The same, grouped per record: the fields in conflict, the record's name, the first conflict's id. */
  records: syncProcedure('integrations.read')
    .input(
      z.object({
        connectionId: id.optional(),
        status: z.enum(conflictStatuses).default('open'),
        entity: z.enum(syncEntities).optional(),
        cursor: z.string().max(100).regex(/^[0-9 :.+-]+\|[0-9a-f-]{36}$/).optional(),
        limit: z.number().int().min(1).max(100).default(25),
      }),
    )
    .query(async ({ ctx, input }) => {
      if (input.connectionId) await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId);
      return listConflictRecords(ctx.db, ctx.tenant.organizationId, input);
    }),

  /** Open conflicts of a connection (fields and records), for the tab's badge. */
  count: syncProcedure('integrations.read')
    .input(z.object({ connectionId: id }))
    .query(async ({ ctx, input }) => {
      await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId);
      return countOpenConflicts(ctx.db, ctx.tenant.organizationId, input.connectionId);
    }),

  byId: syncProcedure('integrations.read')
    .input(z.object({ id }))
    .query(async ({ ctx, input }) => conflictDetail(ctx.db, ctx.tenant.organizationId, input.id)),

  /** The app's value, the CRM's, or an edited one; `always` makes that side win this field from now on. */
  resolve: syncProcedure('integrations.manage')
    .input(z.object({ id, choice: z.enum(['app', 'crm', 'custom']), value: z.string().max(10_000).nullable().optional(), always: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      const { id: conflictId, ...resolution } = input;
      const resolved = await resolveConflict(ctx.db, { organizationId: ctx.tenant.organizationId, userId: ctx.user.id }, conflictId, resolution);
      await ctx.audit({
        action: 'conflict.resolve',
        targetType: 'sync_conflict',
        targetId: conflictId,
        details: { field: resolved.appField, choice: input.choice, always: input.always, appValue: resolved.appValue, crmValue: resolved.remoteValue, chosen: resolved.resolution?.value ?? null },
      });
      return resolved;
    }),

  ignore: syncProcedure('integrations.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const n = await ignoreConflicts(ctx.db, { organizationId: ctx.tenant.organizationId, userId: ctx.user.id }, [input.id]);
      if (n === 0) notFound('Conflict');
      await ctx.audit({ action: 'conflict.ignore', targetType: 'sync_conflict', targetId: input.id });
      return { id: input.id };
    }),
});
