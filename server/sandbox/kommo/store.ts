import { randomBytes } from 'node:crypto';
import { OAuthTokenStore } from '../core/oauth';
import { seededRandom } from '../core/random';
import { SlidingWindowLimiter } from '../core/rate-limit';
import type { GeneratedPerson } from '../core/generator';
import { GENERATOR_ANCHOR, KOMMO_USERS, digitsOf, managerOf, peopleFor } from './people';
import { SortedIndex } from './sorted';
import { WebhookRegistry, type KommoEvent } from './webhooks';

/**
 * The Kommo account in memory: leads, contacts, companies, tags, pipelines, users,
 * OAuth state, rate-limit state and the webhook registry. Leads and contacts are kept
 * in arrays sorted by id and in SortedIndex'es by (updated_at, id) and (created_at, id),
 * with maps by id and phone/e-mail indexes, so a page costs O(log n + page size).
 * Times are Unix seconds, as on the wire.
 */

export const DEMO_CLIENT_ID = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
export const DEMO_CLIENT_SECRET = 'kommo-sandbox-secret-0123456789abcdefghijklmnopqrstuv';
/** A long-lived token (valid 5 years) accepted from the start, as a private integration's. */
export const DEMO_LONG_LIVED_TOKEN = 'kommo-sandbox-long-lived-token';
export const ACCOUNT = { id: 31_905_001, name: 'CRM Hub Sandbox', subdomain: 'crmhubsandbox' } as const;

export interface FieldValue {
  value: string;
  enum_code?: string;
}
export interface CustomFieldValue {
  field_id: number;
  values: { value: string | number | boolean; enum_id?: number; enum_code?: string }[];
}

export interface Lead {
  id: number;
  name: string;
  price: number;
  responsibleUserId: number;
  statusId: number;
  pipelineId: number;
  lossReasonId: number | null;
  createdBy: number;
  updatedBy: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  /** The first one is the main contact. */
  contactIds: readonly number[];
  companyId: number | null;
  tagIds: readonly number[];
  customFields: CustomFieldValue[] | null;
  isDeleted: boolean;
}

/**
 * A contact. Generated contacts read their name, phone, e-mail and position from the
 * generated person (no copies: 1M contacts stay small); writes override them.
 */
export class Contact {
  leadIds: readonly number[] = EMPTY;
  companyId: number | null = null;
  isDeleted = false;
  private nameValue: string | null = null;
  private phonesValue: readonly FieldValue[] | null = null;
  private emailsValue: readonly FieldValue[] | null = null;
  private positionValue: string | null | undefined = undefined;

  constructor(
    public id: number,
    public firstName: string,
    public lastName: string,
    public responsibleUserId: number,
    public createdBy: number,
    public updatedBy: number,
    public createdAt: number,
    public updatedAt: number,
    /** The generated person behind the contact, null for contacts created through the API. */
    private readonly person: GeneratedPerson | null,
    private readonly mobile = false,
  ) {}

  get personIndex(): number {
    return this.person ? this.person.index : -1;
  }
  get name(): string {
    return this.nameValue ?? `${this.firstName} ${this.lastName}`.trim();
  }
  set name(value: string | null) {
    this.nameValue = value;
  }
  get phones(): readonly FieldValue[] {
    return this.phonesValue ?? (this.person ? [{ value: this.person.phone, enum_code: this.mobile ? 'MOB' : 'WORK' }] : []);
  }
  set phones(value: readonly FieldValue[]) {
    this.phonesValue = value;
  }
  get emails(): readonly FieldValue[] {
    return this.emailsValue ?? (this.person ? [{ value: this.person.email, enum_code: 'WORK' }] : []);
  }
  set emails(value: readonly FieldValue[]) {
    this.emailsValue = value;
  }
  get position(): string | null {
    return this.positionValue !== undefined ? this.positionValue : (this.person?.title ?? null);
  }
  set position(value: string | null) {
    this.positionValue = value;
  }
}

export type LeadPatchFields = Partial<Pick<Lead, 'name' | 'price' | 'responsibleUserId' | 'statusId' | 'pipelineId' | 'lossReasonId' | 'tagIds' | 'customFields' | 'contactIds'>>;

