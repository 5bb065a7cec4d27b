import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../db/schema';
import { crmTenant, outcome } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

/** The pickers' procedures: crm.assignees and crm.accounts.lookup. */
describe('CRM pickers', () => {
  it('crm.assignees lists the active members who work the CRM, to anyone who writes to it', async () => {
    const t = await crmTenant(database.current);
    const ids = (await t.callers.manager.crm.assignees()).map((m) => m.userId).sort();
    // owner, admin, manager and both sales users; not the viewer
    expect(ids).toEqual([t.users.owner.id, t.users.admin.id, t.users.manager.id, t.users.sales.id, t.users.colleague.id].sort());
    const [first] = await t.callers.sales.crm.assignees();
    expect(Object.keys(first!).sort()).toEqual(['email', 'name', 'role', 'userId']);
    // a disabled user is no longer offered
    await database.current.db.update(users).set({ status: 'disabled' }).where(eq(users.id, t.users.colleague.id));
    expect((await t.callers.manager.crm.assignees()).map((m) => m.userId)).not.toContain(t.users.colleague.id);
    expect(await outcome(t.callers.viewer.crm.assignees())).toBe('FORBIDDEN');
    // another tenant's members never show
    const other = await crmTenant(database.current);
    expect((await other.callers.manager.crm.assignees()).map((m) => m.userId)).not.toContain(t.users.owner.id);
  });

  it('crm.accounts.lookup finds active accounts by name, domain or tax id, by name, ids and names only', async () => {
    const t = await crmTenant(database.current);
    const crm = t.callers.sales.crm.accounts;
    const zeta = await crm.create({ name: 'Zeta Логистика', domain: 'zeta.test' });
    const alpha = await crm.create({ name: 'alpha Logistics', taxId: '7707083893' });
    const gone = await crm.create({ name: 'Logistics Gone' });
    await crm.delete({ id: gone.id });
    await crm.create({ name: 'Unrelated 100%_' });
    expect(await crm.lookup({ q: 'logist' })).toEqual([
      { id: alpha.id, name: 'alpha Logistics', domain: null },
    ]);
    expect((await crm.lookup({ q: 'ЛОГИСТ' })).map((a) => a.id)).toEqual([zeta.id]);
    expect((await crm.lookup({ q: 'zeta.test' })).map((a) => a.id)).toEqual([zeta.id]);
    expect((await crm.lookup({ q: '7707083893' })).map((a) => a.id)).toEqual([alpha.id]);
    // LIKE wildcards in the term are literal
    expect((await crm.lookup({ q: '%_' })).map((a) => a.name)).toEqual(['Unrelated 100%_']);
    expect((await crm.lookup({ limit: 2 })).map((a) => a.name)).toEqual(['alpha Logistics', 'Unrelated 100%_']);
    expect(await outcome(t.callers.viewer.crm.accounts.lookup({}))).toBe('FORBIDDEN');
    const other = await crmTenant(database.current);
    expect(await other.callers.manager.crm.accounts.lookup({ q: 'logist' })).toEqual([]);
  });
});
