import { hal, noContent, problem, validationProblem, zodProblem } from './errors';
import { checkLossReason, checkUser, contactFields, contactNames, leadCustomFields, pipelineAndStatus, Problems, tagChanges } from './input';
import { pageLinks, pageOf, type KommoRequest } from './list';
import { parseBracketQuery } from './query';
import { leadsComplexSchema, leadsCreateSchema, leadPatchSchema, leadsPatchSchema, listQuerySchema, tagsCreateSchema, type LeadInput, type LeadPatch, type ListQuery } from './schemas';
import { serializeLead } from './serialize';
import type { Lead } from './store';
import type { KommoEvent } from './webhooks';

/** /api/v4/leads: list (filters, order, query, with=contacts), by id, links, create, complex, patch, tags. */

type Range = { from?: number; to?: number } | undefined;
const inRange = (v: number | null, r: Range) => r === undefined || (v !== null && (r.from === undefined || v >= r.from) && (r.to === undefined || v <= r.to));

function readJson(k: KommoRequest): Promise<unknown> {
  return k.request.text().then((text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return Symbol.for('invalid-json');
    }
  });
}
export const INVALID_JSON = Symbol.for('invalid-json');
export const jsonBody = readJson;
export const badJson = () => problem(400, 'Request body is not valid JSON', { 'validation-errors': [{ request_id: '0', errors: [{ code: 'InvalidJson', path: '', detail: 'Syntax error' }] }] });

export function parseListQuery(k: KommoRequest): { query: ListQuery } | { error: Response } {
  const parsed = listQuerySchema.safeParse(parseBracketQuery(k.url.searchParams));
  if (!parsed.success) return { error: zodProblem(parsed.error, false) };
  const query = parsed.data;
  // Kommo recommends If-Modified-Since on lists: only records changed since then
  const since = k.request.headers.get('if-modified-since');
  if (since && !Number.isNaN(Date.parse(since))) {
    const from = Math.floor(Date.parse(since) / 1000);
    query.filter = { ...query.filter, updated_at: { ...query.filter?.updated_at, from: Math.max(from, query.filter?.updated_at?.from ?? 0) } };
  }
  return { query };
}

export function listLeads(k: KommoRequest): Response {
  const parsed = parseListQuery(k);
  if ('error' in parsed) return parsed.error;
  const { page, limit, filter, order, query: text } = parsed.query;
  const store = k.store;
  const orderKey = (order && (Object.keys(order)[0] as 'id' | 'created_at' | 'updated_at')) || 'id';
  const desc = order?.[orderKey] === 'desc';
  const withContacts = (parsed.query.with ?? '').split(',').includes('contacts');

  const statusPairs = filter?.statuses?.map((s) => `${s.pipeline_id}:${s.status_id}`);
  const names = filter?.name?.map((n) => n.toLowerCase());
  const checks: ((l: Lead) => boolean)[] = [];
  if (filter?.id) {
    const ids = new Set(filter.id);
    checks.push((l) => ids.has(l.id));
  }
  if (filter?.pipeline_id) checks.push((l) => filter.pipeline_id!.includes(l.pipelineId));
  if (filter?.responsible_user_id) checks.push((l) => filter.responsible_user_id!.includes(l.responsibleUserId));
  if (filter?.created_by) checks.push((l) => filter.created_by!.includes(l.createdBy));
  if (filter?.updated_by) checks.push((l) => filter.updated_by!.includes(l.updatedBy));
  if (statusPairs) checks.push((l) => statusPairs.includes(`${l.pipelineId}:${l.statusId}`));
  if (names) checks.push((l) => names.includes(l.name.toLowerCase()));
  if (filter?.price) checks.push((l) => inRange(l.price, filter.price));
  if (filter?.closed_at) checks.push((l) => inRange(l.closedAt, filter.closed_at));

  // the sorted source: explicit candidates (ids, query) or a range of one of the indexes
  let source: Lead[];
  let lo = 0;
  let hi = 0;
  const sortBy = (list: Lead[]) => {
    const key = orderKey === 'id' ? (l: Lead) => l.id : orderKey === 'created_at' ? (l: Lead) => l.createdAt : (l: Lead) => l.updatedAt;
    return list.sort((a, b) => key(a) - key(b) || a.id - b.id);
  };
  let rangeChecks: ('created_at' | 'updated_at')[] = ['created_at', 'updated_at'];
  if (text !== undefined && text.trim() !== '') {
    const contacts = store.contactsMatching(text);
    let found: Lead[];
    if (contacts) {
      found = [...new Set(contacts.flatMap((id) => store.contacts.get(id)!.leadIds))].map((id) => store.liveLead(id)!).filter(Boolean);
    } else {
      const q = text.trim().toLowerCase();
      const asId = /^\d+$/.test(q) ? Number(q) : -1;
      found = store.leadsById.filter((l) => l.id === asId || l.name.toLowerCase().includes(q));
    }
    source = sortBy(found);
    hi = source.length;
  } else if (filter?.id && filter.id.length <= 10_000) {
    source = sortBy(filter.id.map((id) => store.liveLead(id)).filter((l): l is Lead => Boolean(l)));
    hi = source.length;
  } else if (orderKey !== 'id' || (!filter?.updated_at && !filter?.created_at)) {
    const index = orderKey === 'updated_at' ? store.leadsByUpdated : orderKey === 'created_at' ? store.leadsByCreated : null;
    if (index) {
      source = index.items;
      const r = orderKey === 'updated_at' ? filter?.updated_at : filter?.created_at;
      lo = r?.from !== undefined ? index.lowerBound(r.from) : 0;
      hi = r?.to !== undefined ? index.upperBoundKey(r.to) : source.length;
      rangeChecks = rangeChecks.filter((c) => c !== orderKey);
    } else {
      source = store.leadsById;
      hi = source.length;
    }
  } else {
    // ordered by id but filtered by a time range: take the range from its index, then sort
    const key = filter?.updated_at ? 'updated_at' : 'created_at';
    const index = key === 'updated_at' ? store.leadsByUpdated : store.leadsByCreated;
    const r = filter![key]!;
    const a = r.from !== undefined ? index.lowerBound(r.from) : 0;
    const b = r.to !== undefined ? index.upperBoundKey(r.to) : index.length;
    source = sortBy(index.items.slice(a, b));
    hi = source.length;
    rangeChecks = rangeChecks.filter((c) => c !== key);
  }
  for (const c of rangeChecks) {
    const r = filter?.[c];
    if (r) checks.push(c === 'created_at' ? (l) => inRange(l.createdAt, r) : (l) => inRange(l.updatedAt, r));
  }
  const predicate = checks.length ? (l: Lead) => checks.every((check) => check(l)) : null;
  const result = pageOf(source, lo, hi, desc, predicate, (page - 1) * limit, limit);
  if (!result.items.length) return noContent();
  return hal({
    _page: page,
    _links: pageLinks(k, page, limit, result.hasNext),
    _embedded: { leads: result.items.map((l) => serializeLead(store, l, k.origin, withContacts)) },
  });
}

