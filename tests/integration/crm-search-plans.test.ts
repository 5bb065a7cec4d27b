import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { leadStages, leads } from '../../db/schema';
import { isShortTerm, listLeads, SHORT_TERM_TOTAL_CAP } from '../../server/services/crm/lead-query';
import { crmTenant } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

/**
 * listLeads picks its plan from a bounded count (lead-query.ts): a narrow term reads the
 * trigram index and sorts, a broad or short one walks the sort-order index. Whatever the
 * plan, a page must hold exactly the leads a plain filter in that order would give.
 */
describe('lead search plans', () => {
  it('answers broad, narrow and short terms with the same leads, order and pages as a plain filter', async () => {
    const t = await crmTenant(database.current);
    const db = database.current.db;
    const stages = await db.select().from(leadStages).where(eq(leadStages.organizationId, t.tenant.id));
    const legal = ['ООО', 'GmbH', 'AO'];
    const rows = Array.from({ length: 1500 }, (_, i) => ({
      organizationId: t.tenant.id,
      // 1,350 leads share a legal form (broad), every 10th is a "Zebrafish" (narrow, 150)
      name: i % 10 === 0 ? `Zebrafish ${i}` : `Person ${String(i).padStart(4, '0')}`,
      email: `p${i}@example.test`,
      company: i % 10 === 0 ? null : `${legal[i % 3]} Company ${i % 37}`,
      stageId: stages[i % stages.length]!.id,
      assignedTo: i % 2 === 0 ? t.users.sales.id : t.users.manager.id,
      amount: (i * 37) % 1000,
      createdBy: t.users.manager.id,
    }));
    for (let i = 0; i < rows.length; i += 500) await db.insert(leads).values(rows.slice(i, i + 500));
    await database.current.sql`analyze leads`;
    const all = await db.select().from(leads).where(eq(leads.organizationId, t.tenant.id));

    const manager = { organizationId: t.tenant.id, userId: t.users.manager.id, seesAllLeads: true };
    const sales = { organizationId: t.tenant.id, userId: t.users.sales.id, seesAllLeads: false };
    const matches = (q: string, l: (typeof all)[number]) => [l.name, l.email ?? '', l.company ?? ''].join(' | ').toLowerCase().includes(q.toLowerCase());
    const byName = (a: (typeof all)[number], b: (typeof all)[number]) => {
      const x = a.name.toLowerCase();
      const y = b.name.toLowerCase();
      return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    };
    const byAmountDesc = (a: (typeof all)[number], b: (typeof all)[number]) => (b.amount ?? 0) - (a.amount ?? 0) || (a.id < b.id ? 1 : -1);

    const cases = [
      { q: 'gmbh', actor: manager, order: byName, sort: { sort: 'name', direction: 'asc' } as const }, // 500 matches
      { q: 'Company', actor: manager, order: byAmountDesc, sort: { sort: 'amount', direction: 'desc' } as const }, // 1,350: broad
      { q: 'Company', actor: sales, order: byName, sort: { sort: 'name', direction: 'asc' } as const }, // the sales user's own
      { q: 'zebrafish', actor: manager, order: byAmountDesc, sort: { sort: 'amount', direction: 'desc' } as const }, // narrow
      { q: 'AO', actor: manager, order: byName, sort: { sort: 'name', direction: 'asc' } as const }, // short: no trigram
      { q: 'ооо', actor: sales, order: byAmountDesc, sort: { sort: 'amount', direction: 'desc' } as const }, // Cyrillic, lower-cased
    ];
    for (const c of cases) {
      const expected = all.filter((l) => matches(c.q, l) && (c.actor.seesAllLeads || l.assignedTo === c.actor.userId)).sort(c.order);
      expect(expected.length, c.q).toBeGreaterThan(0);
      // the first three pages of 50, through the cursor
      const got: string[] = [];
      let cursor: string | undefined;
      let first: Awaited<ReturnType<typeof listLeads>> | undefined;
      for (let p = 0; p < 3; p++) {
        const page = await listLeads(db, c.actor, { q: c.q }, c.sort, { cursor, limit: 50 });
        first ??= page;
        got.push(...page.items.map((l) => l.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(got, `${c.q} as ${c.actor === manager ? 'manager' : 'sales'}`).toEqual(expected.slice(0, 150).map((l) => l.id));
      const cap = isShortTerm(c.q) ? SHORT_TERM_TOTAL_CAP : 1000;
      expect(first).toMatchObject({ total: Math.min(expected.length, cap), totalCapped: expected.length > cap });
    }
  });

  it('calls a term short only when no word has three letters or digits', () => {
    expect(['ИП', 'AO', 'Le ro', 'a b c'].map(isShortTerm)).toEqual([true, true, true, true]);
    expect(['ООО', 'GmbH', 'Ann', 'O Brien'].map(isShortTerm)).toEqual([false, false, false, false]);
  });
});
