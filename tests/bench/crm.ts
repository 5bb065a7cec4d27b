/**
 * Native CRM benchmarks (issue 5), printed as tables; nothing here is enforced.
 *  - search over 100,000 leads: p50/p95 per query kind (goal p95 < 50 ms)
 *  - CSV import of 50,000 rows, dry run and real (goal < 30 s)
 * Run: npm run bench:crm   (embedded Postgres in a temp dir; ~1–2 minutes)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { eq } from 'drizzle-orm';
import { connectDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { applyMigrations } from '../../db/migrate';
import { leads, leadStages } from '../../db/schema';
import { generatePeople, generateCompanies } from '../../server/sandbox/core/generator';
import { createTenant } from '../../server/services/admin/tenants';
import { createUser } from '../../server/services/admin/users';
import type { CrmActor } from '../../server/services/crm/context';
import { importLeadsCsv } from '../../server/services/crm/csv';
import { listLeads } from '../../server/services/crm/lead-query';
import { leadSources } from '../../server/shared/crm';

const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 50_000);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-bench-crm-'));
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 0, databases: ['bench'] });
const database = connectDatabase(pg.url('bench'), { max: 4 });
try {
  await applyMigrations(database.db);
  const tenant = await createTenant(database.db, { name: 'Bench Co', slug: 'bench', planTier: 'enterprise', timezone: 'UTC' });
  if (!tenant.ok) throw new Error('tenant');
  const owner = await createUser(database.db, { email: 'owner@bench.test', name: 'Owner', password: 'bench-password-123', platformRole: 'none', membership: { organizationId: tenant.id, role: 'owner' } });
  const sales = await createUser(database.db, { email: 'sales@bench.test', name: 'Sales', password: 'bench-password-123', platformRole: 'none', membership: { organizationId: tenant.id, role: 'sales' } });
  if (!owner.ok || !sales.ok) throw new Error('users');
  const stages = await database.db.select().from(leadStages).where(eq(leadStages.organizationId, tenant.id));

  // ---- 100k leads, inserted in batches (the trigram indexes are maintained as in production)
  let t = performance.now();
  const people = generatePeople(LEADS, { seed: 5, companies: 20_000 });
  const companies = generateCompanies(20_000, { seed: 5 });
  for (let i = 0; i < people.length; i += 2000) {
    await database.db.insert(leads).values(
      people.slice(i, i + 2000).map((p, j) => ({
        organizationId: tenant.id,
        name: `${p.firstName} ${p.lastName}`,
        email: p.email,
        phone: p.phone,
        company: companies[p.companyIndex]!.name,
        position: p.title,
        source: leadSources[(i + j) % leadSources.length]!,
        stageId: stages[(i + j) % stages.length]!.id,
        assignedTo: (i + j) % 4 === 0 ? sales.id : owner.id,
        amount: ((i + j) % 97) * 100,
        createdBy: owner.id,
      })),
    );
  }
  await database.sql`analyze leads`;
  const loadSeconds = (performance.now() - t) / 1000;

  // ---- search
  const manager: CrmActor = { organizationId: tenant.id, userId: owner.id, seesAllLeads: true };
  const salesActor: CrmActor = { organizationId: tenant.id, userId: sales.id, seesAllLeads: false };
  const sample = (k: number) => people[(k * 7919) % people.length]!;
  const broadTerms = ['ООО', 'GmbH', 'Group', 'ИП', 'Anna', 'AO'];
  const kinds: { kind: string; actor: CrmActor; q: (k: number) => Parameters<typeof listLeads>[2]; sort?: Parameters<typeof listLeads>[3] }[] = [
    { kind: 'name fragment', actor: manager, q: (k) => ({ q: sample(k).lastName.slice(0, 5) }) },
    { kind: 'e-mail', actor: manager, q: (k) => ({ q: sample(k).email }) },
    { kind: 'phone (whole number)', actor: manager, q: (k) => ({ q: sample(k).phone }) },
    { kind: 'company fragment', actor: manager, q: (k) => ({ q: companies[sample(k).companyIndex]!.name.split(' ')[0]!.slice(0, 6) }) },
    { kind: 'no search, stage filter', actor: manager, q: (k) => ({ stageIds: [stages[k % stages.length]!.id] }) },
    { kind: 'sales user, name fragment', actor: salesActor, q: (k) => ({ q: sample(k).firstName.slice(0, 4) }) },
    { kind: 'broad term (legal form, 2-letter), by name', actor: manager, q: (k) => ({ q: broadTerms[k % broadTerms.length] }), sort: { sort: 'name', direction: 'asc' } },
  ];
  const rows: string[] = [];
  for (const { kind, actor, q, sort = { sort: 'createdAt', direction: 'desc' } as const } of kinds) {
    for (let k = 0; k < 5; k++) await listLeads(database.db, actor, q(k), sort, { limit: 50 }); // warm
    const times: number[] = [];
    for (let k = 0; k < 60; k++) {
      const started = performance.now();
      await listLeads(database.db, actor, q(k + 10), sort, { limit: 50 });
      times.push(performance.now() - started);
    }
    rows.push(`| ${kind} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`);
  }
  console.log(`\nSearch over ${LEADS.toLocaleString('en')} leads (listLeads, first page of 50, 60 queries each; load took ${loadSeconds.toFixed(1)} s). Goal: p95 < 50 ms.`);
  console.log('| query | p50 ms | p95 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: |');
  rows.forEach((r) => console.log(r));

  // ---- CSV import of 50k rows
  const importPeople = generatePeople(IMPORT_ROWS, { seed: 99, companies: 5000 });
  const csv = stringify([
    ['Name', 'E-mail', 'Phone', 'Company', 'Position', 'Source'],
    ...importPeople.map((p) => [`${p.firstName} ${p.lastName}`, `import.${p.email}`, p.phone, companies[p.companyIndex % companies.length]!.name, p.title, 'event']),
  ]);
  const mapping = ['name', 'email', 'phone', 'company', 'position', 'source'];
  t = performance.now();
  const dry = await importLeadsCsv(database.db, manager, { csv, mapping, dryRun: true });
  const dryMs = performance.now() - t;
  if (dry.invalid > 0) console.log('first import errors:', JSON.stringify(dry.errors.slice(0, 3)));
  t = performance.now();
  const real = await importLeadsCsv(database.db, manager, { csv, mapping, dryRun: false });
  const realMs = performance.now() - t;
  console.log(`\nCSV import of ${IMPORT_ROWS.toLocaleString('en')} rows (importLeadsCsv, dedupe against ${LEADS.toLocaleString('en')} existing leads). Goal: < 30 s.`);
  console.log('| run | seconds | created | duplicates | invalid |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(`| dry run | ${(dryMs / 1000).toFixed(1)} | ${dry.created} | ${dry.duplicates} | ${dry.invalid} |`);
  console.log(`| import | ${(realMs / 1000).toFixed(1)} | ${real.created} | ${real.duplicates} | ${real.invalid} |`);
} finally {
  await database.close();
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
