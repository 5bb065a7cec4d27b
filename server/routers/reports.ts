import { TRPCError } from '@trpc/server';
import { z, ZodRealError } from 'zod';
import type { TenantPermission } from '../security/rbac';
import { reportSchedules, reportStatuses, reportTypes, scheduledReportTypes } from '../shared/reports';
import { ReportError, type ReportDeps } from '../services/reports/deps';
import { settingsOf } from '../services/reports/connections';
import { latestCompletePeriod, periodContaining, zonedInstant } from '../services/reports/periods';
import { addComment, askFollowUp, deleteComment, listReports, reportDetail, reportExists, updateComment } from '../services/reports/reports';
import { listRuns, organizationZone, resumeRun, runView, startRun } from '../services/reports/runs';
import * as wizard from '../services/reports/settings';
import { middleware, notFound, router, tenantProcedure, type Context } from '../trpc';

/**
 * AI sales reports (issue 7, decision 008): the reports list and page, comments,
 * follow-up questions, forcing and resuming runs, and the six-step settings wizard.
 * Permissions: reports.read / reports.discuss (viewer and up), reports.run (managers
 * and up), reports.settings (owner, admin). Answers never carry a secret: saved ones
 * come back as "••••".
 */

const withReportErrors = middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof ReportError) {
    switch (cause.kind) {
      case 'not_found':
        throw new TRPCError({ code: 'NOT_FOUND', message: cause.message });
      case 'forbidden':
        throw new TRPCError({ code: 'FORBIDDEN', message: cause.message });
      case 'conflict':
        throw new TRPCError({ code: 'CONFLICT', message: cause.message });
      case 'limit':
        throw new TRPCError({ code: 'FORBIDDEN', message: cause.message });
      case 'precondition':
      case 'unavailable':
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: cause.message });
      case 'provider':
        throw new TRPCError({ code: 'BAD_GATEWAY', message: cause.message });
      case 'invalid': {
        const issues = Object.entries(cause.fieldErrors).flatMap(([field, messages]) => messages.map((message) => ({ code: 'custom' as const, path: [field], message, input: undefined })));
        throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause: issues.length ? new ZodRealError(issues) : undefined });
      }
    }
  }
  // database and provider internals stay in the cause
  if (result.error.code === 'INTERNAL_SERVER_ERROR') throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The reports service could not complete that request.', cause });
  return result;
});

const reportProcedure = (permission: TenantPermission) => tenantProcedure(permission).use(withReportErrors);

const depsOf = (ctx: Context): ReportDeps => ({
  db: ctx.db,
  sql: ctx.app.sql,
  keyring: ctx.app.keyring,
  env: ctx.app.env,
  boss: ctx.app.boss,
  sandboxes: ctx.app.sandboxes,
  log: (line) => console.log(line),
});
const actorOf = (ctx: { tenant: { organizationId: string }; user: { id: string } }) => ({ organizationId: ctx.tenant.organizationId, userId: ctx.user.id });

const id = z.string().uuid();
const secret = (max: number) => z.string().trim().min(1).max(max).optional();

// ---------------------------------------------------------------- settings wizard

