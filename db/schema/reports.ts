import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import {
  analysisStatuses,
  reportRunStatuses,
  reportRunTriggers,
  reportSchedules,
  reportStatuses,
  reportTypes,
  stepStatuses,
  storeKinds,
  type ReportFigures,
  type ScheduledReportType,
  type WizardChecks,
} from '../../server/shared/reports';
import { organizationId, stamps } from './columns';
import { organizations } from './organizations';
import { users } from './users';

/**
 * AI sales reports (DESIGN §5, decision 008): the settings wizard's state, versioned
 * prompts, reports (summary, status and figures — the narrative lives in the report
 * store), runs with their eight persisted checkpoints, comments and follow-up Q&A.
 *
 * The `report_raw_*`, `report_analyses` and `report_texts` tables are the built-in
 * report store: the same columns as the tables the versioned SQL creates in a tenant's
 * own Postgres (server/services/reports/store-sql.ts), written by the same code.
 * Their rows are keyed by report id without a foreign key, as in the external store.
 */

export const reportType = pgEnum('report_type', reportTypes);
export const reportSchedule = pgEnum('report_schedule', reportSchedules);
export const reportStatus = pgEnum('report_status', reportStatuses);
export const reportAnalysisStatus = pgEnum('report_analysis_status', analysisStatuses);
export const reportRunStatus = pgEnum('report_run_status', reportRunStatuses);
export const reportRunTrigger = pgEnum('report_run_trigger', reportRunTriggers);
export const reportStepStatus = pgEnum('report_step_status', stepStatuses);
export const reportStoreKind = pgEnum('report_store_kind', storeKinds);

const reportId = () =>
  uuid('report_id')
    .notNull()
    .references(() => reports.id, { onDelete: 'cascade' });
const at = (name: string) => timestamp(name, { withTimezone: true });

/**
 * One per tenant. Secrets (Radist key, Gemini key, bot token, external Postgres URL) are
 * not here: they are tenant_secrets rows (encrypted), named in services/reports/settings.ts.
 * Provider base URLs are chosen by the server (the real API, or the sandbox outside
 * production), never typed by a person.
 */
export const reportSettings = pgTable('report_settings', {
  organizationId: uuid('organization_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  storeKind: reportStoreKind('store_kind').notNull().default('builtin'),
  /** schema_version applied in the tenant's own Postgres (null: not yet applied). */
  storeSchemaVersion: integer('store_schema_version'),
  storeServerVersion: text('store_server_version'),
  radistCompanyId: bigint('radist_company_id', { mode: 'number' }),
  radistBaseUrl: text('radist_base_url'),
  geminiModel: text('gemini_model'),
  geminiBaseUrl: text('gemini_base_url'),
  geminiInputTokenLimit: integer('gemini_input_token_limit'),
  geminiOutputTokenLimit: integer('gemini_output_token_limit'),
  /** Numeric id ("-100…") or "@channel". */
  telegramChatId: text('telegram_chat_id'),
  telegramApiRoot: text('telegram_api_root'),
  telegramBotUsername: text('telegram_bot_username'),
  schedule: reportSchedule('schedule').notNull().default('manual'),
  /** ISO weekday 1 (Monday) … 7 (Sunday) for weekly reports. */
  weeklyDay: smallint('weekly_day').notNull().default(1),
  /** Which periodic reports the schedule produces. */
  reportTypes: jsonb('report_types').$type<ScheduledReportType[]>().notNull().default(sql`'[]'::jsonb`),
  /** When the schedule was last switched on: no report is produced for a period that ended before. */
  automationSince: at('automation_since'),
  /** The wizard's status light per step. */
  checks: jsonb('checks').$type<WizardChecks>().notNull().default(sql`'{}'::jsonb`),
  /** Rows the wizard's test actions write to the store are keyed by this id, never a report's. */
  testReportId: uuid('test_report_id').notNull().defaultRandom(),
  /** What the wizard's test actions found (3 leads, their dialogs, the test analysis), for the next step's test. */
  wizardScratch: jsonb('wizard_scratch').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  ...stamps(),
}, (t) => [check('report_settings_weekly_day_range', sql`${t.weeklyDay} between 1 and 7`)]);

/** Every saved version of the tenant's prompt; the highest version is the current one. */
export const reportPrompts = pgTable(
  'report_prompts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    version: integer('version').notNull(),
    body: text('body').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('report_prompts_org_version_key').on(t.organizationId, t.version)],
);

/** One report per tenant, type and period (the natural key every re-run converges on). */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    type: reportType('type').notNull(),
    periodStart: at('period_start').notNull(),
    periodEnd: at('period_end').notNull(),
    timeZone: text('time_zone').notNull(),
    status: reportStatus('status').notNull().default('pending'),
    analysis: reportAnalysisStatus('analysis').notNull().default('pending'),
    /** Why the analysis is unavailable, in plain words. */
    analysisNote: text('analysis_note'),
    /** A few lines for lists and the Telegram message. */
    summary: text('summary'),
    figures: jsonb('figures').$type<ReportFigures>(),
    /** Where the narrative and raw data live. */
    storeKind: reportStoreKind('store_kind').notNull().default('builtin'),
    promptVersion: integer('prompt_version'),
    model: text('model'),
    promptTokens: integer('prompt_tokens'),
    outputTokens: integer('output_tokens'),
    /** What was cut to fit the model's context window (shown on the report). */
    trimmedNote: text('trimmed_note'),
    latestRunId: uuid('latest_run_id'),
    publishedAt: at('published_at'),
    notifiedAt: at('notified_at'),
    /** Hash of the last Telegram text sent: the same text is never sent twice. */
    notifiedHash: text('notified_hash'),
    telegramMessageIds: jsonb('telegram_message_ids').$type<number[]>(),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('reports_period_key').on(t.organizationId, t.type, t.periodStart, t.periodEnd),
    index('reports_org_period_idx').on(t.organizationId, t.periodStart.desc(), t.id),
    index('reports_org_status_idx').on(t.organizationId, t.status),
    check('reports_period_order', sql`${t.periodEnd} > ${t.periodStart}`),
  ],
);

