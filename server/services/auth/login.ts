import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { memberships, users } from '../../../db/schema';
import { decoyPasswordHash, verifyPassword } from '../../auth/password';
import { createSession } from '../../auth/session';
import { clearFailures, emailKey, ipKey, limits, lockedUntil, recordFailure } from '../../security/login-throttle';

export type LoginResult =
  | { ok: true; token: string; expiresAt: Date; userId: string; organizationId: string | null; isPlatform: boolean }
  | { ok: false; reason: 'invalid' | 'locked'; retryAfterSeconds?: number; userId: string | null };

/**
 * One answer for every failure ("invalid e-mail or password"), and an argon2 verify
 * on every path, so neither the message nor the timing tells a known e-mail apart.
 */
export async function logIn(
  db: Db,
  input: { email: string; password: string; ip: string | null; userAgent: string | null },
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const keys = [emailKey(email), ...(input.ip ? [ipKey(input.ip)] : [])];
  const [user] = await db.select().from(users).where(eq(sql`lower(${users.email})`, email));
  const locked = await lockedUntil(db, keys);
  if (locked) {
    await verifyPassword(await decoyPasswordHash(), input.password);
    return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil((locked.getTime() - Date.now()) / 1000), userId: user?.id ?? null };
  }
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), input.password);
  if (!user || !passwordOk || user.status !== 'active') {
    await recordFailure(db, emailKey(email), limits.email);
    if (input.ip) await recordFailure(db, ipKey(input.ip), limits.ip);
    if (user) {
      await db
        .update(users)
        .set({ failedLoginCount: sql`${users.failedLoginCount} + 1`, lastFailedLoginAt: new Date() })
        .where(eq(users.id, user.id));
    }
    return { ok: false, reason: 'invalid', userId: user?.id ?? null };
  }
  await clearFailures(db, emailKey(email));
  await db.update(users).set({ failedLoginCount: 0, lastLoginAt: new Date() }).where(eq(users.id, user.id));
  const [membership] = await db
    .select({ organizationId: memberships.organizationId })
    .from(memberships)
    .where(eq(memberships.userId, user.id))
    .orderBy(asc(memberships.createdAt))
    .limit(1);
  const organizationId = membership?.organizationId ?? null;
  const { token, session } = await createSession(db, {
    userId: user.id,
    activeOrganizationId: organizationId,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  return { ok: true, token, expiresAt: session.expiresAt, userId: user.id, organizationId, isPlatform: user.platformRole !== 'none' };
}