const settingsRouter = router({
  get: reportProcedure('reports.settings').query(({ ctx }) => wizard.settingsView(depsOf(ctx), ctx.tenant.organizationId)),

  saveStore: reportProcedure('reports.settings')
    .input(z.object({ kind: z.enum(['builtin', 'external']), postgresUrl: secret(2000) }))
    .mutation(async ({ ctx, input }) => {
      const result = await wizard.saveStore(depsOf(ctx), actorOf(ctx), input);
      await ctx.audit({ action: 'reports.settings.store.save', targetType: 'report_settings', targetId: ctx.tenant.organizationId, details: { kind: input.kind, updated: result.urlChanged ? ['connection string'] : [] } });
      return { changed: result.changed, check: result.check };
    }),
  checkStore: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.checkStore(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.store.check', targetType: 'report_settings', targetId: ctx.tenant.organizationId, details: { light: result.check.light } });
    return result;
  }),
  applyStore: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.applyStore(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.store.apply', targetType: 'report_settings', targetId: ctx.tenant.organizationId, details: { light: result.check.light, applied: result.applied } });
    return result;
  }),

  checkKommo: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.checkKommo(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.kommo.check', details: { light: result.check.light } });
    return result;
  }),
  testKommo: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.testKommo(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.kommo.test', details: { light: result.check.light, leads: result.leads.length } });
    return result;
  }),

  saveRadist: reportProcedure('reports.settings')
    .input(z.object({ apiKey: secret(500), company: z.number().int().positive() }))
    .mutation(async ({ ctx, input }) => {
      const result = await wizard.saveRadist(depsOf(ctx), actorOf(ctx), input);
      await ctx.audit({ action: 'reports.settings.radist.save', targetType: 'report_settings', targetId: ctx.tenant.organizationId, details: { company: input.company, updated: input.apiKey ? ['api key'] : [] } });
      return result;
    }),
  checkRadist: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.checkRadist(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.radist.check', details: { light: result.check.light } });
    return result;
  }),
  testRadist: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.testRadist(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.radist.test', details: { light: result.check.light, wouldStore: result.wouldStore } });
    return result;
  }),
  writeRadist: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.writeRadist(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.radist.write', details: { light: result.check.light, rows: result.rows, store: result.store } });
    return result;
  }),

  saveAi: reportProcedure('reports.settings')
    .input(z.object({ apiKey: secret(500), model: z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9._/-]+$/).nullable().optional() }))
    .mutation(async ({ ctx, input }) => {
      const result = await wizard.saveAi(depsOf(ctx), actorOf(ctx), input);
      await ctx.audit({ action: 'reports.settings.ai.save', targetType: 'report_settings', targetId: ctx.tenant.organizationId, details: { model: input.model ?? null, updated: input.apiKey ? ['api key'] : [] } });
      return result;
    }),
  checkAi: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.checkAi(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.ai.check', details: { light: result.check.light, models: result.models.length } });
    return result;
  }),
  savePrompt: reportProcedure('reports.settings')
    .input(z.object({ body: z.string().max(50_000) }))
    .mutation(async ({ ctx, input }) => {
      const result = await wizard.savePrompt(depsOf(ctx), actorOf(ctx), input);
      await ctx.audit({ action: 'reports.settings.prompt.save', targetType: 'report_prompt', targetId: ctx.tenant.organizationId, details: { version: result.version, created: result.created, characters: input.body.length } });
      return result;
    }),
  testAi: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.testAi(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.ai.test', details: { light: result.check.light, usage: result.analysis?.usage ?? null } });
    return result;
  }),

  saveTelegram: reportProcedure('reports.settings')
    .input(z.object({ botToken: secret(200), chat: z.string().trim().regex(wizard.CHAT_PATTERN, 'A numeric chat id (groups start with -100) or @channelname.') }))
    .mutation(async ({ ctx, input }) => {
      const result = await wizard.saveTelegram(depsOf(ctx), actorOf(ctx), input);
      await ctx.audit({ action: 'reports.settings.telegram.save', targetType: 'report_settings', targetId: ctx.tenant.organizationId, details: { chat: input.chat, updated: input.botToken ? ['bot token'] : [] } });
      return result;
    }),
  checkTelegram: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.checkTelegram(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.telegram.check', details: { light: result.check.light } });
    return result;
  }),
  testTelegram: reportProcedure('reports.settings').mutation(async ({ ctx }) => {
    const result = await wizard.testTelegram(depsOf(ctx), actorOf(ctx));
    await ctx.audit({ action: 'reports.settings.telegram.test', details: { light: result.check.light, messages: result.messages } });
    return result;
  }),

  saveAutomation: reportProcedure('reports.settings')
    .input(
      z.object({
        timeZone: z.string().trim().min(1).max(64),
        dayBoundaryHour: z.number().int().min(0).max(23),
        schedule: z.enum(reportSchedules),
        weeklyDay: z.number().int().min(1).max(7).default(1),
        reportTypes: z.array(z.enum(scheduledReportTypes)).max(3).default([]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const result = await wizard.saveAutomation(depsOf(ctx), actorOf(ctx), input);
      await ctx.audit({ action: 'reports.settings.automation.save', targetType: 'report_settings', targetId: ctx.tenant.organizationId, details: { ...input, reportTypes: result.reportTypes } });
      return result;
    }),
});

// ---------------------------------------------------------------- runs

const MAX_MANUAL_DAYS = 93;
const localDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'A date as YYYY-MM-DD.');

