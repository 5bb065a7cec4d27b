import { asc, count, eq, ilike, or, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { escapeLike } from '../../shared/validation';
import { organizations } from '../../../db/schema';
import type { PlanTier } from '../../shared/plans';
import { createDefaultStages } from '../crm/stages';



/** Platform view of tenants: names and counts only, never tenant CRM data. */
export async function listTenants(db: Db, input: { search?: string; offset: number; limit: number }) {
  const where = input.search
    ? or(ilike(organizations.name, `%${escapeLike(input.search)}%`), ilike(organizations.slug, `%${escapeLike(input.search)}%`))
    : undefined;
  const items = await db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      planTier: organizations.planTier,
      status: organizations.status,
      createdAt: organizations.createdAt,
      memberCount: sql<number>`(select count(*)::int from memberships m where m.organization_id = "organizations"."id")`,
    })
    .from(organizations)
    .where(where)
    .orderBy(asc(organizations.name))
    .offset(input.offset)
    .limit(input.limit);
  const [total] = await db.select({ n: count() }).from(organizations).where(where);
  return { items, total: total?.n ?? 0 };
}

/** The tenant and its five default lead stages, in one transaction. */
export async function createTenant(
  db: Db,
  input: { name: string; slug: string; planTier: PlanTier; timezone: string; defaultCountry?: string },
) {
  const [existing] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, input.slug));
  if (existing) return { ok: false as const, reason: 'slug-taken' as const };
  const id = await db.transaction(async (tx) => {
    const [row] = await tx.insert(organizations).values(input).returning({ id: organizations.id });
    await createDefaultStages(tx, row!.id);
    return row!.id;
  });
  return { ok: true as const, id };
}

export async function setTenantStatus(db: Db, id: string, status: 'active' | 'disabled') {
  const rows = await db
    .update(organizations)
    .set({ status, updatedAt: new Date() })
    .where(eq(organizations.id, id))
    .returning({ id: organizations.id, name: organizations.name });
  return rows[0] ?? null;
}

/**
 * Deletes the tenant and, by cascade, its memberships and tenant-scoped rows; the
 * audit log stays. The slug must be typed back, so a wrong click deletes nothing.
 */
export async function deleteTenant(db: Db, id: string, confirmSlug: string) {
  const [row] = await db.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, id));
  if (!row) return { ok: false as const, reason: 'not-found' as const };
  if (row.slug !== confirmSlug.trim()) return { ok: false as const, reason: 'confirmation-mismatch' as const };
  const [tenant] = await db
    .delete(organizations)
    .where(eq(organizations.id, id))
    .returning({ id: organizations.id, name: organizations.name, slug: organizations.slug });
  return tenant ? { ok: true as const, tenant } : { ok: false as const, reason: 'not-found' as const };
}
