import type { ManualAction } from '../../services/kommo/manual-action';
import { KommoBadResponse } from './errors';
import { complexCreatedSchema, patchedSchema } from './schemas';
import type { KommoTransport } from './transport';

/**
 * The Kommo WRITE client (DESIGN §5, decision 007). Deliberately small and separate
 * from read.ts:
 *
 * - single-record functions only — create one lead with its contact; close one lead (the
 *   rollback of an approved bulk exception). There is no batch call, and the
 *   complex-lead body is always an array of exactly one lead;
 * - each function requires a ManualAction, which only the kommo.syncLead mutation can
 *   issue and which allows one write request (the transport spends it);
 * - nothing under jobs/, and nothing a job handler, schedule or webhook imports, may
 *   import this file: tests/integration/kommo-import-graph.test.ts walks the imports.
 *
 * Finding existing leads and contacts by phone or e-mail is a read (read.ts).
 */

export interface NewKommoContact {
  firstName: string;
  lastName: string;
  /** E.164. */
  phone: string | null;
  email: string | null;
  position?: string | null;
}

export interface NewKommoLead {
  name: string;
  price?: number | null;
  /** Kommo user id; default: the token's user. */
  responsibleUserId?: number | null;
  pipelineId?: number | null;
  statusId?: number | null;
  /** A new contact, or an existing Kommo contact to attach. */
  contact: NewKommoContact | { id: number };
  tags?: string[];
}

export interface CreatedKommoLead {
  leadId: number;
  contactId: number | null;
  /** Kommo's duplicate control merged the lead into an existing one. */
  merged: boolean;
}

function contactBody(contact: NewKommoLead['contact']) {
  if ('id' in contact) return { id: contact.id };
  const fields = [
    ...(contact.phone ? [{ field_code: 'PHONE', values: [{ value: contact.phone, enum_code: 'WORK' }] }] : []),
    ...(contact.email ? [{ field_code: 'EMAIL', values: [{ value: contact.email, enum_code: 'WORK' }] }] : []),
    ...(contact.position ? [{ field_code: 'POSITION', values: [{ value: contact.position }] }] : []),
  ];
  return {
    first_name: contact.firstName,
    last_name: contact.lastName,
    ...(fields.length ? { custom_fields_values: fields } : {}),
  };
}

/**
 * Creates ONE lead with its contact through `POST /api/v4/leads/complex` (wire-spec
 * §3.3). `request_id` carries our outbound-sync id, so the lead can be traced back.
 */
export async function createComplexLead(action: ManualAction, transport: KommoTransport, lead: NewKommoLead, requestId: string): Promise<CreatedKommoLead> {
  const body = [
    {
      name: lead.name.slice(0, 255),
      ...(lead.price != null ? { price: Math.max(0, Math.round(lead.price)) } : {}),
      ...(lead.responsibleUserId ? { responsible_user_id: lead.responsibleUserId } : {}),
      ...(lead.pipelineId ? { pipeline_id: lead.pipelineId } : {}),
      ...(lead.statusId ? { status_id: lead.statusId } : {}),
      request_id: requestId,
      _embedded: {
        contacts: [contactBody(lead.contact)],
        ...(lead.tags?.length ? { tags: lead.tags.map((name) => ({ name })) } : {}),
      },
    },
  ];
  const created = await transport.writeOnce(action, 'POST', '/api/v4/leads/complex', { body, schema: complexCreatedSchema });
  const first = created?.[0];
  if (!first || created.length !== 1) throw new KommoBadResponse('/api/v4/leads/complex', `expected one created lead, got ${created?.length ?? 0}`);
  return { leadId: first.id, contactId: first.contact_id ?? null, merged: first.merged ?? false };
}

/**
 * The rollback of a lead a bulk exception created: Kommo's API cannot delete leads, so
 * the lead is closed as lost (status 143, the same in every pipeline) and tagged. One
 * lead, one permit.
 */
export async function closeLeadAsRolledBack(action: ManualAction, transport: KommoTransport, leadId: number, tag: string): Promise<void> {
  await transport.writeOnce(action, 'PATCH', `/api/v4/leads/${leadId}`, {
    body: { status_id: 143, tags_to_add: [{ name: tag.slice(0, 255) }] },
    schema: patchedSchema,
  });
}
