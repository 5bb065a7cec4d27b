import { and, asc, count, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { memberships, organizations, users } from '../../../db/schema';
import type { TenantRole } from '../../security/rbac';

export async function organizationOverview(db: Db, organizationId: string) {
  const [org] = await db
    .select({
      name: organizations.name,
      slug: organizations.slug,
      planTier: organizations.planTier,
      timezone: organizations.timezone,
      dayBoundaryHour: organizations.dayBoundaryHour,
      defaultCountry: organizations.defaultCountry,
    })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const [members] = await db.select({ n: count() }).from(memberships).where(eq(memberships.organizationId, organizationId));
  return { organization: org!, memberCount: members?.n ?? 0 };
}

export async function listMembers(db: Db, organizationId: string) {
  return db
    .select({
      id: memberships.id,
      role: memberships.role,
      userId: users.id,
      email: users.email,
      name: users.name,
      status: users.status,
      lastLoginAt: users.lastLoginAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.organizationId, organizationId))
    .orderBy(asc(users.email));
}

export type MemberChange = { ok: true; before: TenantRole } | { ok: false; reason: 'not-found' | 'last-owner' };

async function ownerCount(db: Db, organizationId: string) {
  const [row] = await db
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.role, 'owner')));
  return row?.n ?? 0;
}

/** Tenant-scoped: another tenant's membership id is "not found", exactly like a missing one. */
export async function changeMemberRole(db: Db, organizationId: string, membershipId: string, role: TenantRole): Promise<MemberChange> {
  const [member] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.id, membershipId), eq(memberships.organizationId, organizationId)));
  if (!member) return { ok: false, reason: 'not-found' };
  if (member.role === 'owner' && role !== 'owner' && (await ownerCount(db, organizationId)) <= 1) return { ok: false, reason: 'last-owner' };
  await db
    .update(memberships)
    .set({ role, updatedAt: new Date() })
    .where(and(eq(memberships.id, membershipId), eq(memberships.organizationId, organizationId)));
  return { ok: true, before: member.role };
}

export async function removeMember(db: Db, organizationId: string, membershipId: string): Promise<MemberChange> {
  const [member] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.id, membershipId), eq(memberships.organizationId, organizationId)));
  if (!member) return { ok: false, reason: 'not-found' };
  if (member.role === 'owner' && (await ownerCount(db, organizationId)) <= 1) return { ok: false, reason: 'last-owner' };
  await db.delete(memberships).where(and(eq(memberships.id, membershipId), eq(memberships.organizationId, organizationId)));
  return { ok: true, before: member.role };
}

export async function updateOrganizationSettings(
  db: Db,
  organizationId: string,
  input: { name: string; timezone: string; dayBoundaryHour: number; defaultCountry?: string },
) {
  const [before] = await db
    .select({
      name: organizations.name,
      timezone: organizations.timezone,
      dayBoundaryHour: organizations.dayBoundaryHour,
      defaultCountry: organizations.defaultCountry,
    })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  await db.update(organizations).set({ ...input, updatedAt: new Date() }).where(eq(organizations.id, organizationId));
  return { before: before!, after: input };
}