export function getLead(k: KommoRequest, id: number): Response {
  const lead = k.store.liveLead(id);
  if (!lead) return noContent();
  const withContacts = (k.url.searchParams.get('with') ?? '').split(',').includes('contacts');
  return hal(serializeLead(k.store, lead, k.origin, withContacts));
}

export function leadLinks(k: KommoRequest, id: number): Response {
  const lead = k.store.liveLead(id);
  if (!lead) return noContent();
  const q = parseBracketQuery(k.url.searchParams) as { filter?: { to_entity_type?: string; to_entity_id?: string } };
  let links = [
    ...lead.contactIds.map((contactId, i) => ({ to_entity_id: contactId, to_entity_type: 'contacts', metadata: { main_contact: i === 0 } })),
    ...(lead.companyId ? [{ to_entity_id: lead.companyId, to_entity_type: 'companies', metadata: null }] : []),
  ];
  if (q.filter?.to_entity_type) links = links.filter((l) => l.to_entity_type === q.filter!.to_entity_type);
  if (q.filter?.to_entity_id) links = links.filter((l) => String(l.to_entity_id) === q.filter!.to_entity_id);
  if (!links.length) return noContent();
  return hal({
    _total_items: links.length,
    _links: { self: { href: `${k.origin}/api/v4/leads/${id}/links` } },
    _embedded: { links: links.map((l) => ({ entity_id: id, entity_type: 'leads', ...l })) },
  });
}

/** Builds the store fields of a new lead, or records problems. */
function newLeadFields(k: KommoRequest, input: LeadInput, requestId: string, problems: Problems) {
  checkUser(input.responsible_user_id, requestId, 'responsible_user_id', problems);
  checkLossReason(input.loss_reason_id, requestId, problems);
  const { pipelineId, statusId } = pipelineAndStatus(input, null, requestId, problems);
  const customFields = leadCustomFields(input.custom_fields_values, requestId, '', problems) ?? null;
  const tagIds = tagChanges(k.store, null, input, requestId, problems) ?? [];
  const responsible = input.responsible_user_id ?? k.userId;
  return {
    name: input.name ?? `Lead #${Math.floor(Date.now() / 1000)}`,
    price: input.price ?? 0,
    responsibleUserId: responsible,
    statusId,
    pipelineId,
    lossReasonId: input.loss_reason_id ?? null,
    createdBy: input.created_by ?? k.userId,
    contactIds: [] as number[],
    companyId: null as number | null,
    tagIds,
    customFields,
    ...(input.created_at !== undefined ? { createdAt: input.created_at } : {}),
  };
}

