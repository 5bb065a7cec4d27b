import { ACCOUNT, CONTACT_FIELDS, LEAD_FIELDS, type Company, type Contact, type KommoStore, type Lead } from './store';

/** Wire shapes of Kommo entities (developers.kommo.com reference pages, wire-spec §3.3–3.4). */

const self = (origin: string, path: string) => ({ self: { href: `${origin}${path}` } });

export function leadCustomFields(lead: Lead) {
  if (!lead.customFields?.length) return null;
  return lead.customFields.map((f) => {
    const def = LEAD_FIELDS.find((d) => d.id === f.field_id);
    return { field_id: f.field_id, field_name: def?.name ?? '', field_code: def?.code ?? null, field_type: def?.type ?? 'text', values: f.values };
  });
}

export function serializeLead(store: KommoStore, lead: Lead, origin: string, withContacts: boolean) {
  const embedded: Record<string, unknown> = {
    tags: lead.tagIds.map((id) => {
      const tag = store.tags.get(id);
      return { id, name: tag?.name ?? '', color: tag?.color ?? null };
    }),
    companies: lead.companyId ? [{ id: lead.companyId, _links: self(origin, `/api/v4/companies/${lead.companyId}`) }] : [],
  };
  if (withContacts) {
    embedded.contacts = lead.contactIds.map((id, i) => ({ id, is_main: i === 0, _links: self(origin, `/api/v4/contacts/${id}`) }));
  }
  return {
    id: lead.id,
    name: lead.name,
    price: lead.price,
    responsible_user_id: lead.responsibleUserId,
    group_id: 0,
    status_id: lead.statusId,
    pipeline_id: lead.pipelineId,
    loss_reason_id: lead.lossReasonId,
    created_by: lead.createdBy,
    updated_by: lead.updatedBy,
    created_at: lead.createdAt,
    updated_at: lead.updatedAt,
    closed_at: lead.closedAt,
    closest_task_at: null,
    is_deleted: lead.isDeleted,
    custom_fields_values: leadCustomFields(lead),
    score: null,
    account_id: ACCOUNT.id,
    labor_cost: null,
    _links: self(origin, `/api/v4/leads/${lead.id}`),
    _embedded: embedded,
  };
}

export function contactCustomFields(contact: Contact) {
  const out: unknown[] = [];
  const multi = (def: typeof CONTACT_FIELDS.phone | typeof CONTACT_FIELDS.email, values: Contact['phones']) => {
    if (!values.length) return;
    const enums = def.enums as Record<string, number>;
    out.push({
      field_id: def.id,
      field_name: def.name,
      field_code: def.code,
      field_type: def.type,
      values: values.map((v) => {
        const code = v.enum_code && enums[v.enum_code] ? v.enum_code : 'WORK';
        return { value: v.value, enum_id: enums[code], enum_code: code };
      }),
    });
  };
  multi(CONTACT_FIELDS.phone, contact.phones);
  multi(CONTACT_FIELDS.email, contact.emails);
  if (contact.position) {
    const def = CONTACT_FIELDS.position;
    out.push({ field_id: def.id, field_name: def.name, field_code: def.code, field_type: def.type, values: [{ value: contact.position }] });
  }
  return out.length ? out : null;
}

export function serializeContact(contact: Contact, origin: string, withLeads: boolean) {
  const embedded: Record<string, unknown> = {
    tags: [],
    companies: contact.companyId ? [{ id: contact.companyId, _links: self(origin, `/api/v4/companies/${contact.companyId}`) }] : [],
  };
  if (withLeads) embedded.leads = contact.leadIds.map((id) => ({ id, _links: self(origin, `/api/v4/leads/${id}`) }));
  return {
    id: contact.id,
    name: contact.name,
    first_name: contact.firstName,
    last_name: contact.lastName,
    responsible_user_id: contact.responsibleUserId,
    group_id: 0,
    created_by: contact.createdBy,
    updated_by: contact.updatedBy,
    created_at: contact.createdAt,
    updated_at: contact.updatedAt,
    closest_task_at: null,
    is_deleted: contact.isDeleted,
    is_unsorted: false,
    custom_fields_values: contactCustomFields(contact),
    account_id: ACCOUNT.id,
    _links: self(origin, `/api/v4/contacts/${contact.id}`),
    _embedded: embedded,
  };
}

export function serializeCompany(company: Company, origin: string) {
  return {
    id: company.id,
    name: company.name,
    responsible_user_id: company.responsibleUserId,
    group_id: 0,
    created_by: company.responsibleUserId,
    updated_by: company.responsibleUserId,
    created_at: company.createdAt,
    updated_at: company.updatedAt,
    closest_task_at: null,
    is_deleted: false,
    custom_fields_values: company.customFields,
    account_id: ACCOUNT.id,
    _links: self(origin, `/api/v4/companies/${company.id}`),
    _embedded: { tags: [] },
  };
}

export { self as halSelf };
