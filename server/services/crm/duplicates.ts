import { and, eq, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { contacts, leads } from '../../../db/schema';
import type { CrmActor, Executor } from './context';

/**
 * Duplicate detection before a save: the same e-mail (case-insensitive) or the same
 * normalised (E.164) phone among the tenant's active records of the same kind.
 */

export interface DuplicateMatch {
  /** null when the match is a lead the actor may not see (a colleague's): it exists, nothing more is told. */
  id: string | null;
  visible: boolean;
  name: string | null;
  email: string | null;
  phone: string | null;
  matchedOn: ('email' | 'phone')[];
}

export interface DuplicateProbe {
  email?: string | null;
  phone?: string | null;
}

const LIMIT = 10;

function matchedOn(row: { email: string | null; phone: string | null }, probe: DuplicateProbe): ('email' | 'phone')[] {
  const on: ('email' | 'phone')[] = [];
  if (probe.email && row.email && row.email.toLowerCase() === probe.email.toLowerCase()) on.push('email');
  if (probe.phone && row.phone === probe.phone) on.push('phone');
  return on;
}

function probeCondition(emailColumn: typeof leads.email | typeof contacts.email, phoneColumn: typeof leads.phone | typeof contacts.phone, probe: DuplicateProbe): SQL | undefined {
  const email = probe.email?.trim().toLowerCase();
  return or(email ? eq(sql`lower(${emailColumn})`, email) : undefined, probe.phone ? eq(phoneColumn, probe.phone) : undefined);
}

export async function findLeadDuplicates(db: Executor, actor: CrmActor, probe: DuplicateProbe, exceptId?: string): Promise<DuplicateMatch[]> {
  const match = probeCondition(leads.email, leads.phone, probe);
  if (!match) return [];
  const rows = await db
    .select({ id: leads.id, name: leads.name, email: leads.email, phone: leads.phone, assignedTo: leads.assignedTo })
    .from(leads)
    .where(and(eq(leads.organizationId, actor.organizationId), isNull(leads.deletedAt), exceptId ? ne(leads.id, exceptId) : undefined, match))
    .limit(LIMIT);
  return rows.map((row) => {
    const visible = actor.seesAllLeads || row.assignedTo === actor.userId;
    return visible
      ? { id: row.id, visible, name: row.name, email: row.email, phone: row.phone, matchedOn: matchedOn(row, probe) }
      : { id: null, visible, name: null, email: null, phone: null, matchedOn: matchedOn(row, probe) };
  });
}

export async function findContactDuplicates(db: Executor, organizationId: string, probe: DuplicateProbe, exceptId?: string): Promise<DuplicateMatch[]> {
  const match = probeCondition(contacts.email, contacts.phone, probe);
  if (!match) return [];
  const rows = await db
    .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, email: contacts.email, phone: contacts.phone })
    .from(contacts)
    .where(and(eq(contacts.organizationId, organizationId), isNull(contacts.deletedAt), exceptId ? ne(contacts.id, exceptId) : undefined, match))
    .limit(LIMIT);
  return rows.map((row) => ({
    id: row.id,
    visible: true,
    name: `${row.firstName} ${row.lastName}`.trim(),
    email: row.email,
    phone: row.phone,
    matchedOn: matchedOn(row, probe),
  }));
}
