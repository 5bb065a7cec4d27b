import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, organizations, sessions } from '../../db/schema';
import { callerAs, makeTenant, makeUser, TEST_PASSWORD } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: TRPCError) => e.code);

describe('platform admin', () => {
  it('admin_lite creates, disables and enables tenants and users but deletes nothing', async () => {
    const lite = await makeUser(database.current, 'admin_lite');
    const { caller } = await callerAs(database.current, lite);
    const { id } = await caller.admin.tenants.create({ name: 'Lite Made', slug: 'lite-made', planTier: 'starter', timezone: 'UTC' });
    await caller.admin.tenants.setStatus({ id, status: 'disabled' });
    await caller.admin.tenants.setStatus({ id, status: 'active' });
    const user = await caller.admin.users.create({ email: 'new.sales@example.test', name: 'New', password: TEST_PASSWORD, platformRole: 'none', membership: { organizationId: id, role: 'sales' } });
    await caller.admin.users.setStatus({ id: user.id, status: 'disabled' });
    expect(await codeOf(caller.admin.tenants.delete({ id, confirmSlug: 'lite-made' }))).toBe('FORBIDDEN');
    expect(await codeOf(caller.admin.users.delete({ id: user.id }))).toBe('FORBIDDEN');
    expect(await database.current.db.select().from(organizations).where(eq(organizations.id, id))).toHaveLength(1);
    // and cannot hand out platform roles
    expect(await codeOf(caller.admin.users.create({ email: 'escalate@example.test', password: TEST_PASSWORD, platformRole: 'super_admin', name: '' }))).toBe('FORBIDDEN');
  });

  it('super_admin deletes a tenant only with its slug typed back; the audit trail survives', async () => {
    const root = await makeUser(database.current, 'super_admin');
    const tenant = await makeTenant(database.current);
    const { caller } = await callerAs(database.current, root);
    expect(await codeOf(caller.admin.tenants.delete({ id: tenant.id, confirmSlug: 'wrong' }))).toBe('BAD_REQUEST');
    await caller.admin.tenants.delete({ id: tenant.id, confirmSlug: tenant.slug });
    expect(await database.current.db.select().from(organizations).where(eq(organizations.id, tenant.id))).toHaveLength(0);
    const trail = await database.current.db.select().from(auditLog).where(eq(auditLog.organizationId, tenant.id));
    expect(trail.map((r) => r.action)).toContain('admin.tenant.delete');
  });

  it("disabling a user ends the user's sessions at once", async () => {
    const root = await makeUser(database.current, 'super_admin');
    const tenant = await makeTenant(database.current);
    const victim = await makeUser(database.current, 'manager', tenant.id);
    const victimSession = await callerAs(database.current, victim);
    await expect(victimSession.caller.org.overview()).resolves.toBeTruthy();
    const { caller } = await callerAs(database.current, root);
    await caller.admin.users.setStatus({ id: victim.id, status: 'disabled' });
    expect(await database.current.db.select().from(sessions).where(eq(sessions.userId, victim.id))).toHaveLength(0);
    const again = await callerAs(database.current, null);
    expect(await codeOf(again.caller.org.overview())).toBe('UNAUTHORIZED');
    // and the disabled user cannot log in
    expect(await codeOf(again.caller.auth.login({ email: victim.email, password: TEST_PASSWORD }))).toBe('UNAUTHORIZED');
  });

  it('lists tenants with member counts and users with their tenants, searchable and paged', async () => {
    const root = await makeUser(database.current, 'super_admin');
    const tenant = await makeTenant(database.current, { name: 'Countable Ltd' });
    const a = await makeUser(database.current, 'owner', tenant.id);
    await makeUser(database.current, 'sales', tenant.id);
    const { caller } = await callerAs(database.current, root);
    const tenants = await caller.admin.tenants.list({ search: 'countable', offset: 0, limit: 10 });
    expect(tenants.total).toBe(1);
    expect(tenants.items[0]).toMatchObject({ name: 'Countable Ltd', memberCount: 2 });
    const users = await caller.admin.users.list({ search: a.email, offset: 0, limit: 10 });
    expect(users.items[0]).toMatchObject({ email: a.email, tenants: 'Countable Ltd (owner)' });
    const firstPage = await caller.admin.users.list({ offset: 0, limit: 2 });
    const secondPage = await caller.admin.users.list({ offset: 2, limit: 2 });
    expect(firstPage.items).toHaveLength(2);
    expect(secondPage.items.map((u) => u.id)).not.toContain(firstPage.items[0]!.id);
  });

  it('platform staff never reach tenant data procedures', async () => {
    for (const role of ['super_admin', 'admin_lite'] as const) {
      const staff = await makeUser(database.current, role);
      const { caller } = await callerAs(database.current, staff);
      expect(await codeOf(caller.org.overview())).toBe('FORBIDDEN');
      expect(await codeOf(caller.org.members.list())).toBe('FORBIDDEN');
      expect(await codeOf(caller.audit.list({ limit: 10 }))).toBe('FORBIDDEN');
    }
  });

  it('a disabled tenant shuts its members out of tenant procedures', async () => {
    const root = await makeUser(database.current, 'super_admin');
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    const { caller } = await callerAs(database.current, root);
    await caller.admin.tenants.setStatus({ id: tenant.id, status: 'disabled' });
    const member = await callerAs(database.current, owner);
    expect(await codeOf(member.caller.org.overview())).toBe('FORBIDDEN');
  });
});