const runsRouter = router({
  list: reportProcedure('reports.read')
    .input(z.object({ reportId: id.optional(), limit: z.number().int().min(1).max(100).default(20) }))
    .query(async ({ ctx, input }) => {
      if (input.reportId) await reportExists(ctx, ctx.tenant.organizationId, input.reportId);
      return listRuns(ctx, ctx.tenant.organizationId, input);
    }),

  byId: reportProcedure('reports.read')
    .input(z.object({ id }))
    .query(async ({ ctx, input }) => (await runView(ctx, ctx.tenant.organizationId, input.id)) ?? notFound('Run')),

  /**
   * "Force report": a run now — for the latest complete period of a type (or the current
   * one), or a chosen range: instants, or whole local days (inclusive, from the tenant's
   * day boundary in its time zone).
   */
  force: reportProcedure('reports.run')
    .input(
      z
        .object({
          type: z.enum(reportTypes),
          current: z.boolean().default(false),
          from: z.coerce.date().optional(),
          to: z.coerce.date().optional(),
          days: z.object({ from: localDay, to: localDay }).optional(),
        })
        .refine((v) => v.type !== 'manual' || v.days || (v.from && v.to && v.to > v.from), { message: 'A chosen period needs a start before its end.', path: ['to'] }),
    )
    .mutation(async ({ ctx, input }) => {
      const zone = await organizationZone(ctx, ctx.tenant.organizationId);
      const now = new Date();
      let period: { start: Date; end: Date };
      if (input.type === 'manual') {
        if (input.days) {
          const [fy, fm, fd] = input.days.from.split('-').map(Number) as [number, number, number];
          const [ty, tm, td] = input.days.to.split('-').map(Number) as [number, number, number];
          period = { start: zonedInstant(fy, fm, fd, zone.dayBoundaryHour, zone.timezone), end: zonedInstant(ty, tm, td + 1, zone.dayBoundaryHour, zone.timezone) };
        } else period = { start: input.from!, end: input.to! };
        if (period.end <= period.start) throw new TRPCError({ code: 'BAD_REQUEST', message: 'The period ends before it starts.' });
        if (period.end.getTime() - period.start.getTime() > MAX_MANUAL_DAYS * 86_400_000) throw new TRPCError({ code: 'BAD_REQUEST', message: `A chosen period is at most ${MAX_MANUAL_DAYS} days.` });
      } else {
        period = (input.current ? periodContaining : latestCompletePeriod)(input.type, now, zone.timezone, zone.dayBoundaryHour, (await settingsOf(ctx, ctx.tenant.organizationId))?.weeklyDay ?? 1);
      }
      if (!ctx.app.boss) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The job queue is not running.' });
      const result = await startRun(depsOf(ctx), { organizationId: ctx.tenant.organizationId, type: input.type, period, timeZone: zone.timezone, trigger: 'manual', requestedBy: ctx.user.id });
      await ctx.audit({ action: 'reports.run.force', targetType: 'report', targetId: result.reportId, details: { type: input.type, periodStart: period.start.toISOString(), periodEnd: period.end.toISOString(), result: result.status, runId: result.runId } });
      return result;
    }),

  resume: reportProcedure('reports.run')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      if (!ctx.app.boss) {
        await runView(ctx, ctx.tenant.organizationId, input.id).then((r) => r ?? notFound('Run'));
        throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The job queue is not running.' });
      }
      const result = await resumeRun(depsOf(ctx), ctx.tenant.organizationId, input.id);
      await ctx.audit({ action: 'reports.run.resume', targetType: 'report_run', targetId: input.id, details: { result: result.status } });
      return result;
    }),
});

// ---------------------------------------------------------------- reports, comments, questions

const commentsRouter = router({
  add: reportProcedure('reports.discuss')
    .input(z.object({ reportId: id, body: z.string().trim().min(1).max(5_000) }))
    .mutation(async ({ ctx, input }) => {
      const comment = await addComment(ctx, actorOf(ctx), input);
      await ctx.audit({ action: 'reports.comment.add', targetType: 'report', targetId: input.reportId, details: { commentId: comment.id, characters: comment.body.length } });
      return { id: comment.id, createdAt: comment.createdAt };
    }),
  update: reportProcedure('reports.discuss')
    .input(z.object({ id, body: z.string().trim().min(1).max(5_000) }))
    .mutation(async ({ ctx, input }) => {
      const { comment, before } = await updateComment(ctx, actorOf(ctx), input);
      await ctx.audit({ action: 'reports.comment.update', targetType: 'report_comment', targetId: comment.id, details: { reportId: comment.reportId, before: before.slice(0, 200), after: comment.body.slice(0, 200) } });
      return { id: comment.id, editedAt: comment.editedAt };
    }),
  delete: reportProcedure('reports.discuss')
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => {
      const comment = await deleteComment(ctx, actorOf(ctx), input.id);
      await ctx.audit({ action: 'reports.comment.delete', targetType: 'report_comment', targetId: comment.id, details: { reportId: comment.reportId, body: comment.body.slice(0, 200) } });
      return { id: comment.id };
    }),
});

export const reportsRouter = router({
  list: reportProcedure('reports.read')
    .input(
      z.object({
        type: z.enum(reportTypes).optional(),
        status: z.enum(reportStatuses).optional(),
        from: z.coerce.date().optional(),
        to: z.coerce.date().optional(),
        cursor: id.optional(),
        limit: z.number().int().min(1).max(100).default(25),
      }),
    )
    .query(({ ctx, input }) => listReports(ctx, ctx.tenant.organizationId, input)),

  byId: reportProcedure('reports.read')
    .input(z.object({ id }))
    .query(({ ctx, input }) => reportDetail(depsOf(ctx), actorOf(ctx), input.id)),

  /** A follow-up question (at most two per report, enforced here and in the schema). */
  ask: reportProcedure('reports.discuss')
    .input(z.object({ reportId: id, question: z.string().trim().min(3).max(2_000) }))
    .mutation(async ({ ctx, input }) => {
      try {
        const result = await askFollowUp(depsOf(ctx), actorOf(ctx), input);
        await ctx.audit({ action: 'reports.question.ask', targetType: 'report', targetId: input.reportId, details: { position: result.question.position, question: input.question.slice(0, 200), outputTokens: result.question.outputTokens } });
        return result;
      } catch (error) {
        if (error instanceof ReportError && error.kind === 'limit') {
          await ctx.audit({ action: 'reports.question.ask', outcome: 'denied', targetType: 'report', targetId: input.reportId, details: { reason: 'follow-up limit reached' } });
        }
        throw error;
      }
    }),

  runs: runsRouter,
  comments: commentsRouter,
  settings: settingsRouter,
});

