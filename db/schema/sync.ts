import { sql } from 'drizzle-orm';
import { bigint, boolean, check, doublePrecision, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { RemoteField } from '../../server/providers/types';
import {
  conflictStatuses,
  conflictStrategies,
  connectionStatuses,
  cursorKinds,
  mappingDirections,
  mappingOverrides,
  outboundPolicies,
  syncDirections,
  syncEntities,
  syncFrequencies,
  syncProviders,
  syncRunStatuses,
  syncSides,
  syncTriggers,
  type ConnectionFilters,
} from '../../server/shared/sync';
import { organizationId, stamps } from './columns';
import { users } from './users';

/**
 * The CRM sync engine (DESIGN §4, decision 006): connections to Salesforce/HubSpot,
 * the OAuth round trip, field mappings, record links with their base snapshot, cursors,
 * runs with record-level errors, and parked conflicts.
 */

export const syncProvider = pgEnum('sync_provider', syncProviders);
export const syncEntity = pgEnum('sync_entity', syncEntities);
export const connectionStatus = pgEnum('connection_status', connectionStatuses);
export const syncDirection = pgEnum('sync_direction', syncDirections);
export const syncFrequency = pgEnum('sync_frequency', syncFrequencies);
export const conflictStrategy = pgEnum('conflict_strategy', conflictStrategies);
export const outboundPolicy = pgEnum('outbound_policy', outboundPolicies);
export const mappingDirection = pgEnum('mapping_direction', mappingDirections);
export const mappingOverride = pgEnum('mapping_override', mappingOverrides);
export const syncTrigger = pgEnum('sync_trigger', syncTriggers);
export const syncRunStatus = pgEnum('sync_run_status', syncRunStatuses);
export const syncSide = pgEnum('sync_side', syncSides);
export const syncCursorKind = pgEnum('sync_cursor_kind', cursorKinds);
export const syncConflictStatus = pgEnum('sync_conflict_status', conflictStatuses);

/** A row's connection (deleted with it); Kommo's tables use it too. */
export const connectionId = () =>
  uuid('connection_id')
    .notNull()
    .references(() => connections.id, { onDelete: 'cascade' });

/** The CRM's field list (describe / properties), cached per connection with its fetch time. */
export type RemoteFieldCache = Partial<Record<(typeof syncEntities)[number], { fields: RemoteField[]; fetchedAt: string }>>;

export const connections = pgTable(
  'connections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    provider: syncProvider('provider').notNull(),
    status: connectionStatus('status').notNull().default('pending_auth'),
    /** Why the status is what it is ("re-authorization needed", "paused by …"). */
    statusReason: text('status_reason'),
    /** The TokenSet as JSON, AES-GCM bound to (connections, id, credentials); null before authorization and after disconnect. */
    credentials: text('credentials'),
    credentialsKeyId: text('credentials_key_id'),
    /** Access-token expiry (not secret), so refresh-ahead needs no decryption to decide. */
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    /** OAuth server (Salesforce login URL; HubSpot API base) — from the provider registry, never from a request. */
    authUrl: text('auth_url').notNull(),
    /** API base (Salesforce instance URL from the token answer, allow-listed; HubSpot API base). */
    instanceUrl: text('instance_url'),
    /** Points at a local sandbox (demo/test only; refused in production). */
    usesSandbox: boolean('uses_sandbox').notNull().default(false),
    connectedAs: text('connected_as'),
    /** The CRM's org/portal id, for display and to notice a re-authorization into another org. */
    remoteAccountId: text('remote_account_id'),
    direction: syncDirection('direction').notNull().default('bidirectional'),
    frequency: syncFrequency('frequency').notNull().default('hourly'),
    entities: jsonb('entities').$type<(typeof syncEntities)[number][]>().notNull().default(['account', 'contact']),
    filters: jsonb('filters').$type<ConnectionFilters>().notNull().default({}),
    conflictStrategy: conflictStrategy('conflict_strategy').notNull().default('last_write_wins'),
    outboundPolicy: outboundPolicy('outbound_policy').notNull().default('automatic'),
    /** Create app/CRM records that have no counterpart (else only already-linked records sync). */
    createMissing: boolean('create_missing').notNull().default(true),
    /** A delete on one side soft-deletes (app) / deletes (CRM) the other; else the link is dropped. */
    propagateDeletes: boolean('propagate_deletes').notNull().default(false),
    /** Share of the provider's daily API allocation this connection may spend (percent). */
    dailyApiBudgetPercent: integer('daily_api_budget_percent').notNull().default(50),
    apiCallsDay: text('api_calls_day'),
    apiCallsCount: integer('api_calls_count').notNull().default(0),
    remoteFields: jsonb('remote_fields').$type<RemoteFieldCache>().notNull().default({}),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    connectedAt: timestamp('connected_at', { withTimezone: true }),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    nextSyncAt: timestamp('next_sync_at', { withTimezone: true }),
    ...stamps(),
  },
  (t) => [
    index('connections_org_idx').on(t.organizationId, t.createdAt),
    index('connections_due_idx').on(t.nextSyncAt).where(sql`${t.status} = 'connected'`),
    check('connections_budget_range', sql`${t.dailyApiBudgetPercent} between 1 and 100`),
  ],
);

