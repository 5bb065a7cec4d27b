import { and, eq, inArray, isNull } from 'drizzle-orm';
import { leads } from '../../../db/schema';
import { kommoBulkExceptions, kommoLinks, type KommoBulkPlanItem } from '../../../db/schema/kommo';
import { writeAudit } from '../../security/audit';
import { openKommoReader } from './connection';
import type { KommoDeps } from './deps';
import { findExisting } from './matching';

/**
 * The dry run of a bulk exception (decision 007): exactly what running it would do,
 * lead by lead — reads only (the app's records, our links, Kommo searches by phone then
 * e-mail), so the kommo-bulk-plan job may run it. The write side is bulk.ts.
 *
 *   create  no link, has a phone or e-mail, nothing in Kommo matches
 *   link    Kommo already has the person: the lead will be linked, nothing created
 *   skip    already linked, no phone and e-mail, or not an active lead of the tenant
 *   close   (rollback) the Kommo lead this exception's original created
 */
export async function planBulkException(deps: KommoDeps, exceptionId: string): Promise<KommoBulkPlanItem[]> {
  const [row] = await deps.db.select().from(kommoBulkExceptions).where(eq(kommoBulkExceptions.id, exceptionId));
  if (!row || row.status !== 'dry_run') return row?.dryRun ?? [];
  let plan: KommoBulkPlanItem[];
  if (row.kind === 'rollback') {
    const [original] = row.rollbackOf ? await deps.db.select().from(kommoBulkExceptions).where(eq(kommoBulkExceptions.id, row.rollbackOf)) : [];
    plan = row.leadIds.map((leadId) => {
      const kommoLeadId = original?.created[leadId] ?? null;
      return kommoLeadId
        ? { leadId, action: 'close' as const, reason: `close Kommo lead ${kommoLeadId} as lost (tagged) and remove the link`, kommoLeadId }
        : { leadId, action: 'skip' as const, reason: 'the original run created nothing for this lead' };
    });
  } else {
    const rows = await deps.db
      .select()
      .from(leads)
      .where(and(eq(leads.organizationId, row.organizationId), inArray(leads.id, row.leadIds), isNull(leads.deletedAt)));
    const byId = new Map(rows.map((l) => [l.id, l]));
    const links = await deps.db
      .select({ profileId: kommoLinks.profileId, kommoLeadId: kommoLinks.kommoLeadId })
      .from(kommoLinks)
      .where(and(eq(kommoLinks.connectionId, row.connectionId), eq(kommoLinks.profileType, 'lead'), inArray(kommoLinks.profileId, row.leadIds)));
    const linked = new Map(links.map((l) => [l.profileId, l.kommoLeadId]));
    const opened = await openKommoReader(deps, row.connectionId);
    plan = [];
    for (const leadId of row.leadIds) {
      const lead = byId.get(leadId);
      if (!lead) {
        plan.push({ leadId, action: 'skip', reason: 'not an active lead of this workspace' });
      } else if (linked.has(leadId)) {
        plan.push({ leadId, action: 'skip', reason: 'already linked to a Kommo lead', kommoLeadId: linked.get(leadId) ?? null });
      } else if (!lead.phone && !lead.email) {
        plan.push({ leadId, action: 'skip', reason: 'no phone and no e-mail: Kommo cannot be checked for a duplicate' });
      } else {
        const [first = '', ...rest] = lead.name.trim().split(/\s+/);
        const found = await findExisting(deps, opened.reader, opened.found, { name: lead.name, firstName: first, lastName: rest.join(' '), phone: lead.phone, email: lead.email, position: lead.position, amount: lead.amount });
        plan.push(
          found?.lead
            ? { leadId, action: 'link', reason: `Kommo has it (matched by ${found.matchedBy}): "${found.lead.name}"`, kommoLeadId: found.lead.id }
            : found
              ? { leadId, action: 'create', reason: `Kommo has the contact (matched by ${found.matchedBy}) but no lead: one lead would be created for contact ${found.contact.id}`, kommoContactId: found.contact.id }
              : { leadId, action: 'create', reason: 'not in Kommo: one lead with its contact would be created' },
        );
      }
    }
  }
  const [updated] = await deps.db
    .update(kommoBulkExceptions)
    .set({ dryRun: plan, dryRunAt: new Date(), status: 'awaiting_approval', updatedAt: new Date() })
    .where(and(eq(kommoBulkExceptions.id, exceptionId), eq(kommoBulkExceptions.status, 'dry_run')))
    .returning({ organizationId: kommoBulkExceptions.organizationId });
  if (updated) {
    await writeAudit(deps.db, { userId: null, email: 'system' }, null, {
      action: 'system.kommo.bulk.dry_run',
      organizationId: updated.organizationId,
      targetType: 'kommo_bulk_exception',
      targetId: exceptionId,
      details: { create: plan.filter((p) => p.action === 'create').length, link: plan.filter((p) => p.action === 'link').length, skip: plan.filter((p) => p.action === 'skip').length, close: plan.filter((p) => p.action === 'close').length },
    });
  }
  return plan;
}
