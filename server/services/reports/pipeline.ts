import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { reportPrompts, reportRuns, reportRunSteps, reports } from '../../../db/schema/reports';
import { phoneKey, type ContactChats } from '../../providers/radist/client';
import { pipelineSteps, type ReportFigures, type StepKey } from '../../shared/reports';
import { ReportError, tuningOf, type ReportDeps } from './deps';
import { describeFailure, scrub, StepTimeout } from './failure';
import { assembleDialogs, computeFigures, figuresLine } from './figures';
import { geminiClientOf, leadSourceOf, openReportStore, radistClientOf, SECRET_NAMES, secretOf, settingsOf, telegramClientOf, type SettingsRow } from './connections';
import type { PeriodLead } from './lead-source';
import { describePeriod } from './periods';
import { budgetFor, buildPrompt, DEFAULT_PROMPT, type BuiltPrompt } from './prompt';
import { publishRunProgress } from './runs';
import type { RawChatRow, RawMessageRow, ReportStore } from './store';
import { publicOrigin } from '../../config/public-url';

/**
 * The report pipeline (DESIGN §5): eight persisted steps, run by the `report-run` job.
 *
 *   1 fetch Kommo leads updated in the period (with contacts and phones)
 *   2 store them raw                     — replace by (report, lead id)
 *   3 fetch Radist chats and messages for those phones (read back from the store)
 *   4 store them raw                     — replace by (report, chat id[, message id])
 *   5 compute our figures and build the prompt (trimmed to the model window, with a note)
 *   6 AI analysis                        — the package and answer stored by (report, 'report')
 *   7 publish the report and its summary — upsert by report id
 *   8 notify Telegram                    — skipped when the same text was already sent
 *
 * Each step is idempotent by those natural keys, retried with back-off, bounded by a
 * time limit, and persisted (status, attempts, timings, plain error) with a progress
 * event. A run resumes at its first unfinished step. If the analysis fails for good,
 * the report is still published with the figures and an "analysis unavailable" note.
 */

interface RunContext {
  deps: ReportDeps;
  runId: string;
  organizationId: string;
  report: typeof reports.$inferSelect;
  store: ReportStore | null;
  /** Step 1's result, kept in memory for step 2. */
  leads?: PeriodLead[];
  /** Step 3's result, kept in memory for step 4. */
  dialogs?: { chats: RawChatRow[]; messages: RawMessageRow[] };
  /** Why step 6 failed, when it did. */
  analysisFailure?: string;
}

type StepResult = Record<string, unknown> & { skipped?: string };
type StepFn = (ctx: RunContext, signal: AbortSignal) => Promise<StepResult>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function settingsFor(ctx: RunContext): Promise<SettingsRow> {
  const settings = await settingsOf(ctx.deps, ctx.organizationId);
  if (!settings) throw new ReportError('precondition', 'Reports are not set up for this workspace (Settings → Reports).');
  return settings;
}

async function storeFor(ctx: RunContext): Promise<ReportStore> {
  if (!ctx.store) ctx.store = await openReportStore(ctx.deps, ctx.organizationId, { storeKind: ctx.report.storeKind });
  return ctx.store;
}

const period = (ctx: RunContext) => ({ start: ctx.report.periodStart, end: ctx.report.periodEnd });

// ---------------------------------------------------------------- the steps

const fetchLeads: StepFn = async (ctx, signal) => {
  const source = await leadSourceOf(ctx.deps, ctx.organizationId);
  const leads = await source.leadsUpdatedBetween(ctx.report.periodStart, ctx.report.periodEnd, signal);
  ctx.leads = leads;
  return { leads: leads.length, withPhones: leads.filter((l) => l.contacts.some((c) => c.phones.length)).length, contacts: new Set(leads.flatMap((l) => l.contacts.map((c) => c.id))).size };
};

const storeLeads: StepFn = async (ctx) => {
  if (!ctx.leads) throw new ReportError('unavailable', 'The fetched leads were lost; the fetch step runs again.');
  const store = await storeFor(ctx);
  const result = await store.replaceLeads(ctx.report.id, ctx.leads);
  return { stored: result.stored, removed: result.removed, store: store.kind };
};

