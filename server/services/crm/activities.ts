import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { accounts, contacts, leadActivities, leads, users } from '../../../db/schema';
import type { ActivityKind } from '../../shared/crm';
import { diffFields, type CrmActor, type Executor } from './context';
import { forbiddenError, notFoundError } from './errors';

/**
 * Activities (calls, meetings, e-mails, tasks, notes) and the lead timeline. The
 * timeline is this same table: the services write `system` entries for every change
 * to a lead (created, fields changed, stage moved, assigned, merged, converted,
 * deleted), so one query in time order shows the whole story (decision 005).
 */

export interface TimelineEntry {
  leadId?: string | null;
  contactId?: string | null;
  accountId?: string | null;
  title: string;
  details: Record<string, unknown>;
}

const CHUNK = 1000;

/** Writes `system` timeline entries, in the caller's transaction, authored by the actor. */
export async function recordLeadEvents(db: Executor, actor: CrmActor, entries: TimelineEntry[]) {
  for (let i = 0; i < entries.length; i += CHUNK) {
    await db.insert(leadActivities).values(
      entries.slice(i, i + CHUNK).map((entry) => ({
        organizationId: actor.organizationId,
        leadId: entry.leadId ?? null,
        contactId: entry.contactId ?? null,
        accountId: entry.accountId ?? null,
        kind: 'system' as const,
        title: entry.title.slice(0, 300),
        details: entry.details,
        authorId: actor.userId,
      })),
    );
  }
}

export const recordLeadEvent = (db: Executor, actor: CrmActor, entry: TimelineEntry) => recordLeadEvents(db, actor, [entry]);

/** The visibility rule of leads, as a condition on the `leads` table. */
export function visibleLeadCondition(actor: CrmActor): SQL {
  return and(
    eq(leads.organizationId, actor.organizationId),
    isNull(leads.deletedAt),
    actor.seesAllLeads ? undefined : eq(leads.assignedTo, actor.userId),
  )!;
}

export interface ActivitySubject {
  leadId?: string;
  contactId?: string;
  accountId?: string;
}

/** The subject must be a lead the actor sees, or an active contact/account of the tenant. */
async function assertSubject(db: Executor, actor: CrmActor, subject: ActivitySubject) {
  if (subject.leadId) {
    const [lead] = await db.select({ id: leads.id }).from(leads).where(and(visibleLeadCondition(actor), eq(leads.id, subject.leadId)));
    if (!lead) throw notFoundError('Lead');
  }
  if (subject.contactId) {
    const [contact] = await db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.organizationId, actor.organizationId), isNull(contacts.deletedAt), eq(contacts.id, subject.contactId)));
    if (!contact) throw notFoundError('Contact');
  }
  if (subject.accountId) {
    const [account] = await db
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.organizationId, actor.organizationId), isNull(accounts.deletedAt), eq(accounts.id, subject.accountId)));
    if (!account) throw notFoundError('Account');
  }
}

const activityColumns = {
  id: leadActivities.id,
  leadId: leadActivities.leadId,
  contactId: leadActivities.contactId,
  accountId: leadActivities.accountId,
  kind: leadActivities.kind,
  title: leadActivities.title,
  description: leadActivities.description,
  dueAt: leadActivities.dueAt,
  completedAt: leadActivities.completedAt,
  details: leadActivities.details,
  createdAt: leadActivities.createdAt,
  updatedAt: leadActivities.updatedAt,
  author: { id: users.id, name: users.name, email: users.email },
};

/** A timeline, newest first, in keyset pages: pass the last entry's id as `cursor`. */
export async function listActivities(db: Executor, actor: CrmActor, subject: ActivitySubject, page: { cursor?: string; limit: number }) {
  await assertSubject(db, actor, subject);
  const subjectWhere = subject.leadId
    ? eq(leadActivities.leadId, subject.leadId)
    : subject.contactId
      ? eq(leadActivities.contactId, subject.contactId)
      : eq(leadActivities.accountId, subject.accountId!);
  const c = alias(leadActivities, 'cursor_activity');
  const rows = await db
    .select(activityColumns)
    .from(leadActivities)
    .leftJoin(users, eq(users.id, leadActivities.authorId))
    .where(
      and(
        eq(leadActivities.organizationId, actor.organizationId),
        isNull(leadActivities.deletedAt),
        subjectWhere,
        page.cursor
          ? sql`(${leadActivities.createdAt}, ${leadActivities.id}) < (select ${c.createdAt}, ${c.id} from ${leadActivities} ${sql.identifier('cursor_activity')} where ${c.id} = ${page.cursor} and ${c.organizationId} = ${actor.organizationId})`
          : undefined,
      ),
    )
    .orderBy(desc(leadActivities.createdAt), desc(leadActivities.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null };
}

export interface ActivityFields {
  kind: Exclude<ActivityKind, 'system'>;
  title: string;
  description?: string | null;
  dueAt?: Date | null;
  completedAt?: Date | null;
}

export async function createActivity(db: Executor, actor: CrmActor, subject: ActivitySubject, fields: ActivityFields) {
  await assertSubject(db, actor, subject);
  const [row] = await db
    .insert(leadActivities)
    .values({
      organizationId: actor.organizationId,
      leadId: subject.leadId ?? null,
      contactId: subject.contactId ?? null,
      accountId: subject.accountId ?? null,
      ...fields,
      authorId: actor.userId,
    })
    .returning({ id: leadActivities.id });
  return { id: row!.id, ...subject, ...fields };
}

/** An editable activity: not a system entry, and on a subject the actor sees. */
async function requireActivity(db: Executor, actor: CrmActor, id: string) {
  const [row] = await db
    .select()
    .from(leadActivities)
    .where(and(eq(leadActivities.organizationId, actor.organizationId), isNull(leadActivities.deletedAt), eq(leadActivities.id, id)));
  if (!row) throw notFoundError('Activity');
  try {
    await assertSubject(db, actor, {
      leadId: row.leadId ?? undefined,
      contactId: row.leadId ? undefined : (row.contactId ?? undefined),
      accountId: row.leadId || row.contactId ? undefined : (row.accountId ?? undefined),
    });
  } catch {
    throw notFoundError('Activity');
  }
  if (row.kind === 'system') throw forbiddenError('Timeline entries written by the system cannot be changed.');
  return row;
}

export async function updateActivity(db: Executor, actor: CrmActor, id: string, patch: Partial<ActivityFields>) {
  const before = await requireActivity(db, actor, id);
  const [after] = await db
    .update(leadActivities)
    .set(patch)
    .where(and(eq(leadActivities.organizationId, actor.organizationId), eq(leadActivities.id, id)))
    .returning();
  return { activity: after!, changes: diffFields(before, after!, ['kind', 'title', 'description', 'dueAt', 'completedAt']) };
}

/** Soft delete, by its author or by someone who manages all leads. */
export async function deleteActivity(db: Executor, actor: CrmActor, id: string) {
  const row = await requireActivity(db, actor, id);
  if (row.authorId !== actor.userId && !actor.seesAllLeads) throw forbiddenError('Only the author or a manager deletes an activity.');
  await db
    .update(leadActivities)
    .set({ deletedAt: new Date() })
    .where(and(eq(leadActivities.organizationId, actor.organizationId), eq(leadActivities.id, id)));
  return { id, kind: row.kind, title: row.title, leadId: row.leadId, contactId: row.contactId, accountId: row.accountId };
}
