import { createHmac } from 'node:crypto';
import { OAuthTokenStore, type AccessToken } from '../core/oauth';
import { generateCompanies, generatePeople } from '../core/generator';
import { seededRandom, type SeededRandom } from '../core/random';
import { idNumber, KEY_PREFIX, makeId, normalizeId } from './ids';
import {
  ACCOUNT_TYPES,
  LEAD_SOURCES,
  LEAD_STATUSES,
  OBJECTS,
  OBJECT_NAMES,
  coerceValue,
  objectOfId,
  referenceTargetOk,
  saveError,
  type ObjectDef,
  type ObjectName,
  type SaveError,
} from './schema';
import { insertSorted, keyOf, removeSorted, type Key, type Rec } from './sorted';
import type { IngestJob, QueryJob } from './bulk';
import type { QueryCursor } from './query';

/** The demo connected app (consumer key and secret) every sandbox registers. */
export const DEMO_CLIENT = {
  clientId: '3MVG9CRMHubSandbox.DemoConnectedApp.ConsumerKey',
  clientSecret: 'CRMHUB0SANDBOX0DEMO0CONSUMER0SECRET',
} as const;
/** The org's one user; also accepted by the password grant. */
export const DEMO_USER = {
  username: 'demo.admin@crmhub-sandbox.example',
  password: 'sandbox-password',
  displayName: 'Demo Admin',
  email: 'demo.admin@crmhub-sandbox.example',
} as const;

export const ORG_ID = makeId(KEY_PREFIX.Organization, 1_000_001);
export const USER_ID = makeId(KEY_PREFIX.User, 1_000_001);
const ID_BASE = 62 ** 5 * 4;
const COUNTRY_NAMES: Record<string, string> = { US: 'United States', GB: 'United Kingdom', DE: 'Germany', FR: 'France', ES: 'Spain', RU: 'Russia' };
const SOURCE_MAP: Record<string, string> = { website: 'Web', 'cold call': 'Phone Inquiry', referral: 'Partner Referral', event: 'Other', 'inbound e-mail': 'Web', other: 'Other' };

export interface DeletedEntry {
  id: string;
  deletedDate: number;
  record: Rec;
}

export class Collection {
  /** Sorted by Id = creation order. */
  readonly byIdOrder: Rec[] = [];
  /** Sorted by (SystemModstamp, Id). */
  readonly byStamp: Rec[] = [];
  /** Recycle bin, in deletion order (deletedDate ascending). */
  readonly deleted: DeletedEntry[] = [];
  readonly deletedById = new Map<string, DeletedEntry>();
  /** Lower-cased External_Id__c → record (unique). */
  readonly externalIds = new Map<string, Rec>();
  /** Records by id sequence number (minus ID_BASE): O(1) lookups without a map of strings. */
  readonly slots: (Rec | undefined)[] = [];
  /** Lower-cased Email → records; built on first use. */
  private emails: Map<string, Rec[]> | null = null;
  nextNumber = ID_BASE;

  constructor(readonly def: ObjectDef) {}

  get size() {
    return this.byIdOrder.length;
  }

  emailIndex(): Map<string, Rec[]> {
    if (!this.emails) {
      this.emails = new Map();
      for (const r of this.byIdOrder) this.indexEmail(r);
    }
    return this.emails;
  }

  indexEmail(r: Rec): void {
    if (!this.emails || typeof r.Email !== 'string') return;
    const key = r.Email.toLowerCase();
    const list = this.emails.get(key);
    if (list) list.push(r);
    else this.emails.set(key, [r]);
  }

  unindexEmail(r: Rec): void {
    if (!this.emails || typeof r.Email !== 'string') return;
    const key = r.Email.toLowerCase();
    const list = this.emails.get(key)?.filter((x) => x !== r);
    if (list?.length) this.emails.set(key, list);
    else this.emails.delete(key);
  }
}

export type WriteResult = { ok: true; values: Record<string, unknown> } | { ok: false; errors: SaveError[] };

