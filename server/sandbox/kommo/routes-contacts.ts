import { hal, noContent, problem, validationProblem, zodProblem } from './errors';
import { checkUser, contactFields, contactNames, Problems } from './input';
import { pageLinks, pageOf, type KommoRequest } from './list';
import { parseBracketQuery } from './query';
import { badJson, INVALID_JSON, jsonBody, parseListQuery } from './routes-leads';
import { contactPatchSchema, contactsCreateSchema, contactsPatchSchema, type ContactInput } from './schemas';
import { serializeCompany, serializeContact } from './serialize';
import type { Contact } from './store';
import type { KommoEvent } from './webhooks';

/** /api/v4/contacts: list with `query` (phone digits / e-mail / name), by id, links, create, patch; /api/v4/companies/{id}. */

type Range = { from?: number; to?: number } | undefined;
const inRange = (v: number, r: Range) => r === undefined || ((r.from === undefined || v >= r.from) && (r.to === undefined || v <= r.to));

export function listContacts(k: KommoRequest): Response {
  const parsed = parseListQuery(k);
  if ('error' in parsed) return parsed.error;
  const { page, limit, filter, order, query: text } = parsed.query;
  const store = k.store;
  const orderKey = (order && (Object.keys(order)[0] as 'id' | 'created_at' | 'updated_at')) || 'id';
  const desc = order?.[orderKey] === 'desc';
  const withLeads = (parsed.query.with ?? '').split(',').includes('leads');
  const checks: ((c: Contact) => boolean)[] = [];
  if (filter?.id) checks.push((c) => filter.id!.includes(c.id));
  if (filter?.responsible_user_id) checks.push((c) => filter.responsible_user_id!.includes(c.responsibleUserId));
  if (filter?.name) checks.push((c) => filter.name!.includes(c.name));
  if (filter?.created_at) checks.push((c) => inRange(c.createdAt, filter.created_at));

  const sortBy = (list: Contact[]) => {
    const key = orderKey === 'id' ? (c: Contact) => c.id : orderKey === 'created_at' ? (c: Contact) => c.createdAt : (c: Contact) => c.updatedAt;
    return list.sort((a, b) => key(a) - key(b) || a.id - b.id);
  };
  let source: Contact[];
  let lo = 0;
  let hi = 0;
  let updatedChecked = false;
  if (text !== undefined && text.trim() !== '') {
    const matched = store.contactsMatching(text);
    if (matched) source = sortBy(matched.map((id) => store.contacts.get(id)!));
    else {
      const q = text.trim().toLowerCase();
      source = sortBy(store.contactsById.filter((c) => !c.isDeleted && (c.name.toLowerCase().includes(q) || String(c.id) === q)));
    }
    hi = source.length;
  } else if (orderKey === 'updated_at' || (orderKey === 'id' && filter?.updated_at)) {
    const index = store.contactsByUpdated;
    const r = filter?.updated_at;
    lo = r?.from !== undefined ? index.lowerBound(r.from) : 0;
    hi = r?.to !== undefined ? index.upperBoundKey(r.to) : index.length;
    updatedChecked = true;
    if (orderKey === 'id') {
      source = sortBy(index.items.slice(lo, hi));
      lo = 0;
      hi = source.length;
    } else source = index.items;
  } else if (orderKey === 'created_at') {
    source = sortBy(store.contactsById.filter((c) => !c.isDeleted));
    hi = source.length;
  } else {
    source = store.contactsById;
    hi = source.length;
  }
  if (!updatedChecked && filter?.updated_at) checks.push((c) => inRange(c.updatedAt, filter.updated_at));
  // contacts are never deleted in this sandbox, so without filters a page is a direct slice
  const result = pageOf(source, lo, hi, desc, checks.length ? (c) => checks.every((check) => check(c)) : null, (page - 1) * limit, limit);
  if (!result.items.length) return noContent();
  return hal({
    _page: page,
    _links: pageLinks(k, page, limit, result.hasNext),
    _embedded: { contacts: result.items.map((c) => serializeContact(c, k.origin, withLeads)) },
  });
}

export function getContact(k: KommoRequest, id: number): Response {
  const contact = k.store.liveContact(id);
  if (!contact) return noContent();
  const withLeads = (k.url.searchParams.get('with') ?? '').split(',').includes('leads');
  return hal(serializeContact(contact, k.origin, withLeads));
}

export function contactLinks(k: KommoRequest, id: number): Response {
  const contact = k.store.liveContact(id);
  if (!contact) return noContent();
  const q = parseBracketQuery(k.url.searchParams) as { filter?: { to_entity_type?: string; to_entity_id?: string } };
  let links = [
    ...contact.leadIds.map((leadId) => ({ to_entity_id: leadId, to_entity_type: 'leads', metadata: { main_contact: k.store.leads.get(leadId)?.contactIds[0] === id } })),
    ...(contact.companyId ? [{ to_entity_id: contact.companyId, to_entity_type: 'companies', metadata: null }] : []),
  ];
  if (q.filter?.to_entity_type) links = links.filter((l) => l.to_entity_type === q.filter!.to_entity_type);
  if (q.filter?.to_entity_id) links = links.filter((l) => String(l.to_entity_id) === q.filter!.to_entity_id);
  if (!links.length) return noContent();
  return hal({
    _total_items: links.length,
    _links: { self: { href: `${k.origin}/api/v4/contacts/${id}/links` } },
    _embedded: { links: links.map((l) => ({ entity_id: id, entity_type: 'contacts', ...l })) },
  });
}