export interface Company {
  id: number;
  name: string;
  responsibleUserId: number;
  createdAt: number;
  updatedAt: number;
  customFields: CustomFieldValue[] | null;
}

export interface Tag {
  id: number;
  name: string;
  color: string | null;
}

export interface Status {
  id: number;
  name: string;
  sort: number;
  isEditable: boolean;
  color: string;
  /** 1 = unsorted ("Incoming leads"), 0 = regular. */
  type: 0 | 1;
}
export interface Pipeline {
  id: number;
  name: string;
  sort: number;
  isMain: boolean;
  statuses: Status[];
}

export const WON = 142;
export const LOST = 143;
const closing = (): Status[] => [
  { id: WON, name: 'Closed - won', sort: 10000, isEditable: false, color: '#CCFF66', type: 0 },
  { id: LOST, name: 'Closed - lost', sort: 11000, isEditable: false, color: '#D5D8DB', type: 0 },
];
export const PIPELINES: Pipeline[] = [
  {
    id: 7_510_001,
    name: 'Sales',
    sort: 1,
    isMain: true,
    statuses: [
      { id: 61_000_001, name: 'Incoming leads', sort: 10, isEditable: false, color: '#c1c1c1', type: 1 },
      { id: 61_000_002, name: 'First contact', sort: 20, isEditable: true, color: '#99ccff', type: 0 },
      { id: 61_000_003, name: 'Qualification', sort: 30, isEditable: true, color: '#ffff99', type: 0 },
      { id: 61_000_004, name: 'Proposal sent', sort: 40, isEditable: true, color: '#ffcc66', type: 0 },
      { id: 61_000_005, name: 'Negotiation', sort: 50, isEditable: true, color: '#ff8f92', type: 0 },
      { id: 61_000_006, name: 'Contract signing', sort: 60, isEditable: true, color: '#deff81', type: 0 },
      ...closing(),
    ],
  },
  {
    id: 7_510_002,
    name: 'Partners',
    sort: 2,
    isMain: false,
    statuses: [
      { id: 61_000_011, name: 'Incoming leads', sort: 10, isEditable: false, color: '#c1c1c1', type: 1 },
      { id: 61_000_012, name: 'Talks', sort: 20, isEditable: true, color: '#99ccff', type: 0 },
      { id: 61_000_013, name: 'Agreement', sort: 30, isEditable: true, color: '#ffcc66', type: 0 },
      ...closing(),
    ],
  },
];
export const LOSS_REASONS = [
  { id: 5_001, name: 'Too expensive' },
  { id: 5_002, name: 'Chose a competitor' },
  { id: 5_003, name: 'No answer' },
];

/** Custom field definitions (GET /api/v4/{leads,contacts}/custom_fields). */
export const CONTACT_FIELDS = {
  phone: { id: 800_101, name: 'Phone', code: 'PHONE', type: 'multitext', enums: { WORK: 1_001, WORKDD: 1_002, MOB: 1_003, FAX: 1_004, HOME: 1_005, OTHER: 1_006 } },
  email: { id: 800_102, name: 'Email', code: 'EMAIL', type: 'multitext', enums: { WORK: 2_001, PRIV: 2_002, OTHER: 2_003 } },
  position: { id: 800_103, name: 'Position', code: 'POSITION', type: 'text', enums: {} },
} as const;
export const LEAD_FIELDS = [
  { id: 900_101, name: 'Source', code: null, type: 'text' },
  { id: 900_102, name: 'Comment', code: null, type: 'textarea' },
] as const;

