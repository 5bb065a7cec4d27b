import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import {
  kommoAuthModes,
  kommoBulkKinds,
  kommoBulkStatuses,
  kommoLinkOrigins,
  kommoOutboundStatuses,
  kommoProfileTypes,
  kommoWebhookStatuses,
} from '../../server/shared/kommo';
import { organizationId, stamps } from './columns';
import { connectionId, connections } from './sync';
import { users } from './users';

/**
 * The Kommo (amoCRM) integration (DESIGN §5, decision 007). The connection itself is a
 * row of the sync engine's `connections` (provider kommo, outbound policy manual_only);
 * what only Kommo needs lives here, keyed by that row: the account host, the tenant's
 * OAuth app, the webhook secret, the 403 alert state; then the inbound mirror, the
 * webhook event log, the app ↔ Kommo links, the outbound syncs (one per click) and the
 * two-approval bulk exceptions.
 */

export const kommoAuthMode = pgEnum('kommo_auth_mode', kommoAuthModes);
export const kommoWebhookStatus = pgEnum('kommo_webhook_status', kommoWebhookStatuses);
export const kommoProfileType = pgEnum('kommo_profile_type', kommoProfileTypes);
export const kommoOutboundStatus = pgEnum('kommo_outbound_status', kommoOutboundStatuses);
export const kommoLinkOrigin = pgEnum('kommo_link_origin', kommoLinkOrigins);
export const kommoBulkStatus = pgEnum('kommo_bulk_status', kommoBulkStatuses);
export const kommoBulkKind = pgEnum('kommo_bulk_kind', kommoBulkKinds);

const kommoId = (name: string) => bigint(name, { mode: 'number' });

/** Pipelines, statuses and users by id, for names in the mirror (refreshed when an id is unknown). */
export interface KommoCatalog {
  pipelines: Record<string, string>;
  statuses: Record<string, { name: string; pipelineId: number }>;
  users: Record<string, string>;
}

/** One per tenant: the Kommo account behind the tenant's Kommo connection. */
export const kommoAccounts = pgTable(
  'kommo_accounts',
  {
    connectionId: uuid('connection_id')
      .primaryKey()
      .references(() => connections.id, { onDelete: 'cascade' }),
    organizationId: organizationId(),
    subdomain: text('subdomain').notNull(),
    /** kommo.com, amocrm.ru or amocrm.com. */
    domain: text('domain').notNull(),
    /** https://<subdomain>.<domain>, or the sandbox origin (demo/test only). */
    baseUrl: text('base_url').notNull(),
    usesSandbox: boolean('uses_sandbox').notNull().default(false),
    authMode: kommoAuthMode('auth_mode').notNull(),
    /** The tenant's own Kommo integration (OAuth); the secret encrypted, bound to (kommo_accounts, connection id, oauth_client_secret). */
    oauthClientId: text('oauth_client_id'),
    oauthClientSecret: text('oauth_client_secret'),
    /** Learnt from GET /api/v4/account on connect; webhooks must carry the same account[id]. */
    kommoAccountId: kommoId('kommo_account_id'),
    accountName: text('account_name'),
    /** ≥ 128-bit secret of the webhook URL: encrypted (to show the URL again) and hashed (to check it). */
    webhookSecret: text('webhook_secret').notNull(),
    webhookSecretHash: text('webhook_secret_hash').notNull(),
    /** After a rotation the previous URL keeps working for a grace period. */
    previousWebhookSecretHash: text('previous_webhook_secret_hash'),
    previousWebhookSecretValidUntil: timestamp('previous_webhook_secret_valid_until', { withTimezone: true }),
    webhookSecretRotatedAt: timestamp('webhook_secret_rotated_at', { withTimezone: true }),
    /** 403 from Kommo: no call before this; `alert` stays until a person acknowledges it. */
    blockedUntil: timestamp('blocked_until', { withTimezone: true }),
    alert: text('alert'),
    alertAt: timestamp('alert_at', { withTimezone: true }),
    catalog: jsonb('catalog').$type<KommoCatalog>(),
    catalogFetchedAt: timestamp('catalog_fetched_at', { withTimezone: true }),
    ...stamps(),
  },
  (t) => [uniqueIndex('kommo_accounts_org_key').on(t.organizationId)],
);

/** One OAuth round trip (only the state's SHA-256 is kept), 10 minutes, deleted when used. */
export const kommoOauthStates = pgTable(
  'kommo_oauth_states',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    stateHash: text('state_hash').notNull(),
    organizationId: organizationId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    connectionId: connectionId(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('kommo_oauth_states_hash_key').on(t.stateHash)],
);