const fetchDialogs: StepFn = async (ctx, signal) => {
  const store = await storeFor(ctx);
  const leads = await store.leads(ctx.report.id);
  const leadsByPhone = new Map<string, number[]>();
  for (const lead of leads) for (const contact of lead.contacts) for (const p of contact.phones) {
    const key = phoneKey(p);
    if (key) leadsByPhone.set(key, [...new Set([...(leadsByPhone.get(key) ?? []), lead.id])]);
  }
  if (!leadsByPhone.size) {
    ctx.dialogs = { chats: [], messages: [] };
    return { phones: 0, contacts: 0, chats: 0, messages: 0, requests: 0 };
  }
  const settings = await settingsFor(ctx);
  const radist = await radistClientOf(ctx.deps, ctx.organizationId, settings);
  const found = await radist.chatsForPhones([...leadsByPhone.keys()], { activeSince: ctx.report.periodStart, signal });
  const contacts = new Map<number, ContactChats>();
  for (const list of found.values()) for (const c of list) contacts.set(c.contactId, c);
  const chats: RawChatRow[] = [];
  for (const contact of contacts.values()) {
    const leadIds = [...new Set(contact.phones.flatMap((p) => leadsByPhone.get(phoneKey(p) ?? '') ?? []))];
    for (const chat of contact.chats) {
      chats.push({ chatId: chat.chat_id, contactId: contact.contactId, leadIds, phone: chat.phone ?? null, source: chat.source ?? null, payload: { ...chat, contactName: contact.contactName } });
    }
  }
  // messages of the period, a few chats at a time (the client paces the requests)
  const messages: RawMessageRow[] = [];
  const queue = [...chats];
  const until = new Date(ctx.report.periodEnd.getTime() - 1);
  const worker = async () => {
    for (let chat = queue.shift(); chat; chat = queue.shift()) {
      const list = await radist.messages(chat.chatId, { since: ctx.report.periodStart, until, signal });
      for (const m of list) {
        messages.push({
          chatId: chat.chatId,
          messageId: m.message_id,
          createdAt: new Date(m.created_at),
          direction: m.direction ?? null,
          sender: m.sender?.name ?? null,
          text: m.text?.text ?? null,
          payload: m as Record<string, unknown>,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, tuningOf(ctx.deps).radistConcurrency) }, worker));
  ctx.dialogs = { chats, messages };
  return { phones: leadsByPhone.size, contacts: contacts.size, chats: chats.length, messages: messages.length, requests: radist.calls };
};

const storeDialogs: StepFn = async (ctx) => {
  if (!ctx.dialogs) throw new ReportError('unavailable', 'The fetched dialogs were lost; the fetch step runs again.');
  const store = await storeFor(ctx);
  const result = await store.replaceDialogs(ctx.report.id, ctx.dialogs.chats, ctx.dialogs.messages);
  return { chats: result.chats, messages: result.messages, removed: result.removed };
};

async function currentPrompt(deps: ReportDeps, organizationId: string): Promise<{ body: string; version: number | null }> {
  const [row] = await deps.db.select({ body: reportPrompts.body, version: reportPrompts.version }).from(reportPrompts).where(eq(reportPrompts.organizationId, organizationId)).orderBy(desc(reportPrompts.version)).limit(1);
  return row ?? { body: DEFAULT_PROMPT, version: null };
}

const buildPromptStep: StepFn = async (ctx, signal) => {
  const store = await storeFor(ctx);
  const [leads, chats, messages] = await Promise.all([store.leads(ctx.report.id), store.chats(ctx.report.id), store.messages(ctx.report.id)]);
  const dialogs = assembleDialogs(leads, chats, messages);
  const figures = computeFigures({ leads, dialogs, period: period(ctx), timeZone: ctx.report.timeZone });
  const settings = await settingsFor(ctx);
  const prompt = await currentPrompt(ctx.deps, ctx.organizationId);
  const model = settings.geminiModel ?? null;
  let budget = budgetFor(settings.geminiInputTokenLimit);
  const build = () => buildPrompt({ tenantPrompt: prompt.body, type: ctx.report.type, period: period(ctx), timeZone: ctx.report.timeZone, dialogs, figures, budgetTokens: budget, modelLabel: model ?? 'the model' });
  let built: BuiltPrompt;
  try {
    built = build();
  } catch (error) {
    throw new ReportError('precondition', (error as Error).message);
  }
  // the estimate errs on the safe side; when the model can count, make sure
  let counted: number | null = null;
  if (model && (await secretOf(ctx.deps, ctx.organizationId, SECRET_NAMES.geminiKey))) {
    try {
      const gemini = await geminiClientOf(ctx.deps, ctx.organizationId, settings);
      for (let i = 0; i < 3; i++) {
        counted = await gemini.countTokens(model, built.text, signal);
        if (counted <= budget) break;
        budget = Math.floor((budget * budget) / counted) - 64;
        built = build();
      }
    } catch (error) {
      if (signal.aborted) throw error;
      counted = null; // counting is a refinement; the analysis step reports a real failure
    }
  }
  await store.putAnalysis(ctx.report.id, 'report', { prompt: built.text, trimmedNote: built.trimmedNote, model, answer: null, promptTokens: null, outputTokens: null });
  await ctx.deps.db
    .update(reports)
    .set({ figures, trimmedNote: built.trimmedNote, promptVersion: prompt.version, model, summary: figuresLine(figures), analysis: 'pending', analysisNote: null, updatedAt: new Date() })
    .where(eq(reports.id, ctx.report.id));
  return { dialogs: built.total.dialogs, messages: built.total.messages, includedDialogs: built.included.dialogs, estimatedTokens: built.estimatedTokens, countedTokens: counted, trimmed: Boolean(built.trimmedNote) };
};

const analyse: StepFn = async (ctx, signal) => {
  const store = await storeFor(ctx);
  const analysis = await store.analysis(ctx.report.id, 'report');
  if (!analysis) throw new ReportError('unavailable', 'The prompt is missing; the prompt step runs again.');
  const settings = await settingsFor(ctx);
  if (!settings.geminiModel) throw new ReportError('precondition', 'No AI model is chosen (Settings → Reports → AI).');
  const gemini = await geminiClientOf(ctx.deps, ctx.organizationId, settings);
  const answer = await gemini.generate({ model: settings.geminiModel, prompt: analysis.prompt, maxOutputTokens: Math.min(settings.geminiOutputTokenLimit ?? 8192, 8192), signal });
  await store.answerAnalysis(ctx.report.id, 'report', { model: settings.geminiModel, answer: answer.text, promptTokens: answer.usage.promptTokens, outputTokens: answer.usage.outputTokens });
  await ctx.deps.db
    .update(reports)
    .set({ analysis: 'done', analysisNote: null, model: settings.geminiModel, promptTokens: answer.usage.promptTokens, outputTokens: answer.usage.outputTokens, updatedAt: new Date() })
    .where(eq(reports.id, ctx.report.id));
  return { model: settings.geminiModel, promptTokens: answer.usage.promptTokens, outputTokens: answer.usage.outputTokens, finishReason: answer.finishReason };
};

/** The narrative's "Summary" section (or its opening), without Markdown, at most ~400 characters. */
export function summaryOf(narrative: string): string {
  const lines = narrative.split(/\r?\n/);
  const at = lines.findIndex((l) => /^#{1,6}\s*(summary|итог|резюме)/i.test(l.trim()));
  const body: string[] = [];
  for (const line of at >= 0 ? lines.slice(at + 1) : lines) {
    if (at >= 0 && /^#{1,6}\s/.test(line.trim())) break;
    const clean = line.replace(/[*_`>#|]/g, '').replace(/^\s*[-•]\s*/, '').trim();
    if (clean && !/SANDBOX OUTPUT/i.test(clean)) body.push(clean);
    if (body.join(' ').length > 400) break;
  }
  const text = body.join(' ');
  return text.length > 400 ? `${text.slice(0, 397)}…` : text;
}

export const typeLabel = (type: string) => `${type.charAt(0).toUpperCase()}${type.slice(1)}`;

const publish: StepFn = async (ctx) => {
  const store = await storeFor(ctx);
  const [analysis, [row]] = await Promise.all([store.analysis(ctx.report.id, 'report'), ctx.deps.db.select({ figures: reports.figures }).from(reports).where(eq(reports.id, ctx.report.id))]);
  const figures = row?.figures as ReportFigures | null;
  if (!figures) throw new ReportError('unavailable', 'The figures are missing; the prompt step runs again.');
  const narrative = analysis?.answer ?? null;
  const title = `${typeLabel(ctx.report.type)} sales report — ${describePeriod(ctx.report.type, period(ctx), ctx.report.timeZone)}`;
  await store.putText(ctx.report.id, { title, narrative, figures });
  const note = narrative ? null : `Analysis unavailable: ${ctx.analysisFailure ?? 'the model gave no answer'} The figures below are computed from the data.`;
  const summary = [figuresLine(figures), narrative ? summaryOf(narrative) : 'Analysis unavailable — figures only.'].filter(Boolean).join('\n');
  await ctx.deps.db
    .update(reports)
    .set({ status: 'published', analysis: narrative ? 'done' : 'unavailable', analysisNote: note, summary, publishedAt: new Date(), updatedAt: new Date() })
    .where(eq(reports.id, ctx.report.id));
  return { title, narrative: Boolean(narrative), store: store.kind };
};

export function appUrlOf(deps: Pick<ReportDeps, 'env'>): string {
  return publicOrigin(deps.env) ?? '';
}

/** The Telegram message: title, figures, the summary, the link. */
export function telegramText(input: { type: string; period: { start: Date; end: Date }; timeZone: string; summary: string | null; figures: ReportFigures; analysisUnavailable: boolean; url: string }): string {
  const f = input.figures;
  const lines = [
    `${typeLabel(input.type)} sales report — ${describePeriod(input.type, input.period, input.timeZone)}`,
    '',
    `Leads: ${f.leads} (without dialogs: ${f.leadsWithoutDialogsCount})`,
    `Dialogs: ${f.dialogs}, messages: ${f.messages.total}, unanswered chats: ${f.unansweredChats}`,
    `Median reply: ${f.responseMinutes.median === null ? '—' : `${Math.round(f.responseMinutes.median)} min`}`,
    ...f.perManager.slice(0, 8).map((m) => `• ${m.manager}: ${m.dialogs} dialogs, ${m.unanswered} unanswered`),
    '',
    input.analysisUnavailable ? 'AI analysis unavailable — figures only.' : (input.summary?.split('\n').slice(1).join(' ') ?? ''),
    '',
    `Open the report: ${input.url}`,
  ];
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

const notify: StepFn = async (ctx, signal) => {
  const settings = await settingsFor(ctx);
  if (!settings.telegramChatId || !(await secretOf(ctx.deps, ctx.organizationId, SECRET_NAMES.telegramToken))) return { skipped: 'Telegram is not set up.' };
  const [report] = await ctx.deps.db.select().from(reports).where(eq(reports.id, ctx.report.id));
  if (!report?.figures) throw new ReportError('unavailable', 'The report is not published yet.');
  const base = appUrlOf(ctx.deps);
  const url = `${base}/reports/${report.id}`;
  const text = telegramText({ type: report.type, period: { start: report.periodStart, end: report.periodEnd }, timeZone: report.timeZone, summary: report.summary, figures: report.figures, analysisUnavailable: report.analysis !== 'done', url });
  const hash = createHash('sha256').update(`${settings.telegramChatId}\n${text}`).digest('hex');
  if (report.notifiedHash === hash) return { alreadySent: true, messages: report.telegramMessageIds?.length ?? 0 };
  const telegram = await telegramClientOf(ctx.deps, ctx.organizationId, settings);
  const sent = await telegram.sendMessage(settings.telegramChatId, text, { signal });
  await ctx.deps.db.update(reports).set({ notifiedAt: new Date(), notifiedHash: hash, telegramMessageIds: sent.messageIds, updatedAt: new Date() }).where(eq(reports.id, report.id));
  return { messages: sent.messageIds.length, characters: text.length };
};

const STEPS: Record<StepKey, StepFn> = {
  fetch_leads: fetchLeads,
  store_leads: storeLeads,
  fetch_dialogs: fetchDialogs,
  store_dialogs: storeDialogs,
  build_prompt: buildPromptStep,
  analyse,
  publish,
  notify,
};

// ---------------------------------------------------------------- running them

async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new StepTimeout(ms)), ms);
  try {
    return await Promise.race([
      fn(controller.signal),
      new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function secretsOf(deps: ReportDeps, organizationId: string): Promise<string[]> {
  const values = await Promise.all(Object.values(SECRET_NAMES).map((name) => secretOf(deps, organizationId, name).catch(() => null)));
  return values.filter((v): v is string => Boolean(v));
}

/** One step with its tries; returns the plain error when it failed for good. */
async function runStep(ctx: RunContext, step: number): Promise<{ ok: true } | { ok: false; error: string }> {
  const { deps } = ctx;
  const tuning = tuningOf(deps);
  const key = pipelineSteps[step - 1]!.key;
  const where = and(eq(reportRunSteps.runId, ctx.runId), eq(reportRunSteps.step, step));
  for (let attempt = 1; ; attempt++) {
    const startedAt = new Date();
    const [row] = await deps.db
      .update(reportRunSteps)
      .set({ status: 'running', attempts: sql`${reportRunSteps.attempts} + 1`, startedAt, finishedAt: null, error: null })
      .where(where)
      .returning({ attempts: reportRunSteps.attempts });
    await deps.db.update(reportRuns).set({ currentStep: step, updatedAt: new Date() }).where(eq(reportRuns.id, ctx.runId));
    await publishRunProgress(deps, ctx.organizationId, { runId: ctx.runId, reportId: ctx.report.id, step, key, status: 'running', attempts: row?.attempts ?? attempt, runStatus: 'running' });
    try {
      const result = await withTimeout(tuning.stepTimeoutMs[key] ?? 600_000, (signal) => STEPS[key](ctx, signal));
      const { skipped, ...detail } = result;
      const finishedAt = new Date();
      const status = skipped ? ('skipped' as const) : ('succeeded' as const);
      await deps.db
        .update(reportRunSteps)
        .set({ status, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), detail: skipped ? { reason: skipped } : detail, error: null })
        .where(where);
      await publishRunProgress(deps, ctx.organizationId, { runId: ctx.runId, reportId: ctx.report.id, step, key, status, attempts: row?.attempts ?? attempt, runStatus: 'running', durationMs: finishedAt.getTime() - startedAt.getTime() });
      return { ok: true };
    } catch (error) {
      const failure = describeFailure(error);
      if (!failure.expected) deps.log?.(`[reports] run ${ctx.runId} step ${key}: ${scrub(error instanceof Error ? `${error.name}: ${error.message}` : String(error), await secretsOf(deps, ctx.organizationId))}`);
      const finishedAt = new Date();
      const last = !failure.retryable || attempt >= tuning.attempts;
      await deps.db
        .update(reportRunSteps)
        .set({ status: last ? 'failed' : 'pending', finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), error: last ? failure.message : `Try ${attempt} failed: ${failure.message} Trying again…` })
        .where(where);
      await publishRunProgress(deps, ctx.organizationId, { runId: ctx.runId, reportId: ctx.report.id, step, key, status: last ? 'failed' : 'retrying', attempts: row?.attempts ?? attempt, runStatus: 'running' });
      if (last) return { ok: false, error: failure.message };
      const wait = Math.min(tuning.maxBackoffMs, Math.max(tuning.backoffMs * 2 ** (attempt - 1), failure.retryAfterMs ?? 0));
      await sleep(wait);
    }
  }
}

export type RunOutcome = { status: 'succeeded' | 'partial' | 'failed'; runId: string; failedStep?: number; error?: string } | { status: 'skipped'; runId: string; reason: string };

/**
 * Executes a queued (or interrupted) run from its first unfinished step. Safe to call
 * twice: a session advisory lock keeps a second worker off the same run.
 */
export async function executeRun(deps: ReportDeps, runId: string, options: { jobId?: string } = {}): Promise<RunOutcome> {
  const reserved = await deps.sql.reserve();
  try {
    const [lock] = await reserved<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${`report-run:${runId}`})) as ok`;
    if (!lock?.ok) return { status: 'skipped', runId, reason: 'another worker holds this run' };
    try {
      return await execute(deps, runId, options);
    } finally {
      await reserved`select pg_advisory_unlock(hashtext(${`report-run:${runId}`}))`;
    }
  } finally {
    reserved.release();
  }
}

async function execute(deps: ReportDeps, runId: string, options: { jobId?: string }): Promise<RunOutcome> {
  const [run] = await deps.db.select().from(reportRuns).where(eq(reportRuns.id, runId));
  if (!run) return { status: 'skipped', runId, reason: 'no such run' };
  if (run.status !== 'queued' && run.status !== 'running') return { status: 'skipped', runId, reason: `run is ${run.status}` };
  const [report] = await deps.db.select().from(reports).where(eq(reports.id, run.reportId));
  if (!report) return { status: 'skipped', runId, reason: 'report gone' };
  const settings = await settingsOf(deps, run.organizationId);
  // a run keeps the store it started with; a new run of the period follows the current setting
  if (run.status === 'queued' && !run.startedAt && settings && settings.storeKind !== report.storeKind) {
    await deps.db.update(reports).set({ storeKind: settings.storeKind }).where(eq(reports.id, report.id));
    report.storeKind = settings.storeKind;
  }
  await deps.db
    .update(reportRuns)
    .set({ status: 'running', startedAt: run.startedAt ?? new Date(), ...(options.jobId ? { jobId: options.jobId } : {}), updatedAt: new Date() })
    .where(eq(reportRuns.id, runId));
  await publishRunProgress(deps, run.organizationId, { runId, reportId: report.id, runStatus: 'running' });

  const steps = await deps.db.select().from(reportRunSteps).where(eq(reportRunSteps.runId, runId)).orderBy(reportRunSteps.step);
  let from = steps.find((s) => s.status !== 'succeeded' && s.status !== 'skipped')?.step ?? pipelineSteps.length + 1;
  // a store step needs its fetch step's result, which lived only in the previous worker's memory
  if (from === 2 || from === 4) from -= 1;
  const ctx: RunContext = { deps, runId, organizationId: run.organizationId, report, store: null };
  // a resumed run after the analysis failed for good: remember it for the publish step
  if (from > 6 && steps[5]?.status === 'failed') ctx.analysisFailure = steps[5].error ?? undefined;
  try {
    for (let step = from; step <= pipelineSteps.length; step++) {
      const result = await runStep(ctx, step);
      if (result.ok) continue;
      if (step === 6) {
        // the model failed for good: publish the figures with a clear note
        ctx.analysisFailure = result.error;
        continue;
      }
      return await finish(deps, ctx, 'failed', step, result.error);
    }
    return await finish(deps, ctx, ctx.analysisFailure ? 'partial' : 'succeeded', null, null);
  } finally {
    await ctx.store?.close().catch(() => {});
  }
}

async function finish(deps: ReportDeps, ctx: RunContext, status: 'succeeded' | 'partial' | 'failed', failedStep: number | null, error: string | null): Promise<RunOutcome> {
  await deps.db
    .update(reportRuns)
    .set({ status, error: error ?? (status === 'partial' ? `Analysis unavailable: ${ctx.analysisFailure}` : null), finishedAt: new Date(), ...(failedStep ? { currentStep: failedStep } : {}), updatedAt: new Date() })
    .where(eq(reportRuns.id, ctx.runId));
  if (status === 'failed') {
    await deps.db
      .update(reports)
      .set({ status: sql`case when ${reports.status} = 'published' then 'published'::report_status else 'failed'::report_status end`, updatedAt: new Date() })
      .where(eq(reports.id, ctx.report.id));
  }
  await publishRunProgress(deps, ctx.organizationId, { runId: ctx.runId, reportId: ctx.report.id, runStatus: status, ...(failedStep ? { step: failedStep } : {}) });
  deps.log?.(`[reports] run ${ctx.runId}: ${status}${failedStep ? ` at step ${failedStep}` : ''}`);
  return { status, runId: ctx.runId, ...(failedStep ? { failedStep } : {}), ...(error ? { error } : {}) };
}

