import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema';
import { reportQuestions } from '../../db/schema/reports';
import type { AppServices } from '../../server/app-services';
import { executeRun } from '../../server/services/reports/pipeline';
import { startRun } from '../../server/services/reports/runs';
import * as wizard from '../../server/services/reports/settings';
import { outcome } from '../support/crm';
import { useTestDatabase } from '../support/database';
import { makeTenant, makeUser } from '../support/factories';
import { DEMO, relaxLimits, reportDeps, reportsCaller, reportServices, sandboxLeadSource, startReportWorld, WHOLE_HISTORY, type ReportWorld } from '../support/reports';

/**
 * Reading a report, comments (edit and delete your own) and follow-up Q&A: the model
 * gets the previous package, its answer and the new question; two follow-ups per
 * report at most, enforced on the server even when questions race.
 */

const database = useTestDatabase();
let world: ReportWorld;
let services: AppServices;

beforeAll(async () => {
  world = await startReportWorld({ seed: 21, records: 25, latencyMs: 0 });
  services = reportServices(database.current, world);
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => relaxLimits(world));

const deps = () => reportDeps(services, { leadSource: async () => sandboxLeadSource(world) });

/** A tenant with a published report (built-in store), and a user per role. */
async function tenantWithReport(period = WHOLE_HISTORY) {
  const tenant = await makeTenant(database.current);
  const owner = await makeUser(database.current, 'owner', tenant.id);
  const viewer = await makeUser(database.current, 'viewer', tenant.id);
  const otherViewer = await makeUser(database.current, 'viewer', tenant.id);
  const sales = await makeUser(database.current, 'sales', tenant.id);
  const actor = { organizationId: tenant.id, userId: owner.id };
  await wizard.saveRadist(deps(), actor, { apiKey: DEMO.radistKey, company: DEMO.radistCompany });
  await wizard.saveAi(deps(), actor, { apiKey: DEMO.geminiKey, model: 'gemini-2.5-flash' });
  const started = await startRun(deps(), { organizationId: tenant.id, type: 'manual', period, timeZone: 'UTC', trigger: 'manual', requestedBy: owner.id });
  expect((await executeRun(deps(), started.runId)).status).toBe('succeeded');
  return { tenant, owner, viewer, otherViewer, sales, reportId: started.reportId, runId: started.runId };
}

describe('reading and discussing a report', () => {
  it('viewers read the list and the report; sales do not see reports', async () => {
    const t = await tenantWithReport();
    const { caller } = await reportsCaller(database.current, t.viewer, services);
    const list = await caller.reports.list({});
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ id: t.reportId, type: 'manual', status: 'published', commentCount: 0, runStatus: 'succeeded' });
    expect(list.items[0]!.summary).toMatch(/^Leads \d+ · dialogs \d+/);
    const report = await caller.reports.byId({ id: t.reportId });
    expect(report).toMatchObject({ status: 'published', analysis: 'done', followUpsLeft: 2, questions: [], comments: [] });
    expect(report.narrative).toContain('SANDBOX OUTPUT');
    expect(await caller.reports.list({ type: 'daily' })).toEqual({ items: [], nextCursor: null });
    expect((await caller.reports.list({ status: 'published', from: new Date(Date.UTC(2026, 9, 1)), to: new Date(Date.UTC(2026, 11, 1)) })).items).toHaveLength(1);
    const run = await caller.reports.runs.byId({ id: t.runId });
    expect(run.steps).toHaveLength(8);

    const { caller: sales } = await reportsCaller(database.current, t.sales, services);
    expect(await outcome(sales.reports.list({}))).toBe('FORBIDDEN');
    expect(await outcome(sales.reports.byId({ id: t.reportId }))).toBe('FORBIDDEN');
    expect(await outcome(caller.reports.runs.force({ type: 'daily' }))).toBe('FORBIDDEN');
    expect(await outcome(caller.reports.settings.get())).toBe('FORBIDDEN');
  });

  it('comments: anyone who reads may comment; only the author edits or deletes; every change is audited', async () => {
    const t = await tenantWithReport();
    const { caller: viewer } = await reportsCaller(database.current, t.viewer, services);
    const { caller: other } = await reportsCaller(database.current, t.otherViewer, services);
    const added = await viewer.reports.comments.add({ reportId: t.reportId, body: 'Anna should call the silent clients.' });
    await other.reports.comments.add({ reportId: t.reportId, body: 'Agreed.' });
    expect(await outcome(other.reports.comments.update({ id: added.id, body: 'hijacked' }))).toBe('FORBIDDEN');
    expect(await outcome(other.reports.comments.delete({ id: added.id }))).toBe('FORBIDDEN');
    await viewer.reports.comments.update({ id: added.id, body: 'Anna should call the silent clients today.' });
    let report = await viewer.reports.byId({ id: t.reportId });
    expect(report.comments.map((c) => [c.body, c.own, Boolean(c.editedAt)])).toEqual([
      ['Anna should call the silent clients today.', true, true],
      ['Agreed.', false, false],
    ]);
    expect((await viewer.reports.list({})).items[0]!.commentCount).toBe(2);
    await viewer.reports.comments.delete({ id: added.id });
    report = await viewer.reports.byId({ id: t.reportId });
    expect(report.comments.map((c) => c.body)).toEqual(['Agreed.']);
    const actions = (await database.current.db.select({ action: auditLog.action, outcome: auditLog.outcome }).from(auditLog).where(eq(auditLog.organizationId, t.tenant.id))).map((a) => `${a.action}:${a.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['reports.comment.add:success', 'reports.comment.update:success', 'reports.comment.delete:success', 'reports.comments.update:denied']));
  });

  it('two follow-ups, each sent with the previous package and answer; the third is refused on the server', async () => {
    const t = await tenantWithReport();
    const { caller } = await reportsCaller(database.current, t.viewer, services);
    const before = world.gemini.requests.count();
    const first = await caller.reports.ask({ reportId: t.reportId, question: 'Which manager needs help with price objections?' });
    expect(first).toMatchObject({ followUpsLeft: 1, question: { position: 1, answer: expect.stringContaining('SANDBOX OUTPUT') } });
    const second = await caller.reports.ask({ reportId: t.reportId, question: 'And who answers slowest?' });
    expect(second.followUpsLeft).toBe(0);
    expect(world.gemini.requests.count() - before).toBe(2);
    const third = caller.reports.ask({ reportId: t.reportId, question: 'One more?' });
    await expect(third).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'This report has had its 2 follow-up questions. Contact your administrator.' });
    const report = await caller.reports.byId({ id: t.reportId });
    expect(report.followUpsLeft).toBe(0);
    expect(report.questions.map((q) => [q.position, q.question, Boolean(q.answer)])).toEqual([
      [1, 'Which manager needs help with price objections?', true],
      [2, 'And who answers slowest?', true],
    ]);
    const denied = await database.current.db.select().from(auditLog).where(and(eq(auditLog.organizationId, t.tenant.id), eq(auditLog.action, 'reports.question.ask'), eq(auditLog.outcome, 'denied')));
    expect(denied).toHaveLength(1);
  });

  it('the model gets the previous package, its answer, earlier follow-ups and the new question', async () => {
    const t = await tenantWithReport();
    const { caller } = await reportsCaller(database.current, t.viewer, services);
    await caller.reports.ask({ reportId: t.reportId, question: 'First question about discounts?' });
    await caller.reports.ask({ reportId: t.reportId, question: 'Second question about silence?' });
    const [{ prompt } = { prompt: '' }] = await database.current.sql<{ prompt: string }[]>`select prompt from report_analyses where report_id = ${t.reportId} and kind = 'followup-2'`;
    const [{ prompt: reportPrompt } = { prompt: '' }] = await database.current.sql<{ prompt: string }[]>`select prompt from report_analyses where report_id = ${t.reportId} and kind = 'report'`;
    expect(prompt.startsWith(reportPrompt)).toBe(true);
    expect(prompt).toContain('=== Your previous answer ===');
    expect(prompt).toContain('=== Follow-up question 1 ===\nFirst question about discounts?');
    expect(prompt).toContain('=== New follow-up question from the head of sales ===\nSecond question about silence?');
  });

  it('questions that race cannot exceed the limit; a model failure gives the question back', async () => {
    const t = await tenantWithReport();
    const { caller } = await reportsCaller(database.current, t.viewer, services);
    world.gemini.faults.set({ serverErrorRate: 1 });
    await expect(caller.reports.ask({ reportId: t.reportId, question: 'Will this fail?' })).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    expect(await database.current.db.select().from(reportQuestions).where(eq(reportQuestions.reportId, t.reportId))).toHaveLength(0);
    world.gemini.faults.reset();
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => caller.reports.ask({ reportId: t.reportId, question: `Racing question ${i}?` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'FORBIDDEN')).toBe(true);
    const rows = await database.current.db.select({ position: reportQuestions.position }).from(reportQuestions).where(eq(reportQuestions.reportId, t.reportId));
    expect(rows.map((r) => r.position).sort()).toEqual([1, 2]);
  });

  it("another tenant's report, comment and run are not found", async () => {
    const a = await tenantWithReport();
    const b = await makeTenant(database.current);
    const bOwner = await makeUser(database.current, 'owner', b.id);
    const { caller: aViewer } = await reportsCaller(database.current, a.viewer, services);
    const comment = await aViewer.reports.comments.add({ reportId: a.reportId, body: 'mine' });
    const { caller } = await reportsCaller(database.current, bOwner, services);
    expect(await outcome(caller.reports.byId({ id: a.reportId }))).toBe('NOT_FOUND');
    expect(await outcome(caller.reports.comments.add({ reportId: a.reportId, body: 'x' }))).toBe('NOT_FOUND');
    expect(await outcome(caller.reports.comments.update({ id: comment.id, body: 'x' }))).toBe('NOT_FOUND');
    expect(await outcome(caller.reports.ask({ reportId: a.reportId, question: 'leak?' }))).toBe('NOT_FOUND');
    expect(await outcome(caller.reports.runs.byId({ id: a.runId }))).toBe('NOT_FOUND');
    expect(await outcome(caller.reports.runs.list({ reportId: a.reportId }))).toBe('NOT_FOUND');
    expect((await caller.reports.list({})).items).toEqual([]);
  });
});