export interface SalesforceSettings {
  /** Daily API request allocation (`Sforce-Limit-Info`, REQUEST_LIMIT_EXCEEDED). */
  dailyApiLimit: number;
  /** Polls of a Bulk 2.0 job that still see InProgress before JobComplete. */
  bulkPollsBeforeComplete: number;
  /**
   * Rows per Bulk 2.0 query results page when the client sends no maxRecords.
   * null = one page (jsforce 3 cannot read multi-page results: jsforce#1546).
   */
  bulkQueryPageSize: number | null;
  /** Open query cursors per user before the least recently used is released (Salesforce: 10). */
  maxOpenCursors: number;
}

export class SalesforceStore {
  readonly collections: Record<ObjectName, Collection>;
  readonly oauth = new OAuthTokenStore({ accessTokenTtlSeconds: 2 * 3600, rotateRefreshTokens: false, tokenPrefix: `${ORG_ID.slice(0, 15)}!AQ0AQ` });
  readonly settings: SalesforceSettings = { dailyApiLimit: 100_000, bulkPollsBeforeComplete: 1, bulkQueryPageSize: null, maxOpenCursors: 10 };
  readonly apiUsage = { used: 0 };
  readonly ingestJobs = new Map<string, IngestJob>();
  readonly queryJobs = new Map<string, QueryJob>();
  readonly cursors = new Map<string, QueryCursor>();
  readonly createdAt: number;
  private lastStamp = 0;
  private seq = 0;
  private jobCounter = ID_BASE;
  private locatorCounter = ID_BASE;

  constructor(options: { seed: number; records: number }) {
    this.oauth.registerClient({ clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, redirectUris: [] });
    this.collections = { Account: new Collection(OBJECTS.Account), Contact: new Collection(OBJECTS.Contact), Lead: new Collection(OBJECTS.Lead) };
    this.createdAt = Date.now();
    this.generate(options.seed, Math.max(0, Math.floor(options.records)));
  }

  // ---- clock and sequence -------------------------------------------------------------

