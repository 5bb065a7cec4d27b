import { z } from 'zod';
import { mappingDirections, mappingOverrides, syncEntities } from '../shared/sync';
import { connectionById } from '../services/sync/connections';
import { autoMap, createMapping, deleteMapping, mappingById, mappingReport, previewMapping, resetMappings, updateMapping } from '../services/sync/mappings';
import { transformSchema } from '../services/sync/transforms';
import { router } from '../trpc';
import { syncDepsOf, syncProcedure } from './sync-procedures';

const id = z.string().uuid();
const entity = z.enum(syncEntities);
const fields = {
  appField: z.string().min(1).max(100),
  remoteField: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'Not a CRM field name.'),
  direction: z.enum(mappingDirections),
  transform: transformSchema.default([]),
  override: z.enum(mappingOverrides).default('strategy'),
};

/** Field mappings per connection and entity: the table, validation, auto-map, preview. */
export const mappingsRouter = router({
  /** The mapping table with the app's and the CRM's field lists and every validation issue. */
  list: syncProcedure('integrations.read')
    .input(z.object({ connectionId: id, entity }))
    .query(async ({ ctx, input }) => mappingReport(ctx.db, await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId), input.entity)),

  create: syncProcedure('integrations.manage')
    .input(z.object({ connectionId: id, entity, ...fields }))
    .mutation(async ({ ctx, input }) => {
      const { connectionId, entity: e, ...mapping } = input;
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, connectionId);
      const row = await createMapping(ctx.db, connection, e, mapping);
      await ctx.audit({ action: 'mapping.create', targetType: 'field_mapping', targetId: row.id, details: { connectionId, entity: e, appField: row.appField, remoteField: row.remoteField, direction: row.direction } });
      return row;
    }),

  update: syncProcedure('integrations.manage')
    .input(z.object({ id, appField: fields.appField.optional(), remoteField: fields.remoteField.optional(), direction: fields.direction.optional(), transform: transformSchema.optional(), override: z.enum(mappingOverrides).optional() }))
    .mutation(async ({ ctx, input }) => {
      const { id: mappingId, ...patch } = input;
      const mapping = await mappingById(ctx.db, ctx.tenant.organizationId, mappingId);
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, mapping.connectionId);
      const row = await updateMapping(ctx.db, connection, mapping, patch);
      await ctx.audit({ action: 'mapping.update', targetType: 'field_mapping', targetId: row.id, details: { before: { appField: mapping.appField, remoteField: mapping.remoteField, direction: mapping.direction, override: mapping.override }, after: { appField: row.appField, remoteField: row.remoteField, direction: row.direction, override: row.override } } });
      return row;
    }),

  delete: syncProcedure('integrations.manage')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const mapping = await mappingById(ctx.db, ctx.tenant.organizationId, input.id);
      await deleteMapping(ctx.db, mapping);
      await ctx.audit({ action: 'mapping.delete', targetType: 'field_mapping', targetId: mapping.id, details: { appField: mapping.appField, remoteField: mapping.remoteField } });
      return { id: mapping.id };
    }),

  /** Back to the provider's default mappings for the entity. */
  reset: syncProcedure('integrations.manage')
    .input(z.object({ connectionId: id, entity }))
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId);
      await resetMappings(ctx.db, connection, input.entity);
      await ctx.audit({ action: 'mapping.reset', targetType: 'connection', targetId: connection.id, details: { entity: input.entity } });
      return mappingReport(ctx.db, connection, input.entity);
    }),

  /** Suggestions by name/label similarity; `apply` creates the valid ones — only those listed in `only` when it is given. */
  autoMap: syncProcedure('integrations.manage')
    .input(
      z.object({
        connectionId: id,
        entity,
        apply: z.boolean().default(false),
        only: z.array(z.object({ appField: fields.appField, remoteField: fields.remoteField })).max(500).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const connection = await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId);
      const result = await autoMap(ctx.db, connection, input.entity, input.apply, input.only);
      await ctx.audit({
        action: 'mapping.auto_map',
        targetType: 'connection',
        targetId: connection.id,
        details: { entity: input.entity, applied: input.apply, chosen: input.only?.length ?? null, created: result.created.length },
      });
      return result;
    }),

  /** Five CRM records through the current mapping, as they would land in the app. */
  preview: syncProcedure('integrations.manage')
    .input(z.object({ connectionId: id, entity }))
    .query(async ({ ctx, input }) => previewMapping(syncDepsOf(ctx), await connectionById(ctx.db, ctx.tenant.organizationId, input.connectionId), input.entity)),
});
