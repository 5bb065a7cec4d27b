/**
 * What the sync engine sees of a CRM. A provider's quirks (SOQL, HubSpot search and its
 * 10,000-result cap, batch sizes, error bodies, rate-limit headers) stay inside
 * server/providers/<vendor>/; the engine speaks only these interfaces.
 */

export type SyncProvider = 'salesforce' | 'hubspot';
export type CrmEntity = 'account' | 'contact';

/** Field values as the CRM names them (Salesforce API names, HubSpot property names). */
export type RemoteFields = Record<string, string | number | boolean | null>;

export interface RemoteRecord {
  id: string;
  /** The provider's modification stamp, ISO 8601 with milliseconds, UTC. */
  modifiedAt: string;
  fields: RemoteFields;
  /** For contacts: the remote id of the associated account, when any. */
  accountId?: string | null;
  /** The app record id we stamped on it when we created it (Salesforce External_Id__c, HubSpot crmhub_id), if any. */
  appId?: string | null;
}

export interface RemoteField {
  name: string;
  label: string;
  type: 'string' | 'textarea' | 'email' | 'phone' | 'url' | 'number' | 'boolean' | 'date' | 'datetime' | 'enum' | 'reference' | 'id';
  required: boolean;
  updateable: boolean;
  custom: boolean;
  options?: { value: string; label: string }[];
}

/**
 * Where an incremental pull stands: the last (modifiedAt, id) fully processed. Pulls
 * return records with (modifiedAt, id) strictly after it, ordered by that pair; the
 * engine subtracts a small overlap window itself when it starts a new run.
 */
export interface PullCursor {
  modifiedAt: string | null;
  id: string | null;
}

export interface ChangePage {
  records: RemoteRecord[];
  /** Cursor after the last record of this page; null when nothing came back. */
  cursor: PullCursor | null;
  /** True when more records may follow. */
  hasMore: boolean;
  /**
   * Records the provider counted from this page's start onwards (this page's records
   * included), when the same call answered it: HubSpot search's `total`, Salesforce's
   * `totalSize` of a query asked `withTotal`. Absent when unknown. An estimate: records
   * changed meanwhile move to the end and count again.
   */
  total?: number;
}

export interface PullOptions {
  fields: string[];
  pageSize?: number;
  /** Ask for `total` when it costs an extra query shape (Salesforce: one un-limited query); never an extra call. */
  withTotal?: boolean;
}

export interface WriteInput {
  /** Update this remote record; absent → create (or upsert by `dedupeKey`). */
  id?: string;
  /** Idempotent create: e-mail (contacts) or domain (accounts) / external id, so a retry cannot create twice. */
  dedupeKey?: string;
  /**
   * The app record's id. A create without a dedupe key upserts by it (Salesforce
   * External_Id__c, HubSpot's unique `crmhub_id` property), so a crash between the CRM's
   * create and our link cannot create a second record on retry; pulls report it back as
   * RemoteRecord.appId.
   */
  appId?: string;
  fields: RemoteFields;
  accountId?: string | null;
}

export type WriteResult = { ok: true; id: string; created: boolean; modifiedAt: string | null } | { ok: false; error: string; retryable: boolean };

export interface CrmIdentity {
  userId: string;
  userName: string;
  email: string | null;
  organizationName: string;
  /** The CRM's org/portal id (HubSpot hub id, Salesforce organization id): webhooks are routed by it. */
  accountId?: string | null;
}

/** A CRM client bound to one connection's tokens. */
export interface CrmClient {
  readonly provider: SyncProvider;
  identity(): Promise<CrmIdentity>;
  describe(entity: CrmEntity): Promise<RemoteField[]>;
  /** One page of records changed after `cursor` (null: from the beginning). */
  pullChanges(entity: CrmEntity, cursor: PullCursor | null, options: PullOptions): Promise<ChangePage>;
  /** Ids deleted (Salesforce) or archived (HubSpot) since an instant. */
  pullDeleted(entity: CrmEntity, since: string): Promise<{ id: string; deletedAt: string }[]>;
  fetchByIds(entity: CrmEntity, ids: string[], fields: string[]): Promise<RemoteRecord[]>;
  /** Looks up unlinked records by dedupe key (lower-cased e-mail, or domain) before any create. */
  findByDedupeKeys(entity: CrmEntity, keys: string[], fields: string[]): Promise<Map<string, RemoteRecord>>;
  /** Writes in the provider's batch size; one result per input, in order. */
  write(entity: CrmEntity, inputs: WriteInput[]): Promise<WriteResult[]>;
  remove(entity: CrmEntity, ids: string[]): Promise<WriteResult[]>;
  /** The provider's batch size for writes (HubSpot 100, Salesforce collections 200). */
  readonly writeBatchSize: number;
  /** App rows per push page this client writes best (Salesforce with Bulk API 2.0: large pages); default 200. */
  readonly pushPageSize?: number;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms; null when the provider does not say. */
  expiresAt: number | null;
  /** Salesforce: the instance the tokens belong to. */
  instanceUrl?: string;
  scope?: string;
}

/** The OAuth 2.0 side of a provider (authorization code with PKCE S256). */
export interface OAuthProvider {
  readonly provider: SyncProvider;
  authorizationUrl(input: { state: string; codeChallenge: string; redirectUri: string }): string;
  exchangeCode(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet>;
  refresh(refreshToken: string, current: TokenSet): Promise<TokenSet>;
  revoke(tokens: TokenSet): Promise<void>;
}

/** A refresh token the provider no longer accepts: re-authorization is needed, never a retry loop. */
export class ReauthorizationNeeded extends Error {
  constructor(message = 're-authorization needed') {
    super(message);
    this.name = 'ReauthorizationNeeded';
  }
}

/** The provider asked us to slow down; the caller waits `retryAfterMs` and tries again. */
export class ProviderRateLimited extends Error {
  constructor(
    readonly retryAfterMs: number,
    message = 'rate limited by the provider',
  ) {
    super(message);
    this.name = 'ProviderRateLimited';
  }
}
