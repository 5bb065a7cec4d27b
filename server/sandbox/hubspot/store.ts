import { OAuthTokenStore, type AccessToken } from '../core/oauth';
import { SlidingWindowLimiter } from '../core/rate-limit';
import type { SeededRandom } from '../core/random';
import { AssociationIndex } from './associations';
import { ACCESS_TOKEN_TTL_SECONDS, ALL_SCOPES, DEMO_APP, PORTAL, PRIVATE_APP_TOKEN, SINGULAR, type ObjectType } from './constants';
import { companyValues, contactValues, generateData, MODIFY_TITLES } from './generate';
import { LEAD_STATUSES, PropertyRegistry } from './properties';
import { ObjectCollection, type HsRecord } from './records';
import { WebhookDispatcher, type ChangeSource, type CrmEvent } from './webhooks';

/** Run-time knobs (tests change them directly; demo mode through `POST /_hubspot/config`). */
export interface HubSpotConfig {
  /** The ten-secondly rolling limit per installed app (OAuth) or private app. */
  rateLimit: { max: number; intervalMs: number };
  /** CRM search requests per second per portal. */
  searchPerSecond: number;
  /** Daily limit of private-app tokens (OAuth calls have none). */
  dailyLimit: number;
}

export const defaultConfig = (): HubSpotConfig => ({ rateLimit: { max: 100, intervalMs: 10_000 }, searchPerSecond: 5, dailyLimit: 500_000 });

export interface RefreshTokenMeta {
  clientId: string;
  scope: string;
  subject: string;
  revoked: boolean;
}

/** Who is calling: an OAuth access token of an app, or the portal's private-app token. */
export interface Caller {
  kind: 'oauth' | 'private';
  token: string;
  scopes: Set<string>;
  /** Rate-limit bucket (per installed app / private app). */
  bucket: string;
  appId: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class HubSpotStore {
  readonly config: HubSpotConfig = defaultConfig();
  readonly properties = new PropertyRegistry();
  readonly associations: AssociationIndex;
  readonly contacts: ObjectCollection;
  readonly companies: ObjectCollection;
  readonly oauth = new OAuthTokenStore({ accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS, rotateRefreshTokens: false, tokenPrefix: 'CKsandbox-' });
  /** Every access token issued (the same objects the OAuth store holds, so expiry knobs show here). */
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshTokenMeta>();
  readonly webhooks = new WebhookDispatcher({ appId: DEMO_APP.appId, portalId: PORTAL.hubId, clientSecret: DEMO_APP.clientSecret });
  private tenSecondly = new SlidingWindowLimiter(100, 10_000);
  private secondly = new SlidingWindowLimiter(5, 1_000);
  private readonly daily = new Map<string, { day: string; count: number }>();
  private lastStamp = 0;
  /** Bumped by every CRM change (search result caches key on it). */
  version = 0;

  constructor(seed: number, records: number) {
    const data = generateData(seed, records);
    this.associations = new AssociationIndex(
      data.people.map((p) => p.companyIndex),
      data.companies.length,
    );
    this.contacts = new ObjectCollection('contacts', data.people, contactValues(data), (record, name) => {
      switch (name) {
        case 'hs_object_id':
          return String(record.id);
        case 'createdate':
          return iso(record.createdAt);
        case 'lastmodifieddate':
        case 'hs_lastmodifieddate':
          return iso(record.updatedAt);
        case 'associatedcompanyid': {
          const id = this.associations.primaryCompanyOf(record);
          return id === null ? null : String(id);
        }
        default:
          return undefined;
      }
    });
    this.companies = new ObjectCollection('companies', data.companies, companyValues(data), (record, name) => {
      switch (name) {
        case 'hs_object_id':
          return String(record.id);
        case 'createdate':
          return iso(record.createdAt);
        case 'hs_lastmodifieddate':
          return iso(record.updatedAt);
        case 'num_associated_contacts':
          return String(this.associations.countContacts(record));
        default:
          return undefined;
      }
    });
    this.oauth.registerClient({ clientId: DEMO_APP.clientId, clientSecret: DEMO_APP.clientSecret, redirectUris: [] });
  }

  collection(type: ObjectType): ObjectCollection {
    return type === 'contacts' ? this.contacts : this.companies;
  }

  /** Monotonic modification stamp (never goes backwards, so incremental sync cursors hold). */
  stamp(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp);
    return this.lastStamp;
  }

