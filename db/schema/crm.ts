import { relations, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  activityKinds,
  customFieldEntities,
  customFieldTypes,
  leadSources,
  leadStatuses,
  type CustomValues,
} from '../../server/shared/crm';
import { organizationId, stamps } from './columns';
import { users } from './users';

/**
 * The native CRM (DESIGN §4). Every table is tenant-scoped and soft-deletable, and
 * carries `change_seq`: a trigger (migration 0004) stamps each insert and each real
 * update with the next value of the one sequence `crm_change_seq`, so "everything
 * changed after N" is a range scan and serves as the sync engine's push cursor. The
 * same trigger bumps `updated_at` when an update does not set it.
 */

export const leadSource = pgEnum('lead_source', leadSources);
export const leadStatus = pgEnum('lead_status', leadStatuses);
export const crmActivityKind = pgEnum('crm_activity_kind', activityKinds);
export const customFieldEntity = pgEnum('custom_field_entity', customFieldEntities);
export const customFieldType = pgEnum('custom_field_type', customFieldTypes);


const userRef = (name: string) => uuid(name).references(() => users.id, { onDelete: 'set null' });

/** created/updated/deleted stamps and the change sequence (set by trigger; the default is never kept). */
const recordStamps = () => ({
  ...stamps(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
  changeSeq: bigint('change_seq', { mode: 'number' }).notNull().default(0),
});

/** Custom-field values, validated against custom_field_definitions by the services (decision 005). */
const customValues = () => jsonb('custom').$type<CustomValues>().notNull().default({});

export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    domain: text('domain'),
    industry: text('industry'),
    phone: text('phone'),
    address: text('address'),
    taxId: text('tax_id'),
    notes: text('notes'),
    ownerId: userRef('owner_id'),
    custom: customValues(),
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => accounts.id, { onDelete: 'set null' }),
    createdBy: userRef('created_by'),
    ...recordStamps(),
  },
  (t) => [
    index('accounts_org_name_idx').on(t.organizationId, sql`lower(${t.name})`),
    index('accounts_org_domain_idx').on(t.organizationId, sql`lower(${t.domain})`),
    index('accounts_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('accounts_org_change_seq_idx').on(t.organizationId, t.changeSeq),
  ],
);

export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    accountId: uuid('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    /** Stored as typed; compared and unique case-insensitively. */
    email: text('email'),
    /** E.164, normalised with the tenant's default country. */
    phone: text('phone'),
    position: text('position'),
    /** The account's main contact (set by lead conversion). */
    isPrimary: boolean('is_primary').notNull().default(false),
    ownerId: userRef('owner_id'),
    custom: customValues(),
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => contacts.id, { onDelete: 'set null' }),
    createdBy: userRef('created_by'),
    ...recordStamps(),
  },
  (t) => [
    uniqueIndex('contacts_org_email_active_key')
      .on(t.organizationId, sql`lower(${t.email})`)
      .where(sql`${t.deletedAt} is null`),
    index('contacts_org_account_idx').on(t.organizationId, t.accountId),
    index('contacts_org_phone_idx').on(t.organizationId, t.phone),
    index('contacts_name_trgm_idx').using('gin', sql`(${t.firstName} || ' ' || ${t.lastName}) gin_trgm_ops`),
    index('contacts_email_trgm_idx').using('gin', t.email.op('gin_trgm_ops')),
    index('contacts_org_change_seq_idx').on(t.organizationId, t.changeSeq),
  ],
);

export const leadStages = pgTable(
  'lead_stages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    description: text('description'),
    position: integer('position').notNull(),
    color: text('color').notNull().default('#64748b'),
    isQualified: boolean('is_qualified').notNull().default(false),
    isWon: boolean('is_won').notNull().default(false),
    isLost: boolean('is_lost').notNull().default(false),
    ...recordStamps(),
  },
  (t) => [
    uniqueIndex('lead_stages_org_name_active_key')
      .on(t.organizationId, sql`lower(${t.name})`)
      .where(sql`${t.deletedAt} is null`),
    index('lead_stages_org_position_idx').on(t.organizationId, t.position),
    index('lead_stages_org_change_seq_idx').on(t.organizationId, t.changeSeq),
    check('lead_stages_won_or_lost', sql`not (${t.isWon} and ${t.isLost})`),
  ],
);

/**
 * What a lead's text search matches: name, e-mail and company in one string, so one
 * trigram index answers it. The same expression in the index and in the query
 * (lead-query.ts), or the planner cannot use either. ' | ' keeps a term from matching
 * across two fields.
 */
export const leadSearchText = (t: { name: AnyPgColumn; email: AnyPgColumn; company: AnyPgColumn }) =>
  sql`(${t.name} || ' | ' || coalesce(${t.email}, '') || ' | ' || coalesce(${t.company}, ''))`;

