import { TRPCError } from '@trpc/server';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { syncRunErrors, syncRuns } from '../../db/schema';
import { syncEntities, syncRunStatuses } from '../shared/sync';
import { connectionById } from '../services/sync/connections';
import { enqueueSync } from '../services/sync/enqueue';
import { listRunErrors, listRuns, runDetail } from '../services/sync/runs';
import { notFound, router } from '../trpc';
import { syncProcedure } from './sync-procedures';

const id = z.string().uuid();

/** Sync history: runs with counts, record-level errors, and "retry failed records". */
export const syncRouter = router({
  runs: syncProcedure('integrations.read')
    .input(
      z.object({
        connectionId: id.optional(),
        status: z.enum(syncRunStatuses).optional(),
        entity: z.enum(syncEntities).optional(),
        from: z.coerce.date().optional(),
        to: z.coerce.date().optional(),
        cursor: id.optional(),
        limit: z.number().int().min(1).max(100).default(25),
      }),
    )
    .query(async ({ ctx, input }) => {
      if (input.connectionId) await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId);
      return listRuns(ctx.db, ctx.tenant.organizationId, input);
    }),

  run: syncProcedure('integrations.read')
    .input(z.object({ id }))
    .query(async ({ ctx, input }) => (await runDetail(ctx.db, ctx.tenant.organizationId, input.id)) ?? notFound('Sync run')),

  /** A run's record-level errors, a page at a time (the run detail shows them all, not only the first 500). */
  runErrors: syncProcedure('integrations.read')
    .input(z.object({ runId: id, cursor: id.optional(), limit: z.number().int().min(1).max(100).default(25) }))
    .query(async ({ ctx, input }) => {
      const [run] = await ctx.db
        .select({ id: syncRuns.id })
        .from(syncRuns)
        .where(and(eq(syncRuns.id, input.runId), eq(syncRuns.organizationId, ctx.tenant.organizationId)));
      if (!run) notFound('Sync run');
      return listRunErrors(ctx.db, ctx.tenant.organizationId, input);
    }),

  /** Re-runs only the run's retryable failed records, as a job of its own. */
  retryFailed: syncProcedure('integrations.manage')
    .input(z.object({ runId: id }))
    .mutation(async ({ ctx, input }) => {
      const detail = (await runDetail(ctx.db, ctx.tenant.organizationId, input.runId, 1)) ?? notFound('Sync run');
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, detail.run.connectionId);
      const [pending] = await ctx.db
        .select({ id: syncRunErrors.id })
        .from(syncRunErrors)
        .where(and(eq(syncRunErrors.runId, input.runId), eq(syncRunErrors.retryable, true), isNull(syncRunErrors.retriedAt)))
        .limit(1);
      if (!pending) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'This run has no failed records left to retry.' });
      if (connection.status !== 'connected') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `The connection is ${connection.status.replace('_', ' ')}.` });
      if (!ctx.app.boss) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The job queue is not running.' });
      const result = await enqueueSync(ctx.app.boss, ctx.db, { connectionId: connection.id, trigger: 'retry', entities: [detail.run.entity], retryOfRunId: input.runId });
      await ctx.audit({ action: 'sync.retry_failed', targetType: 'sync_run', targetId: input.runId, details: { result: result.status, retryable: detail.retryableCount } });
      return result;
    }),
});