export async function createContacts(k: KommoRequest): Promise<Response> {
  const body = await jsonBody(k);
  if (body === INVALID_JSON) return badJson();
  const parsed = contactsCreateSchema.safeParse(body);
  if (!parsed.success) return zodProblem(parsed.error, true);
  const problems = new Problems();
  const planned = parsed.data.map((input: ContactInput, i) => {
    checkUser(input.responsible_user_id, String(i), 'responsible_user_id', problems);
    return { input, fields: contactFields(input.custom_fields_values, String(i), '', problems), names: contactNames(input), requestId: input.request_id ?? String(i) };
  });
  if (problems.any) return validationProblem(problems.list);
  const events: KommoEvent[] = [];
  const created = planned.map(({ input, fields, names, requestId }) => {
    const { contact, events: e } = k.store.createContact({
      ...names,
      responsibleUserId: input.responsible_user_id ?? k.userId,
      userId: input.created_by ?? k.userId,
      phones: fields.phones ?? [],
      emails: fields.emails ?? [],
      position: fields.position ?? null,
      ...(input.created_at !== undefined ? { createdAt: input.created_at } : {}),
    });
    events.push(...e);
    return { id: contact.id, request_id: requestId, _links: { self: { href: `${k.origin}/api/v4/contacts/${contact.id}` } } };
  });
  k.store.emit(events);
  return hal({ _links: { self: { href: `${k.origin}/api/v4/contacts` } }, _embedded: { contacts: created } });
}

export async function patchContacts(k: KommoRequest, singleId: number | null): Promise<Response> {
  const body = await jsonBody(k);
  if (body === INVALID_JSON) return badJson();
  let items: (ContactInput & { id: number; updated_by?: number })[];
  if (singleId !== null) {
    const parsed = contactPatchSchema.safeParse(body);
    if (!parsed.success) return zodProblem(parsed.error, false);
    items = [{ ...parsed.data, id: singleId }];
  } else {
    const parsed = contactsPatchSchema.safeParse(body);
    if (!parsed.success) return zodProblem(parsed.error, true);
    items = parsed.data;
  }
  const problems = new Problems();
  const planned = items.map((input, i) => {
    const contact = k.store.liveContact(input.id);
    if (!contact) {
      problems.add(String(i), 'id', 'Entity not found', 'NotFound');
      return null;
    }
    checkUser(input.responsible_user_id, String(i), 'responsible_user_id', problems);
    const fields = contactFields(input.custom_fields_values, String(i), '', problems);
    const named = input.name !== undefined || input.first_name !== undefined || input.last_name !== undefined;
    const names = named ? contactNames({ ...input, first_name: input.first_name ?? (input.last_name !== undefined ? contact.firstName : undefined), last_name: input.last_name ?? (input.first_name !== undefined ? contact.lastName : undefined) }) : null;
    return { contact, fields, names, input, requestId: input.request_id ?? String(i) };
  });
  if (problems.any) {
    if (singleId !== null && problems.list.some((p) => p.code === 'NotFound')) return problem(404, 'Contact not found');
    return validationProblem(problems.list);
  }
  const events: KommoEvent[] = [];
  const out = planned.map((p) => {
    const { contact, fields, names, input } = p!;
    events.push(
      ...k.store.updateContact(
        contact,
        {
          ...(names ? { firstName: names.firstName, lastName: names.lastName, ...(names.name ? { name: names.name } : {}) } : {}),
          ...(input.responsible_user_id !== undefined ? { responsibleUserId: input.responsible_user_id } : {}),
          ...(fields.phones ? { phones: fields.phones } : {}),
          ...(fields.emails ? { emails: fields.emails } : {}),
          ...(fields.position !== undefined ? { position: fields.position } : {}),
        },
        input.updated_by ?? k.userId,
      ),
    );
    return { id: contact.id, name: contact.name, updated_at: contact.updatedAt, request_id: p!.requestId, _links: { self: { href: `${k.origin}/api/v4/contacts/${contact.id}` } } };
  });
  k.store.emit(events);
  if (singleId !== null) {
    const { request_id: _ignored, ...one } = out[0]!;
    return hal(one);
  }
  return hal({ _links: { self: { href: `${k.origin}/api/v4/contacts` } }, _embedded: { contacts: out } });
}

export function getCompany(k: KommoRequest, id: number): Response {
  const company = k.store.companies.get(id);
  return company ? hal(serializeCompany(company, k.origin)) : noContent();
}
