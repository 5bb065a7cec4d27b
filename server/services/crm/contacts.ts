import { and, asc, count, desc, eq, ilike, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { accounts, contacts } from '../../../db/schema';
import { escapeLike } from '../../shared/validation';
import { requireAccountRow } from './accounts';
import { cleanText, diffFields, type CrmActor, type Executor, type FieldChanges } from './context';
import { applyCustomValues, type CustomValuesPatch } from './custom-fields';
import { findContactDuplicates, type DuplicateMatch } from './duplicates';
import { conflictError, notFoundError } from './errors';
import { assertAssignable, type SaveAnyway } from './leads';
import { phoneField, phoneSearchDigits, tenantCountry } from './phone';

export interface ContactFields {
  firstName?: string;
  lastName?: string;
  email?: string | null;
  phone?: string | null;
  position?: string | null;
  accountId?: string | null;
  ownerId?: string | null;
  custom?: CustomValuesPatch;
}

const contactView = {
  id: contacts.id,
  firstName: contacts.firstName,
  lastName: contacts.lastName,
  email: contacts.email,
  phone: contacts.phone,
  position: contacts.position,
  isPrimary: contacts.isPrimary,
  accountId: contacts.accountId,
  account: { id: accounts.id, name: accounts.name },
  ownerId: contacts.ownerId,
  custom: contacts.custom,
  createdAt: contacts.createdAt,
  updatedAt: contacts.updatedAt,
};

const trackedFields = ['firstName', 'lastName', 'email', 'phone', 'position', 'accountId', 'ownerId', 'custom'] as const;

export type Contact = typeof contacts.$inferSelect;
export type ContactSaveResult =
  | { status: 'duplicate'; matches: DuplicateMatch[] }
  | { status: 'saved'; contact: Contact; changes: FieldChanges; overriddenDuplicates: DuplicateMatch[] };

export const contactSortSchema = z.object({
  sort: z.enum(['name', 'email', 'createdAt', 'updatedAt']).default('name'),
  direction: z.enum(['asc', 'desc']).default('asc'),
});

const active = (organizationId: string) => and(eq(contacts.organizationId, organizationId), isNull(contacts.deletedAt));

/** Same expression as the trigram index contacts_name_trgm_idx, so searches use it. */
const fullName = sql`(${contacts.firstName} || ' ' || ${contacts.lastName})`;

export async function listContacts(
  db: Executor,
  organizationId: string,
  input: { q?: string; offset: number; limit: number } & z.infer<typeof contactSortSchema>,
) {
  const q = input.q?.trim();
  const term = q ? `%${escapeLike(q)}%` : null;
  const digits = q ? phoneSearchDigits(q) : null;
  const where = and(
    active(organizationId),
    // a term of digits and phone punctuation is a phone number; anything else is text
    term ? (digits ? ilike(contacts.phone, `%${digits}%`) : or(ilike(fullName, term), ilike(contacts.email, term))) : undefined,
  );
  const expr =
    input.sort === 'name'
      ? sql`lower(${contacts.lastName} || ' ' || ${contacts.firstName})`
      : input.sort === 'email'
        ? sql`coalesce(lower(${contacts.email}), '')`
        : input.sort === 'createdAt'
          ? contacts.createdAt
          : contacts.updatedAt;
  const items = await db
    .select(contactView)
    .from(contacts)
    .leftJoin(accounts, eq(accounts.id, contacts.accountId))
    .where(where)
    .orderBy(input.direction === 'asc' ? asc(expr) : desc(expr), asc(contacts.id))
    .offset(input.offset)
    .limit(input.limit);
  const [total] = await db.select({ n: count() }).from(contacts).where(where);
  return { items, total: total?.n ?? 0 };
}

export async function requireContactRow(db: Executor, organizationId: string, id: string, lock = false) {
  const query = db.select().from(contacts).where(and(active(organizationId), eq(contacts.id, id)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFoundError('Contact');
  return row;
}

export async function getContact(db: Executor, organizationId: string, id: string) {
  const [row] = await db
    .select(contactView)
    .from(contacts)
    .leftJoin(accounts, eq(accounts.id, contacts.accountId))
    .where(and(active(organizationId), eq(contacts.id, id)));
  if (!row) throw notFoundError('Contact');
  return row;
}

async function normalizeContactFields(db: Executor, organizationId: string, input: ContactFields) {
  const country = await tenantCountry(db, organizationId);
  if (input.accountId) await requireAccountRow(db, organizationId, input.accountId);
  if (input.ownerId) await assertAssignable(db, organizationId, input.ownerId);
  const fields = {
    firstName: input.firstName?.trim(),
    lastName: input.lastName?.trim(),
    email: cleanText(input.email),
    phone: phoneField(input.phone, country),
    position: cleanText(input.position),
    accountId: input.accountId,
    ownerId: input.ownerId,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<typeof fields>;
}

/**
 * E-mail is unique among a tenant's active contacts (a partial unique index): a
 * duplicate e-mail can be merged into, never saved anyway. A duplicate phone alone
 * may be saved with a reason.
 */
function refuseEmailDuplicate(matches: DuplicateMatch[]) {
  if (matches.some((m) => m.matchedOn.includes('email'))) throw conflictError('Another contact has that e-mail; open or merge it instead.');
}

export async function createContact(db: Executor, actor: CrmActor, input: ContactFields & { firstName: string }, saveAnyway?: SaveAnyway): Promise<ContactSaveResult> {
  const fields = await normalizeContactFields(db, actor.organizationId, input);
  const custom = await applyCustomValues(db, actor.organizationId, 'contact', input.custom, null);
  const matches = await findContactDuplicates(db, actor.organizationId, { email: fields.email, phone: fields.phone });
  if (matches.length && !saveAnyway) return { status: 'duplicate', matches };
  refuseEmailDuplicate(matches);
  const [row] = await db
    .insert(contacts)
    .values({
      ...fields,
      firstName: fields.firstName!,
      ownerId: fields.ownerId === undefined ? actor.userId : fields.ownerId,
      custom,
      organizationId: actor.organizationId,
      createdBy: actor.userId,
    })
    .returning();
  return { status: 'saved', contact: row!, changes: diffFields({}, row!, trackedFields), overriddenDuplicates: matches };
}

export async function updateContact(db: Executor, actor: CrmActor, id: string, input: ContactFields, saveAnyway?: SaveAnyway): Promise<ContactSaveResult> {
  return db.transaction(async (tx): Promise<ContactSaveResult> => {
    const before = await requireContactRow(tx, actor.organizationId, id, true);
    const fields = await normalizeContactFields(tx, actor.organizationId, input);
    const custom = input.custom ? await applyCustomValues(tx, actor.organizationId, 'contact', input.custom, before.custom) : undefined;
    const emailChanged = fields.email && fields.email.toLowerCase() !== before.email?.toLowerCase();
    const phoneChanged = fields.phone && fields.phone !== before.phone;
    const matches =
      emailChanged || phoneChanged
        ? await findContactDuplicates(tx, actor.organizationId, { email: emailChanged ? fields.email : null, phone: phoneChanged ? fields.phone : null }, id)
        : [];
    if (matches.length && !saveAnyway) return { status: 'duplicate', matches };
    refuseEmailDuplicate(matches);
    const [after] = await tx
      .update(contacts)
      .set({ ...fields, ...(custom ? { custom } : {}) })
      .where(and(active(actor.organizationId), eq(contacts.id, id)))
      .returning();
    return { status: 'saved', contact: after!, changes: diffFields(before, after!, trackedFields), overriddenDuplicates: matches };
  });
}

export async function deleteContact(db: Executor, actor: CrmActor, id: string) {
  const before = await requireContactRow(db, actor.organizationId, id);
  await db.update(contacts).set({ deletedAt: new Date() }).where(and(active(actor.organizationId), eq(contacts.id, id)));
  return { id, email: before.email, name: `${before.firstName} ${before.lastName}`.trim() };
}
