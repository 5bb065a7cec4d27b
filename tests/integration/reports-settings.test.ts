import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { organizations } from '../../db/schema';
import { startBoss } from '../../jobs/boss';
import { registerHandler } from '../../jobs/handler';
import { reportRun } from '../../jobs/handlers/report-run';
import { REALTIME_CHANNEL, realtimeEventSchema, type RealtimeEvent } from '../../server/realtime/channel';
import type { AppServices } from '../../server/app-services';
import { outcome } from '../support/crm';
import { useTestDatabase } from '../support/database';
import { makeTenant, makeUser } from '../support/factories';
import { DEMO, relaxLimits, reportsCaller, reportServices, startReportWorld, type ReportWorld } from '../support/reports';

/**
 * The settings wizard through tRPC against the four sandboxes and a second Postgres
 * (the tenant's Supabase): each step's save, Check and test action, the persisted
 * status lights, versioned prompts, the schedule — then "Force report" from the app,
 * run by the `report-run` job with its checkpoints on the realtime channel.
 */

const database = useTestDatabase();
let world: ReportWorld;
let services: AppServices;
let boss: PgBoss;
const events: RealtimeEvent[] = [];
let listener: postgres.Sql;

beforeAll(async () => {
  world = await startReportWorld({ seed: 31, records: 30, latencyMs: 0, external: true });
  boss = await startBoss(database.current.url, { schedule: false });
  services = { ...reportServices(database.current, world), boss };
  await registerHandler(boss, 'reportRun', reportRun, { database: { db: database.current.db, sql: database.current.sql, close: async () => {} }, log: () => {}, env: services.env, keyring: services.keyring, boss });
  listener = postgres(database.current.url, { max: 1, onnotice: () => {} });
  await listener.listen(REALTIME_CHANNEL, (payload) => events.push(realtimeEventSchema.parse(JSON.parse(payload))));
}, 60_000);
afterAll(async () => {
  await listener?.end({ timeout: 1 });
  await boss?.stop({ graceful: false, timeout: 2000 });
  await world?.close();
});
beforeEach(() => relaxLimits(world));

async function owner() {
  const tenant = await makeTenant(database.current);
  const user = await makeUser(database.current, 'owner', tenant.id);
  const { caller } = await reportsCaller(database.current, user, services);
  return { tenant, user, caller };
}

