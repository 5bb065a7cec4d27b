import { and, eq, lt } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reportRuns, reportRunSteps, reports, reportSettings } from '../../db/schema/reports';
import { REALTIME_CHANNEL, realtimeEventSchema, type RealtimeEvent } from '../../server/realtime/channel';
import { phoneKey } from '../../server/providers/radist/client';
import type { AppServices } from '../../server/app-services';
import { executeRun } from '../../server/services/reports/pipeline';
import { reportDetail } from '../../server/services/reports/reports';
import { resumeRun, runView, startRun } from '../../server/services/reports/runs';
import * as wizard from '../../server/services/reports/settings';
import { useTestDatabase } from '../support/database';
import { makeTenant, makeUser } from '../support/factories';
import { DEMO, relaxLimits, reportDeps, reportServices, sandboxLeadSource, startReportWorld, WHOLE_HISTORY, type ReportWorld } from '../support/reports';

/**
 * The report pipeline end to end against the Kommo, Radist, Gemini and Telegram
 * sandboxes and a second embedded Postgres standing in for the tenant's Supabase:
 * the eight checkpoints, figures checked against the sandboxes' own data, idempotent
 * re-runs, resuming a failed run, and a figures-only report when the model fails.
 * Step 1 reads Kommo through the Kommo issue's read client (sandbox, long-lived token).
 */

const database = useTestDatabase();
let world: ReportWorld;
let services: AppServices;
const events: RealtimeEvent[] = [];
let listener: postgres.Sql;

beforeAll(async () => {
  world = await startReportWorld({ seed: 11, records: 40, latencyMs: 0, external: true });
  services = reportServices(database.current, world);
  listener = postgres(database.current.url, { max: 1, onnotice: () => {} });
  await listener.listen(REALTIME_CHANNEL, (payload) => events.push(realtimeEventSchema.parse(JSON.parse(payload))));
}, 60_000);
afterAll(async () => {
  await listener?.end({ timeout: 1 });
  await world?.close();
});
beforeEach(() => relaxLimits(world));

const deps = () => reportDeps(services, { leadSource: async () => sandboxLeadSource(world) });

/** A tenant with every step saved through the wizard's services (the tRPC path has its own test). */
async function configuredTenant(options: { store: 'builtin' | 'external'; model?: string } = { store: 'external' }) {
  const tenant = await makeTenant(database.current);
  const owner = await makeUser(database.current, 'owner', tenant.id);
  const actor = { organizationId: tenant.id, userId: owner.id };
  const d = deps();
  await wizard.saveStore(d, actor, options.store === 'external' ? { kind: 'external', postgresUrl: world.external!.url } : { kind: 'builtin' });
  expect((await wizard.applyStore(d, actor)).check.light).toBe('green');
  await wizard.saveRadist(d, actor, { apiKey: DEMO.radistKey, company: DEMO.radistCompany });
  await wizard.saveAi(d, actor, { apiKey: DEMO.geminiKey, model: options.model ?? 'gemini-2.5-flash' });
  await wizard.saveTelegram(d, actor, { botToken: DEMO.botToken, chat: DEMO.groupChat });
  return { tenant, owner, actor };
}

async function startManual(organizationId: string, period = WHOLE_HISTORY, userId: string | null = null) {
  const started = await startRun(deps(), { organizationId, type: 'manual', period, timeZone: 'UTC', trigger: 'manual', requestedBy: userId });
  expect(started.status).toBe('queued');
  return started;
}

/** What the sandboxes hold for a period, computed without our code. */
function oracle(period: { start: Date; end: Date }) {
  const leads = world.kommo.store.leadsById.filter((l) => !l.isDeleted && l.updatedAt * 1000 >= period.start.getTime() && l.updatedAt * 1000 < period.end.getTime());
  const phones = new Set(leads.flatMap((l) => l.contactIds.flatMap((id) => world.kommo.store.contacts.get(id)?.phones.map((p) => phoneKey(p.value)) ?? [])));
  const contacts = world.radist.store.contactsById.filter((c) => phones.has(phoneKey(c.person.phone)));
  const chats = contacts.flatMap((c) => c.chats);
  const messages = chats.flatMap((chat) => world.radist.store.messages(chat)).filter((m) => Date.parse(m.created_at) >= period.start.getTime() && Date.parse(m.created_at) < period.end.getTime());
  const dialogs = chats.filter((chat) => messages.some((m) => m.chat_id === chat.id));
  return { leads: leads.length, chats: chats.length, dialogs: dialogs.length, messages: messages.length, inbound: messages.filter((m) => m.direction === 'inbound').length };
}