const PRODUCTS = ['CRM setup', 'Annual license', 'Consulting package', 'Onboarding', 'Enterprise plan', 'Support contract', 'Integration project', 'Training'];
const TAG_NAMES = ['VIP', 'repeat', 'website', 'referral', 'urgent', 'wholesale', 'b2b', 'trial'];
const TAG_COLORS = ['#FFC8C8', '#DDEBB5', '#C5F1FF', '#EBE6FF', null, '#FFDC7F', null, '#E6E8EA'];
const EMPTY: readonly number[] = Object.freeze([]);
/** Generated leads share one frozen custom-field array per source (writes replace it, never mutate it). */
const sourceFieldCache = new Map<string, CustomFieldValue[]>();
const sourceFields = (source: string) => {
  let fields = sourceFieldCache.get(source);
  if (!fields) sourceFieldCache.set(source, (fields = Object.freeze([Object.freeze({ field_id: 900_101, values: Object.freeze([Object.freeze({ value: source })]) as CustomFieldValue['values'] })]) as unknown as CustomFieldValue[]));
  return fields;
};

export interface KommoLimits {
  /** Requests per second per account (Kommo documents 7). */
  perSecond: number;
  /** Escalation: this many 429s within `violationWindowSeconds` block the account... */
  violationsToBlock: number;
  violationWindowSeconds: number;
  /** ...and every API call answers 403 for this long. */
  blockSeconds: number;
  enabled: boolean;
}

export class KommoStore {
  readonly seed: number;
  readonly longLivedTokens = new Map<string, { userId: number; expiresAt: number }>();
  readonly oauth = new OAuthTokenStore({ accessTokenTtlSeconds: 86_400, rotateRefreshTokens: true, tokenPrefix: 'kommo_at_' });
  readonly leads = new Map<number, Lead>();
  readonly contacts = new Map<number, Contact>();
  readonly companies = new Map<number, Company>();
  readonly tags = new Map<number, Tag>();
  readonly tagsByName = new Map<string, Tag>();
  /** Live (not deleted) records, sorted by id; ids only ever grow. */
  readonly leadsById: Lead[] = [];
  readonly leadsByUpdated = new SortedIndex<Lead>((l) => l.updatedAt);
  readonly leadsByCreated = new SortedIndex<Lead>((l) => l.createdAt);
  readonly contactsById: Contact[] = [];
  readonly contactsByUpdated = new SortedIndex<Contact>((c) => c.updatedAt);
  /** Contacts by the last 9 digits of each phone (a small-integer key: no string per entry). */
  private readonly phoneIndex = new Map<number, number | number[]>();
  private readonly emailIndex = new Map<string, number | number[]>();
  /** The phone/e-mail indexes are built on the first search (≈1 s at 1M contacts), not at start. */
  private indexed = false;
  readonly webhooks = new WebhookRegistry();
  readonly limits: KommoLimits = { perSecond: 7, violationsToBlock: 20, violationWindowSeconds: 60, blockSeconds: 60, enabled: true };
  readonly limiter = new SlidingWindowLimiter(7, 1000);
  violations: number[] = [];
  blockedUntil = 0;
  /** The sandbox's own origin, learnt from the first request (for webhook payloads). */
  origin = '';
  deletedCount = 0;
  private nextLeadId: number;
  private nextContactId: number;
  private nextCompanyId = 52_000_001;
  private nextTagId = 3_001;
  private lastStamp = 0;

  constructor(seed: number, records: number) {
    this.seed = seed;
    this.oauth.registerClient({ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, redirectUris: [] });
    this.installLongLivedToken(DEMO_LONG_LIVED_TOKEN, 5 * 365 * 86_400);
    TAG_NAMES.forEach((name, i) => this.addTag(name, TAG_COLORS[i] ?? null));
    this.nextLeadId = 21_000_001;
    this.nextContactId = 41_000_001;
    this.generate(records);
  }

  // ---- generation -------------------------------------------------------------------

