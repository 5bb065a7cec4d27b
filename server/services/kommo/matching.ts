import type { KommoReadClient } from '../../providers/kommo/read';
import { contactChannels, type KommoContact, type KommoLead } from '../../providers/kommo/schemas';
import type { KommoOutboundResult } from '../../../db/schema/kommo';
import { normalizePhone, tenantCountry } from '../crm/phone';
import type { KommoConnection } from './connection';
import type { KommoDeps } from './deps';
import { catalogFor } from './mirror';

/**
 * Finding a person in Kommo (reads only): by the normalised phone, then the e-mail,
 * with Kommo's fuzzy matches verified on our side, and the newest lead of the first
 * matching contact. Shared by the one-click outbound flow and the bulk-exception dry
 * run; it must never import the write client.
 */

export type KommoLeadSummary = NonNullable<KommoOutboundResult['lead']>;
export type KommoContactSummary = NonNullable<KommoOutboundResult['contact']>;

export const kommoLeadUrl = (baseUrl: string, id: number) => `${baseUrl}/leads/detail/${id}`;
export const kommoContactUrl = (baseUrl: string, id: number) => `${baseUrl}/contacts/detail/${id}`;

/** What we know of the app record being looked for. */
export interface ProfileData {
  name: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  email: string | null;
  position: string | null;
  amount: number | null;
}

function matchesPhone(contact: KommoContact, e164: string, country: Parameters<typeof normalizePhone>[1]): boolean {
  return contactChannels(contact.custom_fields_values).phones.some((p) => {
    const n = normalizePhone(p, country);
    return n.ok && n.value === e164;
  });
}

function matchesEmail(contact: KommoContact, email: string): boolean {
  return contactChannels(contact.custom_fields_values).emails.some((e) => e.toLowerCase() === email.toLowerCase());
}

export async function leadSummary(deps: KommoDeps, reader: KommoReadClient, found: KommoConnection, lead: KommoLead): Promise<KommoLeadSummary> {
  const catalog = await catalogFor(deps, reader, found, {
    pipelineIds: [lead.pipeline_id],
    statusIds: [lead.status_id],
    userIds: lead.responsible_user_id ? [lead.responsible_user_id] : [],
  });
  return {
    id: lead.id,
    name: lead.name,
    pipeline: catalog.pipelines[lead.pipeline_id] ?? null,
    status: catalog.statuses[lead.status_id]?.name ?? null,
    responsible: lead.responsible_user_id ? (catalog.users[lead.responsible_user_id] ?? null) : null,
    url: kommoLeadUrl(found.account.baseUrl, lead.id),
  };
}

/** Searches Kommo by phone, then e-mail; the first verified contact and its most recent lead. */
export async function findExisting(deps: KommoDeps, reader: KommoReadClient, found: KommoConnection, data: ProfileData) {
  const country = await tenantCountry(deps.db, found.account.organizationId);
  const phone = data.phone ? normalizePhone(data.phone, country) : null;
  const e164 = phone?.ok ? phone.value : null;
  const attempts: { by: 'phone' | 'email'; query: string; check: (c: KommoContact) => boolean }[] = [];
  if (e164) attempts.push({ by: 'phone', query: e164, check: (c) => matchesPhone(c, e164, country) });
  if (data.email) attempts.push({ by: 'email', query: data.email.trim(), check: (c) => matchesEmail(c, data.email!.trim()) });
  for (const attempt of attempts) {
    const matches = (await reader.searchContacts(attempt.query, { withLeads: true })).filter((c) => !c.is_deleted && attempt.check(c));
    if (!matches.length) continue;
    matches.sort((a, b) => b.updated_at - a.updated_at);
    const contactOf = (c: KommoContact) => ({ id: c.id, name: c.name, url: kommoContactUrl(found.account.baseUrl, c.id) });
    for (const contact of matches) {
      const leadIds = (contact._embedded?.leads ?? []).map((l) => l.id);
      let newest: KommoLead | null = null;
      if (leadIds.length) {
        for await (const page of reader.leadPages({ ids: leadIds })) {
          for (const lead of page) if (!lead.is_deleted && (!newest || lead.updated_at > newest.updated_at)) newest = lead;
        }
      }
      if (newest) return { matchedBy: attempt.by, contact: contactOf(contact), lead: await leadSummary(deps, reader, found, newest) };
    }
    // a contact without any lead is still an existing record: show it, create nothing
    return { matchedBy: attempt.by, contact: contactOf(matches[0]!), lead: null };
  }
  return null;
}
