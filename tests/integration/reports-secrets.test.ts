import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditLog, tenantSecrets } from '../../db/schema';
import { reportRunSteps, reportSettings } from '../../db/schema/reports';
import type { AppServices } from '../../server/app-services';
import { reportsRouter } from '../../server/routers/reports';
import { executeRun } from '../../server/services/reports/pipeline';
import { resumeRun, startRun } from '../../server/services/reports/runs';
import { useTestDatabase } from '../support/database';
import { makeTenant, makeUser } from '../support/factories';
import { DEMO, relaxLimits, reportDeps, reportsCaller, reportServices, startReportWorld, WHOLE_HISTORY, type ReportWorld } from '../support/reports';

/**
 * Secrets never come back: every settings procedure's answer (and error) is scanned for
 * the saved secret values — a Radist key, a Gemini key, a bot token and the tenant
 * Postgres password, each unique to this file — and so are the reports, the runs, the
 * audit log, the realtime payloads and every line logged while the pipeline runs,
 * failing steps included. At rest they are ciphertext.
 */

const database = useTestDatabase();
let world: ReportWorld;
let services: AppServices;
const logged: string[] = [];

const unique = (n: number) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x');
const SECRETS = {
  radistKey: `rk-${unique(24)}`,
  geminiKey: `gk-${unique(24)}`,
  botToken: `7000000042:AA${unique(33)}`,
  storePassword: `pw-${unique(24)}`,
};
let storeUrl = '';

function scan(label: string, value: unknown) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v));
  for (const [name, secret] of Object.entries(SECRETS)) expect(text.includes(secret), `${label} leaks ${name}`).toBe(false);
  expect(text.includes(storeUrl), `${label} leaks the store URL`).toBe(false);
}

async function answerOf(label: string, promise: Promise<unknown>) {
  try {
    const value = await promise;
    scan(label, value);
    return value;
  } catch (error) {
    scan(`${label} (error)`, { message: (error as Error).message, code: (error as { code?: string }).code });
    return error;
  }
}

beforeAll(async () => {
  world = await startReportWorld({ seed: 41, records: 20, latencyMs: 0, external: true });
  relaxLimits(world);
  // the sandboxes learn this file's secrets
  world.radist.store.apiKeys.set(SECRETS.radistKey, new Set(['messaging', 'connections'] as const));
  world.gemini.store.apiKeys.add(SECRETS.geminiKey);
  world.telegram.store.addBot(SECRETS.botToken, 'Secret Test Bot', 'secret_test_bot');
  // a store user whose password only this file knows
  const admin = postgres(world.external!.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create role secret_tester login password '${SECRETS.storePassword}'`);
  await admin.unsafe('grant all on schema public to secret_tester');
  await admin.end();
  storeUrl = world.external!.url.replace(/\/\/[^@]+@/, `//secret_tester:${SECRETS.storePassword}@`);
  services = reportServices(database.current, world);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
  }
}, 60_000);
afterEach(() => relaxLimits(world));
afterAll(async () => {
  vi.restoreAllMocks();
  await world?.close();
});

/** Inputs for every settings procedure; the test fails when the router gains one not listed here. */
const settingsCalls = (caller: Awaited<ReturnType<typeof reportsCaller>>['caller']): Record<string, () => Promise<unknown>> => ({
  get: () => caller.reports.settings.get(),
  saveStore: () => caller.reports.settings.saveStore({ kind: 'external', postgresUrl: storeUrl }),
  checkStore: () => caller.reports.settings.checkStore(),
  applyStore: () => caller.reports.settings.applyStore(),
  checkKommo: () => caller.reports.settings.checkKommo(),
  testKommo: () => caller.reports.settings.testKommo(),
  saveRadist: () => caller.reports.settings.saveRadist({ apiKey: SECRETS.radistKey, company: DEMO.radistCompany }),
  checkRadist: () => caller.reports.settings.checkRadist(),
  testRadist: () => caller.reports.settings.testRadist(),
  writeRadist: () => caller.reports.settings.writeRadist(),
  saveAi: () => caller.reports.settings.saveAi({ apiKey: SECRETS.geminiKey, model: 'gemini-2.5-flash' }),
  checkAi: () => caller.reports.settings.checkAi(),
  savePrompt: () => caller.reports.settings.savePrompt({ body: `Analyse. ${unique(6)}` }),
  testAi: () => caller.reports.settings.testAi(),
  saveTelegram: () => caller.reports.settings.saveTelegram({ botToken: SECRETS.botToken, chat: DEMO.groupChat }),
  checkTelegram: () => caller.reports.settings.checkTelegram(),
  testTelegram: () => caller.reports.settings.testTelegram(),
  saveAutomation: () => caller.reports.settings.saveAutomation({ timeZone: 'Europe/Moscow', dayBoundaryHour: 5, schedule: 'daily', weeklyDay: 1, reportTypes: ['daily'] }),
});