  private generate(records: number): void {
    const people = peopleFor(this.seed, records);
    const random = seededRandom(this.seed * 7919 + 17);
    const anchor = Math.floor(GENERATOR_ANCHOR / 1000);
    const tagIds = [...this.tags.keys()];
    const contacts: Contact[] = new Array(records);
    for (let i = 0; i < records; i++) {
      const p = people[i]!;
      const owner = managerOf(this.seed, i).id;
      contacts[i] = new Contact(
        this.nextContactId++,
        p.firstName,
        p.lastName,
        owner,
        owner,
        owner,
        Math.floor(p.createdAt / 1000),
        Math.floor(p.updatedAt / 1000),
        p,
        random.chance(0.7),
      );
    }
    const leadIdsOf: number[][] = [];
    const leads: Lead[] = new Array(records);
    for (let i = 0; i < records; i++) {
      const personIndex = i > 0 && random.chance(0.15) ? random.int(0, i - 1) : i;
      const person = people[personIndex]!;
      const contact = contacts[personIndex]!;
      const pipeline = random.chance(0.8) ? PIPELINES[0]! : PIPELINES[1]!;
      const roll = random.next();
      const status = roll < 0.2 ? WON : roll < 0.35 ? LOST : pipeline.statuses[random.int(0, pipeline.statuses.length - 3)]!.id;
      const createdAt = Math.min(anchor - 3_600, Math.floor(person.createdAt / 1000) + random.int(0, 3 * 86_400));
      const updatedAt = createdAt + random.int(0, anchor - createdAt);
      const owner = managerOf(this.seed, personIndex).id;
      const tagCount = random.chance(0.6) ? random.int(0, 2) : 0;
      const tags = tagCount === 0 ? EMPTY : [...new Set(Array.from({ length: tagCount }, () => random.pick(tagIds)))];
      const id = this.nextLeadId++;
      leads[i] = {
        id,
        name: `${random.pick(PRODUCTS)} — ${person.lastName}`,
        price: random.chance(0.1) ? 0 : random.int(5, 2_500) * 100,
        responsibleUserId: owner,
        statusId: status,
        pipelineId: pipeline.id,
        lossReasonId: status === LOST ? random.pick(LOSS_REASONS).id : null,
        createdBy: owner,
        updatedBy: owner,
        createdAt,
        updatedAt,
        closedAt: status === WON || status === LOST ? updatedAt : null,
        contactIds: [contact.id],
        companyId: null,
        tagIds: tags,
        customFields: sourceFields(person.leadSource),
        isDeleted: false,
      };
      (leadIdsOf[personIndex] ??= []).push(id);
    }
    for (let i = 0; i < records; i++) {
      const c = contacts[i]!;
      if (leadIdsOf[i]) c.leadIds = leadIdsOf[i]!;
      this.contacts.set(c.id, c);
      this.contactsById.push(c);
    }
    for (const lead of leads) {
      this.leads.set(lead.id, lead);
      this.leadsById.push(lead);
    }
    this.leadsByUpdated.load(leads);
    this.leadsByCreated.load(leads);
    this.contactsByUpdated.load(contacts);
    // modifications are stamped strictly after every generated record, whatever the machine's clock says
    this.lastStamp = anchor + 1;
  }

  // ---- time and tokens --------------------------------------------------------------

  /** A modification stamp (seconds) that never goes backwards, so incremental sync sees every change. */
  stamp(): number {
    this.lastStamp = Math.max(this.lastStamp, Math.floor(Date.now() / 1000));
    return this.lastStamp;
  }

  /** Installs a long-lived token with a chosen value (a private integration's token from the UI). */
  installLongLivedToken(value: string, ttlSeconds: number): string {
    this.longLivedTokens.set(value, { userId: KOMMO_USERS[0]!.id, expiresAt: Date.now() + ttlSeconds * 1000 });
    return value;
  }

  /** Mints a new long-lived token (random value), valid for `days` (1 day to 5 years). */
  mintLongLivedToken(days = 365): { token: string; expiresAt: number } {
    const token = `kommo_llt_${randomBytes(24).toString('base64url')}`;
    this.installLongLivedToken(token, Math.max(1, Math.min(5 * 365, days)) * 86_400);
    return { token, expiresAt: Math.floor(this.longLivedTokens.get(token)!.expiresAt / 1000) };
  }

  /** Who a bearer token belongs to, or why it is refused. */
  authenticate(token: string | null, now = Date.now()): { userId: number } | 'missing' | 'invalid' | 'expired' {
    if (!token) return 'missing';
    const longLived = this.longLivedTokens.get(token);
    if (longLived) return longLived.expiresAt > now ? { userId: longLived.userId } : 'expired';
    const access = this.oauth.validate(token, now);
    return typeof access === 'string' ? access : { userId: Number(access.subject) };
  }

