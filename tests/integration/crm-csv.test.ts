import { parse } from 'csv-parse/sync';
import { and, count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, leadActivities } from '../../db/schema';
import { REALTIME_CHANNEL } from '../../server/realtime/channel';
import { escapeCell, importLeadsCsv, unescapeCell } from '../../server/services/crm/csv';
import { crmTenant, fieldErrorsOf, outcome, saved, type CrmTenant } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

const hostile = {
  name: '=HYPERLINK("http://evil.test","click")',
  company: '+cmd|" /C calc"!A0',
  position: '-2+3',
  taxId: '@SUM(A1:A9)',
};

describe('CSV export and import', () => {
  let source: CrmTenant;
  let target: CrmTenant;
  beforeAll(async () => {
    source = await crmTenant(database.current);
    target = await crmTenant(database.current);
    for (const t of [source, target]) {
      await t.callers.admin.crm.customFields.create({ entity: 'lead', key: 'budget', label: 'Budget', type: 'number' });
      await t.callers.admin.crm.customFields.create({ entity: 'lead', key: 'segment', label: 'Segment', type: 'select', options: ['smb', 'enterprise'] });
    }
    const m = source.callers.manager.crm.leads;
    const stages = await source.callers.manager.crm.stages.list();
    saved(await m.create({ ...hostile, email: 'evil@example.test', phone: '+1 415 555 0101', source: 'event', custom: { budget: -5, segment: 'smb' } }));
    saved(await m.create({ name: 'Plain, with "quotes"\nand a newline', email: 'plain@example.test', company: 'Quote Co', stageId: stages[1]!.id, amount: 1234.5 }));
    saved(await m.create({ name: 'Ünïcødé Łead', phone: '+7 912 345 67 89', source: 'cold_call', status: 'lost', custom: { segment: 'enterprise' } }));
  });

  it('escapes cells a spreadsheet would run as formulas, and the import strips exactly that escape', () => {
    for (const value of ['=1+1', '+1', '-1', '@x', '\tx', '\rx']) {
      expect(escapeCell(value)).toBe(`'${value}`);
      expect(unescapeCell(escapeCell(value))).toBe(value);
    }
    expect(escapeCell("'quoted")).toBe("'quoted");
    expect(unescapeCell("'quoted")).toBe("'quoted");
    expect(escapeCell(null)).toBe('');
  });

  it('exports the current view with a header, custom fields by label, and no executable cell', async () => {
    const { csv, rowCount, truncated } = await source.callers.manager.crm.leads.export({ sort: 'name', direction: 'asc' });
    expect({ rowCount, truncated }).toEqual({ rowCount: 3, truncated: false });
    const rows = parse(csv) as string[][];
    expect(rows[0]).toEqual(['id', 'name', 'email', 'phone', 'company', 'position', 'tax_id', 'source', 'status', 'stage', 'assignee', 'amount', 'created_at', 'Budget', 'Segment']);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const evil = rows.find((r) => r[2] === 'evil@example.test')!;
    expect(evil.slice(1, 7)).toEqual([`'${hostile.name}`, 'evil@example.test', "'+14155550101", `'${hostile.company}`, `'${hostile.position}`, `'${hostile.taxId}`]);
    expect(evil.slice(13)).toEqual(["'-5", 'smb']);
    // the filters of the view apply
    const filtered = await source.callers.manager.crm.leads.export({ sources: ['cold_call'] });
    expect(parse(filtered.csv)).toHaveLength(2);
    // data leaving the tenant is audited
    const exports = await database.current.db.select().from(auditLog).where(and(eq(auditLog.organizationId, source.tenant.id), eq(auditLog.action, 'crm.lead.export')));
    expect(exports.map((e) => e.details.rowCount)).toEqual([3, 1]);
    expect(exports[0]).toMatchObject({ actorUserId: source.users.manager.id, targetType: 'lead' });
  });

  it('round-trips: analyze suggests the mapping, a dry run previews and writes nothing, the import restores every value', async () => {
    const { csv } = await source.callers.manager.crm.leads.export({ sort: 'name', direction: 'asc' });
    const crm = target.callers.manager.crm;
    const analysis = await crm.import.analyze({ csv });
    expect(analysis.rowCount).toBe(3);
    expect(analysis.columns.map((c) => c.suggested)).toEqual([
      null,
      'name',
      'email',
      'phone',
      'company',
      'position',
      'taxId',
      'source',
      'status',
      'stage',
      'assignee',
      'amount',
      null,
      'custom.budget',
      'custom.segment',
    ]);
    // assignees are the source tenant's people: leave that column out
    const mapping = analysis.columns.map((c) => (c.suggested === 'assignee' ? null : c.suggested));

    const dry = await crm.import.run({ csv, mapping, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, total: 3, created: 3, duplicates: 0, invalid: 0, errors: [] });
    expect(dry.preview.map((p) => p.outcome)).toEqual(['create', 'create', 'create']);
    expect((await crm.leads.list({})).total).toBe(0);

    const run = await crm.import.run({ csv, mapping, dryRun: false });
    expect(run).toMatchObject({ dryRun: false, total: 3, created: 3, duplicates: 0, invalid: 0 });

    const comparable = (text: string) =>
      (parse(text) as string[][]).slice(1).map((r) => [...r.slice(1, 10), r[11], ...r.slice(13)]); // all but id, assignee, created_at
    const back = await crm.leads.export({ sort: 'name', direction: 'asc' });
    expect(comparable(back.csv)).toEqual(comparable(csv));
    const inTarget = (await crm.leads.list({ q: 'evil@example.test' })).items[0]!;
    expect(inTarget).toMatchObject({ ...hostile, phone: '+14155550101', source: 'event', custom: { budget: -5, segment: 'smb' } });
    const plain = (await crm.leads.list({ q: 'Quote Co' })).items[0]!;
    expect(plain).toMatchObject({ name: 'Plain, with "quotes"\nand a newline', amount: 1234.5, stage: { name: 'Contacted' } });
    // every imported lead has its timeline entry; the import itself is audited
    const [entries] = await database.current.db
      .select({ n: count() })
      .from(leadActivities)
      .where(and(eq(leadActivities.organizationId, target.tenant.id), eq(leadActivities.title, 'Imported from CSV')));
    expect(entries!.n).toBe(3);
    const audits = await database.current.db.select().from(auditLog).where(eq(auditLog.organizationId, target.tenant.id));
    expect(audits.find((a) => a.action === 'crm.lead.import')?.details).toMatchObject({ dryRun: false, total: 3, created: 3 });
    expect(audits.find((a) => a.action === 'crm.lead.import_preview')?.details).toMatchObject({ dryRun: true, created: 3 });

    // importing the same file again: everything is a duplicate of what exists
    const again = await crm.import.run({ csv, mapping, dryRun: false });
    expect(again).toMatchObject({ total: 3, created: 0, duplicates: 3, invalid: 0 });
  });

  it('maps columns by header, reads ; files, dedupes within the file and reports invalid rows by line', async () => {
    const crm = target.callers.manager.crm;
    const csv = [
      'Full Name;E-mail;Mobile;Organisation;Segment;Stage;Lead source',
      'Wanda One;wanda@example.test;+1 646 555 0100;Wand Co;enterprise;Qualified;Referral',
      'Wanda Dup;WANDA@example.test;;Wand Co;;;',
      'Phone Dup;;(646) 555-0100;;;;',
      'Bad Phone;bad@example.test;12;;;;',
      ';nameless@example.test;;;;;',
      'Bad Stage;stage@example.test;;;smb;Nowhere;',
      'Bad Select;select@example.test;;;medium;;',
      'Bad Source;source@example.test;;;;;billboard',
      'Bad Email;not-an-email;;;;;',
      'Good Two;good2@example.test;+44 20 7946 0000;;;;inbound e-mail',
    ].join('\n');
    const analysis = await crm.import.analyze({ csv });
    const mapping = analysis.columns.map((c) => c.suggested);
    expect(mapping).toEqual(['name', 'email', 'phone', 'company', 'custom.segment', 'stage', 'source']);

    const result = await crm.import.run({ csv, mapping, dryRun: false });
    expect(result).toMatchObject({ total: 10, created: 2, duplicates: 2, invalid: 6 });
    expect(result.errors.map((e) => [e.line, e.field])).toEqual([
      [5, 'phone'],
      [6, 'name'],
      [7, 'stage'],
      [8, 'custom.segment'],
      [9, 'source'],
      [10, 'email'],
    ]);
    expect(result.preview.find((p) => p.line === 3)).toMatchObject({ outcome: 'duplicate', duplicateOf: { line: 2 } });
    expect(result.preview.find((p) => p.line === 4)).toMatchObject({ outcome: 'duplicate', duplicateOf: { line: 2 } });
    const wanda = (await crm.leads.list({ q: 'Wanda' })).items;
    expect(wanda).toHaveLength(1);
    expect(wanda[0]).toMatchObject({ phone: '+16465550100', company: 'Wand Co', source: 'referral', status: 'qualified', stage: { name: 'Qualified' }, custom: { segment: 'enterprise' } });
    expect((await crm.leads.list({ q: 'Good Two' })).items[0]).toMatchObject({ source: 'inbound_email', phone: '+442079460000' });

    // a dry run against existing leads marks matches and never writes
    const dry = await crm.import.run({ csv: 'name,email\nWanda Again,wanda@EXAMPLE.test\nNew Person,new@example.test', mapping: ['name', 'email'], dryRun: true });
    expect(dry.preview.map((p) => p.outcome)).toEqual(['duplicate', 'create']);
    expect(dry.preview[0]!.duplicateOf).toMatchObject({ id: wanda[0]!.id, visible: true, matchedOn: ['email'] });
    expect((await crm.leads.list({ q: 'New Person' })).total).toBe(0);

    // the mapping itself is checked
    expect(await fieldErrorsOf(crm.import.run({ csv: 'a,b\n1,2', mapping: ['email', null], dryRun: true }))).toHaveProperty('mapping');
    expect(await fieldErrorsOf(crm.import.run({ csv: 'a,b\n1,2', mapping: ['name', 'name'], dryRun: true }))).toHaveProperty('mapping');
    expect(await fieldErrorsOf(crm.import.run({ csv: 'a,b\n1,2', mapping: ['name', 'custom.nope'], dryRun: true }))).toHaveProperty('mapping');
    expect(await outcome(crm.import.run({ csv: 'a\n1', mapping: ['name'], dryRun: true }))).toBe('OK');
  });

  it('imports large files in chunks inside one transaction, reporting progress after each chunk', async () => {
    const t = target;
    const lines = ['name,email,phone'];
    for (let i = 0; i < 2500; i++) lines.push(`Bulk ${i},bulk${i}@example.test,+1 312 555 ${String(i % 10000).padStart(4, '0')}`);
    lines.push('Bulk dup,BULK7@example.test,');
    const csv = lines.join('\n');
    const progress: { processed: number; total: number }[] = [];
    const actor = { organizationId: t.tenant.id, userId: t.users.manager.id, seesAllLeads: true };
    const result = await importLeadsCsv(database.current.db, actor, { csv, mapping: ['name', 'email', 'phone'], dryRun: false }, (p) => {
      progress.push(p);
    });
    expect(result).toMatchObject({ total: 2501, created: 2500, duplicates: 1, invalid: 0 });
    expect(progress).toEqual([
      { processed: 1000, total: 2501 },
      { processed: 2000, total: 2501 },
      { processed: 2501, total: 2501 },
    ]);
    const [imported] = await database.current.sql`select count(*)::int as n from leads where organization_id = ${t.tenant.id} and name like 'Bulk %' and deleted_at is null`;
    expect(imported!.n).toBe(2500);
    // the list counts up to its cap and says so
    expect(await t.callers.manager.crm.leads.list({ q: 'Bulk ' })).toMatchObject({ total: 1000, totalCapped: true });

    // through the API, progress travels on the realtime channel with the browser's token
    const events: { topic: string; data: Record<string, unknown> }[] = [];
    const listener = await database.current.sql.listen(REALTIME_CHANNEL, (payload) => events.push(JSON.parse(payload)));
    try {
      await t.callers.manager.crm.import.run({ csv: 'name\nLive one\nLive two', mapping: ['name'], dryRun: false, progressToken: 'tok-1' });
      await expect.poll(() => events.length).toBeGreaterThan(0);
    } finally {
      await listener.unlisten();
    }
    expect(events[0]).toMatchObject({ topic: 'crm.import.progress', organizationId: t.tenant.id, data: { token: 'tok-1', processed: 2, total: 2, dryRun: false } });
  });
});
