import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { accounts, contacts, leadStages, leads } from '../../../db/schema';
import type { CustomFieldEntity, CustomValues } from '../../shared/crm';
import { requireAccountRow } from './accounts';
import { recordLeadEvent } from './activities';
import { requireContactRow } from './contacts';
import type { CrmActor, Executor } from './context';
import { checkCustomValues, listCustomFields } from './custom-fields';
import { conflictError } from './errors';
import { getLead, requireLeadRow, type LeadRow } from './leads';

/**
 * Lead → customer, in one transaction: the account (linked when given or when one
 * matches by tax id or name, else created, with the lead's source in its notes), the
 * primary contact (linked when given or when one has the lead's e-mail, else
 * created), a timeline entry on all three, and the lead marked converted with
 * pointers to both. Any failure leaves nothing behind; a second conversion is refused.
 */

export interface ConvertOptions {
  /** Link to this account instead of matching or creating one. */
  accountId?: string;
  /** Link to this contact instead of matching or creating one. */
  contactId?: string;
}

const sourceLabel = (source: string) => source.replace(/_/g, ' ');

/** Lead custom values whose key the target entity also defines and whose value passes its check. */
async function carriedCustomValues(db: Executor, organizationId: string, entity: CustomFieldEntity, values: CustomValues): Promise<CustomValues> {
  const definitions = (await listCustomFields(db, organizationId, entity)).map((d) => ({ ...d, required: false }));
  const carried: CustomValues = {};
  for (const def of definitions) {
    if (values[def.key] === undefined) continue;
    const check = checkCustomValues([def], { [def.key]: values[def.key]! }, null);
    if (check.ok) Object.assign(carried, check.values);
  }
  return carried;
}

async function matchOrCreateAccount(tx: Executor, actor: CrmActor, lead: LeadRow, accountId: string | undefined) {
  const org = actor.organizationId;
  const note = `Converted from lead "${lead.name}" (source: ${sourceLabel(lead.source)}) on ${new Date().toISOString().slice(0, 10)}.`;
  let existing = accountId ? await requireAccountRow(tx, org, accountId, true) : undefined;
  if (!existing && lead.taxId) {
    [existing] = await tx
      .select()
      .from(accounts)
      .where(and(eq(accounts.organizationId, org), isNull(accounts.deletedAt), eq(accounts.taxId, lead.taxId)))
      .limit(1)
      .for('update');
  }
  if (!existing && lead.company) {
    [existing] = await tx
      .select()
      .from(accounts)
      .where(and(eq(accounts.organizationId, org), isNull(accounts.deletedAt), eq(sql`lower(${accounts.name})`, lead.company.toLowerCase())))
      .limit(1)
      .for('update');
  }
  if (existing) {
    const [linked] = await tx
      .update(accounts)
      .set({ notes: existing.notes ? `${existing.notes}\n${note}` : note, taxId: existing.taxId ?? lead.taxId, phone: existing.phone ?? lead.phone })
      .where(and(eq(accounts.organizationId, org), eq(accounts.id, existing.id)))
      .returning();
    return { account: linked!, created: false };
  }
  const [created] = await tx
    .insert(accounts)
    .values({
      organizationId: org,
      name: lead.company ?? lead.name,
      phone: lead.phone,
      taxId: lead.taxId,
      notes: note,
      ownerId: lead.assignedTo ?? actor.userId,
      custom: await carriedCustomValues(tx, org, 'account', lead.custom),
      createdBy: actor.userId,
    })
    .returning();
  return { account: created!, created: true };
}

async function matchOrCreateContact(tx: Executor, actor: CrmActor, lead: LeadRow, accountId: string, contactId: string | undefined) {
  const org = actor.organizationId;
  let existing = contactId ? await requireContactRow(tx, org, contactId, true) : undefined;
  if (!existing && lead.email) {
    [existing] = await tx
      .select()
      .from(contacts)
      .where(and(eq(contacts.organizationId, org), isNull(contacts.deletedAt), eq(sql`lower(${contacts.email})`, lead.email.toLowerCase())))
      .limit(1)
      .for('update');
  }
  const [primary] = await tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.organizationId, org), isNull(contacts.deletedAt), eq(contacts.accountId, accountId), eq(contacts.isPrimary, true)))
    .limit(1);
  if (existing) {
    const [linked] = await tx
      .update(contacts)
      .set({
        accountId: existing.accountId ?? accountId,
        isPrimary: existing.isPrimary || (!primary && (existing.accountId ?? accountId) === accountId),
        phone: existing.phone ?? lead.phone,
        position: existing.position ?? lead.position,
      })
      .where(and(eq(contacts.organizationId, org), eq(contacts.id, existing.id)))
      .returning();
    return { contact: linked!, created: false };
  }
  const [first, ...rest] = lead.name.trim().split(/\s+/);
  const [created] = await tx
    .insert(contacts)
    .values({
      organizationId: org,
      accountId,
      firstName: first ?? lead.name,
      lastName: rest.join(' '),
      email: lead.email,
      phone: lead.phone,
      position: lead.position,
      isPrimary: !primary,
      ownerId: lead.assignedTo ?? actor.userId,
      custom: await carriedCustomValues(tx, org, 'contact', lead.custom),
      createdBy: actor.userId,
    })
    .returning();
  return { contact: created!, created: true };
}

export async function convertLead(db: Executor, actor: CrmActor, leadId: string, options: ConvertOptions = {}) {
  const org = actor.organizationId;
  const outcome = await db.transaction(async (tx) => {
    // the row lock makes a concurrent second conversion wait, then see "converted"
    const lead = await requireLeadRow(tx, actor, leadId, true);
    if (lead.status === 'converted') throw conflictError('The lead is already converted.');
    const { account, created: accountCreated } = await matchOrCreateAccount(tx, actor, lead, options.accountId);
    const { contact, created: contactCreated } = await matchOrCreateContact(tx, actor, lead, account.id, options.contactId);
    await recordLeadEvent(tx, actor, {
      leadId,
      accountId: account.id,
      contactId: contact.id,
      title: `Converted to customer ${account.name}`,
      details: { event: 'converted', accountId: account.id, accountCreated, contactId: contact.id, contactCreated, source: lead.source },
    });
    const [won] = await tx
      .select({ id: leadStages.id })
      .from(leadStages)
      .where(and(eq(leadStages.organizationId, org), isNull(leadStages.deletedAt), eq(leadStages.isWon, true)))
      .orderBy(asc(leadStages.position))
      .limit(1);
    const convertedAt = new Date();
    await tx
      .update(leads)
      .set({
        status: 'converted',
        convertedAt,
        convertedToAccountId: account.id,
        convertedToContactId: contact.id,
        qualifiedAt: lead.qualifiedAt ?? convertedAt,
        ...(won ? { stageId: won.id } : {}),
      })
      .where(and(eq(leads.organizationId, org), eq(leads.id, leadId)));
    return {
      account: { id: account.id, name: account.name, created: accountCreated },
      contact: { id: contact.id, name: `${contact.firstName} ${contact.lastName}`.trim(), email: contact.email, created: contactCreated },
    };
  });
  return { ...outcome, lead: await getLead(db, actor, leadId) };
}