  // ---- auth ---------------------------------------------------------------

  /** Issues tokens for a code or refresh grant and remembers them for introspection. */
  remember(access: AccessToken): AccessToken {
    this.accessTokens.set(access.token, access);
    if (access.refreshToken && !this.refreshTokens.has(access.refreshToken)) {
      this.refreshTokens.set(access.refreshToken, { clientId: access.clientId, scope: access.scope, subject: access.subject, revoked: false });
    }
    return access;
  }

  /** Test helper: an OAuth access token (with its refresh token) without the browser round trip. */
  issueTokens(scope = ALL_SCOPES.join(' ')): AccessToken {
    return this.remember(this.oauth.issueTokens(DEMO_APP.clientId, scope, PORTAL.user));
  }

  /** Resolves a bearer token: the caller, or why not (with the expiry time for expired tokens). */
  authenticate(bearer: string | null): Caller | { error: 'missing' | 'invalid' } | { error: 'expired'; expiresAt: number } {
    if (!bearer) return { error: 'missing' };
    if (bearer === PRIVATE_APP_TOKEN) {
      return { kind: 'private', token: bearer, scopes: new Set(ALL_SCOPES), bucket: `publicapi:private_app-api-calls-ten-secondly:${DEMO_APP.appId}:${PORTAL.hubId}`, appId: DEMO_APP.appId };
    }
    const result = this.oauth.validate(bearer);
    if (result === 'expired') return { error: 'expired', expiresAt: this.accessTokens.get(bearer)?.expiresAt ?? Date.now() };
    if (result === 'missing' || result === 'invalid') return { error: result };
    return {
      kind: 'oauth',
      token: bearer,
      scopes: new Set(result.scope.split(/\s+/).filter(Boolean)),
      bucket: `publicapi:oauth-app-api-calls-ten-secondly:${DEMO_APP.appId}:${PORTAL.hubId}`,
      appId: DEMO_APP.appId,
    };
  }

  // ---- rate limits --------------------------------------------------------

  private syncLimiters(): void {
    const { max, intervalMs } = this.config.rateLimit;
    if (this.tenSecondly.limit !== max || this.tenSecondly.windowMs !== intervalMs) this.tenSecondly = new SlidingWindowLimiter(max, intervalMs);
    if (this.secondly.limit !== this.config.searchPerSecond) this.secondly = new SlidingWindowLimiter(this.config.searchPerSecond, 1_000);
  }

  /** Counts one general API call. */
  takeGeneral(caller: Caller): { allowed: boolean; remaining: number; policy?: 'TEN_SECONDLY_ROLLING' | 'DAILY'; dailyRemaining?: number } {
    this.syncLimiters();
    let dailyRemaining: number | undefined;
    if (caller.kind === 'private') {
      const day = new Date().toISOString().slice(0, 10);
      const entry = this.daily.get(caller.token);
      const current = entry && entry.day === day ? entry : { day, count: 0 };
      if (current.count >= this.config.dailyLimit) return { allowed: false, remaining: 0, policy: 'DAILY', dailyRemaining: 0 };
      current.count += 1;
      this.daily.set(caller.token, current);
      dailyRemaining = this.config.dailyLimit - current.count;
    }
    const taken = this.tenSecondly.take(caller.bucket);
    if (!taken.allowed) return { allowed: false, remaining: 0, policy: 'TEN_SECONDLY_ROLLING', dailyRemaining };
    return { allowed: true, remaining: taken.remaining, dailyRemaining };
  }

  /** Counts one search call against the portal's secondly search limit. */
  takeSearch(): boolean {
    this.syncLimiters();
    return this.secondly.take(`search:${PORTAL.hubId}`).allowed;
  }

  resetRateLimits(): void {
    this.tenSecondly.reset();
    this.secondly.reset();
    this.daily.clear();
  }

  // ---- CRM mutations (every one reports webhook events) -------------------

  private sourceId(source: ChangeSource): string | undefined {
    return source === 'CRM_UI' ? `userId:${PORTAL.userId}` : undefined;
  }

  createRecord(type: ObjectType, values: Record<string, string | null>, source: ChangeSource = 'API'): HsRecord {
    const now = this.stamp();
    const record = this.collection(type).create(values, now);
    this.version += 1;
    this.webhooks.emit([{ subscriptionType: `${SINGULAR[type]}.creation`, objectId: record.id, occurredAt: now, changeSource: source, sourceId: this.sourceId(source), changeFlag: 'CREATED' }]);
    return record;
  }

