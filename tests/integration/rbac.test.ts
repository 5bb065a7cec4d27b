import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memberships } from '../../db/schema';
import { appRouter } from '../../server/root';
import { allRoles, roleCan, tenantPermissions, platformPermissions, type Permission, type Role } from '../../server/security/rbac';
import type { ProcedureMeta } from '../../server/trpc';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: ProcedureMeta; inputs: unknown[] };
}
const procedures = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures);

function call(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const fn = path.split('.').reduce((node: any, key) => node[key], caller) as (input: unknown) => Promise<unknown>;
  return fn(input);
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

const knownPermissions = new Set<string>(['public', 'authenticated', ...Object.keys(tenantPermissions), ...Object.keys(platformPermissions)]);

describe('the permission matrix covers the whole router', () => {
  it('every procedure declares a known permission', () => {
    expect(procedures.length).toBeGreaterThan(10);
    const missing = procedures.filter(([, p]) => !p._def.meta?.permission || !knownPermissions.has(p._def.meta.permission)).map(([path]) => path);
    expect(missing).toEqual([]);
  });
});

describe('every procedure, called as each of the 7 roles', () => {
  const users = {} as Record<Role, { id: string; organizationId: string | null }>;
  beforeAll(async () => {
    const tenant = await makeTenant(database.current);
    for (const role of allRoles) users[role] = await makeUser(database.current, role, tenant.id);
  });

  for (const [path, procedure] of procedures) {
    const permission = procedure._def.meta!.permission;
    it(`${path} (${permission})`, async () => {
      const anonymous = await callerAs(database.current, null);
      const anonymousOutcome = await outcome(call(anonymous.caller, path, undefined));
      if (permission === 'public') expect(anonymousOutcome).not.toBe('UNAUTHORIZED');
      else expect(anonymousOutcome).toBe('UNAUTHORIZED');

      for (const role of allRoles) {
        const { caller } = await callerAs(database.current, users[role]);
        // no input: a granted call fails validation (or succeeds), a refused one is FORBIDDEN first
        const result = await outcome(call(caller, path, undefined));
        const allowed = permission === 'public' || permission === 'authenticated' || roleCan(role, permission as Permission);
        if (allowed) expect(result, `${role} should be allowed ${path}`).not.toMatch(/FORBIDDEN|UNAUTHORIZED/);
        else expect(result, `${role} should be refused ${path}`).toBe('FORBIDDEN');
      }
    });
  }
});

describe('tenant isolation', () => {
  /** Tenant procedures that take an id, with how to call them against a row of tenant A. */
  const idCalls: Record<string, (ids: { membershipId: string }) => unknown> = {
    'org.members.updateRole': ({ membershipId }) => ({ membershipId, role: 'viewer' }),
    'org.members.remove': ({ membershipId }) => ({ membershipId }),
  };

  it('knows every tenant procedure that takes an id', () => {
    const takesId = procedures
      .filter(([, p]) => !String(p._def.meta?.permission).startsWith('platform.') && !['public', 'authenticated'].includes(String(p._def.meta?.permission)))
      .filter(([, p]) => p._def.inputs.some((schema) => schema instanceof z.ZodObject && Object.keys(schema.shape).some((k) => /id$/i.test(k))))
      .map(([path]) => path)
      .sort();
    expect(takesId).toEqual(Object.keys(idCalls).sort());
  });

  it("tenant B gets NOT_FOUND for tenant A's ids, exactly as for a missing id, and A's rows are untouched", async () => {
    const a = await makeTenant(database.current);
    const b = await makeTenant(database.current);
    const aOwner = await makeUser(database.current, 'owner', a.id);
    const aSales = await makeUser(database.current, 'sales', a.id);
    const bOwner = await makeUser(database.current, 'owner', b.id);
    const [aMembership] = await database.current.db.select().from(memberships).where(eq(memberships.userId, aSales.id));
    const { caller } = await callerAs(database.current, bOwner);
    for (const [path, input] of Object.entries(idCalls)) {
      expect(await outcome(call(caller, path, input({ membershipId: aMembership!.id })))).toBe('NOT_FOUND');
      expect(await outcome(call(caller, path, input({ membershipId: randomUUID() })))).toBe('NOT_FOUND');
    }
    const [after] = await database.current.db.select().from(memberships).where(eq(memberships.id, aMembership!.id));
    expect(after?.role).toBe('sales');

    // lists never show the other tenant's rows
    const bMembers = (await call(caller, 'org.members.list', undefined)) as { email: string }[];
    expect(bMembers.map((m) => m.email)).toEqual([bOwner.email]);
    const { caller: aCaller } = await callerAs(database.current, aOwner);
    await call(aCaller, 'org.updateSettings', { name: 'Tenant A renamed', timezone: 'UTC', dayBoundaryHour: 6 });
    const bAudit = (await call(caller, 'audit.list', { limit: 200 })) as { items: { organizationId: string | null }[] };
    expect(bAudit.items.every((row) => row.organizationId === b.id)).toBe(true);
    const aAudit = (await call(aCaller, 'audit.list', { limit: 200 })) as { items: { action: string }[] };
    expect(aAudit.items.map((r) => r.action)).toContain('org.settings.update');
  });
});
