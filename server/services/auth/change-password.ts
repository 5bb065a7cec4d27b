import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { users } from '../../../db/schema';
import { hashPassword, verifyPassword } from '../../auth/password';
import { invalidateUserSessions } from '../../auth/session';

/** Changes the password and ends every other session of the user. */
export async function changePassword(
  db: Db,
  input: { userId: string; sessionId: string; currentPassword: string; newPassword: string },
): Promise<'changed' | 'wrong-current'> {
  const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, input.userId));
  if (!user || !(await verifyPassword(user.passwordHash, input.currentPassword))) return 'wrong-current';
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(input.newPassword), passwordChangedAt: new Date(), updatedAt: new Date() })
    .where(eq(users.id, input.userId));
  await invalidateUserSessions(db, input.userId, input.sessionId);
  return 'changed';
}
