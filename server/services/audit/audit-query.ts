import { and, desc, eq, gte, ilike, lt, lte, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { escapeLike } from '../../shared/validation';
import { auditLog } from '../../../db/schema';

export const auditFilterSchema = z.object({
  action: z.string().trim().max(100).optional(),
  actor: z.string().trim().max(320).optional(),
  outcome: z.enum(['success', 'denied', 'failure']).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;


/** organizationId null = platform view (every tenant and platform rows). */
function whereOf(organizationId: string | null, filter: AuditFilter, beforeId?: number): SQL | undefined {
  const conditions: (SQL | undefined)[] = [
    organizationId ? eq(auditLog.organizationId, organizationId) : undefined,
    filter.action ? ilike(auditLog.action, `%${escapeLike(filter.action)}%`) : undefined,
    filter.actor ? or(ilike(auditLog.actorEmail, `%${escapeLike(filter.actor)}%`)) : undefined,
    filter.outcome ? eq(auditLog.outcome, filter.outcome) : undefined,
    filter.from ? gte(auditLog.at, filter.from) : undefined,
    filter.to ? lte(auditLog.at, filter.to) : undefined,
    beforeId ? lt(auditLog.id, beforeId) : undefined,
  ];
  return and(...conditions.filter(Boolean));
}

const columns = {
  id: auditLog.id,
  at: auditLog.at,
  actorEmail: auditLog.actorEmail,
  organizationId: auditLog.organizationId,
  action: auditLog.action,
  targetType: auditLog.targetType,
  targetId: auditLog.targetId,
  outcome: auditLog.outcome,
  ip: auditLog.ip,
  userAgent: auditLog.userAgent,
  requestId: auditLog.requestId,
  details: auditLog.details,
};

/** Keyset pagination, newest first: pass the last id of a page as `cursor` for the next. */
export async function listAudit(db: Db, organizationId: string | null, filter: AuditFilter, page: { cursor?: number; limit: number }) {
  const rows = await db
    .select(columns)
    .from(auditLog)
    .where(whereOf(organizationId, filter, page.cursor))
    .orderBy(desc(auditLog.id))
    .limit(page.limit + 1);
  const hasMore = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1]!.id : null };
}

export const AUDIT_EXPORT_LIMIT = 50_000;

export async function exportAudit(db: Db, organizationId: string | null, filter: AuditFilter) {
  return db.select(columns).from(auditLog).where(whereOf(organizationId, filter)).orderBy(desc(auditLog.id)).limit(AUDIT_EXPORT_LIMIT);
}