  /** Fault knob: every access token (OAuth and long-lived) expires now. */
  expireAllTokens(now = Date.now()): number {
    for (const t of this.longLivedTokens.values()) t.expiresAt = Math.min(t.expiresAt, now - 1);
    return this.oauth.expireAllAccessTokens(now) + this.longLivedTokens.size;
  }

  // ---- lookups ----------------------------------------------------------------------

  liveLead(id: number): Lead | undefined {
    const lead = this.leads.get(id);
    return lead && !lead.isDeleted ? lead : undefined;
  }

  liveContact(id: number): Contact | undefined {
    const contact = this.contacts.get(id);
    return contact && !contact.isDeleted ? contact : undefined;
  }

  /**
   * Contacts whose phone or e-mail equals the query: e-mails case-insensitively, phones
   * by digits (the last 10 digits must match, and one number must end with the other,
   * so "+7 999 123-45-67" and "8 (999) 123 45 67" find the same contact). null when
   * the query is neither a phone nor an e-mail.
   */
  contactsMatching(query: string): number[] | null {
    this.ensureIndexes();
    const q = query.trim().toLowerCase();
    if (q.includes('@')) return listOf(this.emailIndex.get(q)).filter((id) => this.liveContact(id));
    const digits = digitsOf(q);
    if (digits.length >= 6 && /^[\d\s+()\-.]+$/.test(q)) {
      return listOf(this.phoneIndex.get(phoneKey(digits))).filter((id) => {
        const contact = this.liveContact(id);
        if (!contact) return false;
        const tail = digits.slice(-10);
        return contact.phones.some((p) => {
          const d = digitsOf(p.value);
          return d.endsWith(tail) || tail.endsWith(d);
        });
      });
    }
    return null;
  }

