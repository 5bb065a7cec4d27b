import { contactChannels, leadSchema, listPage, type KommoContact, type KommoLead } from '../../providers/kommo/schemas';
import type { KommoReadClient } from '../../providers/kommo/read';

/**
 * Step 1 of the pipeline and the wizard's Kommo test read leads through this small
 * interface; the implementation below sits on the Kommo issue's read client
 * (server/providers/kommo/read.ts), which is read-only by construction — the report
 * pipeline never reaches Kommo's write path.
 */

export interface PeriodLeadContact {
  id: number;
  name: string;
  isMain: boolean;
  phones: string[];
}

export interface PeriodLead {
  id: number;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  responsibleUserId: number | null;
  responsible: string | null;
  statusId: number;
  pipelineId: number;
  price: number | null;
  contacts: PeriodLeadContact[];
}

export interface LeadSource {
  /** Leads updated in [from, to), with their contacts' phones. */
  leadsUpdatedBetween(from: Date, to: Date, signal?: AbortSignal): Promise<PeriodLead[]>;
  /** The most recently updated leads, with contacts and phones. */
  recentLeads(count: number, signal?: AbortSignal): Promise<PeriodLead[]>;
  /** The account name (proves the connection works). */
  accountName(): Promise<string>;
}

const leadsPage = listPage('leads', leadSchema);
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A LeadSource over the Kommo read client of a connection. */
export function kommoLeadSource(reader: KommoReadClient): LeadSource {
  let users: Map<number, string> | null = null;
  const userNames = async () => {
    if (!users) users = new Map((await reader.users()).map((u) => [u.id, u.name]));
    return users;
  };

  async function complete(leads: KommoLead[]): Promise<PeriodLead[]> {
    if (!leads.length) return [];
    const contactIds = [...new Set(leads.flatMap((l) => (l._embedded?.contacts ?? []).map((c) => c.id)))];
    const contacts = new Map<number, KommoContact>((contactIds.length ? await reader.contactsByIds(contactIds) : []).map((c) => [c.id, c]));
    const names = await userNames();
    return leads.map((lead) => ({
      id: lead.id,
      name: lead.name,
      createdAt: iso(lead.created_at),
      updatedAt: iso(lead.updated_at),
      responsibleUserId: lead.responsible_user_id ?? null,
      responsible: lead.responsible_user_id ? (names.get(lead.responsible_user_id) ?? `User ${lead.responsible_user_id}`) : null,
      statusId: lead.status_id,
      pipelineId: lead.pipeline_id,
      price: lead.price ?? null,
      contacts: (lead._embedded?.contacts ?? []).map((ref) => {
        const contact = contacts.get(ref.id);
        return { id: ref.id, name: contact?.name ?? '', isMain: ref.is_main ?? false, phones: contact ? contactChannels(contact.custom_fields_values).phones : [] };
      }),
    }));
  }

  return {
    async leadsUpdatedBetween(from, to, signal) {
      const toSeconds = Math.floor(to.getTime() / 1000);
      const found: KommoLead[] = [];
      // ordered by updated_at ascending: stop at the first lead past the period
      outer: for await (const page of reader.leadPages({ updatedFrom: Math.floor(from.getTime() / 1000), withContacts: true, order: 'updated_at' })) {
        signal?.throwIfAborted();
        for (const lead of page) {
          if (lead.updated_at >= toSeconds) break outer;
          found.push(lead);
        }
      }
      return complete(found);
    },
    async recentLeads(count, signal) {
      signal?.throwIfAborted();
      // the read client pages ascending only; one descending page through its transport (a GET, like every read)
      const page = await reader.transport.get('/api/v4/leads', { schema: leadsPage, query: { limit: count, 'order[updated_at]': 'desc', with: 'contacts' } });
      return complete(((page?._embedded.leads ?? []) as KommoLead[]).slice(0, count));
    },
    async accountName() {
      return (await reader.account()).name;
    },
  };
}