/**
 * One OAuth round trip: the state (only its SHA-256 is kept) bound to user, tenant,
 * provider and connection; the PKCE verifier encrypted; 10 minutes; deleted when used.
 */
export const oauthStates = pgTable(
  'oauth_states',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    stateHash: text('state_hash').notNull(),
    organizationId: organizationId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: syncProvider('provider').notNull(),
    connectionId: connectionId(),
    codeVerifier: text('code_verifier').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('oauth_states_hash_key').on(t.stateHash), index('oauth_states_expires_idx').on(t.expiresAt)],
);

/** A transform step list (server/services/sync/transforms.ts): data, never code. */
export type TransformSteps = Record<string, unknown>[];

export const fieldMappings = pgTable(
  'field_mappings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    entity: syncEntity('entity').notNull(),
    /** App field: a column name (`email`) or `custom.<key>`. */
    appField: text('app_field').notNull(),
    /** The CRM's field API name (Salesforce) or property name (HubSpot). */
    remoteField: text('remote_field').notNull(),
    direction: mappingDirection('direction').notNull().default('both'),
    transform: jsonb('transform').$type<TransformSteps>().notNull().default([]),
    override: mappingOverride('override').notNull().default('strategy'),
    position: integer('position').notNull().default(0),
    ...stamps(),
  },
  (t) => [
    index('field_mappings_connection_idx').on(t.connectionId, t.entity, t.position),
    // two mappings writing one field are refused: one writer per app field (pulls) and per CRM field (pushes)
    uniqueIndex('field_mappings_app_writer_key').on(t.connectionId, t.entity, t.appField).where(sql`${t.direction} in ('both', 'pull')`),
    uniqueIndex('field_mappings_remote_writer_key').on(t.connectionId, t.entity, t.remoteField).where(sql`${t.direction} in ('both', 'push')`),
  ],
);

/**
 * An app record and its CRM twin. `base` holds the mapped values (keyed by
 * `appField>remoteField`, in app terms) as they were at the last successful sync: the
 * common ancestor of the three-way merge.
 */
export const recordLinks = pgTable(
  'record_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    entity: syncEntity('entity').notNull(),
    appId: uuid('app_id').notNull(),
    remoteId: text('remote_id').notNull(),
    base: jsonb('base').$type<Record<string, string | null>>().notNull().default({}),
    /** The app row's updated_at / change_seq when the base was taken. */
    appModifiedAt: timestamp('app_modified_at', { withTimezone: true }),
    appChangeSeq: bigint('app_change_seq', { mode: 'number' }),
    /** The CRM's modification stamp (ISO) when the base was taken. */
    remoteModifiedAt: timestamp('remote_modified_at', { withTimezone: true }),
    lastSyncedAt: timestamp('last_synced_at', { withTimezone: true }).notNull().defaultNow(),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('record_links_app_key').on(t.connectionId, t.entity, t.appId),
    uniqueIndex('record_links_remote_key').on(t.connectionId, t.entity, t.remoteId),
    index('record_links_org_app_idx').on(t.organizationId, t.entity, t.appId),
  ],
);

export const syncCursors = pgTable(
  'sync_cursors',
  {
    connectionId: connectionId(),
    entity: syncEntity('entity').notNull(),
    kind: syncCursorKind('kind').notNull(),
    cursor: jsonb('cursor').$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.entity, t.kind] })],
);

export interface SyncRunProgress {
  phase: 'starting' | 'pull' | 'deletes' | 'push' | 'done';
  page: number;
  /** Records seen so far in this phase. */
  seen: number;
  /**
   * Records the run expects to process in all (its `processed` when it ends), when the
   * engine knows: the CRM's count for a pull, the deleted ids, the app rows waiting for a
   * push. Absent while unknown. Never below `processed`; equal to it once the run succeeded.
   */
  total?: number;
  /** The run's `processed` when the current phase began: the bar shows this phase's share. */
  phaseStart?: number;
  message?: string;
}

