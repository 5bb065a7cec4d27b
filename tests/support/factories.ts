import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/client';
import { createSession } from '../../server/auth/session';
import { SECURE_COOKIE } from '../../server/auth/cookie';
import { createCaller } from '../../server/root';
import type { AppServices } from '../../server/app-services';
import { parseKeyring } from '../../server/security/crypto';
import { createTenant } from '../../server/services/admin/tenants';
import { createUser } from '../../server/services/admin/users';
import { createContext } from '../../server/trpc';
import type { PlatformRole, Role, TenantRole } from '../../server/security/rbac';
import { readEnv } from '../../server/config/env';

export const testKeyring = () => parseKeyring(`test:${randomBytes(32).toString('base64')}`);

export function servicesFor(database: Database): AppServices {
  return {
    env: readEnv({ NODE_ENV: 'test' }),
    db: database.db,
    sql: database.sql,
    keyring: testKeyring(),
    boss: null,
    realtime: null,
    runnerState: () => ({ up: true, pid: null, restarts: 0, lastHeartbeatAt: Date.now() }),
    sandboxes: null,
  };
}

const unique = () => randomBytes(4).toString('hex');
export const TEST_PASSWORD = 'correct horse battery staple';

export async function makeTenant(database: Database, overrides: { name?: string; planTier?: 'free' | 'professional' } = {}) {
  const slug = `t-${unique()}`;
  const result = await createTenant(database.db, { name: overrides.name ?? `Tenant ${slug}`, slug, planTier: overrides.planTier ?? 'professional', timezone: 'UTC' });
  if (!result.ok) throw new Error('tenant');
  return { id: result.id, slug };
}

/** A user holding one role: a platform role, or a tenant role in the given tenant. */
export async function makeUser(database: Database, role: Role, organizationId?: string) {
  const email = `${role}-${unique()}@example.test`;
  const platform = role === 'super_admin' || role === 'admin_lite';
  const result = await createUser(database.db, {
    email,
    name: role,
    password: TEST_PASSWORD,
    platformRole: platform ? (role as PlatformRole) : 'none',
    membership: platform ? undefined : { organizationId: organizationId!, role: role as TenantRole },
  });
  if (!result.ok) throw new Error(`user: ${result.reason}`);
  return { id: result.id, email, role, organizationId: platform ? null : organizationId! };
}

/** A logged-in request as the browser would send it, and the tRPC caller built from it. */
export async function callerAs(database: Database, user: { id: string; organizationId: string | null } | null, services = servicesFor(database)) {
  const headers = new Headers({ 'user-agent': 'vitest', 'x-crmhub-client-ip': '127.0.0.1' });
  if (user) {
    const { token } = await createSession(database.db, { userId: user.id, activeOrganizationId: user.organizationId });
    headers.set('cookie', `${SECURE_COOKIE}=${token}`);
  }
  const request = new Request('http://localhost:3000/api/trpc', { headers });
  const responseHeaders = new Headers();
  const ctx = await createContext({ app: services, request, responseHeaders });
  return { caller: createCaller(ctx), ctx, responseHeaders };
}
