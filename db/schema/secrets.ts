import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations';

/**
 * A tenant's integration secrets (API keys, tokens), encrypted with
 * server/security/crypto.ts and bound to (tenant_secrets, id, value).
 */
export const tenantSecrets = pgTable(
  'tenant_secrets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    ciphertext: text('ciphertext').notNull(),
    keyId: text('key_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tenant_secrets_org_name_key').on(t.organizationId, t.name), index('tenant_secrets_key_id_idx').on(t.keyId)],
);