export async function createLeads(k: KommoRequest): Promise<Response> {
  const body = await readJson(k);
  if (body === INVALID_JSON) return badJson();
  const parsed = leadsCreateSchema.safeParse(body);
  if (!parsed.success) return zodProblem(parsed.error, true);
  const problems = new Problems();
  const prepared = parsed.data.map((input, i) => {
    const fields = newLeadFields(k, input, String(i), problems);
    const contactIds: number[] = [];
    (input._embedded?.contacts ?? []).forEach((c, j) => {
      if (c.id === undefined || !k.store.liveContact(c.id)) problems.add(String(i), `_embedded.contacts.${j}.id`, 'Contact not found', 'NotFound');
      else contactIds.push(c.id);
    });
    return { ...fields, contactIds, requestId: input.request_id ?? String(i) };
  });
  if (problems.any) return validationProblem(problems.list);
  const events: KommoEvent[] = [];
  const created = prepared.map(({ requestId, ...fields }) => {
    const { lead, events: e } = k.store.createLead(fields);
    events.push(...e);
    return { id: lead.id, request_id: requestId, _links: { self: { href: `${k.origin}/api/v4/leads/${lead.id}` } } };
  });
  k.store.emit(events);
  return hal({ _links: { self: { href: `${k.origin}/api/v4/leads` } }, _embedded: { leads: created } });
}

export async function createLeadsComplex(k: KommoRequest): Promise<Response> {
  const body = await readJson(k);
  if (body === INVALID_JSON) return badJson();
  const parsed = leadsComplexSchema.safeParse(body);
  if (!parsed.success) return zodProblem(parsed.error, true);
  const problems = new Problems();
  const prepared = parsed.data.map((input, i) => {
    const requestId = String(i);
    const fields = newLeadFields(k, input, requestId, problems);
    const contactInput = input._embedded?.contacts?.[0];
    const companyInput = input._embedded?.companies?.[0];
    let contactPlan: { existing: number } | { create: ReturnType<typeof contactFields> & ReturnType<typeof contactNames> & { responsible: number } } | null = null;
    if (contactInput) {
      if (contactInput.id !== undefined) {
        if (!k.store.liveContact(contactInput.id)) problems.add(requestId, '_embedded.contacts.0.id', 'Contact not found', 'NotFound');
        contactPlan = { existing: contactInput.id };
      } else {
        checkUser(contactInput.responsible_user_id, requestId, '_embedded.contacts.0.responsible_user_id', problems);
        const cf = contactFields(contactInput.custom_fields_values, requestId, '_embedded.contacts.0.', problems);
        contactPlan = { create: { ...cf, ...contactNames(contactInput), responsible: contactInput.responsible_user_id ?? fields.responsibleUserId } };
      }
    }
    if (companyInput?.id !== undefined && !k.store.companies.has(companyInput.id)) problems.add(requestId, '_embedded.companies.0.id', 'Company not found', 'NotFound');
    return { fields, contactPlan, companyInput, requestIds: input.request_id ? [input.request_id] : [requestId] };
  });
  if (problems.any) return validationProblem(problems.list);
  const events: KommoEvent[] = [];
  const answer = prepared.map(({ fields, contactPlan, companyInput, requestIds }) => {
    let contactId: number | null = null;
    if (contactPlan && 'existing' in contactPlan) contactId = contactPlan.existing;
    else if (contactPlan) {
      const c = contactPlan.create;
      const { contact, events: e } = k.store.createContact({
        firstName: c.firstName,
        lastName: c.lastName,
        ...(c.name ? { name: c.name } : {}),
        responsibleUserId: c.responsible,
        userId: k.userId,
        phones: c.phones ?? [],
        emails: c.emails ?? [],
        position: c.position ?? null,
      });
      contactId = contact.id;
      events.push(...e);
    }
    let companyId: number | null = null;
    if (companyInput) {
      companyId = companyInput.id ?? k.store.createCompany(companyInput.name ?? '', companyInput.responsible_user_id ?? fields.responsibleUserId, null).id;
    }
    const { lead, events: e } = k.store.createLead({ ...fields, contactIds: contactId ? [contactId] : [], companyId });
    if (contactId && companyId) {
      const contact = k.store.contacts.get(contactId);
      if (contact && contact.companyId === null) contact.companyId = companyId;
    }
    events.push(...e);
    return { id: lead.id, contact_id: contactId, company_id: companyId, request_id: requestIds, merged: false };
  });
  k.store.emit(events);
  return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
}

