import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, loginThrottles } from '../../db/schema';
import { createCaller } from '../../server/root';
import { limits } from '../../server/security/login-throttle';
import { createContext } from '../../server/trpc';
import { callerAs, makeTenant, makeUser, servicesFor, TEST_PASSWORD } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

async function anonymousCaller(ip: string) {
  const request = new Request('http://localhost:3000/login', { headers: { 'x-crmhub-client-ip': ip, 'user-agent': 'vitest' } });
  const responseHeaders = new Headers();
  const ctx = await createContext({ app: servicesFor(database.current), request, responseHeaders });
  return { caller: createCaller(ctx), responseHeaders };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('log-in', () => {
  it('sets an HttpOnly __Host- cookie and audits the success without the password', async () => {
    const tenant = await makeTenant(database.current);
    const user = await makeUser(database.current, 'owner', tenant.id);
    const { caller, responseHeaders } = await anonymousCaller('10.0.0.1');
    await expect(caller.auth.login({ email: user.email.toUpperCase(), password: TEST_PASSWORD })).resolves.toEqual({ redirectTo: '/' });
    const cookie = responseHeaders.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-crmhub_session=[a-z0-9]+\.[a-z0-9]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    const rows = await database.current.db.select().from(auditLog).where(and(eq(auditLog.action, 'auth.login'), eq(auditLog.targetId, user.id)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outcome).toBe('success');
    expect(JSON.stringify(rows[0])).not.toContain(TEST_PASSWORD);
  });

  it('gives the same answer for an unknown e-mail and a wrong password, in the same timing class', async () => {
    const tenant = await makeTenant(database.current);
    const user = await makeUser(database.current, 'sales', tenant.id);
    const { caller } = await anonymousCaller('10.0.0.2');
    const messages = new Set<string>();
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (const [email, bucket] of [[user.email, known], [`nobody-${i}@example.test`, unknown]] as const) {
        const started = performance.now();
        const error = await caller.auth.login({ email, password: 'wrong password' }).catch((e: TRPCError) => e);
        bucket.push(performance.now() - started);
        expect(error).toBeInstanceOf(TRPCError);
        messages.add(`${(error as TRPCError).code}:${(error as TRPCError).message}`);
      }
    }
    expect([...messages]).toEqual(['UNAUTHORIZED:Invalid e-mail or password.']);
    // both paths pay for an argon2id verification (≈40 ms here); a skipped hash would be ~1 ms
    expect(median(unknown)).toBeGreaterThan(median(known) / 3);
    expect(median(known)).toBeGreaterThan(median(unknown) / 3);
  });

  it('locks an account for 15 minutes after 10 failures, even with the right password', async () => {
    const tenant = await makeTenant(database.current);
    const user = await makeUser(database.current, 'viewer', tenant.id);
    const { caller } = await anonymousCaller('10.0.0.3');
    for (let i = 0; i < limits.email; i++) {
      expect(await codeOf(caller.auth.login({ email: user.email, password: `bad-${i}` }))).toBe('UNAUTHORIZED');
    }
    expect(await codeOf(caller.auth.login({ email: user.email, password: TEST_PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    const [row] = await database.current.db.select().from(loginThrottles).where(eq(loginThrottles.key, `email:${user.email}`));
    const minutes = (row!.lockedUntil!.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);
    // from another address too: the lock belongs to the account
    const other = await anonymousCaller('10.0.0.33');
    expect(await codeOf(other.caller.auth.login({ email: user.email, password: TEST_PASSWORD }))).toBe('TOO_MANY_REQUESTS');
  });

  it('locks an unknown e-mail exactly like a known one', async () => {
    const { caller } = await anonymousCaller('10.0.0.4');
    for (let i = 0; i < limits.email; i++) await codeOf(caller.auth.login({ email: 'ghost@example.test', password: 'x' }));
    expect(await codeOf(caller.auth.login({ email: 'ghost@example.test', password: 'x' }))).toBe('TOO_MANY_REQUESTS');
  });

  it('limits one IP address across many accounts', async () => {
    const tenant = await makeTenant(database.current);
    const user = await makeUser(database.current, 'manager', tenant.id);
    const { caller } = await anonymousCaller('10.0.0.5');
    for (let i = 0; i < limits.ip; i++) await codeOf(caller.auth.login({ email: `spray-${i}@example.test`, password: 'x' }));
    expect(await codeOf(caller.auth.login({ email: user.email, password: TEST_PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    const fresh = await anonymousCaller('10.0.0.6');
    expect(await codeOf(fresh.caller.auth.login({ email: user.email, password: TEST_PASSWORD }))).toBe('OK');
  });

  it('changes the password, ending every other session', async () => {
    const tenant = await makeTenant(database.current);
    const user = await makeUser(database.current, 'admin', tenant.id);
    const other = await callerAs(database.current, user);
    const current = await callerAs(database.current, user);
    await expect(
      current.caller.auth.changePassword({ currentPassword: 'wrong', newPassword: 'a brand new password', confirmPassword: 'a brand new password' }),
    ).rejects.toThrow(/current password is wrong/);
    await current.caller.auth.changePassword({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new password', confirmPassword: 'a brand new password' });
    await expect(current.caller.auth.me()).resolves.toMatchObject({ user: { id: user.id } });
    const stale = await createContext({ app: servicesFor(database.current), request: other.ctx.request, responseHeaders: new Headers() });
    expect(stale.user).toBeNull();
  });
});