  updateRecord(type: ObjectType, record: HsRecord, values: Record<string, string | null>, source: ChangeSource = 'API', touch = true): { name: string; value: string | null }[] {
    const now = this.stamp();
    const changed = this.collection(type).update(record, values, now, touch);
    if (changed.length) this.version += 1;
    this.webhooks.emit(
      changed.map((c): CrmEvent => ({
        subscriptionType: `${SINGULAR[type]}.propertyChange`,
        objectId: record.id,
        occurredAt: now,
        changeSource: source,
        sourceId: this.sourceId(source),
        propertyName: c.name,
        propertyValue: c.value ?? '',
      })),
    );
    return changed;
  }

  archiveRecords(type: ObjectType, records: HsRecord[], source: ChangeSource = 'API'): HsRecord[] {
    const now = this.stamp();
    const archived = this.collection(type).archiveMany(records, now);
    if (archived.length) this.version += 1;
    this.webhooks.emit(
      archived.map((r): CrmEvent => ({ subscriptionType: `${SINGULAR[type]}.deletion`, objectId: r.id, occurredAt: now, changeSource: source, sourceId: this.sourceId(source), changeFlag: 'DELETED' })),
    );
    return archived;
  }

  /** Associates (or re-labels) a contact and a company; both records' modification stamps move. */
  associate(contact: HsRecord, company: HsRecord, primary: boolean): boolean {
    const changed = this.associations.link(contact, company.id, primary);
    if (changed) this.touchBoth(contact, company);
    return changed;
  }

  dissociate(contact: HsRecord, company: HsRecord, onlyPrimaryLabel = false): boolean {
    const changed = this.associations.unlink(contact, company.id, onlyPrimaryLabel);
    if (changed) this.touchBoth(contact, company);
    return changed;
  }

  private touchBoth(contact: HsRecord, company: HsRecord): void {
    this.version += 1;
    const now = this.stamp();
    this.contacts.touch(contact, now);
    this.companies.touch(company, now);
  }

  // ---- admin operations ---------------------------------------------------

  private pick(collection: ObjectCollection, count: number, random: SeededRandom): HsRecord[] {
    const size = collection.active.length;
    if (count >= size) return collection.active.slice();
    const rows = new Set<number>();
    while (rows.size < count) rows.add(random.int(0, size - 1));
    return [...rows].map((i) => collection.active[i]!);
  }

  /** Changes job title and lead status of N random contacts, as a user in the CRM would. */
  modifyContacts(count: number, random: SeededRandom): string[] {
    const records = this.pick(this.contacts, count, random);
    for (const record of records) {
      const current = this.contacts.value(record, 'jobtitle');
      const titles = MODIFY_TITLES.filter((t) => t !== current);
      // the job title always changes, so every picked record gets a new stamp (moved in one pass below)
      this.updateRecord('contacts', record, { jobtitle: random.pick(titles), hs_lead_status: random.pick(LEAD_STATUSES).value }, 'CRM_UI', false);
    }
    this.contacts.touchMany(records, this.stamp());
    return records.map((r) => String(r.id));
  }

  /** Archives N random contacts, as a user deleting them in the CRM would. */
  deleteContacts(count: number, random: SeededRandom): string[] {
    return this.archiveRecords('contacts', this.pick(this.contacts, count, random), 'CRM_UI').map((r) => String(r.id));
  }

  expireTokens(): number {
    return this.oauth.expireAllAccessTokens();
  }

  revokeRefreshTokens(): number {
    for (const meta of this.refreshTokens.values()) meta.revoked = true;
    return this.oauth.revokeAllRefreshTokens();
  }

  summary(): Record<string, unknown> {
    return {
      portalId: PORTAL.hubId,
      contacts: this.contacts.size,
      companies: this.companies.size,
      archivedContacts: this.contacts.archived.length,
      archivedCompanies: this.companies.archived.length,
      accessTokens: this.accessTokens.size,
      refreshTokens: this.refreshTokens.size,
      oauth: this.oauth.counters,
      webhookTargets: this.webhooks.targets.length,
      webhookSubscriptions: this.webhooks.subscriptions.size,
      webhookDeliveries: this.webhooks.deliveries.length,
      config: this.config,
    };
  }
}
