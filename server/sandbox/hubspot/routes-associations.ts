import { json } from '../core/sandbox';
import { typeIdsOf, type AssociationLink } from './associations';
import { ASSOCIATION_TYPES, ASSOCIATIONS_MAX_LIMIT, BATCH_MAX_INPUTS, OBJECT_TYPE_IDS, parseObjectType, SINGULAR, type ObjectType } from './constants';
import { hsError, notFound, validationError } from './errors';
import { batchEnvelope, objectScope, readJson, type Route, type RouteContext } from './http';
import { lowerBoundById, type HsRecord } from './records';
import { v4BatchArchiveSchema, v4BatchCreateSchema, v4BatchDefaultSchema, v4BatchLabelsArchiveSchema, v4BatchReadSchema, v4CreateSchema } from './schemas';
import type { HubSpotStore } from './store';

/** Associations v4 between contacts and companies: per record, labelled/default create, archive, and the batch endpoints. */

interface Pair {
  from: ObjectType;
  to: ObjectType;
}

function pairOf(fromSegment: string, toSegment: string): Pair | Response {
  const from = parseObjectType(fromSegment);
  const to = parseObjectType(toSegment);
  if (!from) return hsError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${fromSegment}`);
  if (!to) return hsError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${toSegment}`);
  if (from === to) return validationError(`There are no association types between ${SINGULAR[from]} and ${SINGULAR[to]} in this sandbox.`);
  return { from, to };
}

const live = (store: HubSpotStore, type: ObjectType, id: string) => store.collection(type).lookup(undefined, id);

/** The links of a record towards the other type, live targets only, sorted by id. */
function linksOf(store: HubSpotStore, pair: Pair, record: HsRecord): AssociationLink[] {
  const links = pair.from === 'contacts' ? store.associations.companiesOf(record) : store.associations.contactsOf(record);
  const targets = store.collection(pair.to);
  return links.filter((l) => targets.byId(l.id)?.archivedAt === null);
}

const typesOf = (pair: Pair, primary: boolean) =>
  typeIdsOf(pair.from, primary).map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: typeId === typeIdsOf(pair.from, true)[0] ? 'Primary' : null }));

/** Reads the spec list of a labelled create: whether it asks for the Primary label. */
function primaryFromSpecs(pair: Pair, specs: { associationCategory: string; associationTypeId: number }[]): boolean | Response {
  const ids = pair.from === 'contacts' ? ASSOCIATION_TYPES.contactToCompany : ASSOCIATION_TYPES.companyToContact;
  let primary = false;
  for (const spec of specs) {
    if (spec.associationCategory !== 'HUBSPOT_DEFINED' || (spec.associationTypeId !== ids.primary && spec.associationTypeId !== ids.unlabeled)) {
      return validationError(`${spec.associationCategory} association type ${spec.associationTypeId} does not exist between ${SINGULAR[pair.from]} and ${SINGULAR[pair.to]}.`);
    }
    if (spec.associationTypeId === ids.primary) primary = true;
  }
  return primary;
}

function link(store: HubSpotStore, pair: Pair, from: HsRecord, to: HsRecord, primary: boolean): void {
  if (pair.from === 'contacts') store.associate(from, to, primary);
  else store.associate(to, from, primary);
}

function unlink(store: HubSpotStore, pair: Pair, from: HsRecord, to: HsRecord, onlyPrimaryLabel = false): void {
  if (pair.from === 'contacts') store.dissociate(from, to, onlyPrimaryLabel);
  else store.dissociate(to, from, onlyPrimaryLabel);
}

const labelsBetween = (pair: Pair, from: HsRecord, to: HsRecord, primary: boolean) => ({
  fromObjectTypeId: OBJECT_TYPE_IDS[pair.from],
  fromObjectId: from.id,
  toObjectTypeId: OBJECT_TYPE_IDS[pair.to],
  toObjectId: to.id,
  labels: primary ? ['Primary'] : [],
});

const defaultSpec = (pair: Pair, from: HsRecord, to: HsRecord) => ({
  from: { id: String(from.id) },
  to: { id: String(to.id) },
  associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeIdsOf(pair.from, false)[0]! },
});

function page(links: AssociationLink[], after: string | undefined, limit: number) {
  const start = after ? lowerBoundById(links, Number(after)) : 0;
  const slice = links.slice(start, start + limit);
  const next = links[start + limit];
  return { slice, next: next ? String(next.id) : null };
}