describe('the settings wizard', () => {
  it('walks the six steps against the sandboxes to six green lights', { timeout: 60_000 }, async () => {
    const { tenant, caller } = await owner();
    let view = await caller.reports.settings.get();
    expect(view.checks).toEqual({});
    expect(view.store).toMatchObject({ kind: 'builtin', postgresUrl: null, currentVersion: 1 });
    expect(view.store.sql).toContain('create table if not exists schema_version');
    expect(view.store.sql).toContain('create table if not exists crmhub_raw_messages');

    // 1. data store: the tenant's own Postgres
    expect((await caller.reports.settings.saveStore({ kind: 'external', postgresUrl: world.external!.url })).check).toMatchObject({ light: 'yellow' });
    const checked = await caller.reports.settings.checkStore();
    expect(checked.check).toMatchObject({ light: 'yellow', message: expect.stringContaining('press Apply') });
    expect(checked.serverVersion).toMatch(/^\d+\.\d+/);
    const applied = await caller.reports.settings.applyStore();
    expect(applied).toMatchObject({ check: { light: 'green' }, version: 1, writeReadBack: { ok: true } });
    expect((await caller.reports.settings.checkStore()).check.light).toBe('green');
    const tenantDb = postgres(world.external!.url, { max: 1, onnotice: () => {} });
    expect((await tenantDb`select version from schema_version`).map((r) => r.version)).toEqual([1]);
    expect((await caller.reports.settings.applyStore()).applied).toEqual([]);

    // 2. Kommo: the Kommo issue's connection; the 3 most recently updated leads
    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: DEMO.kommoToken });
    expect((await caller.reports.settings.checkKommo()).check).toMatchObject({ light: 'green', message: 'Connected to the Kommo account "CRM Hub Sandbox".' });
    const kommoTest = await caller.reports.settings.testKommo();
    const newest = [...world.kommo.store.leadsById].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id).slice(0, 3);
    expect(kommoTest.leads.map((l) => l.id)).toEqual(newest.map((l) => l.id));
    expect(kommoTest.leads[0]).toMatchObject({ updatedAt: expect.any(String), manager: expect.any(String), contact: expect.any(String), phone: expect.stringMatching(/^\+\d+/) });

    // 3. Radist: key and company; the test leads' chats (read-only); then written to the store
    await caller.reports.settings.saveRadist({ apiKey: DEMO.radistKey, company: DEMO.radistCompany });
    expect((await caller.reports.settings.checkRadist()).check).toMatchObject({ light: 'green', message: 'The key works; company 100501 "CRM Hub Sandbox".' });
    const sentBefore = world.radist.store.sentCount;
    const radistTest = await caller.reports.settings.testRadist();
    expect(world.radist.store.sentCount).toBe(sentBefore);
    expect(radistTest.found.length).toBeGreaterThan(0);
    expect(radistTest.wouldStore!.leads).toBe(3);
    const written = await caller.reports.settings.writeRadist();
    expect(written).toMatchObject({ check: { light: 'green' }, store: 'external', rows: radistTest.wouldStore });

    // 4. AI: the key; Check loads the models for the dropdown; prompt versions; a test analysis
    await caller.reports.settings.saveAi({ apiKey: DEMO.geminiKey });
    const models = await caller.reports.settings.checkAi();
    expect(models.check.light).toBe('yellow');
    expect(models.models.map((m) => m.id)).toEqual(expect.arrayContaining(['gemini-2.5-flash', 'gemini-2.5-pro', 'sandbox-tiny']));
    await expect(caller.reports.settings.saveAi({ model: 'gemini-9-imaginary' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await caller.reports.settings.saveAi({ model: 'gemini-2.5-flash' })).limits).toEqual({ inputTokenLimit: 1_048_576, outputTokenLimit: 65_536 });
    expect((await caller.reports.settings.checkAi()).check.light).toBe('green');
    expect(await caller.reports.settings.savePrompt({ body: 'Summarise the dialogs.' })).toEqual({ version: 1, created: true });
    expect(await caller.reports.settings.savePrompt({ body: 'Summarise the dialogs.' })).toEqual({ version: 1, created: false });
    expect(await caller.reports.settings.savePrompt({ body: 'Summarise the dialogs per manager.\nList the risks.' })).toEqual({ version: 2, created: true });
    view = await caller.reports.settings.get();
    expect(view.ai.prompt).toEqual({ version: 2, body: 'Summarise the dialogs per manager.\nList the risks.' });
    expect(view.ai.promptVersions.map((v) => v.version)).toEqual([2, 1]);
    const aiTest = await caller.reports.settings.testAi();
    expect(aiTest.check.light).toBe('green');
    expect(aiTest.analysis!.answer).toContain('SANDBOX OUTPUT');
    expect(aiTest.analysis!.usage.promptTokens).toBeGreaterThan(0);

    // 5. Telegram: getMe and a test message; then a short report of the test analysis
    const messagesBefore = world.telegram.store.messages.length;
    await caller.reports.settings.saveTelegram({ botToken: DEMO.botToken, chat: DEMO.groupChat });
    expect((await caller.reports.settings.checkTelegram()).check).toMatchObject({ light: 'green', message: 'Bot @crmhub_sandbox_bot posted a test message to "Sales team".' });
    expect((await caller.reports.settings.testTelegram()).check.light).toBe('green');
    const posted = world.telegram.store.messages.slice(messagesBefore);
    expect(posted.map((m) => m.chatId)).toEqual([Number(DEMO.groupChat), Number(DEMO.groupChat)]);
    expect(posted[1]!.text).toContain('Test report (CRM Hub)');

    // 6. automation
    await expect(caller.reports.settings.saveAutomation({ timeZone: 'Mars/Olympus', dayBoundaryHour: 6, schedule: 'daily', weeklyDay: 1, reportTypes: ['daily'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller.reports.settings.saveAutomation({ timeZone: 'Europe/Berlin', dayBoundaryHour: 6, schedule: 'weekly', weeklyDay: 1, reportTypes: ['daily'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const automation = await caller.reports.settings.saveAutomation({ timeZone: 'Europe/Berlin', dayBoundaryHour: 6, schedule: 'daily', weeklyDay: 5, reportTypes: ['daily', 'weekly'] });
    expect(automation.check.light).toBe('green');
    expect(automation.next.map((n) => n.type)).toContain('weekly');
    const [org] = await database.current.db.select().from(organizations).where(eq(organizations.id, tenant.id));
    expect(org).toMatchObject({ timezone: 'Europe/Berlin', dayBoundaryHour: 6 });

    view = await caller.reports.settings.get();
    expect(Object.fromEntries(Object.entries(view.checks).map(([k, v]) => [k, v!.light]))).toEqual({ store: 'green', kommo: 'green', radist: 'green', ai: 'green', telegram: 'green', automation: 'green' });
    expect(view.radist.apiKey).toBe('••••');
    expect(view.ai.apiKey).toBe('••••');
    expect(view.telegram.botToken).toBe('••••');
    expect(view.store.postgresUrl).toBe('••••');
    await tenantDb.end();
  });

  it('shows a red light in plain words for a wrong key, and keeps it', async () => {
    const { caller } = await owner();
    await caller.reports.settings.saveRadist({ apiKey: 'not-the-right-key', company: DEMO.radistCompany });
    expect((await caller.reports.settings.checkRadist()).check).toMatchObject({ light: 'red', message: 'Radist refused the API key.' });
    await caller.reports.settings.saveTelegram({ botToken: '7000000001:AAH-not-the-right-token-not-the-right', chat: DEMO.groupChat });
    expect((await caller.reports.settings.checkTelegram()).check).toMatchObject({ light: 'red', message: 'Telegram refused the bot token.' });
    await caller.reports.settings.saveStore({ kind: 'external', postgresUrl: world.external!.url.replace('crmhub-local', 'wrong-password') });
    expect((await caller.reports.settings.checkStore()).check).toMatchObject({ light: 'red', message: 'Could not connect: The database refused the user name or password.' });
    const view = await caller.reports.settings.get();
    expect(view.checks.radist?.light).toBe('red');
    expect(view.checks.store?.light).toBe('red');
  });

  it('only owners and admins reach the settings; managers may force a run, viewers may not', async () => {
    const tenant = await makeTenant(database.current);
    for (const role of ['admin', 'manager', 'sales', 'viewer'] as const) {
      const user = await makeUser(database.current, role, tenant.id);
      const { caller } = await reportsCaller(database.current, user, services);
      const settings = await outcome(caller.reports.settings.get());
      const force = await outcome(caller.reports.runs.force({ type: 'manual', from: new Date(Date.UTC(2026, 9, 1)), to: new Date(Date.UTC(2026, 9, 2)) }));
      expect([role, settings, force]).toEqual([role, role === 'admin' ? 'OK' : 'FORBIDDEN', role === 'admin' || role === 'manager' ? 'OK' : 'FORBIDDEN']);
    }
  });
});

describe('"Force report" from the app', () => {
  it('queues a job that runs the eight checkpoints live; a second click joins the running run', { timeout: 60_000 }, async () => {
    const { tenant, caller } = await owner();
    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: DEMO.kommoToken });
    await caller.reports.settings.saveRadist({ apiKey: DEMO.radistKey, company: DEMO.radistCompany });
    await caller.reports.settings.saveAi({ apiKey: DEMO.geminiKey, model: 'gemini-2.5-flash' });
    await caller.reports.settings.saveTelegram({ botToken: DEMO.botToken, chat: DEMO.groupChat });
    events.length = 0;
    const from = new Date(Date.UTC(2026, 8, 1));
    const to = new Date(Date.UTC(2026, 10, 2));
    world.radist.latency.ms = 30; // slow enough for the second click to find the run going
    const first = await caller.reports.runs.force({ type: 'manual', from, to });
    const second = await caller.reports.runs.force({ type: 'manual', from, to });
    world.radist.latency.ms = 0;
    expect(first.status).toBe('queued');
    expect(second).toEqual({ status: 'already_running', runId: first.runId, reportId: first.reportId });

    const deadline = Date.now() + 45_000;
    let run = await caller.reports.runs.byId({ id: first.runId });
    while (!['succeeded', 'partial', 'failed'].includes(run.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      run = await caller.reports.runs.byId({ id: first.runId });
    }
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => s.status)).toEqual(Array(8).fill('succeeded'));
    const mine = events.filter((e) => e.organizationId === tenant.id && e.data.runId === first.runId);
    expect(mine.filter((e) => e.data.status === 'running').map((e) => e.data.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(mine.at(-1)!.data.runStatus).toBe('succeeded');
    // each checkpoint was published within moments of its step finishing
    const report = await caller.reports.byId({ id: first.reportId });
    expect(report).toMatchObject({ status: 'published', analysis: 'done', latestRun: { id: first.runId, status: 'succeeded' } });
  });
});
