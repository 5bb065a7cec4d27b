import { and, asc, count, eq, ilike, or, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { escapeLike } from '../../shared/validation';
import { memberships, organizations, users } from '../../../db/schema';
import { hashPassword } from '../../auth/password';
import { invalidateUserSessions } from '../../auth/session';
import type { PlatformRole, TenantRole } from '../../security/rbac';


export async function listUsers(db: Db, input: { search?: string; offset: number; limit: number }) {
  const where = input.search
    ? or(ilike(users.email, `%${escapeLike(input.search)}%`), ilike(users.name, `%${escapeLike(input.search)}%`))
    : undefined;
  const items = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      platformRole: users.platformRole,
      status: users.status,
      lastLoginAt: users.lastLoginAt,
      failedLoginCount: users.failedLoginCount,
      createdAt: users.createdAt,
      tenants: sql<string | null>`(select string_agg(o.name || ' (' || m.role || ')', ', ' order by o.name)
        from memberships m join organizations o on o.id = m.organization_id where m.user_id = "users"."id")`,
    })
    .from(users)
    .where(where)
    .orderBy(asc(users.email))
    .offset(input.offset)
    .limit(input.limit);
  const [total] = await db.select({ n: count() }).from(users).where(where);
  return { items, total: total?.n ?? 0 };
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  platformRole: PlatformRole | 'none';
  membership?: { organizationId: string; role: TenantRole };
}

export async function createUser(db: Db, input: NewUser) {
  const email = input.email.trim().toLowerCase();
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(sql`lower(${users.email})`, email));
  if (existing) return { ok: false as const, reason: 'email-taken' as const };
  if (input.membership) {
    const [org] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, input.membership.organizationId));
    if (!org) return { ok: false as const, reason: 'tenant-not-found' as const };
  }
  const passwordHash = await hashPassword(input.password);
  const id = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({ email, name: input.name, passwordHash, platformRole: input.platformRole })
      .returning({ id: users.id });
    if (input.membership) await tx.insert(memberships).values({ userId: row!.id, ...input.membership });
    return row!.id;
  });
  return { ok: true as const, id };
}

export async function findUser(db: Db, id: string) {
  const [row] = await db
    .select({ id: users.id, email: users.email, platformRole: users.platformRole, status: users.status })
    .from(users)
    .where(eq(users.id, id));
  return row ?? null;
}

/** Disabling ends every session of the user at once. */
export async function setUserStatus(db: Db, id: string, status: 'active' | 'disabled') {
  await db.update(users).set({ status, updatedAt: new Date() }).where(eq(users.id, id));
  if (status === 'disabled') await invalidateUserSessions(db, id);
}

export async function deleteUser(db: Db, id: string) {
  const rows = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return rows.length > 0;
}

export async function addMembership(db: Db, input: { userId: string; organizationId: string; role: TenantRole }) {
  const [exists] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.userId, input.userId), eq(memberships.organizationId, input.organizationId)));
  if (exists) {
    await db.update(memberships).set({ role: input.role, updatedAt: new Date() }).where(eq(memberships.id, exists.id));
    return exists.id;
  }
  const [row] = await db.insert(memberships).values(input).returning({ id: memberships.id });
  return row!.id;
}
