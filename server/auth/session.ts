import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { and, eq, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { sessions, users } from '../../db/schema';

/**
 * Sessions after the design Lucia's author publishes as a guide (docs/decisions/002).
 * Token `id.secret`; the row holds SHA-256(secret); sliding expiry with an absolute cap.
 */

export const SESSION_IDLE_MS = 1000 * 60 * 60 * 24 * 7; // a week without use ends it
export const SESSION_ABSOLUTE_MS = 1000 * 60 * 60 * 24 * 30; // never longer than 30 days
const SESSION_REFRESH_MS = SESSION_IDLE_MS / 2;

export interface ValidSession {
  id: string;
  userId: string;
  activeOrganizationId: string | null;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  /** Set when the expiry moved, so the cookie must be re-sent. */
  refreshed: boolean;
}

function randomPart(): string {
  const bytes = new Uint8Array(24); // 192 bits
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

const hashSecret = (secret: string) => sha256(new TextEncoder().encode(secret));

export async function createSession(
  db: Db,
  input: { userId: string; activeOrganizationId: string | null; ip?: string | null; userAgent?: string | null },
  now = new Date(),
): Promise<{ token: string; session: ValidSession }> {
  const id = randomPart();
  const secret = randomPart();
  const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
  const absoluteExpiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  await db.insert(sessions).values({
    id,
    secretHash: hashSecret(secret),
    userId: input.userId,
    activeOrganizationId: input.activeOrganizationId,
    createdAt: now,
    expiresAt,
    absoluteExpiresAt,
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
  });
  return {
    token: `${id}.${secret}`,
    session: { id, userId: input.userId, activeOrganizationId: input.activeOrganizationId, expiresAt, absoluteExpiresAt, refreshed: true },
  };
}

/** Returns the session when the token is genuine, unexpired and its user active; otherwise null. */
export async function validateSessionToken(db: Db, token: string, now = new Date()): Promise<ValidSession | null> {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 64 || token.length > 130) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  const [row] = await db
    .select({ session: sessions, userStatus: users.status })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id));
  if (!row) return null;
  if (!constantTimeEqual(hashSecret(secret), row.session.secretHash)) return null;
  if (row.userStatus !== 'active' || now >= row.session.expiresAt || now >= row.session.absoluteExpiresAt) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  const session: ValidSession = {
    id,
    userId: row.session.userId,
    activeOrganizationId: row.session.activeOrganizationId,
    expiresAt: row.session.expiresAt,
    absoluteExpiresAt: row.session.absoluteExpiresAt,
    refreshed: false,
  };
  if (row.session.expiresAt.getTime() - now.getTime() < SESSION_REFRESH_MS) {
    const next = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, row.session.absoluteExpiresAt.getTime()));
    if (next.getTime() > row.session.expiresAt.getTime()) {
      await db.update(sessions).set({ expiresAt: next }).where(eq(sessions.id, id));
      session.expiresAt = next;
      session.refreshed = true;
    }
  }
  return session;
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

export async function invalidateUserSessions(db: Db, userId: string, exceptSessionId?: string): Promise<void> {
  const rows = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId));
  const ids = rows.map((r) => r.id).filter((id) => id !== exceptSessionId);
  for (const id of ids) await db.delete(sessions).where(and(eq(sessions.userId, userId), eq(sessions.id, id)));
}

export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, now), lt(sessions.absoluteExpiresAt, now)))
    .returning({ id: sessions.id });
  return deleted.length;
}