/**
 * Kommo's 7 requests/s per account, shared by every process: one row per account host;
 * a request takes the next free slot (`next_slot_at`) in one UPDATE (a GCRA token bucket).
 */
export const kommoRateLimits = pgTable('kommo_rate_limits', {
  accountKey: text('account_key').primaryKey(),
  nextSlotAt: timestamp('next_slot_at', { withTimezone: true }).notNull(),
});

/** Every webhook delivery we accepted past the secret, one row per event (or one for a malformed body). */
export const kommoWebhookEvents = pgTable(
  'kommo_webhook_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    /** SHA-256 of account, entity, action and the event's fields: the same event delivered again has the same key. */
    eventKey: text('event_key'),
    entity: text('entity'),
    action: text('action'),
    kommoId: kommoId('kommo_id'),
    status: kommoWebhookStatus('status').notNull().default('received'),
    fields: jsonb('fields').$type<Record<string, unknown>>(),
    rawBody: text('raw_body').notNull(),
    contentType: text('content_type'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('kommo_webhook_events_key').on(t.connectionId, t.eventKey),
    index('kommo_webhook_events_org_idx').on(t.organizationId, t.receivedAt),
    index('kommo_webhook_events_pending_idx').on(t.receivedAt).where(sql`${t.status} in ('received', 'failed')`),
  ],
);

/** The inbound mirror of Kommo leads (read-only toward Kommo). */
export const kommoLeads = pgTable(
  'kommo_leads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    kommoId: kommoId('kommo_id').notNull(),
    name: text('name').notNull().default(''),
    price: bigint('price', { mode: 'number' }),
    pipelineId: kommoId('pipeline_id'),
    pipelineName: text('pipeline_name'),
    statusId: kommoId('status_id'),
    statusName: text('status_name'),
    responsibleUserId: kommoId('responsible_user_id'),
    responsibleName: text('responsible_name'),
    contactIds: bigint('contact_ids', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    remoteCreatedAt: timestamp('remote_created_at', { withTimezone: true }),
    remoteUpdatedAt: timestamp('remote_updated_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    isDeleted: boolean('is_deleted').notNull().default(false),
    /** Lower-cased name, contact names, phones and e-mails: what the page's search box matches. */
    searchText: text('search_text').notNull().default(''),
    raw: jsonb('raw').$type<Record<string, unknown>>(),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('kommo_leads_remote_key').on(t.connectionId, t.kommoId),
    index('kommo_leads_org_updated_idx').on(t.organizationId, t.remoteUpdatedAt, t.id),
    index('kommo_leads_contacts_idx').using('gin', t.contactIds),
    index('kommo_leads_search_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops')),
  ],
);

export const kommoContacts = pgTable(
  'kommo_contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    kommoId: kommoId('kommo_id').notNull(),
    name: text('name').notNull().default(''),
    responsibleUserId: kommoId('responsible_user_id'),
    /** As Kommo holds them. */
    phones: text('phones').array().notNull().default(sql`'{}'::text[]`),
    /** E.164 with the tenant's default country (those that parse). */
    phonesE164: text('phones_e164').array().notNull().default(sql`'{}'::text[]`),
    /** Lower-cased. */
    emails: text('emails').array().notNull().default(sql`'{}'::text[]`),
    remoteCreatedAt: timestamp('remote_created_at', { withTimezone: true }),
    remoteUpdatedAt: timestamp('remote_updated_at', { withTimezone: true }),
    isDeleted: boolean('is_deleted').notNull().default(false),
    raw: jsonb('raw').$type<Record<string, unknown>>(),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('kommo_contacts_remote_key').on(t.connectionId, t.kommoId),
    index('kommo_contacts_phones_idx').using('gin', t.phonesE164),
    index('kommo_contacts_emails_idx').using('gin', t.emails),
  ],
);

/** An app lead or contact and its Kommo twin (a lead and/or a contact there). */
export const kommoLinks = pgTable(
  'kommo_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    profileType: kommoProfileType('profile_type').notNull(),
    profileId: uuid('profile_id').notNull(),
    kommoLeadId: kommoId('kommo_lead_id'),
    kommoContactId: kommoId('kommo_contact_id'),
    origin: kommoLinkOrigin('origin').notNull(),
    outboundSyncId: uuid('outbound_sync_id'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    ...stamps(),
  },
  (t) => [
    uniqueIndex('kommo_links_profile_key').on(t.connectionId, t.profileType, t.profileId),
    index('kommo_links_remote_lead_idx').on(t.connectionId, t.kommoLeadId),
    check('kommo_links_has_target', sql`${t.kommoLeadId} is not null or ${t.kommoContactId} is not null`),
  ],
);

