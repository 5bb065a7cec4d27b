import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Db } from './client';
import { connections, memberships, organizations, users } from './schema';
import type { Env } from '../server/config/env';
import { providerSetup } from '../server/providers/registry';
import { syncProviders } from '../server/shared/sync';
import { createTenant } from '../server/services/admin/tenants';
import { createUser } from '../server/services/admin/users';
import { writeAudit } from '../server/security/audit';
import type { PlatformRole, TenantRole } from '../server/security/rbac';

export interface DemoLogin {
  role: PlatformRole | TenantRole;
  email: string;
  password: string;
}

const generatedPassword = () => encodeBase32LowerCaseNoPadding(randomBytes(10)).replace(/(.{4})(?!$)/g, '$1-');

/**
 * On an empty database (development only): platform staff and a demo tenant "Acme"
 * with one user per tenant role. Passwords are generated, returned once, and written
 * to DATA_DIR/demo-credentials.txt (mode 0600). Returns null when users exist.
 */
export async function seedDemo(db: Db, dataDir: string): Promise<DemoLogin[] | null> {
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) > 0) return null;
  const logins: DemoLogin[] = [];
  const add = async (role: DemoLogin['role'], email: string, name: string, membership?: { organizationId: string; role: TenantRole }) => {
    const password = generatedPassword();
    const platformRole = role === 'super_admin' || role === 'admin_lite' ? role : 'none';
    const result = await createUser(db, { email, name, password, platformRole, membership });
    if (!result.ok) throw new Error(`Demo seed failed for ${email}: ${result.reason}`);
    logins.push({ role, email, password });
  };
  await add('super_admin', 'super@crmhub.local', 'Sam Super');
  await add('admin_lite', 'staff@crmhub.local', 'Lee Staff');
  const acme = await createTenant(db, { name: 'Acme', slug: 'acme', planTier: 'scale', timezone: 'Europe/Berlin' });
  if (!acme.ok) throw new Error('Demo seed failed: tenant "acme" exists');
  const people: [TenantRole, string][] = [
    ['owner', 'Olivia Owner'],
    ['admin', 'Adam Admin'],
    ['manager', 'Maria Manager'],
    ['sales', 'Sergio Sales'],
    ['viewer', 'Vera Viewer'],
  ];
  for (const [role, name] of people) await add(role, `${role}@acme.test`, name, { organizationId: acme.id, role });
  await writeAudit(db, { userId: null, email: 'system' }, null, {
    action: 'system.demo_seed',
    organizationId: acme.id,
    details: { users: logins.map((l) => l.email) },
  });
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'demo-credentials.txt');
  fs.writeFileSync(file, `${JSON.stringify(logins, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return logins;
}

export const demoCredentialsFile = (dataDir: string) => path.join(dataDir, 'demo-credentials.txt');

/**
 * Demo mode: the demo tenant "Acme" gets one Salesforce and one HubSpot connection in
 * `pending_auth`, pointing at the running sandboxes, so "Authorize" is one click away. Runs
 * at every demo start (after the sandboxes are up, server/main.ts): it creates them once,
 * and re-points connections still waiting for consent when a sandbox port changed.
 */
export async function seedDemoConnections(db: Db, sandboxes: Record<string, string>): Promise<number> {
  const [acme] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, 'acme'));
  if (!acme) return 0;
  const [owner] = await db
    .select({ id: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.organizationId, acme.id), eq(memberships.role, 'owner')))
    .limit(1);
  const existing = await db.select().from(connections).where(eq(connections.organizationId, acme.id));
  let created = 0;
  for (const provider of syncProviders) {
    if (!sandboxes[provider]) continue;
    const setup = providerSetup(provider, { env: { NODE_ENV: 'development' } as Env, sandboxes });
    const mine = existing.filter((c) => c.provider === provider && c.usesSandbox);
    if (mine.length === 0 && existing.length === 0) {
      await db.insert(connections).values({
        organizationId: acme.id,
        provider,
        status: 'pending_auth',
        authUrl: setup.authUrl,
        instanceUrl: setup.apiBaseUrl,
        usesSandbox: true,
        frequency: 'hourly',
        createdBy: owner?.id ?? null,
      });
      created += 1;
      continue;
    }
    for (const c of mine.filter((c) => c.status === 'pending_auth' && c.authUrl !== setup.authUrl)) {
      await db.update(connections).set({ authUrl: setup.authUrl, instanceUrl: setup.apiBaseUrl, updatedAt: new Date() }).where(eq(connections.id, c.id));
    }
  }
  return created;
}
