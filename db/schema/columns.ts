import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations';

/** Column helpers every tenant-scoped table shares. */

/** The owning tenant; its rows go with it. */
export const organizationId = () =>
  uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' });

export const stamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