/** What an outbound sync found or created, for the answer and the activity view. */
export interface KommoOutboundResult {
  matchedBy?: 'phone' | 'email' | null;
  lead?: { id: number; name: string; pipeline: string | null; status: string | null; responsible: string | null; url: string } | null;
  contact?: { id: number; name: string; url: string } | null;
  kommoRequests?: number;
}

/**
 * One click of "Sync to Kommo". At most one `pending` row per profile (the unique
 * index below): a double click or a retry joins the sync under way instead of starting
 * a second one.
 */
export const kommoOutboundSyncs = pgTable(
  'kommo_outbound_syncs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    userEmail: text('user_email'),
    profileType: kommoProfileType('profile_type').notNull(),
    profileId: uuid('profile_id').notNull(),
    requestId: text('request_id'),
    status: kommoOutboundStatus('status').notNull().default('pending'),
    kommoLeadId: kommoId('kommo_lead_id'),
    kommoContactId: kommoId('kommo_contact_id'),
    result: jsonb('result').$type<KommoOutboundResult>().notNull().default({}),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('kommo_outbound_syncs_pending_key').on(t.organizationId, t.profileType, t.profileId).where(sql`${t.status} = 'pending'`),
    index('kommo_outbound_syncs_org_idx').on(t.organizationId, t.startedAt),
    index('kommo_outbound_syncs_user_idx').on(t.organizationId, t.userId, t.startedAt),
  ],
);

export interface KommoBulkPlanItem {
  /** The app lead (for a rollback: the lead whose Kommo twin is closed). */
  leadId: string;
  action: 'create' | 'link' | 'skip' | 'close';
  reason: string;
  kommoLeadId?: number | null;
  /** An existing Kommo contact the created lead attaches to (no second contact). */
  kommoContactId?: number | null;
}

export interface KommoBulkResult {
  leadId: string;
  outcome: 'created' | 'linked' | 'skipped' | 'closed' | 'failed';
  kommoLeadId?: number | null;
  detail?: string;
  at: string;
}

/**
 * A one-off exception to the one-click rule: a named list of leads, a reason, a dry
 * run, two approvals by two different people (a platform super_admin and the tenant's
 * owner), then execution chunk by chunk by a person at the shared rate limit. The Kommo
 * ids created are recorded (`created`), so a second, equally approved exception of kind
 * `rollback` can close them again (Kommo's API cannot delete leads).
 */
export const kommoBulkExceptions = pgTable(
  'kommo_bulk_exceptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    connectionId: connectionId(),
    kind: kommoBulkKind('kind').notNull().default('create'),
    name: text('name').notNull(),
    reason: text('reason').notNull(),
    leadIds: jsonb('lead_ids').$type<string[]>().notNull(),
    status: kommoBulkStatus('status').notNull().default('dry_run'),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    requestedByEmail: text('requested_by_email'),
    dryRun: jsonb('dry_run').$type<KommoBulkPlanItem[]>().notNull().default([]),
    dryRunAt: timestamp('dry_run_at', { withTimezone: true }),
    ownerApprovedBy: uuid('owner_approved_by').references(() => users.id, { onDelete: 'set null' }),
    ownerApprovedAt: timestamp('owner_approved_at', { withTimezone: true }),
    superAdminApprovedBy: uuid('super_admin_approved_by').references(() => users.id, { onDelete: 'set null' }),
    superAdminApprovedAt: timestamp('super_admin_approved_at', { withTimezone: true }),
    rejectedBy: uuid('rejected_by').references(() => users.id, { onDelete: 'set null' }),
    rejectionReason: text('rejection_reason'),
    /** Next dry-run item to execute. */
    position: integer('position').notNull().default(0),
    results: jsonb('results').$type<KommoBulkResult[]>().notNull().default([]),
    /** Kommo lead ids created by the run, by app lead id (the rollback plan). */
    created: jsonb('created').$type<Record<string, number>>().notNull().default({}),
    rollbackOf: uuid('rollback_of'),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    ...stamps(),
  },
  (t) => [
    index('kommo_bulk_exceptions_org_idx').on(t.organizationId, t.createdAt),
    index('kommo_bulk_exceptions_status_idx').on(t.status, t.createdAt),
    check('kommo_bulk_two_people', sql`${t.ownerApprovedBy} is null or ${t.superAdminApprovedBy} is null or ${t.ownerApprovedBy} <> ${t.superAdminApprovedBy}`),
    check('kommo_bulk_size', sql`jsonb_array_length(${t.leadIds}) between 1 and 300`),
  ],
);
