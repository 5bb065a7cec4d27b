import { sql } from 'drizzle-orm';
import { planTiers } from '../../server/shared/plans';
import { check, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const planTier = pgEnum('plan_tier', planTiers);
export const organizationStatus = pgEnum('organization_status', ['active', 'disabled']);

/** Tenants. Every tenant-scoped row elsewhere carries organization_id. */
export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    planTier: planTier('plan_tier').notNull().default('free'),
    timezone: text('timezone').notNull().default('UTC'),
    dayBoundaryHour: integer('day_boundary_hour').notNull().default(0),
    /** ISO 3166 alpha-2; the CRM reads phone numbers typed without a country code as this country's. */
    defaultCountry: text('default_country').notNull().default('US'),
    status: organizationStatus('status').notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('organizations_slug_key').on(t.slug),
    check('organizations_day_boundary_hour_range', sql`${t.dayBoundaryHour} between 0 and 23`),
    check('organizations_default_country_format', sql`${t.defaultCountry} ~ '^[A-Z]{2}$'`),
  ],
);