async function getPage(ctx: RouteContext): Promise<Response> {
  const pair = pairOf(ctx.params[0]!, ctx.params[2]!);
  if (pair instanceof Response) return pair;
  const record = live(ctx.store, pair.from, ctx.params[1]!);
  if (!record) return notFound();
  const rawLimit = ctx.url.searchParams.get('limit');
  const limit = rawLimit ? Number(rawLimit) : ASSOCIATIONS_MAX_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > ASSOCIATIONS_MAX_LIMIT) return validationError(`limit must be between 1 and ${ASSOCIATIONS_MAX_LIMIT}, got ${rawLimit}`);
  const after = ctx.url.searchParams.get('after') ?? undefined;
  if (after !== undefined && !/^\d{1,15}$/.test(after)) return validationError(`Invalid paging cursor after=${after}`);
  const { slice, next } = page(linksOf(ctx.store, pair, record), after, limit);
  const body: Record<string, unknown> = { results: slice.map((l) => ({ toObjectId: l.id, associationTypes: typesOf(pair, l.primary) })) };
  if (next) {
    const nextUrl = new URL(`${ctx.baseUrl}${ctx.url.pathname}${ctx.url.search}`);
    nextUrl.searchParams.set('after', next);
    body.paging = { next: { after: next, link: nextUrl.toString() } };
  }
  return json(body);
}

async function createLabelled(ctx: RouteContext): Promise<Response> {
  const pair = pairOf(ctx.params[0]!, ctx.params[2]!);
  if (pair instanceof Response) return pair;
  const body = await readJson(ctx.request, v4CreateSchema);
  if (!body.ok) return body.response;
  const primary = primaryFromSpecs(pair, body.data);
  if (primary instanceof Response) return primary;
  const from = live(ctx.store, pair.from, ctx.params[1]!);
  const to = live(ctx.store, pair.to, ctx.params[3]!);
  if (!from || !to) return notFound(`${!from ? SINGULAR[pair.from] : SINGULAR[pair.to]} ${!from ? ctx.params[1] : ctx.params[3]} was not found.`);
  link(ctx.store, pair, from, to, primary);
  return json(labelsBetween(pair, from, to, primary), { status: 201 });
}

async function createDefault(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const pair = pairOf(ctx.params[0]!, ctx.params[2]!);
  if (pair instanceof Response) return pair;
  const from = live(ctx.store, pair.from, ctx.params[1]!);
  const to = live(ctx.store, pair.to, ctx.params[3]!);
  if (!from || !to) return notFound(`${!from ? SINGULAR[pair.from] : SINGULAR[pair.to]} ${!from ? ctx.params[1] : ctx.params[3]} was not found.`);
  link(ctx.store, pair, from, to, false);
  return json(batchEnvelope(startedAt, [defaultSpec(pair, from, to)], []));
}

async function archiveOne(ctx: RouteContext): Promise<Response> {
  const pair = pairOf(ctx.params[0]!, ctx.params[2]!);
  if (pair instanceof Response) return pair;
  const from = live(ctx.store, pair.from, ctx.params[1]!);
  const to = live(ctx.store, pair.to, ctx.params[3]!);
  if (from && to) unlink(ctx.store, pair, from, to);
  return new Response(null, { status: 204 });
}

const batchError = (category: string, message: string, context: Record<string, string[]>, subCategory?: string) => ({
  status: 'error',
  category,
  ...(subCategory ? { subCategory } : {}),
  message,
  context,
  errors: [],
  links: {},
});

function tooMany(count: number): Response | null {
  return count > BATCH_MAX_INPUTS * 10 ? validationError(`Batch input limit exceeded: ${count} inputs given, at most ${BATCH_MAX_INPUTS * 10} are allowed.`) : null;
}

async function batchRead(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const pair = pairOf(ctx.params[0]!, ctx.params[1]!);
  if (pair instanceof Response) return pair;
  const body = await readJson(ctx.request, v4BatchReadSchema);
  if (!body.ok) return body.response;
  const limited = tooMany(body.data.inputs.length);
  if (limited) return limited;
  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const input of body.data.inputs) {
    const record = live(ctx.store, pair.from, input.id);
    const links = record ? linksOf(ctx.store, pair, record) : [];
    if (!record || links.length === 0) {
      errors.push(
        batchError('OBJECT_NOT_FOUND', `No ${SINGULAR[pair.to]} is associated with ${SINGULAR[pair.from]} ${input.id}.`, { fromObjectId: [input.id] }, 'crm.associations.NO_ASSOCIATIONS_FOUND'),
      );
      continue;
    }
    const { slice, next } = page(links, input.after, ASSOCIATIONS_MAX_LIMIT);
    results.push({
      from: { id: String(record.id) },
      to: slice.map((l) => ({ toObjectId: l.id, associationTypes: typesOf(pair, l.primary) })),
      ...(next ? { paging: { next: { after: next } } } : {}),
    });
  }
  return json(batchEnvelope(startedAt, results, errors), { status: errors.length ? 207 : 200 });
}