function applyPatch(k: KommoRequest, lead: Lead, input: LeadPatch, requestId: string, problems: Problems) {
  checkUser(input.responsible_user_id, requestId, 'responsible_user_id', problems);
  checkLossReason(input.loss_reason_id, requestId, problems);
  const ps = input.pipeline_id !== undefined || input.status_id !== undefined ? pipelineAndStatus(input, lead, requestId, problems) : null;
  const customFields = leadCustomFields(input.custom_fields_values, requestId, '', problems);
  const tagIds = tagChanges(k.store, lead, input, requestId, problems);
  return {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.price !== undefined ? { price: input.price } : {}),
    ...(input.responsible_user_id !== undefined ? { responsibleUserId: input.responsible_user_id } : {}),
    ...(input.loss_reason_id !== undefined ? { lossReasonId: input.loss_reason_id } : {}),
    ...(ps ? { pipelineId: ps.pipelineId, statusId: ps.statusId } : {}),
    ...(customFields !== undefined ? { customFields } : {}),
    ...(tagIds !== undefined ? { tagIds } : {}),
  };
}

export async function patchLeads(k: KommoRequest, singleId: number | null): Promise<Response> {
  const body = await readJson(k);
  if (body === INVALID_JSON) return badJson();
  const problems = new Problems();
  let items: (LeadPatch & { id: number })[];
  if (singleId !== null) {
    const parsed = leadPatchSchema.safeParse(body);
    if (!parsed.success) return zodProblem(parsed.error, false);
    items = [{ ...parsed.data, id: singleId }];
  } else {
    const parsed = leadsPatchSchema.safeParse(body);
    if (!parsed.success) return zodProblem(parsed.error, true);
    items = parsed.data;
  }
  const planned = items.map((input, i) => {
    const lead = k.store.liveLead(input.id);
    if (!lead) {
      problems.add(String(i), 'id', 'Entity not found', 'NotFound');
      return null;
    }
    return { lead, patch: applyPatch(k, lead, input, String(i), problems), userId: input.updated_by ?? k.userId, requestId: input.request_id ?? String(i) };
  });
  if (problems.any) {
    if (singleId !== null && problems.list.some((p) => p.code === 'NotFound' && p.path === 'id')) return problem(404, 'Lead not found');
    return validationProblem(problems.list);
  }
  const events = k.store.updateLeads(planned.map((p) => ({ lead: p!.lead, patch: p!.patch, userId: p!.userId })));
  const out = planned.map((p) => {
    return { id: p!.lead.id, updated_at: p!.lead.updatedAt, request_id: p!.requestId, _links: { self: { href: `${k.origin}/api/v4/leads/${p!.lead.id}` } } };
  });
  k.store.emit(events);
  if (singleId !== null) {
    const { request_id: _ignored, ...one } = out[0]!;
    return hal(one);
  }
  return hal({ _links: { self: { href: `${k.origin}/api/v4/leads` } }, _embedded: { leads: out } });
}

export function listTags(k: KommoRequest): Response {
  const params = parseBracketQuery(k.url.searchParams);
  const parsed = listQuerySchema.pick({ page: true, limit: true, query: true, filter: true }).safeParse(params);
  if (!parsed.success) return zodProblem(parsed.error, false);
  const { page, limit, query, filter } = parsed.data;
  let tags = [...k.store.tags.values()];
  if (query) tags = tags.filter((t) => t.name.toLowerCase().includes(query.toLowerCase()));
  if (filter?.id) tags = tags.filter((t) => filter.id!.includes(t.id));
  if (filter?.name) tags = tags.filter((t) => filter.name!.includes(t.name));
  const result = pageOf(tags, 0, tags.length, false, null, (page - 1) * limit, limit);
  if (!result.items.length) return noContent();
  return hal({ _page: page, _links: pageLinks(k, page, limit, result.hasNext), _embedded: { tags: result.items.map((t) => ({ id: t.id, name: t.name, color: t.color })) } });
}

export async function createTags(k: KommoRequest): Promise<Response> {
  const body = await readJson(k);
  if (body === INVALID_JSON) return badJson();
  const parsed = tagsCreateSchema.safeParse(body);
  if (!parsed.success) return zodProblem(parsed.error, true);
  const tags = parsed.data.map((t, i) => {
    const tag = k.store.addTag(t.name, t.color ? (t.color.startsWith('#') ? t.color : `#${t.color}`) : null);
    return { id: tag.id, name: tag.name, color: tag.color, request_id: t.request_id ?? String(i) };
  });
  return hal({ _links: { self: { href: `${k.origin}/api/v4/leads/tags` } }, _embedded: { tags } });
}

