import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { memberships } from '../../db/schema';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: TRPCError) => e.code);

describe('tenant members', () => {
  it('an admin changes roles and removes members, but the last owner stays', async () => {
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    const admin = await makeUser(database.current, 'admin', tenant.id);
    const sales = await makeUser(database.current, 'sales', tenant.id);
    const { caller } = await callerAs(database.current, admin);
    const members = await caller.org.members.list();
    expect(members.map((m) => m.role).sort()).toEqual(['admin', 'owner', 'sales']);
    const byUser = (id: string) => members.find((m) => m.userId === id)!.id;

    await caller.org.members.updateRole({ membershipId: byUser(sales.id), role: 'manager' });
    const [promoted] = await database.current.db.select().from(memberships).where(eq(memberships.userId, sales.id));
    expect(promoted!.role).toBe('manager');

    expect(await codeOf(caller.org.members.updateRole({ membershipId: byUser(owner.id), role: 'viewer' }))).toBe('CONFLICT');
    expect(await codeOf(caller.org.members.remove({ membershipId: byUser(owner.id) }))).toBe('CONFLICT');
    await caller.org.members.remove({ membershipId: byUser(sales.id) });
    expect(await database.current.db.select().from(memberships).where(eq(memberships.userId, sales.id))).toHaveLength(0);
  });

  it('validates settings input with field errors', async () => {
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    const { caller } = await callerAs(database.current, owner);
    const error = await caller.org.updateSettings({ name: 'X', timezone: 'Mars/Olympus', dayBoundaryHour: 30 }).catch((e: TRPCError) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    const issues = ((error as TRPCError).cause as unknown as { issues: { path: string[] }[] }).issues.map((i) => i.path.join('.'));
    expect(issues.sort()).toEqual(['dayBoundaryHour', 'name', 'timezone']);
  });
});
