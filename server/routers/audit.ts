import { z } from 'zod';
import { auditFilterSchema, exportAudit, listAudit } from '../services/audit/audit-query';
import { platformProcedure, router, tenantProcedure } from '../trpc';

const listInput = auditFilterSchema.extend({
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** The tenant's own audit trail (owner/admin). The platform view lives in admin.audit. */
export const auditRouter = router({
  list: tenantProcedure('audit.read')
    .input(listInput)
    .query(({ ctx, input }) => listAudit(ctx.db, ctx.tenant.organizationId, input, { cursor: input.cursor, limit: input.limit })),
  export: tenantProcedure('audit.read')
    .input(auditFilterSchema)
    .query(({ ctx, input }) => exportAudit(ctx.db, ctx.tenant.organizationId, input)),
});

export const platformAuditRouter = router({
  list: platformProcedure('platform.audit.read')
    .input(listInput)
    .query(({ ctx, input }) => listAudit(ctx.db, null, input, { cursor: input.cursor, limit: input.limit })),
  export: platformProcedure('platform.audit.read')
    .input(auditFilterSchema)
    .query(({ ctx, input }) => exportAudit(ctx.db, null, input)),
});