/** One execution of the pipeline for a report; at most one queued or running per report. */
export const reportRuns = pgTable(
  'report_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    reportId: reportId(),
    trigger: reportRunTrigger('trigger').notNull(),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    status: reportRunStatus('status').notNull().default('queued'),
    /** 1..8: the step running, or the one that failed. */
    currentStep: smallint('current_step').notNull().default(1),
    /** Times a person resumed the run after a failure. */
    resumes: integer('resumes').notNull().default(0),
    error: text('error'),
    jobId: text('job_id'),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('report_runs_one_active_key').on(t.reportId).where(sql`${t.status} in ('queued', 'running')`),
    index('report_runs_org_created_idx').on(t.organizationId, t.createdAt.desc()),
    index('report_runs_report_idx').on(t.reportId, t.createdAt.desc()),
  ],
);

/** The eight checkpoints of a run. */
export const reportRunSteps = pgTable(
  'report_run_steps',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => reportRuns.id, { onDelete: 'cascade' }),
    step: smallint('step').notNull(),
    key: text('key').notNull(),
    status: reportStepStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    durationMs: integer('duration_ms'),
    /** Plain words; never a secret, a URL with a token or a provider body. */
    error: text('error'),
    /** Counts for the checkpoint ("412 leads", "3,912 messages"). */
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [primaryKey({ columns: [t.runId, t.step] }), check('report_run_steps_step_range', sql`${t.step} between 1 and 8`)],
);

export const reportComments = pgTable(
  'report_comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    reportId: reportId(),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    editedAt: at('edited_at'),
    ...stamps(),
  },
  (t) => [index('report_comments_report_idx').on(t.reportId, t.createdAt)],
);

/** Follow-up questions: at most two per report (position 1 or 2, unique per report). */
export const reportQuestions = pgTable(
  'report_questions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    reportId: reportId(),
    position: smallint('position').notNull(),
    question: text('question').notNull(),
    answer: text('answer'),
    askedBy: uuid('asked_by').references(() => users.id, { onDelete: 'set null' }),
    model: text('model'),
    promptTokens: integer('prompt_tokens'),
    outputTokens: integer('output_tokens'),
    createdAt: at('created_at').notNull().defaultNow(),
    answeredAt: at('answered_at'),
  },
  (t) => [uniqueIndex('report_questions_position_key').on(t.reportId, t.position), check('report_questions_position_range', sql`${t.position} between 1 and 2`)],
);

// ---------------------------------------------------------------- the built-in report store

export const reportRawLeads = pgTable(
  'report_raw_leads',
  {
    reportId: uuid('report_id').notNull(),
    leadId: bigint('lead_id', { mode: 'number' }).notNull(),
    organizationId: organizationId(),
    name: text('name'),
    responsible: text('responsible'),
    updatedAt: at('updated_at'),
    phones: text('phones').array().notNull().default(sql`'{}'::text[]`),
    payload: jsonb('payload').notNull(),
    storedAt: at('stored_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.leadId] })],
);

export const reportRawChats = pgTable(
  'report_raw_chats',
  {
    reportId: uuid('report_id').notNull(),
    chatId: bigint('chat_id', { mode: 'number' }).notNull(),
    organizationId: organizationId(),
    contactId: bigint('contact_id', { mode: 'number' }),
    leadIds: bigint('lead_ids', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
    phone: text('phone'),
    source: text('source'),
    payload: jsonb('payload').notNull(),
    storedAt: at('stored_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.chatId] })],
);

export const reportRawMessages = pgTable(
  'report_raw_messages',
  {
    reportId: uuid('report_id').notNull(),
    chatId: bigint('chat_id', { mode: 'number' }).notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    organizationId: organizationId(),
    createdAt: at('created_at').notNull(),
    direction: text('direction'),
    sender: text('sender'),
    text: text('text'),
    payload: jsonb('payload').notNull(),
    storedAt: at('stored_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.chatId, t.messageId] })],
);

/** The package sent to the model and its answer: kind 'report', or 'followup-1' / 'followup-2'. */
export const reportAnalyses = pgTable(
  'report_analyses',
  {
    reportId: uuid('report_id').notNull(),
    kind: text('kind').notNull(),
    organizationId: organizationId(),
    model: text('model'),
    prompt: text('prompt').notNull(),
    trimmedNote: text('trimmed_note'),
    answer: text('answer'),
    promptTokens: integer('prompt_tokens'),
    outputTokens: integer('output_tokens'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.kind] })],
);

export const reportTexts = pgTable('report_texts', {
  reportId: uuid('report_id').primaryKey(),
  organizationId: organizationId(),
  title: text('title').notNull(),
  narrative: text('narrative'),
  figures: jsonb('figures'),
  updatedAt: at('updated_at').notNull().defaultNow(),
});