export const leads = pgTable(
  'leads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    email: text('email'),
    /** E.164, normalised with the tenant's default country. */
    phone: text('phone'),
    company: text('company'),
    position: text('position'),
    taxId: text('tax_id'),
    source: leadSource('source').notNull().default('other'),
    /**
     * Stages are soft-deleted only after their leads moved elsewhere, so this never dangles.
     * NO ACTION rather than RESTRICT: deleting a tenant cascades to its stages and leads in one statement.
     */
    stageId: uuid('stage_id')
      .notNull()
      .references(() => leadStages.id, { onDelete: 'no action' }),
    status: leadStatus('status').notNull().default('new'),
    assignedTo: userRef('assigned_to'),
    /** Expected deal value, for the pipeline's per-stage totals. */
    amount: numeric('amount', { precision: 14, scale: 2, mode: 'number' }),
    qualifiedAt: timestamp('qualified_at', { withTimezone: true }),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    convertedToAccountId: uuid('converted_to_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    convertedToContactId: uuid('converted_to_contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    custom: customValues(),
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => leads.id, { onDelete: 'set null' }),
    createdBy: userRef('created_by'),
    ...recordStamps(),
  },
  (t) => [
    // search (ILIKE '%q%') on 100k leads: one trigram GIN over name, e-mail and company
    // together (leadSearchText). ANALYZE keeps statistics on the expression, so the planner
    // sees how many leads a term matches: a rare term reads the index, a broad one walks
    // the sort index and stops at the page's LIMIT. E-mail and phone keep their own.
    index('leads_search_trgm_idx').using('gin', sql`${leadSearchText(t)} gin_trgm_ops`),
    index('leads_email_trgm_idx').using('gin', t.email.op('gin_trgm_ops')),
    index('leads_phone_trgm_idx').using('gin', t.phone.op('gin_trgm_ops')),
    // filters, dedupe and the default sort
    index('leads_org_stage_idx').on(t.organizationId, t.stageId),
    index('leads_org_assigned_idx').on(t.organizationId, t.assignedTo),
    index('leads_org_email_idx').on(t.organizationId, sql`lower(${t.email})`),
    index('leads_org_phone_idx').on(t.organizationId, t.phone),
    index('leads_org_created_idx').on(t.organizationId, t.createdAt, t.id),
    // the list's other sort keys (lead-query.ts sortExpressions), so a page is an index scan, not a sort of the tenant
    index('leads_org_updated_idx').on(t.organizationId, t.updatedAt, t.id),
    index('leads_org_name_sort_idx').on(t.organizationId, sql`lower(${t.name})`, t.id),
    index('leads_org_company_sort_idx').on(t.organizationId, sql`coalesce(lower(${t.company}), '')`, t.id),
    index('leads_org_amount_sort_idx').on(t.organizationId, sql`coalesce(${t.amount}, 0)`, t.id),
    index('leads_org_change_seq_idx').on(t.organizationId, t.changeSeq),
    index('leads_merged_into_idx').on(t.mergedIntoId),
  ],
);

/**
 * Activities and the lead timeline. A row belongs to a lead, a contact, an account,
 * or several (conversion writes one entry seen on all three). `system` rows are
 * written by the services: field changes, stage moves, merges, conversion.
 */
export const leadActivities = pgTable(
  'lead_activities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    kind: crmActivityKind('kind').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    dueAt: timestamp('due_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    authorId: userRef('author_id'),
    /** For `system` entries: what happened, e.g. { event: 'stage_changed', from, to }. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    ...recordStamps(),
    // clock_timestamp(), not now(): entries written in one transaction keep their order on the timeline
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    index('lead_activities_lead_idx').on(t.leadId, t.createdAt),
    index('lead_activities_contact_idx').on(t.contactId, t.createdAt),
    index('lead_activities_account_idx').on(t.accountId, t.createdAt),
    index('lead_activities_org_change_seq_idx').on(t.organizationId, t.changeSeq),
    check('lead_activities_has_subject', sql`num_nonnulls(${t.leadId}, ${t.contactId}, ${t.accountId}) >= 1`),
  ],
);

export const customFieldDefinitions = pgTable(
  'custom_field_definitions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    entity: customFieldEntity('entity').notNull(),
    /** The key in each record's `custom` object; fixed once created. */
    key: text('key').notNull(),
    label: text('label').notNull(),
    type: customFieldType('type').notNull(),
    /** The allowed values of a `select` field. */
    options: jsonb('options').$type<string[]>().notNull().default([]),
    required: boolean('required').notNull().default(false),
    position: integer('position').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('custom_field_definitions_org_entity_key').on(t.organizationId, t.entity, t.key)],
);

// ---------------------------------------------------------------- relations

export const accountsRelations = relations(accounts, ({ one, many }) => ({
  owner: one(users, { fields: [accounts.ownerId], references: [users.id] }),
  contacts: many(contacts),
  activities: many(leadActivities),
}));

export const contactsRelations = relations(contacts, ({ one, many }) => ({
  account: one(accounts, { fields: [contacts.accountId], references: [accounts.id] }),
  activities: many(leadActivities),
}));

export const leadStagesRelations = relations(leadStages, ({ many }) => ({
  leads: many(leads),
}));

export const leadsRelations = relations(leads, ({ one, many }) => ({
  stage: one(leadStages, { fields: [leads.stageId], references: [leadStages.id] }),
  assignee: one(users, { fields: [leads.assignedTo], references: [users.id] }),
  convertedToAccount: one(accounts, { fields: [leads.convertedToAccountId], references: [accounts.id] }),
  convertedToContact: one(contacts, { fields: [leads.convertedToContactId], references: [contacts.id] }),
  activities: many(leadActivities),
}));

export const leadActivitiesRelations = relations(leadActivities, ({ one }) => ({
  lead: one(leads, { fields: [leadActivities.leadId], references: [leads.id] }),
  contact: one(contacts, { fields: [leadActivities.contactId], references: [contacts.id] }),
  account: one(accounts, { fields: [leadActivities.accountId], references: [accounts.id] }),
  author: one(users, { fields: [leadActivities.authorId], references: [users.id] }),
}));
