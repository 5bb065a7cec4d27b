import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema';
import { auditToCsv } from '../../server/services/audit/audit-csv';
import { writeAudit } from '../../server/security/audit';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

describe('audit log', () => {
  it('is append-only: UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    const { db, sql } = database.current;
    await writeAudit(db, { userId: null, email: 'system' }, null, { action: 'test.entry' });
    await expect(sql`update audit_log set action = 'rewritten'`).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_log`).rejects.toThrow(/append-only/);
    const rows = await db.select().from(auditLog).where(eq(auditLog.action, 'test.entry'));
    expect(rows).toHaveLength(1);
  });

  it('records actor, tenant, target, ip, user agent, request id and a before/after summary', async () => {
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    const { caller } = await callerAs(database.current, owner);
    await caller.org.updateSettings({ name: 'Renamed Co', timezone: 'Europe/Madrid', dayBoundaryHour: 5 });
    const [row] = await database.current.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'org.settings.update'), eq(auditLog.organizationId, tenant.id)));
    expect(row).toMatchObject({
      actorUserId: owner.id,
      actorEmail: owner.email,
      organizationId: tenant.id,
      targetType: 'organization',
      targetId: tenant.id,
      outcome: 'success',
      ip: '127.0.0.1',
      userAgent: 'vitest',
    });
    expect(row!.requestId).toMatch(/[0-9a-f-]{36}/);
    expect(row!.details).toMatchObject({ before: { timezone: 'UTC' }, after: { name: 'Renamed Co', timezone: 'Europe/Madrid', dayBoundaryHour: 5 } });
  });

  it('records refused mutations with outcome "denied"', async () => {
    const tenant = await makeTenant(database.current);
    const viewer = await makeUser(database.current, 'viewer', tenant.id);
    const { caller } = await callerAs(database.current, viewer);
    await expect(caller.org.updateSettings({ name: 'Nope', timezone: 'UTC', dayBoundaryHour: 0 })).rejects.toThrow();
    const [row] = await database.current.db.select().from(auditLog).where(and(eq(auditLog.actorUserId, viewer.id), eq(auditLog.action, 'org.updateSettings')));
    expect(row?.outcome).toBe('denied');
  });

  it('never stores a secret: password-like keys are redacted', async () => {
    const { db } = database.current;
    await writeAudit(db, { userId: null, email: 'system' }, null, {
      action: 'test.redaction',
      details: { password: 'hunter2hunter2', nested: { apiToken: 'tok_123', name: 'kept' } },
    });
    const [row] = await db.select().from(auditLog).where(eq(auditLog.action, 'test.redaction')).orderBy(desc(auditLog.id));
    expect(JSON.stringify(row!.details)).not.toMatch(/hunter2|tok_123/);
    expect(row!.details).toMatchObject({ password: '[redacted]', nested: { apiToken: '[redacted]', name: 'kept' } });
  });

  it('lists with filters and keyset pages, and exports CSV that a spreadsheet cannot execute', async () => {
    const tenant = await makeTenant(database.current);
    const admin = await makeUser(database.current, 'admin', tenant.id);
    for (let i = 0; i < 7; i++) {
      await writeAudit(database.current.db, { userId: admin.id, email: admin.email }, null, {
        action: i % 2 ? 'demo.odd' : 'demo.even',
        organizationId: tenant.id,
        details: { note: i === 0 ? '=HYPERLINK("http://evil")' : `n${i}` },
      });
    }
    const { caller } = await callerAs(database.current, admin);
    const first = await caller.audit.list({ action: 'demo.', limit: 3 });
    expect(first.items).toHaveLength(3);
    const second = await caller.audit.list({ action: 'demo.', limit: 3, cursor: first.nextCursor! });
    const third = await caller.audit.list({ action: 'demo.', limit: 3, cursor: second.nextCursor! });
    expect(third.items).toHaveLength(1);
    expect(third.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((r) => r.id);
    expect(new Set(ids).size).toBe(7);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect((await caller.audit.list({ action: 'demo.odd', limit: 50 })).items).toHaveLength(3);

    const rows = await caller.audit.export({ action: 'demo.' });
    const csv = auditToCsv(rows);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('id,at,actor,organization_id,action,target_type,target_id,outcome,ip,request_id,details');
    expect(lines).toHaveLength(8);
    expect(csv).not.toMatch(/,=HYPERLINK|,"=HYPERLINK/);
  });
});