  private ensureIndexes(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const c of this.contactsById) if (!c.isDeleted) this.indexContact(c);
  }

  private indexContact(c: Contact): void {
    if (!this.indexed) return;
    for (const p of c.phones) {
      const d = digitsOf(p.value);
      if (d) addTo(this.phoneIndex, phoneKey(d), c.id);
    }
    for (const e of c.emails) addTo(this.emailIndex, lower(e.value), c.id);
  }

  private unindexContact(c: Contact): void {
    if (!this.indexed) return;
    for (const p of c.phones) {
      const d = digitsOf(p.value);
      if (d) removeFrom(this.phoneIndex, phoneKey(d), c.id);
    }
    for (const e of c.emails) removeFrom(this.emailIndex, lower(e.value), c.id);
  }

  pipeline(id: number): Pipeline | undefined {
    return PIPELINES.find((p) => p.id === id);
  }

  addTag(name: string, color: string | null): Tag {
    const existing = this.tagsByName.get(name.toLowerCase());
    if (existing) return existing;
    const tag = { id: this.nextTagId++, name, color };
    this.tags.set(tag.id, tag);
    this.tagsByName.set(name.toLowerCase(), tag);
    return tag;
  }

  // ---- mutations (each returns the webhook events it caused) ---------------------------

  createContact(input: { firstName: string; lastName: string; name?: string; responsibleUserId: number; userId: number; phones: FieldValue[]; emails: FieldValue[]; position: string | null; createdAt?: number }): { contact: Contact; events: KommoEvent[] } {
    const now = this.stamp();
    const contact = new Contact(this.nextContactId++, input.firstName, input.lastName, input.responsibleUserId, input.userId, input.userId, input.createdAt ?? now, now, null);
    if (input.name !== undefined) contact.name = input.name;
    contact.phones = input.phones;
    contact.emails = input.emails;
    contact.position = input.position;
    this.contacts.set(contact.id, contact);
    this.contactsById.push(contact);
    this.contactsByUpdated.insert(contact);
    this.indexContact(contact);
    return { contact, events: [{ entity: 'contacts', action: 'add', contact }] };
  }

  updateContact(contact: Contact, patch: Partial<Pick<Contact, 'name' | 'firstName' | 'lastName' | 'responsibleUserId' | 'phones' | 'emails' | 'position'>>, userId: number): KommoEvent[] {
    this.contactsByUpdated.remove(contact);
    this.unindexContact(contact);
    if ((patch.firstName !== undefined || patch.lastName !== undefined) && patch.name === undefined) contact.name = null;
    Object.assign(contact, patch);
    contact.updatedAt = this.stamp();
    contact.updatedBy = userId;
    this.indexContact(contact);
    this.contactsByUpdated.insert(contact);
    return [{ entity: 'contacts', action: 'update', contact }];
  }

  createCompany(name: string, responsibleUserId: number, customFields: CustomFieldValue[] | null): Company {
    const now = this.stamp();
    const company = { id: this.nextCompanyId++, name, responsibleUserId, createdAt: now, updatedAt: now, customFields };
    this.companies.set(company.id, company);
    return company;
  }

  createLead(input: Omit<Lead, 'id' | 'createdAt' | 'updatedAt' | 'closedAt' | 'isDeleted' | 'updatedBy'> & { createdAt?: number }): { lead: Lead; events: KommoEvent[] } {
    const now = this.stamp();
    const closed = input.statusId === WON || input.statusId === LOST;
    const lead: Lead = { ...input, id: this.nextLeadId++, createdAt: input.createdAt ?? now, updatedAt: now, updatedBy: input.createdBy, closedAt: closed ? now : null, isDeleted: false };
    this.leads.set(lead.id, lead);
    this.leadsById.push(lead);
    this.leadsByUpdated.insert(lead);
    this.leadsByCreated.insert(lead);
    for (const contactId of lead.contactIds) this.linkContact(lead.id, contactId);
    return { lead, events: [{ entity: 'leads', action: 'add', lead }] };
  }

  linkContact(leadId: number, contactId: number): void {
    const contact = this.contacts.get(contactId);
    if (contact && !contact.leadIds.includes(leadId)) contact.leadIds = [...contact.leadIds, leadId];
  }

  /** Updates a batch of leads: one pass over the updated-at index for the whole batch. */
  updateLeads(batch: { lead: Lead; patch: LeadPatchFields; userId: number }[]): KommoEvent[] {
    const leads = new Set(batch.map((b) => b.lead));
    if (leads.size !== batch.length) return batch.flatMap((b) => this.updateLead(b.lead, b.patch, b.userId));
    this.leadsByUpdated.removeMany(leads);
    return batch.flatMap((b) => this.updateLead(b.lead, b.patch, b.userId, true));
  }

  updateLead(lead: Lead, patch: LeadPatchFields, userId: number, alreadyUnindexed = false): KommoEvent[] {
    const before = { statusId: lead.statusId, pipelineId: lead.pipelineId, responsibleUserId: lead.responsibleUserId };
    if (!alreadyUnindexed) this.leadsByUpdated.remove(lead);
    Object.assign(lead, patch);
    if (patch.contactIds) for (const c of patch.contactIds) this.linkContact(lead.id, c);
    lead.updatedAt = this.stamp();
    lead.updatedBy = userId;
    const closed = lead.statusId === WON || lead.statusId === LOST;
    if (closed && lead.closedAt === null) lead.closedAt = lead.updatedAt;
    if (!closed) lead.closedAt = null;
    if (lead.statusId !== LOST) lead.lossReasonId = null;
    this.leadsByUpdated.insert(lead);
    const events: KommoEvent[] = [{ entity: 'leads', action: 'update', lead }];
    if (before.statusId !== lead.statusId || before.pipelineId !== lead.pipelineId)
      events.push({ entity: 'leads', action: 'status', lead, oldStatusId: before.statusId, oldPipelineId: before.pipelineId });
    if (before.responsibleUserId !== lead.responsibleUserId) events.push({ entity: 'leads', action: 'responsible', lead, oldResponsibleUserId: before.responsibleUserId });
    return events;
  }

  /** Deletes a batch of leads with one pass over each index. */
  deleteLeads(leads: Lead[]): KommoEvent[] {
    const live = new Set(leads.filter((l) => !l.isDeleted));
    if (live.size > 8) {
      this.leadsByUpdated.removeMany(live);
      this.leadsByCreated.removeMany(live);
      const kept = this.leadsById.filter((l) => !live.has(l));
      this.leadsById.length = 0;
      for (const l of kept) this.leadsById.push(l);
      return [...live].flatMap((l) => this.deleteLead(l, true));
    }
    return [...live].flatMap((l) => this.deleteLead(l));
  }

  deleteLead(lead: Lead, alreadyUnindexed = false): KommoEvent[] {
    if (lead.isDeleted) return [];
    if (!alreadyUnindexed) {
      this.leadsByUpdated.remove(lead);
      this.leadsByCreated.remove(lead);
      const at = binarySearchById(this.leadsById, lead.id);
      if (at >= 0) this.leadsById.splice(at, 1);
    }
    lead.isDeleted = true;
    lead.updatedAt = this.stamp();
    for (const contactId of lead.contactIds) {
      const contact = this.contacts.get(contactId);
      if (contact) contact.leadIds = contact.leadIds.filter((id) => id !== lead.id);
    }
    this.deletedCount += 1;
    return [{ entity: 'leads', action: 'delete', lead }];
  }

  /** Delivers events to the registered webhooks (fire and forget; `webhooks.idle()` waits). */
  emit(events: KommoEvent[]): void {
    if (events.length) this.webhooks.deliver(events, { id: ACCOUNT.id, subdomain: ACCOUNT.subdomain, origin: this.origin });
  }

  /** Picks `count` distinct live leads at random (admin ops). */
  randomLiveLeads(count: number, random: () => number): Lead[] {
    const n = this.leadsById.length;
    const picked = new Set<number>();
    const out: Lead[] = [];
    while (out.length < Math.min(count, n)) {
      const i = Math.floor(random() * n);
      if (picked.has(i)) continue;
      picked.add(i);
      out.push(this.leadsById[i]!);
    }
    return out;
  }

  randomLiveContacts(count: number, random: () => number): Contact[] {
    const live = this.contactsById;
    const picked = new Set<number>();
    const out: Contact[] = [];
    let guard = 0;
    while (out.length < Math.min(count, live.length) && guard++ < count * 20 + 100) {
      const i = Math.floor(random() * live.length);
      if (picked.has(i) || live[i]!.isDeleted) continue;
      picked.add(i);
      out.push(live[i]!);
    }
    return out;
  }

  /** Admin op: changes `count` contacts (position and name spelling), firing update webhooks. */
  modifyContacts(count: number, random: () => number): number[] {
    const touched = this.randomLiveContacts(count, random);
    const events = touched.flatMap((c) => this.updateContact(c, { position: `${c.position ?? 'Contact'} (updated)` }, KOMMO_USERS[0]!.id));
    this.emit(events);
    return touched.map((c) => c.id);
  }
}