  /** Monotonic: a write never gets a stamp older than an existing one. */
  now(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp);
    return this.lastStamp;
  }

  currentSeq(): number {
    return this.seq;
  }

  nextJobId(): string {
    return makeId(KEY_PREFIX.BulkJob, this.jobCounter++);
  }

  nextLocatorId(): string {
    return makeId(KEY_PREFIX.QueryLocator, this.locatorCounter++).slice(0, 15);
  }

  // ---- generation --------------------------------------------------------------------

  private generate(seed: number, records: number): void {
    const now = this.createdAt - 60_000;
    const accounts = records === 0 ? 0 : Math.max(1, Math.ceil(records / 10));
    const leads = Math.ceil(records / 2);
    const companies = generateCompanies(accounts, { seed, now });
    const people = generatePeople(records + leads, { seed, companies: accounts, now });
    const random = seededRandom(seed * 7919 + 11);
    const tiers = ['Gold', 'Silver', 'Bronze'];
    const tier = () => (random.chance(0.4) ? null : random.pick(tiers));
    const region = (country: string) => (country === 'US' ? 'AMER' : 'EMEA');
    const openStatuses = LEAD_STATUSES.filter((s) => s !== 'Closed - Converted');
    // object literals with one fixed key order per type keep V8 shapes shared and compact
    const accountIds: string[] = new Array(accounts);
    const accountCol = this.collections.Account;
    for (const c of companies) {
      const id = makeId(accountCol.def.keyPrefix, accountCol.nextNumber++);
      accountIds[c.index] = id;
      this.load(accountCol, {
        Id: id,
        IsDeleted: false,
        Name: c.name,
        Type: random.pick(ACCOUNT_TYPES),
        Industry: c.industry,
        Phone: c.phone,
        Website: `https://${c.domain}`,
        BillingCity: c.city,
        BillingCountry: COUNTRY_NAMES[c.country] ?? c.country,
        NumberOfEmployees: random.int(5, 5000),
        AnnualRevenue: random.int(1, 500) * 100_000,
        Description: null,
        OwnerId: USER_ID,
        CreatedDate: c.createdAt,
        CreatedById: USER_ID,
        LastModifiedDate: c.updatedAt,
        LastModifiedById: USER_ID,
        SystemModstamp: c.updatedAt,
        Region__c: region(c.country),
        Tier__c: tier(),
        External_Id__c: null,
        _seq: 0,
        _cseq: 0,
      });
    }
    const contactCol = this.collections.Contact;
    const leadCol = this.collections.Lead;
    for (let i = 0; i < people.length; i++) {
      const p = people[i]!;
      const company = p.companyIndex >= 0 ? companies[p.companyIndex] : undefined;
      const country = COUNTRY_NAMES[p.country] ?? p.country;
      const source = SOURCE_MAP[p.leadSource] ?? LEAD_SOURCES[4]!;
      if (i < records) {
        this.load(contactCol, {
          Id: makeId(contactCol.def.keyPrefix, contactCol.nextNumber++),
          IsDeleted: false,
          AccountId: p.companyIndex >= 0 ? accountIds[p.companyIndex]! : null,
          FirstName: p.firstName,
          LastName: p.lastName,
          Name: `${p.firstName} ${p.lastName}`,
          Email: p.email,
          Phone: p.phone,
          MobilePhone: null,
          Title: p.title,
          MailingCity: company?.city ?? null,
          MailingCountry: country,
          LeadSource: source,
          OwnerId: USER_ID,
          CreatedDate: p.createdAt,
          CreatedById: USER_ID,
          LastModifiedDate: p.updatedAt,
          LastModifiedById: USER_ID,
          SystemModstamp: p.updatedAt,
          Region__c: region(p.country),
          Tier__c: tier(),
          External_Id__c: null,
          _seq: 0,
          _cseq: 0,
        });
      } else {
        this.load(leadCol, {
          Id: makeId(leadCol.def.keyPrefix, leadCol.nextNumber++),
          IsDeleted: false,
          FirstName: p.firstName,
          LastName: p.lastName,
          Name: `${p.firstName} ${p.lastName}`,
          Company: company?.name ?? `${p.lastName} Household`,
          Email: p.email,
          Phone: p.phone,
          Title: p.title,
          City: company?.city ?? null,
          Country: country,
          Industry: company?.industry ?? null,
          LeadSource: source,
          Status: random.pick(openStatuses),
          IsConverted: false,
          OwnerId: USER_ID,
          CreatedDate: p.createdAt,
          CreatedById: USER_ID,
          LastModifiedDate: p.updatedAt,
          LastModifiedById: USER_ID,
          SystemModstamp: p.updatedAt,
          Region__c: region(p.country),
          Tier__c: tier(),
          External_Id__c: null,
          _seq: 0,
          _cseq: 0,
        });
      }
    }
    for (const name of OBJECT_NAMES) {
      const col = this.collections[name];
      // byIdOrder is in id order, so (stamp, position) order is (stamp, Id) order; packing
      // both into one 64-bit key lets the typed array sort natively, without a comparator
      const list = col.byIdOrder;
      const keys = new BigUint64Array(list.length);
      for (let i = 0; i < list.length; i++) keys[i] = (BigInt(Math.max(0, list[i]!.SystemModstamp)) << 22n) | BigInt(i);
      keys.sort();
      const mask = (1n << 22n) - 1n;
      for (let i = 0; i < keys.length; i++) col.byStamp.push(list[Number(keys[i]! & mask)]!);
      const last = col.byStamp[col.byStamp.length - 1];
      if (last) this.lastStamp = Math.max(this.lastStamp, last.SystemModstamp);
    }
  }

  private load(col: Collection, r: Rec): void {
    col.byIdOrder.push(r);
    col.slots.push(r);
  }

  // ---- lookups ----------------------------------------------------------------------

  /** A live record by (15- or 18-character) id. */
  find(id: string): Rec | null {
    const full = normalizeId(id);
    return full ? this.get(full) : null;
  }

  /** A live record by canonical 18-character id. */
  get(id: string): Rec | null {
    const type = objectOfId(id);
    const n = type ? idNumber(id) : null;
    if (!type || n === null) return null;
    const r = this.collections[type].slots[n - ID_BASE];
    return r && r.Id === id ? r : null;
  }

  findDeleted(id: string): DeletedEntry | null {
    const full = normalizeId(id);
    const type = full ? objectOfId(full) : null;
    return full && type ? (this.collections[type].deletedById.get(full) ?? null) : null;
  }

  typeOf(r: Rec): ObjectName {
    return objectOfId(r.Id)!;
  }

  // ---- validation ----------------------------------------------------------------------

  /**
   * Checks the fields of a create (`existing` null) or an update and converts them to
   * stored values. Errors are in save-result shape, in the order Salesforce reports them.
   */
  validate(type: ObjectName, input: Record<string, unknown>, existing: Rec | null): WriteResult {
    const def = OBJECTS[type];
    const values: Record<string, unknown> = {};
    const errors: SaveError[] = [];
    const unknown = Object.keys(input).filter((k) => k !== 'attributes' && !def.byName.has(k.toLowerCase()));
    if (unknown.length) return { ok: false, errors: [saveError('INVALID_FIELD', `No such column '${unknown[0]}' on sobject of type ${type}`, [unknown[0]!])] };
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const f = def.byName.get(key.toLowerCase())!;
      if (existing ? !f.updateable : !f.createable) {
        // Salesforce tolerates an unchanged Id in an update body
        if (!(f.type === 'id' && existing && typeof raw === 'string' && normalizeId(raw) === existing.Id)) readOnly.push(f.name);
        continue;
      }
      const coerced = coerceValue(f, raw);
      if (!coerced.ok) {
        errors.push(coerced.error);
        continue;
      }
      const value = coerced.value;
      if (f.type === 'reference' && value !== null) {
        const id = value as string;
        if (!referenceTargetOk(f, id)) {
          errors.push(saveError('FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${id}`, [f.name]));
          continue;
        }
        const exists = f.referenceTo.includes('User') ? id === USER_ID : this.get(id) !== null;
        if (!exists) {
          errors.push(
            this.findDeleted(id)
              ? saveError('ENTITY_IS_DELETED', 'entity is deleted', [f.name])
              : saveError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]),
          );
          continue;
        }
      }
      if (f.externalId && typeof value === 'string') {
        const other = this.collections[type].externalIds.get(value.toLowerCase());
        if (other && other !== existing) {
          errors.push(saveError('DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${other.Id}`, [f.name]));
          continue;
        }
      }
      values[f.name] = value;
    }
    if (readOnly.length)
      errors.unshift(
        saveError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          readOnly,
        ),
      );
    if (!existing) {
      const missing = def.required.filter((name) => values[name] === undefined || values[name] === null);
      if (missing.length) errors.push(saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing));
    }
    return errors.length ? { ok: false, errors } : { ok: true, values };
  }

  // ---- writes ----------------------------------------------------------------------

  /** Creates a validated record. */
  insert(type: ObjectName, values: Record<string, unknown>): Rec {
    const col = this.collections[type];
    const now = this.now();
    this.seq += 1;
    const r: Rec = {
      Id: makeId(col.def.keyPrefix, col.nextNumber++),
      SystemModstamp: now,
      CreatedDate: now,
      LastModifiedDate: now,
      _seq: this.seq,
      _cseq: this.seq,
    };
    for (const f of col.def.fields) {
      if (f.type === 'id' || f.type === 'datetime') continue;
      const given = values[f.name];
      r[f.name] = given !== undefined ? given : f.defaultValue !== null ? (f.type === 'boolean' ? f.defaultValue === 'true' : f.defaultValue) : null;
    }
    r.OwnerId ??= USER_ID;
    r.CreatedById = USER_ID;
    r.LastModifiedById = USER_ID;
    r.IsDeleted = false;
    if (type !== 'Account') r.Name = fullName(r);
    col.byIdOrder.push(r);
    col.byStamp.push(r);
    col.slots[idNumber(r.Id)! - ID_BASE] = r;
    if (typeof r.External_Id__c === 'string') col.externalIds.set(r.External_Id__c.toLowerCase(), r);
    col.indexEmail(r);
    return r;
  }

  /** Applies validated values and bumps the modification stamps. */
  update(r: Rec, values: Record<string, unknown>): void {
    const type = this.typeOf(r);
    const col = this.collections[type];
    if ('External_Id__c' in values) {
      if (typeof r.External_Id__c === 'string') col.externalIds.delete(r.External_Id__c.toLowerCase());
      if (typeof values.External_Id__c === 'string') col.externalIds.set(values.External_Id__c.toLowerCase(), r);
    }
    if ('Email' in values) col.unindexEmail(r);
    Object.assign(r, values);
    if ('Email' in values) col.indexEmail(r);
    if (type !== 'Account') r.Name = fullName(r);
    this.touch(col, [r]);
  }

  /** Moves records to the end of the stamp order with a fresh stamp. */
  private touch(col: Collection, records: Rec[]): void {
    const now = this.now();
    if (records.length <= 32) {
      for (const r of records) {
        removeSorted(col.byStamp, 'stamp', r);
        this.stampWrite(r, now);
        insertSorted(col.byStamp, 'stamp', r);
      }
      return;
    }
    const moving = new Set(records);
    const kept = col.byStamp.filter((r) => !moving.has(r));
    for (const r of records) this.stampWrite(r, now);
    const moved = [...moving].sort((a, b) => (a.Id < b.Id ? -1 : 1));
    col.byStamp.length = 0;
    for (const r of kept) col.byStamp.push(r);
    for (const r of moved) insertSorted(col.byStamp, 'stamp', r);
  }

  private stampWrite(r: Rec, now: number): void {
    this.seq += 1;
    r.SystemModstamp = now;
    r.LastModifiedDate = now;
    r.LastModifiedById = USER_ID;
    r._seq = this.seq;
  }

  /** Deletes records into the recycle bin (getDeleted and queryAll still see them). */
  remove(records: Rec[]): void {
    const byType = new Map<ObjectName, Rec[]>();
    for (const r of records) {
      const type = this.typeOf(r);
      const list = byType.get(type);
      if (list) list.push(r);
      else byType.set(type, [r]);
    }
    for (const [type, list] of byType) {
      const col = this.collections[type];
      const now = this.now();
      if (list.length <= 32) {
        for (const r of list) {
          removeSorted(col.byStamp, 'stamp', r);
          removeSorted(col.byIdOrder, 'id', r);
        }
      } else {
        const gone = new Set(list);
        const keepStamp = col.byStamp.filter((r) => !gone.has(r));
        const keepId = col.byIdOrder.filter((r) => !gone.has(r));
        col.byStamp.length = 0;
        col.byIdOrder.length = 0;
        for (const r of keepStamp) col.byStamp.push(r);
        for (const r of keepId) col.byIdOrder.push(r);
      }
      for (const r of list) {
        col.slots[idNumber(r.Id)! - ID_BASE] = undefined;
        if (typeof r.External_Id__c === 'string' && col.externalIds.get(r.External_Id__c.toLowerCase()) === r) col.externalIds.delete(r.External_Id__c.toLowerCase());
        col.unindexEmail(r);
        this.stampWrite(r, now);
        r.IsDeleted = true;
        const entry: DeletedEntry = { id: r.Id, deletedDate: now, record: r };
        col.deleted.push(entry);
        col.deletedById.set(r.Id, entry);
      }
    }
  }

  // ---- sessions and limits -------------------------------------------------------------

  /** Counts one API request; false when the daily allocation is used up. */
  takeApiCall(): boolean {
    if (this.apiUsage.used >= this.settings.dailyApiLimit) return false;
    this.apiUsage.used += 1;
    return true;
  }

  limitInfoHeader(): string {
    return `api-usage=${this.apiUsage.used}/${this.settings.dailyApiLimit}`;
  }

  /** The token endpoint's success body for an issued access token. */
  tokenResponse(access: AccessToken, baseUrl: string, includeRefresh: boolean) {
    const id = `${baseUrl}/id/${ORG_ID}/${USER_ID}`;
    const issuedAt = String(access.issuedAt);
    const body: Record<string, string> = {
      access_token: access.token,
      signature: createHmac('sha256', DEMO_CLIENT.clientSecret).update(id + issuedAt).digest('base64'),
      scope: access.scope || 'api refresh_token',
      instance_url: baseUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
    if (includeRefresh && access.refreshToken) body.refresh_token = access.refreshToken;
    return body;
  }

  /** Test helper: a session as if the OAuth round trip had happened. */
  issueSession(baseUrl: string, scope = 'api refresh_token') {
    const access = this.oauth.issueTokens(DEMO_CLIENT.clientId, scope, USER_ID);
    return this.tokenResponse(access, baseUrl, true) as { access_token: string; refresh_token: string; instance_url: string; id: string };
  }

  // ---- admin knobs --------------------------------------------------------------------

  private pickLive(random: SeededRandom, count: number): Rec[] {
    const picked = new Set<Rec>();
    const total = () => OBJECT_NAMES.reduce((n, t) => n + this.collections[t].size, 0);
    const want = Math.min(count, total());
    let guard = want * 20 + 100;
    while (picked.size < want && guard-- > 0) {
      let at = random.int(0, total() - 1);
      for (const t of OBJECT_NAMES) {
        const col = this.collections[t];
        if (at < col.size) {
          picked.add(col.byIdOrder[at]!);
          break;
        }
        at -= col.size;
      }
    }
    return [...picked];
  }

  deleteRandom(count: number, random: SeededRandom): string[] {
    const victims = this.pickLive(random, count);
    this.remove(victims);
    return victims.map((r) => r.Id);
  }

  modifyRandom(count: number, random: SeededRandom): string[] {
    const victims = this.pickLive(random, count);
    const byType = new Map<ObjectName, Rec[]>();
    for (const r of victims) {
      const type = this.typeOf(r);
      if (type === 'Lead') r.Status = random.pick(LEAD_STATUSES.filter((s) => s !== r.Status && s !== 'Closed - Converted'));
      else if (type === 'Account') r.NumberOfEmployees = random.int(5, 5000);
      else r.Title = random.pick(['CEO', 'CTO', 'Head of Sales', 'Sales Manager', 'Account Executive', 'Founder'].filter((t) => t !== r.Title));
      const list = byType.get(type);
      if (list) list.push(r);
      else byType.set(type, [r]);
    }
    for (const [type, list] of byType) this.touch(this.collections[type], list);
    return victims.map((r) => r.Id);
  }

  summary() {
    const counts = Object.fromEntries(OBJECT_NAMES.map((t) => [t, { live: this.collections[t].size, deleted: this.collections[t].deleted.length }]));
    return {
      objects: counts,
      apiUsage: { used: this.apiUsage.used, limit: this.settings.dailyApiLimit },
      oauth: { ...this.oauth.counters },
      bulk: { ingestJobs: this.ingestJobs.size, queryJobs: this.queryJobs.size },
      openQueryCursors: this.cursors.size,
      demoClient: { clientId: DEMO_CLIENT.clientId },
    };
  }
}

export const fullName = (r: Rec) => [r.FirstName, r.LastName].filter((v) => typeof v === 'string' && v).join(' ');

export const stampKey = (r: Rec): Key => keyOf('stamp', r);