async function externalCounts(reportId: string) {
  const sql = postgres(world.external!.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ leads: string; chats: string; messages: string; texts: string; analyses: string }[]>`
      select (select count(*) from crmhub_raw_leads where report_id = ${reportId}) as leads,
             (select count(*) from crmhub_raw_chats where report_id = ${reportId}) as chats,
             (select count(*) from crmhub_raw_messages where report_id = ${reportId}) as messages,
             (select count(*) from crmhub_report_texts where report_id = ${reportId}) as texts,
             (select count(*) from crmhub_analyses where report_id = ${reportId}) as analyses`;
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  } finally {
    await sql.end();
  }
}

describe('the report pipeline', () => {
  it('runs the eight steps into the tenant store, with figures that match the sandboxes, and notifies Telegram with a link', async () => {
    const { tenant } = await configuredTenant({ store: 'external' });
    const sentBefore = world.telegram.store.messages.length;
    const started = await startManual(tenant.id);
    events.length = 0;
    const outcome = await executeRun(deps(), started.runId);
    expect(outcome).toMatchObject({ status: 'succeeded' });

    const run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.key, s.status, s.attempts])).toEqual([
      ['fetch_leads', 'succeeded', 1],
      ['store_leads', 'succeeded', 1],
      ['fetch_dialogs', 'succeeded', 1],
      ['store_dialogs', 'succeeded', 1],
      ['build_prompt', 'succeeded', 1],
      ['analyse', 'succeeded', 1],
      ['publish', 'succeeded', 1],
      ['notify', 'succeeded', 1],
    ]);
    expect(run.steps.every((s) => s.startedAt && s.finishedAt && s.durationMs !== null)).toBe(true);

    const truth = oracle(WHOLE_HISTORY);
    expect(truth.leads).toBeGreaterThan(20);
    expect(truth.messages).toBeGreaterThan(100);
    const report = await reportDetail(deps(), { organizationId: tenant.id, userId: 'nobody' }, started.reportId);
    expect(report).toMatchObject({ status: 'published', analysis: 'done', storeKind: 'external', model: 'gemini-2.5-flash' });
    expect(report.figures).toMatchObject({ leads: truth.leads, dialogs: truth.dialogs, messages: { total: truth.messages, inbound: truth.inbound } });
    expect(report.figures!.leadsWithoutDialogsCount).toBe(truth.leads - report.figures!.leadsWithDialogs);
    expect(report.figures!.perManager.reduce((n, m) => n + m.dialogs, 0)).toBe(truth.dialogs);
    expect(report.figures!.responseMinutes.samples).toBeGreaterThan(0);
    expect(report.narrative).toContain('SANDBOX OUTPUT');
    expect(report.tokens!.prompt).toBeGreaterThan(0);

    // raw data and the narrative live in the tenant's Postgres; ours keeps summary, status, figures
    expect(await externalCounts(started.reportId)).toEqual({ leads: truth.leads, chats: truth.chats, messages: truth.messages, texts: 1, analyses: 1 });
    const [ours] = await database.current.sql`select count(*)::int as n from report_texts where report_id = ${started.reportId}`;
    expect(ours!.n).toBe(0);

    const sent = world.telegram.store.messages.slice(sentBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.chatId).toBe(Number(DEMO.groupChat));
    expect(sent[0]!.text).toContain(`/reports/${started.reportId}`);
    expect(sent[0]!.text).toContain(`Leads: ${truth.leads}`);

    // progress reached the channel per step, without secrets
    const deadline = Date.now() + 3000;
    while (!events.some((e) => e.data.runStatus === 'succeeded') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mine = events.filter((e) => e.organizationId === tenant.id && e.topic === 'report.progress');
    for (let step = 1; step <= 8; step++) expect(mine.some((e) => e.data.step === step && e.data.status === 'succeeded'), `step ${step}`).toBe(true);
    expect(JSON.stringify(mine)).not.toMatch(new RegExp([DEMO.radistKey, DEMO.geminiKey, DEMO.botToken, 'crmhub-local'].join('|')));
  });

  it('a re-run of the same period converges on the same report: no duplicate rows, no second Telegram message', async () => {
    const { tenant } = await configuredTenant({ store: 'external' });
    const first = await startManual(tenant.id);
    await executeRun(deps(), first.runId);
    const counts = await externalCounts(first.reportId);
    const sentAfterFirst = world.telegram.store.messages.length;

    // one run per period at a time
    const again = await startRun(deps(), { organizationId: tenant.id, type: 'manual', period: WHOLE_HISTORY, timeZone: 'UTC', trigger: 'manual', requestedBy: null });
    expect(again.status).toBe('queued');
    const twice = await startRun(deps(), { organizationId: tenant.id, type: 'manual', period: WHOLE_HISTORY, timeZone: 'UTC', trigger: 'manual', requestedBy: null });
    expect(twice).toEqual({ status: 'already_running', runId: again.runId, reportId: first.reportId });

    expect(again.reportId).toBe(first.reportId);
    expect((await executeRun(deps(), again.runId)).status).toBe('succeeded');
    expect(await externalCounts(first.reportId)).toEqual(counts);
    expect(await database.current.db.select({ id: reports.id }).from(reports).where(eq(reports.organizationId, tenant.id))).toHaveLength(1);
    expect(world.telegram.store.messages.length).toBe(sentAfterFirst);
    const [notify] = await database.current.db.select().from(reportRunSteps).where(and(eq(reportRunSteps.runId, again.runId), eq(reportRunSteps.step, 8)));
    expect(notify!.detail).toMatchObject({ alreadySent: true });
    // executing a finished run again is a no-op
    expect((await executeRun(deps(), again.runId)).status).toBe('skipped');
  });

  it('a failed step is retried with back-off, then the run can be resumed from it', async () => {
    const { tenant } = await configuredTenant({ store: 'builtin' });
    const started = await startManual(tenant.id);
    world.radist.faults.set({ serverErrorRate: 1 });
    const failed = await executeRun(deps(), started.runId);
    expect(failed).toMatchObject({ status: 'failed', failedStep: 3 });
    let run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run).toMatchObject({ status: 'failed', currentStep: 3, canResume: true });
    expect(run.steps[2]).toMatchObject({ status: 'failed', attempts: 3, error: expect.stringMatching(/^Radist failed with HTTP 5\d\d\.$/) });
    expect(run.steps.slice(3).every((s) => s.status === 'pending')).toBe(true);
    expect((await reportDetail(deps(), { organizationId: tenant.id, userId: 'x' }, started.reportId)).status).toBe('failed');

    world.radist.faults.reset();
    expect(await resumeRun(deps(), tenant.id, started.runId)).toMatchObject({ status: 'queued' });
    expect((await executeRun(deps(), started.runId)).status).toBe('succeeded');
    run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run.resumes).toBe(1);
    expect(run.steps.map((s) => s.attempts)).toEqual([1, 1, 4, 1, 1, 1, 1, 1]);
    expect((await reportDetail(deps(), { organizationId: tenant.id, userId: 'x' }, started.reportId)).status).toBe('published');
  });

  it('resuming at a store step redoes its fetch step (the fetched data lived in the worker)', async () => {
    const { tenant } = await configuredTenant({ store: 'external' });
    const started = await startManual(tenant.id);
    const admin = postgres(world.external!.url, { max: 1, onnotice: () => {} });
    try {
      await admin`alter table crmhub_raw_chats rename to crmhub_raw_chats_away`;
      expect(await executeRun(deps(), started.runId)).toMatchObject({ status: 'failed', failedStep: 4 });
      const run = (await runView(database.current, tenant.id, started.runId))!;
      expect(run.steps[3]).toMatchObject({ status: 'failed', attempts: 1, error: 'Report store: The report tables are missing: apply the SQL first.' });
    } finally {
      await admin`alter table if exists crmhub_raw_chats_away rename to crmhub_raw_chats`;
      await admin.end();
    }
    await resumeRun(deps(), tenant.id, started.runId);
    expect((await executeRun(deps(), started.runId)).status).toBe('succeeded');
    const run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run.steps.map((s) => s.attempts)).toEqual([1, 1, 2, 2, 1, 1, 1, 1]);
  });

  it('a run whose worker vanished for good (no progress for hours) can be resumed', async () => {
    const { tenant } = await configuredTenant({ store: 'builtin' });
    const started = await startManual(tenant.id);
    // as if a worker died in step 3 and pg-boss gave up on the job
    await database.current.db.update(reportRuns).set({ status: 'running', currentStep: 3, startedAt: new Date(Date.now() - 5 * 3_600_000), updatedAt: new Date(Date.now() - 5 * 3_600_000) }).where(eq(reportRuns.id, started.runId));
    await database.current.db.update(reportRunSteps).set({ status: 'succeeded', attempts: 1 }).where(and(eq(reportRunSteps.runId, started.runId), lt(reportRunSteps.step, 3)));
    await database.current.db.update(reportRunSteps).set({ status: 'running', attempts: 1 }).where(and(eq(reportRunSteps.runId, started.runId), eq(reportRunSteps.step, 3)));
    expect((await runView(database.current, tenant.id, started.runId))!.canResume).toBe(true);
    await resumeRun(deps(), tenant.id, started.runId);
    expect((await executeRun(deps(), started.runId)).status).toBe('succeeded');
    expect((await runView(database.current, tenant.id, started.runId))!.steps.map((s) => s.attempts)).toEqual([1, 1, 2, 1, 1, 1, 1, 1]);
    // a live run is not taken over
    const fresh = await startManual(tenant.id, { start: WHOLE_HISTORY.start, end: new Date(WHOLE_HISTORY.end.getTime() + 1000) });
    await expect(resumeRun(deps(), tenant.id, fresh.runId)).rejects.toThrow('This run is still going.');
  });

  it('when the model fails for good, the report is published with the figures and "analysis unavailable"; resuming adds the analysis', async () => {
    const { tenant } = await configuredTenant({ store: 'builtin' });
    const started = await startManual(tenant.id);
    const sentBefore = world.telegram.store.messages.length;
    world.gemini.faults.set({ serverErrorRate: 1 });
    const outcome = await executeRun(deps(), started.runId);
    expect(outcome.status).toBe('partial');
    let run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded']);
    expect(run.steps[5]).toMatchObject({ attempts: 3, error: expect.stringMatching(/^Gemini is unavailable/) });
    let report = await reportDetail(deps(), { organizationId: tenant.id, userId: 'x' }, started.reportId);
    expect(report).toMatchObject({ status: 'published', analysis: 'unavailable', narrative: null });
    expect(report.analysisNote).toMatch(/^Analysis unavailable: Gemini is unavailable .* The figures below are computed from the data\.$/);
    expect(report.figures!.leads).toBe(oracle(WHOLE_HISTORY).leads);
    const note = world.telegram.store.messages.slice(sentBefore);
    expect(note).toHaveLength(1);
    expect(note[0]!.text).toContain('AI analysis unavailable — figures only.');

    world.gemini.faults.reset();
    await resumeRun(deps(), tenant.id, started.runId);
    expect((await executeRun(deps(), started.runId)).status).toBe('succeeded');
    run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run.steps.map((s) => s.status)).toEqual(Array(8).fill('succeeded'));
    report = await reportDetail(deps(), { organizationId: tenant.id, userId: 'x' }, started.reportId);
    expect(report).toMatchObject({ analysis: 'done', analysisNote: null });
    expect(report.narrative).toContain('SANDBOX OUTPUT');
    // the better text is sent once more (a different text, so not a duplicate)
    expect(world.telegram.store.messages.slice(sentBefore)).toHaveLength(2);
  });

  it("trims the prompt to the model's input window and says what was cut", async () => {
    const { tenant } = await configuredTenant({ store: 'builtin', model: 'sandbox-tiny' });
    const [settings] = await database.current.db.select().from(reportSettings).where(eq(reportSettings.organizationId, tenant.id));
    expect(settings!.geminiInputTokenLimit).toBe(2_048);
    const started = await startManual(tenant.id);
    expect((await executeRun(deps(), started.runId)).status).toBe('succeeded');
    const report = await reportDetail(deps(), { organizationId: tenant.id, userId: 'x' }, started.reportId);
    expect(report.trimmedNote).toMatch(/^Trimmed to fit the model: \d+ of \d+ dialogs \(\d+ of \d+ messages\) were left out to fit sandbox-tiny's input window/);
    expect(report.analysis).toBe('done');
    expect(report.tokens!.prompt).toBeLessThanOrEqual(2_048);
    const run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run.steps[4]!.detail).toMatchObject({ trimmed: true });
  });

  it('a step that hangs is stopped by its time limit and retried', async () => {
    const { tenant } = await configuredTenant({ store: 'builtin' });
    const started = await startManual(tenant.id);
    world.telegram.faults.set({ hangRequests: 1 });
    const quick = reportDeps(services, { leadSource: async () => sandboxLeadSource(world), tuning: { attempts: 2, backoffMs: 10, maxBackoffMs: 10, radistRequestsPerSecond: 200, stepTimeoutMs: { notify: 1_000 } } });
    expect((await executeRun(quick, started.runId)).status).toBe('succeeded');
    const run = (await runView(database.current, tenant.id, started.runId))!;
    expect(run.steps[7]).toMatchObject({ status: 'succeeded', attempts: 2 });
  });
});
