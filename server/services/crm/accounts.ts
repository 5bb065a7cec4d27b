import { and, asc, count, desc, eq, ilike, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { accounts, contacts, leads, users } from '../../../db/schema';
import { escapeLike } from '../../shared/validation';
import { visibleLeadCondition } from './activities';
import { cleanText, diffFields, type CrmActor, type Executor } from './context';
import { applyCustomValues, type CustomValuesPatch } from './custom-fields';
import { notFoundError } from './errors';
import { assertAssignable } from './leads';
import { phoneField, tenantCountry } from './phone';

export interface AccountFields {
  name?: string;
  domain?: string | null;
  industry?: string | null;
  phone?: string | null;
  address?: string | null;
  taxId?: string | null;
  notes?: string | null;
  ownerId?: string | null;
  custom?: CustomValuesPatch;
}

const accountView = {
  id: accounts.id,
  name: accounts.name,
  domain: accounts.domain,
  industry: accounts.industry,
  phone: accounts.phone,
  address: accounts.address,
  taxId: accounts.taxId,
  notes: accounts.notes,
  ownerId: accounts.ownerId,
  owner: { id: users.id, name: users.name, email: users.email },
  custom: accounts.custom,
  createdAt: accounts.createdAt,
  updatedAt: accounts.updatedAt,
};

const trackedFields = ['name', 'domain', 'industry', 'phone', 'address', 'taxId', 'notes', 'ownerId', 'custom'] as const;

/** "https://www.Example.com/about" → "example.com": the form a dedupe by domain compares. */
export function normalizeDomain(value: string | null | undefined): string | null | undefined {
  const text = cleanText(value);
  if (!text) return text;
  return text
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#].*$/, '');
}

export const accountSortSchema = z.object({
  sort: z.enum(['name', 'createdAt', 'updatedAt']).default('name'),
  direction: z.enum(['asc', 'desc']).default('asc'),
});

const active = (organizationId: string) => and(eq(accounts.organizationId, organizationId), isNull(accounts.deletedAt));

export async function listAccounts(
  db: Executor,
  organizationId: string,
  input: { q?: string; offset: number; limit: number } & z.infer<typeof accountSortSchema>,
) {
  const term = input.q ? `%${escapeLike(input.q)}%` : null;
  const where = and(active(organizationId), term ? or(ilike(accounts.name, term), ilike(accounts.domain, term), ilike(accounts.taxId, term)) : undefined);
  const expr = input.sort === 'name' ? sql`lower(${accounts.name})` : input.sort === 'createdAt' ? accounts.createdAt : accounts.updatedAt;
  const items = await db
    .select(accountView)
    .from(accounts)
    .leftJoin(users, eq(users.id, accounts.ownerId))
    .where(where)
    .orderBy(input.direction === 'asc' ? asc(expr) : desc(expr), asc(accounts.id))
    .offset(input.offset)
    .limit(input.limit);
  const [total] = await db.select({ n: count() }).from(accounts).where(where);
  return { items, total: total?.n ?? 0 };
}

/** An active account of the tenant (locked inside a transaction when asked), or NOT_FOUND. */
export async function requireAccountRow(db: Executor, organizationId: string, id: string, lock = false) {
  const query = db.select().from(accounts).where(and(active(organizationId), eq(accounts.id, id)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFoundError('Account');
  return row;
}

/** The account with its contacts and the leads converted into it that the actor sees. */
/**
 * The account picker's search: id and name only, active accounts whose name, domain or
 * tax id contains the term (trigram index on the name), by name; without a term, the first by name.
 */
export async function lookupAccounts(db: Executor, organizationId: string, input: { q?: string; limit: number }) {
  const q = input.q?.trim();
  const term = q ? `%${escapeLike(q)}%` : null;
  return db
    .select({ id: accounts.id, name: accounts.name, domain: accounts.domain })
    .from(accounts)
    .where(and(active(organizationId), term ? or(ilike(accounts.name, term), ilike(accounts.domain, term), ilike(accounts.taxId, term)) : undefined))
    .orderBy(sql`lower(${accounts.name})`, asc(accounts.id))
    .limit(input.limit);
}

export async function getAccount(db: Executor, actor: CrmActor, id: string) {
  const [account] = await db
    .select(accountView)
    .from(accounts)
    .leftJoin(users, eq(users.id, accounts.ownerId))
    .where(and(active(actor.organizationId), eq(accounts.id, id)));
  if (!account) throw notFoundError('Account');
  const related = await db
    .select({
      id: contacts.id,
      firstName: contacts.firstName,
      lastName: contacts.lastName,
      email: contacts.email,
      phone: contacts.phone,
      position: contacts.position,
      isPrimary: contacts.isPrimary,
    })
    .from(contacts)
    .where(and(eq(contacts.organizationId, actor.organizationId), isNull(contacts.deletedAt), eq(contacts.accountId, id)))
    .orderBy(desc(contacts.isPrimary), asc(contacts.lastName), asc(contacts.firstName))
    .limit(200);
  const convertedLeads = await db
    .select({ id: leads.id, name: leads.name, status: leads.status, convertedAt: leads.convertedAt })
    .from(leads)
    .where(and(visibleLeadCondition(actor), eq(leads.convertedToAccountId, id)))
    .orderBy(desc(leads.convertedAt))
    .limit(200);
  return { ...account, contacts: related, leads: convertedLeads };
}

async function normalizeAccountFields(db: Executor, organizationId: string, input: AccountFields) {
  const country = await tenantCountry(db, organizationId);
  if (input.ownerId) await assertAssignable(db, organizationId, input.ownerId);
  const fields = {
    name: input.name?.trim(),
    domain: normalizeDomain(input.domain),
    industry: cleanText(input.industry),
    phone: phoneField(input.phone, country),
    address: cleanText(input.address),
    taxId: cleanText(input.taxId),
    notes: cleanText(input.notes),
    ownerId: input.ownerId,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<typeof fields>;
}

export async function createAccount(db: Executor, actor: CrmActor, input: AccountFields & { name: string }) {
  const fields = await normalizeAccountFields(db, actor.organizationId, input);
  const custom = await applyCustomValues(db, actor.organizationId, 'account', input.custom, null);
  const [row] = await db
    .insert(accounts)
    .values({ ...fields, name: fields.name!, ownerId: fields.ownerId === undefined ? actor.userId : fields.ownerId, custom, organizationId: actor.organizationId, createdBy: actor.userId })
    .returning();
  return { account: row!, changes: diffFields({}, row!, trackedFields) };
}

export async function updateAccount(db: Executor, actor: CrmActor, id: string, input: AccountFields) {
  return db.transaction(async (tx) => {
    const before = await requireAccountRow(tx, actor.organizationId, id, true);
    const fields = await normalizeAccountFields(tx, actor.organizationId, input);
    const custom = input.custom ? await applyCustomValues(tx, actor.organizationId, 'account', input.custom, before.custom) : undefined;
    const [after] = await tx
      .update(accounts)
      .set({ ...fields, ...(custom ? { custom } : {}) })
      .where(and(active(actor.organizationId), eq(accounts.id, id)))
      .returning();
    return { account: after!, changes: diffFields(before, after!, trackedFields) };
  });
}

/** Soft delete; its contacts keep pointing at it (and are shown without an account). */
export async function deleteAccount(db: Executor, actor: CrmActor, id: string) {
  const before = await requireAccountRow(db, actor.organizationId, id);
  await db.update(accounts).set({ deletedAt: new Date() }).where(and(active(actor.organizationId), eq(accounts.id, id)));
  return { id, name: before.name };
}
