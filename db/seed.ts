import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Db } from './client';
import { users } from './schema';
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
  const acme = await createTenant(db, { name: 'Acme', slug: 'acme', planTier: 'professional', timezone: 'Europe/Berlin' });
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
