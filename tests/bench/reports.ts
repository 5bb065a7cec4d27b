/**
 * AI report pipeline benchmark (issue 7), printed as a table; nothing here is enforced.
 * One full run over 500 Kommo leads and 5,000 Radist messages, against the four
 * sandboxes with their default latency (2 ms per request) and their rate limits on
 * (Kommo 7 requests/s, Radist 10/s — our clients pace at 7 and 8), the tenant store in a
 * second embedded Postgres, the job's code called in-process as a worker would.
 * Run: npx tsx tests/bench/reports.ts   (BENCH_STORE=builtin to use our database)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { connectDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { applyMigrations } from '../../db/migrate';
import { reportRunSteps, reports } from '../../db/schema/reports';
import { readEnv } from '../../server/config/env';
import { phoneKey } from '../../server/providers/radist/client';
import type { GeminiStore } from '../../server/sandbox/gemini/index';
import { startSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import type { RadistStore } from '../../server/sandbox/radist/store';
import type { TelegramStore } from '../../server/sandbox/telegram/store';
import { createTenant } from '../../server/services/admin/tenants';
import { createUser } from '../../server/services/admin/users';
import { prepareKommoConnection, storeLongLivedToken } from '../../server/services/kommo/connection';
import type { ReportDeps } from '../../server/services/reports/deps';
import { executeRun } from '../../server/services/reports/pipeline';
import { startRun } from '../../server/services/reports/runs';
import * as wizard from '../../server/services/reports/settings';
import { parseKeyring } from '../../server/security/crypto';
import { pipelineSteps } from '../../server/shared/reports';

const LEADS = Number(process.env.BENCH_LEADS ?? 500);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5_000);
const STORE = process.env.BENCH_STORE === 'builtin' ? 'builtin' : 'external';
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-bench-reports-'));
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 0, databases: ['bench'] });
const tenantPg = STORE === 'external' ? await startEmbeddedPostgres({ dataDir: path.join(dir, 'tenant-pg'), port: 0, databases: ['tenant_store'] }) : null;
const database = connectDatabase(pg.url('bench'), { max: 8 });
const sandboxes = {
  kommo: await startSandbox<KommoStore>('kommo', { seed: 7, records: LEADS }),
  radist: await startSandbox<RadistStore>('radist', { seed: 7, records: LEADS }),
  gemini: await startSandbox<GeminiStore>('gemini', { seed: 7 }),
  telegram: await startSandbox<TelegramStore>('telegram', { seed: 7 }),
};
try {
  await applyMigrations(database.db);
  const env = readEnv({ NODE_ENV: 'test' });
  const keyring = parseKeyring(`bench:${Buffer.alloc(32, 7).toString('base64')}`);
  const urls = Object.fromEntries(Object.entries(sandboxes).map(([k, v]) => [k, v.url]));
  const deps: ReportDeps = { db: database.db, sql: database.sql, keyring, env, sandboxes: urls, log: (line) => console.log(line) };
  const tenant = await createTenant(database.db, { name: 'Bench Co', slug: 'bench', planTier: 'enterprise', timezone: 'UTC' });
  if (!tenant.ok) throw new Error('tenant');
  const owner = await createUser(database.db, { email: 'owner@bench.test', name: 'Owner', password: 'bench-password-123', platformRole: 'none', membership: { organizationId: tenant.id, role: 'owner' } });
  if (!owner.ok) throw new Error('user');
  const actor = { organizationId: tenant.id, userId: owner.id };

  // the wizard, as an admin would fill it in
  const kommoDeps = { db: database.db, sql: database.sql, keyring, env, sandboxOrigin: sandboxes.kommo.url };
  const found = await prepareKommoConnection(kommoDeps, actor, { subdomain: 'crmhubsandbox', authMode: 'long_lived' });
  await storeLongLivedToken(kommoDeps, found.conn.id, 'kommo-sandbox-long-lived-token', owner.id);
  await wizard.saveStore(deps, actor, tenantPg ? { kind: 'external', postgresUrl: tenantPg.url('tenant_store') } : { kind: 'builtin' });
  await wizard.applyStore(deps, actor);
  await wizard.saveRadist(deps, actor, { apiKey: 'radist-sandbox-api-key', company: 100_501 });
  await wizard.saveAi(deps, actor, { apiKey: 'gemini-sandbox-key', model: 'gemini-2.5-flash' });
  await wizard.saveTelegram(deps, actor, { botToken: '7000000001:AAH-sandbox-telegram-demo-token-0001', chat: '-1001000000001' });

  // every lead in the period; the chats of their phones topped up to exactly MESSAGES messages
  const period = { start: new Date(Date.UTC(2025, 0, 1)), end: new Date(Date.now() + 3_600_000) };
  const kommo = sandboxes.kommo.store;
  const radist = sandboxes.radist.store;
  const phones = new Set(kommo.leadsById.flatMap((l) => l.contactIds.flatMap((id) => kommo.contacts.get(id)?.phones.map((p) => phoneKey(p.value)) ?? [])));
  const chats = radist.contactsById.filter((c) => phones.has(phoneKey(c.person.phone))).flatMap((c) => c.chats);
  let messages = chats.reduce((n, chat) => n + radist.messages(chat).length, 0);
  for (let i = 0; messages < MESSAGES; i++, messages++) radist.append(chats[i % chats.length]!, { direction: i % 3 ? 'outbound' : 'inbound', text: `Follow-up ${i}: any news?` });
  if (messages > MESSAGES) console.log(`(the sandbox holds ${messages} messages for these phones, more than ${MESSAGES})`);

  const started = await startRun(deps, { organizationId: tenant.id, type: 'manual', period, timeZone: 'UTC', trigger: 'manual', requestedBy: owner.id });
  const requestsBefore = Object.fromEntries(Object.entries(sandboxes).map(([k, v]) => [k, v.requests.count()]));
  const t0 = performance.now();
  const outcome = await executeRun(deps, started.runId);
  const total = performance.now() - t0;

  const steps = await database.db.select().from(reportRunSteps).where(eq(reportRunSteps.runId, started.runId)).orderBy(reportRunSteps.step);
  const [report] = await database.db.select().from(reports).where(eq(reports.id, started.reportId));
  const rows = steps.map((s) => ({
    step: `${s.step} ${pipelineSteps[s.step - 1]!.label}`,
    status: s.status,
    tries: String(s.attempts),
    ms: String(s.durationMs ?? ''),
    detail: Object.entries(s.detail)
      .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  }));
  const width = (k: keyof (typeof rows)[number]) => Math.max(k.length, ...rows.map((r) => r[k].length));
  const line = (r: Record<string, string>) => ['step', 'status', 'tries', 'ms', 'detail'].map((k) => (k === 'ms' || k === 'tries' ? r[k]!.padStart(width(k as never)) : r[k]!.padEnd(width(k as never)))).join(' | ');
  console.log(`\nAI report pipeline — ${LEADS} leads, ${messages} messages, store: ${STORE}, sandbox latency 2 ms, provider rate limits on\n`);
  console.log(line({ step: 'step', status: 'status', tries: 'tries', ms: 'ms', detail: 'detail' }));
  console.log(line({ step: '-'.repeat(width('step')), status: '-'.repeat(width('status')), tries: '-'.repeat(width('tries')), ms: '-'.repeat(width('ms')), detail: '-'.repeat(width('detail')) }));
  for (const r of rows) console.log(line(r));
  console.log(`\nrun ${outcome.status} in ${(total / 1000).toFixed(1)} s`);
  console.log(`figures: leads ${report!.figures!.leads}, dialogs ${report!.figures!.dialogs}, messages ${report!.figures!.messages.total}, unanswered ${report!.figures!.unansweredChats}, median reply ${report!.figures!.responseMinutes.median} min`);
  console.log(`model tokens: prompt ${report!.promptTokens}, answer ${report!.outputTokens}${report!.trimmedNote ? ` (${report!.trimmedNote})` : ''}`);
  console.log(`requests: ${Object.entries(sandboxes).map(([k, v]) => `${k} ${v.requests.count() - requestsBefore[k]!}`).join(', ')}`);
} finally {
  for (const sb of Object.values(sandboxes)) await sb.close();
  await database.close();
  await pg.stop();
  await tenantPg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
