import { and, asc, count, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import { users } from '../../../db/schema';
import { reportComments, reportQuestions, reportRuns, reports } from '../../../db/schema/reports';
import { MAX_FOLLOW_UPS, type ReportStatus, type ReportType } from '../../shared/reports';
import { geminiClientOf, openReportStore, settingsOf } from './connections';
import { ReportError, type ReportDeps } from './deps';
import { describeFailure } from './failure';
import { describePeriod } from './periods';
import { typeLabel } from './pipeline';
import { budgetFor, buildFollowUp } from './prompt';

/**
 * Reading reports, comments (authors edit and delete their own) and follow-up Q&A
 * (at most two per report: the model gets the previous package, its answer, the
 * earlier follow-ups and the new question).
 */

export interface ReportListInput {
  type?: ReportType;
  status?: ReportStatus;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

export async function listReports(deps: Pick<ReportDeps, 'db'>, organizationId: string, input: ReportListInput) {
  const filters: (SQL | undefined)[] = [
    eq(reports.organizationId, organizationId),
    input.type ? eq(reports.type, input.type) : undefined,
    input.status ? eq(reports.status, input.status) : undefined,
    input.from ? gte(reports.periodEnd, input.from) : undefined,
    input.to ? lt(reports.periodStart, input.to) : undefined,
  ];
  if (input.cursor) {
    const [after] = await deps.db.select({ periodStart: reports.periodStart, id: reports.id }).from(reports).where(and(eq(reports.id, input.cursor), eq(reports.organizationId, organizationId)));
    if (after) filters.push(or(lt(reports.periodStart, after.periodStart), and(eq(reports.periodStart, after.periodStart), lt(reports.id, after.id))));
  }
  const comments = deps.db.select({ reportId: reportComments.reportId, n: count().as('n') }).from(reportComments).where(eq(reportComments.organizationId, organizationId)).groupBy(reportComments.reportId).as('c');
  const rows = await deps.db
    .select({
      id: reports.id,
      type: reports.type,
      periodStart: reports.periodStart,
      periodEnd: reports.periodEnd,
      timeZone: reports.timeZone,
      status: reports.status,
      analysis: reports.analysis,
      summary: reports.summary,
      publishedAt: reports.publishedAt,
      latestRunId: reports.latestRunId,
      runStatus: reportRuns.status,
      commentCount: sql<number>`coalesce(${comments.n}, 0)::int`,
    })
    .from(reports)
    .leftJoin(comments, eq(comments.reportId, reports.id))
    .leftJoin(reportRuns, eq(reportRuns.id, reports.latestRunId))
    .where(and(...filters))
    .orderBy(desc(reports.periodStart), desc(reports.id))
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit).map((r) => ({ ...r, title: `${typeLabel(r.type)} — ${describePeriod(r.type, { start: r.periodStart, end: r.periodEnd }, r.timeZone)}` }));
  return { items, nextCursor: rows.length > input.limit ? items.at(-1)!.id : null };
}

/** NOT_FOUND unless the report is the tenant's. */
export async function reportExists(deps: Pick<ReportDeps, 'db'>, organizationId: string, id: string): Promise<void> {
  await reportRow(deps, organizationId, id);
}

async function reportRow(deps: Pick<ReportDeps, 'db'>, organizationId: string, id: string) {
  const [row] = await deps.db.select().from(reports).where(and(eq(reports.id, id), eq(reports.organizationId, organizationId)));
  if (!row) throw new ReportError('not_found', 'Report not found.');
  return row;
}

/** A report as its page shows it: narrative (from the report store), figures, comments, Q&A. */
export async function reportDetail(deps: ReportDeps, viewer: { organizationId: string; userId: string }, id: string) {
  const report = await reportRow(deps, viewer.organizationId, id);
  let narrative: string | null = null;
  let narrativeError: string | null = null;
  if (report.status === 'published' && report.analysis === 'done') {
    try {
      const store = await openReportStore(deps, viewer.organizationId, report);
      try {
        narrative = (await store.text(report.id))?.narrative ?? null;
      } finally {
        await store.close();
      }
      if (!narrative) narrativeError = 'The narrative is missing from the report store.';
    } catch (error) {
      narrativeError = `The narrative lives in your report store, which could not be read: ${describeFailure(error).message}`;
    }
  }
  const comments = await deps.db
    .select({ id: reportComments.id, body: reportComments.body, authorId: reportComments.authorId, author: users.name, createdAt: reportComments.createdAt, editedAt: reportComments.editedAt })
    .from(reportComments)
    .leftJoin(users, eq(users.id, reportComments.authorId))
    .where(eq(reportComments.reportId, report.id))
    .orderBy(asc(reportComments.createdAt), asc(reportComments.id));
  const questions = await deps.db
    .select({ id: reportQuestions.id, position: reportQuestions.position, question: reportQuestions.question, answer: reportQuestions.answer, askedBy: users.name, createdAt: reportQuestions.createdAt, answeredAt: reportQuestions.answeredAt, promptTokens: reportQuestions.promptTokens, outputTokens: reportQuestions.outputTokens })
    .from(reportQuestions)
    .leftJoin(users, eq(users.id, reportQuestions.askedBy))
    .where(eq(reportQuestions.reportId, report.id))
    .orderBy(asc(reportQuestions.position));
  const [run] = report.latestRunId
    ? await deps.db.select({ id: reportRuns.id, status: reportRuns.status, currentStep: reportRuns.currentStep, error: reportRuns.error, finishedAt: reportRuns.finishedAt }).from(reportRuns).where(eq(reportRuns.id, report.latestRunId))
    : [];
  return {
    id: report.id,
    title: `${typeLabel(report.type)} sales report — ${describePeriod(report.type, { start: report.periodStart, end: report.periodEnd }, report.timeZone)}`,
    type: report.type,
    periodStart: report.periodStart,
    periodEnd: report.periodEnd,
    timeZone: report.timeZone,
    status: report.status,
    analysis: report.analysis,
    analysisNote: report.analysisNote,
    summary: report.summary,
    figures: report.figures,
    trimmedNote: report.trimmedNote,
    model: report.model,
    promptVersion: report.promptVersion,
    tokens: report.promptTokens === null ? null : { prompt: report.promptTokens, output: report.outputTokens },
    storeKind: report.storeKind,
    publishedAt: report.publishedAt,
    notifiedAt: report.notifiedAt,
    narrative,
    narrativeError,
    latestRun: run ?? null,
    comments: comments.map((c) => ({ ...c, own: c.authorId === viewer.userId })),
    questions,
    followUpsLeft: Math.max(0, MAX_FOLLOW_UPS - questions.length),
  };
}

// ---------------------------------------------------------------- comments

export async function addComment(deps: Pick<ReportDeps, 'db'>, actor: { organizationId: string; userId: string }, input: { reportId: string; body: string }) {
  const report = await reportRow(deps, actor.organizationId, input.reportId);
  const [comment] = await deps.db.insert(reportComments).values({ organizationId: actor.organizationId, reportId: report.id, authorId: actor.userId, body: input.body.trim() }).returning();
  return comment!;
}

async function ownComment(deps: Pick<ReportDeps, 'db'>, actor: { organizationId: string; userId: string }, id: string) {
  const [comment] = await deps.db.select().from(reportComments).where(and(eq(reportComments.id, id), eq(reportComments.organizationId, actor.organizationId)));
  if (!comment) throw new ReportError('not_found', 'Comment not found.');
  if (comment.authorId !== actor.userId) throw new ReportError('forbidden', 'You can edit and delete only your own comments.');
  return comment;
}

export async function updateComment(deps: Pick<ReportDeps, 'db'>, actor: { organizationId: string; userId: string }, input: { id: string; body: string }) {
  const comment = await ownComment(deps, actor, input.id);
  const [updated] = await deps.db.update(reportComments).set({ body: input.body.trim(), editedAt: new Date(), updatedAt: new Date() }).where(eq(reportComments.id, comment.id)).returning();
  return { comment: updated!, before: comment.body };
}

export async function deleteComment(deps: Pick<ReportDeps, 'db'>, actor: { organizationId: string; userId: string }, id: string) {
  const comment = await ownComment(deps, actor, id);
  await deps.db.delete(reportComments).where(eq(reportComments.id, comment.id));
  return comment;
}

// ---------------------------------------------------------------- follow-up questions

/**
 * Asks a follow-up. The slot (position 1 or 2) is taken under the report's row lock
 * and committed before the model is called, so two concurrent questions can never
 * both become "the second"; the unique (report, position) and the 1..2 check back
 * that up in the schema. If the model fails, the slot is given back.
 */
export async function askFollowUp(deps: ReportDeps, actor: { organizationId: string; userId: string }, input: { reportId: string; question: string }) {
  const report = await reportRow(deps, actor.organizationId, input.reportId);
  if (report.status !== 'published') throw new ReportError('precondition', 'Questions can be asked once the report is published.');
  const slot = await deps.db.transaction(async (tx) => {
    await tx.select({ id: reports.id }).from(reports).where(eq(reports.id, report.id)).for('update');
    const [used] = await tx.select({ n: count() }).from(reportQuestions).where(eq(reportQuestions.reportId, report.id));
    const position = (used?.n ?? 0) + 1;
    if (position > MAX_FOLLOW_UPS) throw new ReportError('limit', `This report has had its ${MAX_FOLLOW_UPS} follow-up questions. Contact your administrator.`);
    const [row] = await tx.insert(reportQuestions).values({ organizationId: actor.organizationId, reportId: report.id, position, question: input.question.trim(), askedBy: actor.userId }).returning();
    return row!;
  });
  try {
    const settings = await settingsOf(deps, actor.organizationId);
    if (!settings?.geminiModel) throw new ReportError('precondition', 'No AI model is set up (Settings → Reports → AI).');
    const store = await openReportStore(deps, actor.organizationId, report);
    let pkg;
    try {
      pkg = await store.analysis(report.id, 'report');
    } finally {
      await store.close();
    }
    if (!pkg) throw new ReportError('precondition', 'This report has no analysis package to ask about.');
    const earlier = await deps.db
      .select({ question: reportQuestions.question, answer: reportQuestions.answer })
      .from(reportQuestions)
      .where(and(eq(reportQuestions.reportId, report.id), lt(reportQuestions.position, slot.position)))
      .orderBy(asc(reportQuestions.position));
    const followUp = buildFollowUp({ previousPrompt: pkg.prompt, previousAnswer: pkg.answer, earlier, question: slot.question, budgetTokens: budgetFor(settings.geminiInputTokenLimit) });
    const gemini = await geminiClientOf(deps, actor.organizationId, settings, { attempts: 2 });
    const answer = await gemini.generate({ model: settings.geminiModel, prompt: followUp.text, maxOutputTokens: Math.min(settings.geminiOutputTokenLimit ?? 4096, 4096) });
    const [saved] = await deps.db
      .update(reportQuestions)
      .set({ answer: answer.text, model: settings.geminiModel, promptTokens: answer.usage.promptTokens, outputTokens: answer.usage.outputTokens, answeredAt: new Date() })
      .where(eq(reportQuestions.id, slot.id))
      .returning();
    // the follow-up's package and answer go to the report store too, next to the report's own
    const again = await openReportStore(deps, actor.organizationId, report);
    try {
      await again.putAnalysis(report.id, `followup-${slot.position}`, { prompt: followUp.text, model: settings.geminiModel, answer: answer.text, promptTokens: answer.usage.promptTokens, outputTokens: answer.usage.outputTokens, trimmedNote: followUp.trimmed ? 'The previous package was cut to fit the model window.' : null });
    } catch (error) {
      deps.log?.(`[reports] follow-up ${slot.id} not copied to the report store: ${describeFailure(error).message}`);
    } finally {
      await again.close();
    }
    return { question: saved!, followUpsLeft: MAX_FOLLOW_UPS - slot.position, trimmed: followUp.trimmed };
  } catch (error) {
    await deps.db.delete(reportQuestions).where(eq(reportQuestions.id, slot.id));
    if (error instanceof ReportError) throw error;
    throw new ReportError('provider', `The model could not answer: ${describeFailure(error).message} The question was not counted.`);
  }
}