/** Last 9 digits: a small-integer key (fast Map); matches are verified on 10 digits afterwards. */
const phoneKey = (digits: string) => Number(digits.slice(-9));
/** Generated e-mails are lower-case already: keep the same string (no copy per entry). */
const lower = (value: string) => (/[A-Z]/.test(value) ? value.toLowerCase() : value);
const listOf = (entry: number | number[] | undefined): number[] => (entry === undefined ? [] : typeof entry === 'number' ? [entry] : entry);

function addTo<K>(map: Map<K, number | number[]>, key: K, id: number): void {
  const entry = map.get(key);
  if (entry === undefined) map.set(key, id);
  else if (typeof entry === 'number') {
    if (entry !== id) map.set(key, [entry, id]);
  } else if (!entry.includes(id)) entry.push(id);
}

function removeFrom<K>(map: Map<K, number | number[]>, key: K, id: number): void {
  const entry = map.get(key);
  if (entry === undefined) return;
  if (typeof entry === 'number') {
    if (entry === id) map.delete(key);
    return;
  }
  const next = entry.filter((x) => x !== id);
  if (next.length === 0) map.delete(key);
  else map.set(key, next.length === 1 ? next[0]! : next);
}

export function binarySearchById<T extends { id: number }>(items: T[], id: number): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = items[mid]!.id;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** First position whose id >= id. */
export function lowerBoundById<T extends { id: number }>(items: T[], id: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
