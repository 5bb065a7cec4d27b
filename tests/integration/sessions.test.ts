import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sessions, users } from '../../db/schema';
import { createSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, validateSessionToken } from '../../server/auth/session';
import { makeTenant, makeUser } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

describe('sessions (Lucia guide design)', () => {
  it('stores only a SHA-256 of the secret and validates the genuine token', async () => {
    const { db } = database.current;
    const tenant = await makeTenant(database.current);
    const user = await makeUser(database.current, 'sales', tenant.id);
    const { token } = await createSession(db, { userId: user.id, activeOrganizationId: tenant.id });
    const [id, secret] = token.split('.');
    const [row] = await db.select().from(sessions).where(eq(sessions.id, id!));
    expect(row!.secretHash).toHaveLength(32);
    expect(Buffer.from(row!.secretHash).toString('utf8')).not.toContain(secret!);
    expect((await validateSessionToken(db, token))?.userId).toBe(user.id);
  });

  it('rejects a wrong secret, a malformed token and an unknown id', async () => {
    const { db } = database.current;
    const user = await makeUser(database.current, 'super_admin');
    const { token } = await createSession(db, { userId: user.id, activeOrganizationId: null });
    const [id] = token.split('.');
    expect(await validateSessionToken(db, `${id}.wrongsecretwrongsecretwrongsecretwrong`)).toBeNull();
    expect(await validateSessionToken(db, 'no-dot-here')).toBeNull();
    expect(await validateSessionToken(db, 'unknownid.secret')).toBeNull();
  });

  it('slides the expiry on use but never past the absolute cap', async () => {
    const { db } = database.current;
    const user = await makeUser(database.current, 'super_admin');
    const t0 = new Date('2026-01-01T00:00:00Z');
    const { token } = await createSession(db, { userId: user.id, activeOrganizationId: null }, t0);
    // used shortly after: nothing moves
    const early = await validateSessionToken(db, token, new Date(t0.getTime() + 60_000));
    expect(early?.refreshed).toBe(false);
    // used after more than half the idle window: extended
    const later = new Date(t0.getTime() + SESSION_IDLE_MS * 0.75);
    const slid = await validateSessionToken(db, token, later);
    expect(slid?.refreshed).toBe(true);
    expect(slid!.expiresAt.getTime()).toBe(later.getTime() + SESSION_IDLE_MS);
    // keep using it every few days: the expiry stops at the absolute cap
    let now = later;
    while (now.getTime() < t0.getTime() + SESSION_ABSOLUTE_MS - SESSION_IDLE_MS / 4) {
      now = new Date(now.getTime() + SESSION_IDLE_MS * 0.6);
      const s = await validateSessionToken(db, token, now);
      if (!s) break;
      expect(s.expiresAt.getTime()).toBeLessThanOrEqual(t0.getTime() + SESSION_ABSOLUTE_MS);
    }
    expect(await validateSessionToken(db, token, new Date(t0.getTime() + SESSION_ABSOLUTE_MS + 1))).toBeNull();
  });

  it('ends after the idle window and deletes the row', async () => {
    const { db } = database.current;
    const user = await makeUser(database.current, 'super_admin');
    const t0 = new Date('2026-02-01T00:00:00Z');
    const { token, session } = await createSession(db, { userId: user.id, activeOrganizationId: null }, t0);
    expect(await validateSessionToken(db, token, new Date(t0.getTime() + SESSION_IDLE_MS + 1))).toBeNull();
    expect(await db.select().from(sessions).where(eq(sessions.id, session.id))).toHaveLength(0);
  });

  it('dies at once when the user is disabled', async () => {
    const { db } = database.current;
    const user = await makeUser(database.current, 'admin_lite');
    const { token } = await createSession(db, { userId: user.id, activeOrganizationId: null });
    await db.update(users).set({ status: 'disabled' }).where(eq(users.id, user.id));
    expect(await validateSessionToken(db, token)).toBeNull();
  });
});
