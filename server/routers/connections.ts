import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { conflictStrategies, outboundPolicies, syncDirections, syncEntities, syncFrequencies, syncProviders } from '../shared/sync';
import {
  authorizationUrlFor,
  completeAuthorization,
  connectionById,
  connectionView,
  disconnectConnection,
  linkedRecordCounts,
  listConnections,
  pauseConnection,
  resumeConnection,
  startConnection,
  testConnection,
  updateSettings,
} from '../services/sync/connections';
import { enqueueSync } from '../services/sync/enqueue';
import { filtersSchema } from '../services/sync/filters';
import { remoteFieldsOf } from '../services/sync/mappings';
import { router } from '../trpc';
import { syncDepsOf, syncProcedure } from './sync-procedures';

const id = z.string().uuid();
const settings = {
  direction: z.enum(syncDirections).optional(),
  frequency: z.enum(syncFrequencies).optional(),
  entities: z.array(z.enum(syncEntities)).min(1).max(2).optional(),
  filters: filtersSchema.optional(),
  conflictStrategy: z.enum(conflictStrategies).optional(),
  outboundPolicy: z.enum(outboundPolicies).optional(),
  createMissing: z.boolean().optional(),
  propagateDeletes: z.boolean().optional(),
  dailyApiBudgetPercent: z.number().int().min(1).max(100).optional(),
};

/** CRM connections (DESIGN §4, decision 006): connect through OAuth, configure, test, pause, disconnect, sync now. */
export const connectionsRouter = router({
  list: syncProcedure('integrations.read').query(async ({ ctx }) => (await listConnections(ctx.db, ctx.tenant.organizationId)).map(connectionView)),

  /** Linked records per connection (accounts, contacts): what the cards call "records synced". */
  linkedCounts: syncProcedure('integrations.read').query(({ ctx }) => linkedRecordCounts(ctx.db, ctx.tenant.organizationId)),

  byId: syncProcedure('integrations.read')
    .input(z.object({ id }))
    .query(async ({ ctx, input }) => connectionView(await connectionById(ctx.db, ctx.tenant.organizationId, input.id))),

  /** A new connection waiting for consent; the browser goes to `authorizationUrl`. */
  create: syncProcedure('integrations.manage')
    .input(z.object({ provider: z.enum(syncProviders), ...settings }))
    .mutation(async ({ ctx, input }) => {
      const actor = { organizationId: ctx.tenant.organizationId, userId: ctx.user.id };
      const { connection, authorizationUrl } = await startConnection(syncDepsOf(ctx), actor, ctx.app.sandboxes, input);
      await ctx.audit({ action: 'connection.create', targetType: 'connection', targetId: connection.id, details: { provider: input.provider, sandbox: connection.usesSandbox } });
      return { connection: connectionView(connection), authorizationUrl };
    }),

  /** A fresh consent round trip for a pending, failed or disconnected connection (or to re-consent). */
  authorize: syncProcedure('integrations.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.id);
      const authorizationUrl = await authorizationUrlFor(syncDepsOf(ctx), { organizationId: ctx.tenant.organizationId, userId: ctx.user.id }, connection);
      await ctx.audit({ action: 'connection.authorize', targetType: 'connection', targetId: connection.id, details: { provider: connection.provider } });
      return { authorizationUrl };
    }),

  /** The OAuth callback (called by app/routes/integrations.$provider.callback.ts). */
  completeAuthorization: syncProcedure('integrations.manage')
    .input(z.object({ provider: z.enum(syncProviders), state: z.string().max(500), code: z.string().min(1).max(2000) }))
    .mutation(async ({ ctx, input }) => {
      try {
        const connection = await completeAuthorization(syncDepsOf(ctx), { organizationId: ctx.tenant.organizationId, userId: ctx.user.id }, input);
        await ctx.audit({ action: 'connection.connected', targetType: 'connection', targetId: connection.id, details: { provider: connection.provider, connectedAs: connection.connectedAs } });
        return { connectionId: connection.id };
      } catch (error) {
        await ctx.audit({ action: 'connection.connected', outcome: 'failure', details: { provider: input.provider, reason: error instanceof Error ? error.message.slice(0, 200) : 'error' } });
        throw error;
      }
    }),

  update: syncProcedure('integrations.manage')
    .input(z.object({ id, ...settings }))
    .mutation(async ({ ctx, input }) => {
      const { id: connectionId, ...patch } = input;
      const before = await connectionById(ctx.db, ctx.tenant.organizationId, connectionId);
      const after = await updateSettings(ctx.db, before, patch);
      const changed = Object.fromEntries(Object.keys(patch).map((k) => [k, { from: before[k as keyof typeof before] ?? null, to: after[k as keyof typeof after] ?? null }]));
      await ctx.audit({ action: 'connection.update', targetType: 'connection', targetId: connectionId, details: { changed } });
      return connectionView(after);
    }),

  test: syncProcedure('integrations.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.id);
      const result = await testConnection(syncDepsOf(ctx), connection);
      await ctx.audit({ action: 'connection.test', targetType: 'connection', targetId: connection.id, outcome: result.ok ? 'success' : 'failure', details: result.ok ? {} : { error: result.error } });
      return result;
    }),

  pause: syncProcedure('integrations.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.id);
      const after = await pauseConnection(ctx.db, connection, `paused by ${ctx.user.name || ctx.user.email}`);
      await ctx.audit({ action: 'connection.pause', targetType: 'connection', targetId: connection.id });
      return connectionView(after);
    }),

  resume: syncProcedure('integrations.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.id);
      const after = await resumeConnection(ctx.db, connection);
      await ctx.audit({ action: 'connection.resume', targetType: 'connection', targetId: connection.id });
      return connectionView(after);
    }),

  disconnect: syncProcedure('integrations.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.id);
      const { connection: after, revoked } = await disconnectConnection(syncDepsOf(ctx), connection);
      await ctx.audit({ action: 'connection.disconnect', targetType: 'connection', targetId: connection.id, details: { provider: connection.provider, revokedAtProvider: revoked } });
      return { connection: connectionView(after), revoked };
    }),

  /** The CRM's fields (describe / properties), cached per connection; `refresh` reads them again. */
  remoteFields: syncProcedure('integrations.manage')
    .input(z.object({ id, entity: z.enum(syncEntities), refresh: z.boolean().default(false) }))
    .query(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.id);
      return remoteFieldsOf(syncDepsOf(ctx), connection, input.entity, input.refresh);
    }),

  /** Queues a sync; a second trigger while one runs answers "already running" with the running one. */
  syncNow: syncProcedure('integrations.manage')
    .input(z.object({ id, entities: z.array(z.enum(syncEntities)).min(1).optional() }))
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.id);
      if (connection.status !== 'connected') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `The connection is ${connection.status.replace('_', ' ')}.` });
      if (!ctx.app.boss) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The job queue is not running.' });
      const result = await enqueueSync(ctx.app.boss, ctx.db, { connectionId: connection.id, trigger: 'manual', entities: input.entities });
      await ctx.audit({ action: 'connection.sync_now', targetType: 'connection', targetId: connection.id, details: { result: result.status } });
      return result;
    }),
});