describe('secrets never leave the server', () => {
  it('no settings answer (success or error) carries a saved secret, before or after the providers fail', { timeout: 60_000 }, async () => {
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    const { caller } = await reportsCaller(database.current, owner, services);
    const calls = settingsCalls(caller);
    const procedures = Object.keys((reportsRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures)
      .filter((p) => p.startsWith('settings.'))
      .map((p) => p.slice('settings.'.length))
      .sort();
    expect(Object.keys(calls).sort()).toEqual(procedures);

    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: DEMO.kommoToken });
    // in wizard order, twice: once as it should go, once with every provider failing
    for (const round of ['working', 'failing']) {
      if (round === 'failing') {
        for (const sb of [world.radist, world.gemini, world.telegram]) sb.faults.set({ serverErrorRate: 1 });
        world.radist.store.apiKeys.delete(SECRETS.radistKey);
      }
      for (const [name, call] of Object.entries(calls)) await answerOf(`${round} settings.${name}`, call());
    }
    world.radist.store.apiKeys.set(SECRETS.radistKey, new Set(['messaging', 'connections'] as const));
    const view = (await caller.reports.settings.get()) as { radist: { apiKey: string }; ai: { apiKey: string }; telegram: { botToken: string }; store: { postgresUrl: string } };
    expect([view.radist.apiKey, view.ai.apiKey, view.telegram.botToken, view.store.postgresUrl]).toEqual(['••••', '••••', '••••', '••••']);

    // at rest: ciphertext only
    const rows = await database.current.db.select().from(tenantSecrets).where(eq(tenantSecrets.organizationId, tenant.id));
    expect(rows.map((r) => r.name).sort()).toEqual(['reports.gemini.api_key', 'reports.radist.api_key', 'reports.store.postgres_url', 'reports.telegram.bot_token']);
    scan('tenant_secrets', rows);
    const [settings] = await database.current.db.select().from(reportSettings).where(eq(reportSettings.organizationId, tenant.id));
    scan('report_settings', settings);
    scan('audit_log', await database.current.db.select().from(auditLog).where(eq(auditLog.organizationId, tenant.id)));
  });

  it('nor does a pipeline run, its failures, its progress events, its report, or anything it logs', { timeout: 60_000 }, async () => {
    const tenant = await makeTenant(database.current);
    const owner = await makeUser(database.current, 'owner', tenant.id);
    const { caller } = await reportsCaller(database.current, owner, services);
    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: DEMO.kommoToken });
    await caller.reports.settings.saveStore({ kind: 'external', postgresUrl: storeUrl });
    await caller.reports.settings.applyStore();
    await caller.reports.settings.saveRadist({ apiKey: SECRETS.radistKey, company: DEMO.radistCompany });
    await caller.reports.settings.saveAi({ apiKey: SECRETS.geminiKey, model: 'gemini-2.5-flash' });
    await caller.reports.settings.saveTelegram({ botToken: SECRETS.botToken, chat: DEMO.groupChat });
    const published: string[] = [];
    const listener = postgres(database.current.url, { max: 1, onnotice: () => {} });
    await listener.listen('crmhub_events', (payload) => void published.push(payload));
    const deps = reportDeps(services, { log: (line) => void logged.push(line) });
    logged.length = 0;

    // failures of every kind: a dead Telegram, a dropped Gemini connection, a 500 from Radist
    const started = await startRun(deps, { organizationId: tenant.id, type: 'manual', period: WHOLE_HISTORY, timeZone: 'UTC', trigger: 'manual', requestedBy: owner.id });
    world.radist.faults.set({ dropConnections: 2 });
    world.gemini.faults.set({ serverErrorRate: 1 });
    world.telegram.faults.set({ serverErrorRate: 1 });
    expect((await executeRun(deps, started.runId)).status).toBe('failed');
    relaxLimits(world);
    await resumeRun(deps, tenant.id, started.runId);
    expect((await executeRun(deps, started.runId)).status).toBe('succeeded');

    scan('run steps', await database.current.db.select().from(reportRunSteps).where(eq(reportRunSteps.runId, started.runId)));
    await answerOf('reports.byId', caller.reports.byId({ id: started.reportId }));
    await answerOf('reports.list', caller.reports.list({}));
    await answerOf('reports.runs.byId', caller.reports.runs.byId({ id: started.runId }));
    await answerOf('reports.ask', caller.reports.ask({ reportId: started.reportId, question: 'What went wrong?' }));
    await new Promise((r) => setTimeout(r, 200));
    await listener.end({ timeout: 1 });
    expect(published.length).toBeGreaterThan(8);
    scan('realtime payloads', published);
    expect(logged.length).toBeGreaterThan(0);
    scan('logs', logged);
    scan('audit_log', await database.current.db.select().from(auditLog).where(eq(auditLog.organizationId, tenant.id)));
  });
});
