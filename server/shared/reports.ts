/**
 * The AI sales reports' vocabulary (DESIGN §5, decision 008), shared by the schema,
 * the services, the router and the screens (nothing server-only here).
 */

export const reportTypes = ['daily', 'weekly', 'monthly', 'manual'] as const;
export type ReportType = (typeof reportTypes)[number];
/** Types the scheduler produces (a manual report has a period chosen by a person). */
export const scheduledReportTypes = ['daily', 'weekly', 'monthly'] as const;
export type ScheduledReportType = (typeof scheduledReportTypes)[number];

export const reportSchedules = ['daily', 'weekly', 'monthly', 'manual'] as const;
export type ReportSchedule = (typeof reportSchedules)[number];

export const reportStatuses = ['pending', 'running', 'published', 'failed'] as const;
export type ReportStatus = (typeof reportStatuses)[number];

/** Whether the report holds the model's narrative, or only our figures. */
export const analysisStatuses = ['pending', 'done', 'unavailable'] as const;
export type AnalysisStatus = (typeof analysisStatuses)[number];

export const reportRunStatuses = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type ReportRunStatus = (typeof reportRunStatuses)[number];
export const activeRunStatuses = ['queued', 'running'] as const satisfies readonly ReportRunStatus[];

export const reportRunTriggers = ['schedule', 'manual'] as const;
export type ReportRunTrigger = (typeof reportRunTriggers)[number];

export const stepStatuses = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type StepStatus = (typeof stepStatuses)[number];

/** The eight checkpoints of a run, in order (step number = index + 1). */
export const pipelineSteps = [
  { key: 'fetch_leads', label: 'Fetch Kommo leads' },
  { key: 'store_leads', label: 'Store raw leads' },
  { key: 'fetch_dialogs', label: 'Fetch Radist dialogs' },
  { key: 'store_dialogs', label: 'Store raw dialogs' },
  { key: 'build_prompt', label: 'Build the prompt' },
  { key: 'analyse', label: 'AI analysis' },
  { key: 'publish', label: 'Publish the report' },
  { key: 'notify', label: 'Notify Telegram' },
] as const;
export type StepKey = (typeof pipelineSteps)[number]['key'];
export const STEP_COUNT = pipelineSteps.length;

/** The six wizard steps, each with a persisted status light. */
export const wizardSteps = ['store', 'kommo', 'radist', 'ai', 'telegram', 'automation'] as const;
export type WizardStep = (typeof wizardSteps)[number];
export const lights = ['green', 'yellow', 'red'] as const;
export type Light = (typeof lights)[number];

export interface StepCheck {
  light: Light;
  /** Plain words for the page; never a secret or a raw provider body. */
  message: string;
  checkedAt: string;
}
export type WizardChecks = Partial<Record<WizardStep, StepCheck>>;

export const storeKinds = ['builtin', 'external'] as const;
export type StoreKind = (typeof storeKinds)[number];

/** Follow-up questions a report accepts (enforced by the server and the schema). */
export const MAX_FOLLOW_UPS = 2;
export const SECRET_PLACEHOLDER = '••••';

/** The figures our own code computes from the data, next to the model's narrative. */
export interface ReportFigures {
  period: { from: string; to: string; timeZone: string };
  leads: number;
  leadsWithDialogs: number;
  leadsWithoutDialogs: { id: number; name: string; manager: string | null }[];
  leadsWithoutDialogsCount: number;
  dialogs: number;
  messages: { total: number; inbound: number; outbound: number };
  unansweredChats: number;
  /** Median / mean minutes from a client message to the next manager reply, over the period. */
  responseMinutes: { median: number | null; mean: number | null; p90: number | null; samples: number };
  perManager: {
    manager: string;
    leads: number;
    dialogs: number;
    messagesSent: number;
    unanswered: number;
    medianResponseMinutes: number | null;
  }[];
}
