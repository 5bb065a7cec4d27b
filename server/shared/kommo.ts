/**
 * The Kommo integration's vocabulary (decision 007), shared by the schema, the
 * services, the routers and the screens.
 */

export const kommoAuthModes = ['oauth', 'long_lived'] as const;
export type KommoAuthMode = (typeof kommoAuthModes)[number];

/**
 * A webhook event's life: received → processed (mirror updated), or failed (retried by
 * pg-boss), malformed (400, kept for inspection), rejected (foreign account id), ignored
 * (no entity we mirror).
 */
export const kommoWebhookStatuses = ['received', 'processing', 'processed', 'failed', 'malformed', 'rejected', 'ignored'] as const;
export type KommoWebhookStatus = (typeof kommoWebhookStatuses)[number];

export const kommoProfileTypes = ['lead', 'contact'] as const;
export type KommoProfileType = (typeof kommoProfileTypes)[number];

/**
 * One outbound sync (one click): pending while it runs (one pending row per profile —
 * the idempotence key), then found (something matched in Kommo; nothing created),
 * created (one lead with its contact), failed, or refused (burst guard; not counted).
 */
export const kommoOutboundStatuses = ['pending', 'found', 'created', 'failed', 'refused'] as const;
export type KommoOutboundStatus = (typeof kommoOutboundStatuses)[number];

/** How an app record got its Kommo twin: we created it, or a person linked an existing one. */
export const kommoLinkOrigins = ['created', 'linked'] as const;
export type KommoLinkOrigin = (typeof kommoLinkOrigins)[number];

/**
 * A bulk exception (decision 007): dry_run (the report is being built) → awaiting_approval
 * → approved (both approvals) → running (chunks executed by a person) → done; or rejected;
 * a done `create` exception becomes rolled_back once its rollback exception is done.
 */
export const kommoBulkStatuses = ['dry_run', 'awaiting_approval', 'approved', 'running', 'done', 'rejected', 'rolled_back'] as const;
export type KommoBulkStatus = (typeof kommoBulkStatuses)[number];
export const kommoBulkKinds = ['create', 'rollback'] as const;
export type KommoBulkKind = (typeof kommoBulkKinds)[number];
/** Leads one "Run" click of an approved exception processes (at the shared 7 rps pace). */
export const KOMMO_BULK_CHUNK = 10;

/** The burst guard (decision 007): per user, and for the whole tenant, per rolling minute. */
export const KOMMO_SYNCS_PER_USER_PER_MINUTE = 10;
export const KOMMO_SYNCS_PER_TENANT_PER_MINUTE = 30;

/** Kommo's published limit: requests per second per account. */
export const KOMMO_REQUESTS_PER_SECOND = 7;

/** The realtime topic of Kommo mirror changes (tenant-scoped). */
export const KOMMO_MIRROR_TOPIC = 'kommo.mirror';

/** Bulk exceptions: how many leads one may name. */
export const KOMMO_BULK_MAX_LEADS = 300;