/** One run of one entity of one connection (a job runs one per entity). */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    jobId: text('job_id'),
    trigger: syncTrigger('trigger').notNull(),
    direction: syncDirection('direction').notNull(),
    entity: syncEntity('entity').notNull(),
    status: syncRunStatus('status').notNull().default('running'),
    processed: integer('processed').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    conflicts: integer('conflicts').notNull().default(0),
    pages: integer('pages').notNull().default(0),
    apiCalls: integer('api_calls').notNull().default(0),
    progress: jsonb('progress').$type<SyncRunProgress>().notNull().default({ phase: 'starting', page: 0, seen: 0 }),
    error: text('error'),
    /** For retries: the run whose failed records this one re-runs. */
    retryOfRunId: uuid('retry_of_run_id'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('sync_runs_connection_idx').on(t.connectionId, t.startedAt),
    index('sync_runs_org_idx').on(t.organizationId, t.startedAt),
    index('sync_runs_running_idx').on(t.connectionId).where(sql`${t.status} = 'running'`),
  ],
);

/** A record that failed in a run; `retryable` ones can be re-run alone. */
export const syncRunErrors = pgTable(
  'sync_run_errors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    runId: uuid('run_id')
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    connectionId: connectionId(),
    entity: syncEntity('entity').notNull(),
    side: syncSide('side').notNull(),
    appId: uuid('app_id'),
    remoteId: text('remote_id'),
    message: text('message').notNull(),
    retryable: boolean('retryable').notNull().default(true),
    retriedAt: timestamp('retried_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sync_run_errors_run_idx').on(t.runId, t.createdAt), index('sync_run_errors_connection_idx').on(t.connectionId, t.retriedAt)],
);

export interface ConflictResolution {
  choice: 'app' | 'crm' | 'custom' | 'converged';
  value: string | null;
}

/** One field of one linked record changed on both sides to different values, parked for a person (manual_review). */
export const syncConflicts = pgTable(
  'sync_conflicts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    recordLinkId: uuid('record_link_id')
      .notNull()
      .references(() => recordLinks.id, { onDelete: 'cascade' }),
    entity: syncEntity('entity').notNull(),
    appId: uuid('app_id').notNull(),
    remoteId: text('remote_id').notNull(),
    /** The mapping key `appField>remoteField` (the base snapshot's key). */
    field: text('field').notNull(),
    appField: text('app_field').notNull(),
    remoteField: text('remote_field').notNull(),
    appValue: jsonb('app_value').$type<string | null>(),
    remoteValue: jsonb('remote_value').$type<string | null>(),
    baseValue: jsonb('base_value').$type<string | null>(),
    status: syncConflictStatus('status').notNull().default('open'),
    resolution: jsonb('resolution').$type<ConflictResolution>(),
    resolvedBy: uuid('resolved_by').references(() => users.id, { onDelete: 'set null' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('sync_conflicts_open_key').on(t.recordLinkId, t.field).where(sql`${t.status} = 'open'`),
    index('sync_conflicts_connection_idx').on(t.connectionId, t.status, t.createdAt),
    index('sync_conflicts_org_idx').on(t.organizationId, t.status, t.createdAt),
  ],
);

/**
 * The per-connection API pacer shared by every web process and worker (decision 009):
 * GCRA slots for the provider's short-interval limit (`api_next_at`, HubSpot's 100/10 s;
 * `search_next_at`, HubSpot search's 5/s), pushed forward by a 429's Retry-After for all,
 * and the day's call count the daily budget is checked against. One row per connection;
 * a process reserves a few slots per statement (services/sync/rate-limit.ts).
 */
export const syncRateLimits = pgTable('sync_rate_limits', {
  connectionId: uuid('connection_id')
    .primaryKey()
    .references(() => connections.id, { onDelete: 'cascade' }),
  apiNextAt: timestamp('api_next_at', { withTimezone: true }).notNull().defaultNow(),
  searchNextAt: timestamp('search_next_at', { withTimezone: true }).notNull().defaultNow(),
  /** Milliseconds between general calls as the provider last advertised it (null: the client's default). */
  apiSpacingMs: doublePrecision('api_spacing_ms'),
  /** UTC day (YYYY-MM-DD) of `dayCalls`. */
  day: text('day').notNull(),
  /** Calls reserved today by every process together. */
  dayCalls: integer('day_calls').notNull().default(0),
  /** Slots granted by the last reservation (read back by its RETURNING). */
  granted: integer('granted').notNull().default(0),
});