async function batchCreate(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const pair = pairOf(ctx.params[0]!, ctx.params[1]!);
  if (pair instanceof Response) return pair;
  const body = await readJson(ctx.request, v4BatchCreateSchema);
  if (!body.ok) return body.response;
  const limited = tooMany(body.data.inputs.length);
  if (limited) return limited;
  const results: unknown[] = [];
  const missing: string[] = [];
  for (const input of body.data.inputs) {
    const primary = primaryFromSpecs(pair, input.types);
    if (primary instanceof Response) return primary;
    const from = live(ctx.store, pair.from, input.from.id);
    const to = live(ctx.store, pair.to, input.to.id);
    if (!from || !to) {
      missing.push(!from ? input.from.id : input.to.id);
      continue;
    }
    link(ctx.store, pair, from, to, primary);
    results.push(labelsBetween(pair, from, to, primary));
  }
  const errors = missing.length ? [batchError('OBJECT_NOT_FOUND', 'Some objects of the batch were not found.', { ids: missing })] : [];
  return json(batchEnvelope(startedAt, results, errors), { status: errors.length ? 207 : 201 });
}

async function batchDefault(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const pair = pairOf(ctx.params[0]!, ctx.params[1]!);
  if (pair instanceof Response) return pair;
  const body = await readJson(ctx.request, v4BatchDefaultSchema);
  if (!body.ok) return body.response;
  const limited = tooMany(body.data.inputs.length);
  if (limited) return limited;
  const results: unknown[] = [];
  const missing: string[] = [];
  for (const input of body.data.inputs) {
    const from = live(ctx.store, pair.from, input.from.id);
    const to = live(ctx.store, pair.to, input.to.id);
    if (!from || !to) {
      missing.push(!from ? input.from.id : input.to.id);
      continue;
    }
    link(ctx.store, pair, from, to, false);
    results.push(defaultSpec(pair, from, to));
  }
  const errors = missing.length ? [batchError('OBJECT_NOT_FOUND', 'Some objects of the batch were not found.', { ids: missing })] : [];
  return json(batchEnvelope(startedAt, results, errors));
}

async function batchArchive(ctx: RouteContext): Promise<Response> {
  const pair = pairOf(ctx.params[0]!, ctx.params[1]!);
  if (pair instanceof Response) return pair;
  const body = await readJson(ctx.request, v4BatchArchiveSchema);
  if (!body.ok) return body.response;
  const limited = tooMany(body.data.inputs.length);
  if (limited) return limited;
  for (const input of body.data.inputs) {
    const from = live(ctx.store, pair.from, input.from.id);
    if (!from) continue;
    for (const target of input.to) {
      const to = live(ctx.store, pair.to, target.id);
      if (to) unlink(ctx.store, pair, from, to);
    }
  }
  return new Response(null, { status: 204 });
}

async function batchArchiveLabels(ctx: RouteContext): Promise<Response> {
  const pair = pairOf(ctx.params[0]!, ctx.params[1]!);
  if (pair instanceof Response) return pair;
  const body = await readJson(ctx.request, v4BatchLabelsArchiveSchema);
  if (!body.ok) return body.response;
  const limited = tooMany(body.data.inputs.length);
  if (limited) return limited;
  for (const input of body.data.inputs) {
    const primary = primaryFromSpecs(pair, input.types);
    if (primary instanceof Response) return primary;
    const from = live(ctx.store, pair.from, input.from.id);
    const to = live(ctx.store, pair.to, input.to.id);
    if (!from || !to) continue;
    const removesUnlabeled = input.types.some((t) => t.associationTypeId === typeIdsOf(pair.from, false)[0]);
    unlink(ctx.store, pair, from, to, !removesUnlabeled);
  }
  return new Response(null, { status: 204 });
}

const T = '([A-Za-z0-9-]+)';
const ID = '([^/]+)';
const read = objectScope('read');
const write = objectScope('write');

export const associationRoutes: Route[] = [
  { method: 'GET', pattern: new RegExp(`^/crm/v4/objects/${T}/${ID}/associations/${T}$`), scopes: read, handle: getPage },
  { method: 'PUT', pattern: new RegExp(`^/crm/v4/objects/${T}/${ID}/associations/default/${T}/${ID}$`), scopes: write, handle: createDefault },
  { method: 'PUT', pattern: new RegExp(`^/crm/v4/objects/${T}/${ID}/associations/${T}/${ID}$`), scopes: write, handle: createLabelled },
  { method: 'DELETE', pattern: new RegExp(`^/crm/v4/objects/${T}/${ID}/associations/${T}/${ID}$`), scopes: write, handle: archiveOne },
  { method: 'POST', pattern: new RegExp(`^/crm/v4/associations/${T}/${T}/batch/read$`), scopes: read, handle: batchRead },
  { method: 'POST', pattern: new RegExp(`^/crm/v4/associations/${T}/${T}/batch/create$`), scopes: write, handle: batchCreate },
  { method: 'POST', pattern: new RegExp(`^/crm/v4/associations/${T}/${T}/batch/associate/default$`), scopes: write, handle: batchDefault },
  { method: 'POST', pattern: new RegExp(`^/crm/v4/associations/${T}/${T}/batch/archive$`), scopes: write, handle: batchArchive },
  { method: 'POST', pattern: new RegExp(`^/crm/v4/associations/${T}/${T}/batch/labels/archive$`), scopes: write, handle: batchArchiveLabels },
];
