/**
 * The sync engine's vocabulary (DESIGN §4), shared by the schema, the services, the
 * routers and — later — the screens.
 */

export const syncProviders = ['salesforce', 'hubspot'] as const;
export type SyncProviderName = (typeof syncProviders)[number];

export const syncEntities = ['account', 'contact'] as const;
export type SyncEntity = (typeof syncEntities)[number];

export const connectionStatuses = ['pending_auth', 'connected', 'paused', 'error', 'disconnected'] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

export const syncDirections = ['push', 'pull', 'bidirectional'] as const;
export type SyncDirection = (typeof syncDirections)[number];

export const syncFrequencies = ['realtime', 'hourly', 'daily', 'manual'] as const;
export type SyncFrequency = (typeof syncFrequencies)[number];

export const conflictStrategies = ['last_write_wins', 'crm_wins', 'app_wins', 'manual_review'] as const;
export type ConflictStrategy = (typeof conflictStrategies)[number];

export const outboundPolicies = ['automatic', 'manual_only'] as const;
export type OutboundPolicy = (typeof outboundPolicies)[number];

/** Which way a mapped field flows: both, app → CRM only, CRM → app only, or not at all. */
export const mappingDirections = ['both', 'push', 'pull', 'none'] as const;
export type MappingDirection = (typeof mappingDirections)[number];

/**
 * A field-level override of the connection's conflict strategy: `strategy` follows the
 * connection; the others settle a both-sided change of this field on their own.
 */
export const mappingOverrides = ['strategy', 'prefer_crm_unless_blank', 'always_app', 'always_crm'] as const;
export type MappingOverride = (typeof mappingOverrides)[number];

export const syncTriggers = ['manual', 'schedule', 'realtime', 'retry', 'initial'] as const;
export type SyncTrigger = (typeof syncTriggers)[number];

export const syncRunStatuses = ['queued', 'running', 'succeeded', 'partial', 'failed', 'interrupted'] as const;
export type SyncRunStatus = (typeof syncRunStatuses)[number];

export const syncSides = ['pull', 'push'] as const;
export type SyncSide = (typeof syncSides)[number];

export const cursorKinds = ['pull', 'push', 'deletes'] as const;
export type CursorKind = (typeof cursorKinds)[number];

export const conflictStatuses = ['open', 'resolved', 'ignored'] as const;
export type ConflictStatus = (typeof conflictStatuses)[number];

/** Filter rules (field, operator, value) on app-side field names, applied to both sides' records. */
export const filterOperators = ['eq', 'neq', 'contains', 'not_contains', 'starts_with', 'is_empty', 'not_empty', 'in'] as const;
export type FilterOperator = (typeof filterOperators)[number];
export interface FilterRule {
  field: string;
  operator: FilterOperator;
  value?: string | string[];
}
export type ConnectionFilters = Partial<Record<SyncEntity, FilterRule[]>>;

/** The realtime topic of sync progress events (tenant-scoped, see server/realtime/channel.ts). */
export const SYNC_PROGRESS_TOPIC = 'sync.progress';
