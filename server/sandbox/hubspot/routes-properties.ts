import { json } from '../core/sandbox';
import { hsError, validationError } from './errors';
import { batchEnvelope, objectScope, queryList, readJson, type Route, type RouteContext } from './http';
import { serializeProperty, type PropertyDef } from './properties';
import { objectType } from './routes-objects';
import { propertyBatchReadSchema, propertyCreateSchema, propertyUpdateSchema } from './schemas';

/** CRM v3 Properties API: list, read, create (custom), update, archive, batch read. */

const propertyNotFound = (name: string, type: string) => hsError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name} for object type ${type}.`);

/** Which fieldTypes a property type takes (HubSpot rejects other pairs). */
const FIELD_TYPES_OF: Record<string, string[]> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  bool: ['booleancheckbox'],
};

function checkShape(type: string, fieldType: string, options: unknown[] | undefined): Response | null {
  if (!FIELD_TYPES_OF[type]?.includes(fieldType)) return validationError(`fieldType ${fieldType} is not valid for a property of type ${type}; use one of ${FIELD_TYPES_OF[type]?.join(', ')}.`);
  if (type === 'enumeration' && !options?.length) return validationError('Enumeration properties need at least one option.');
  return null;
}

const toOptions = (options: { label: string; value: string; description?: string; displayOrder?: number; hidden: boolean }[]) =>
  options.map((o, i) => ({ label: o.label, value: o.value, description: o.description, displayOrder: o.displayOrder ?? i, hidden: o.hidden }));

async function getAll(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const archived = ctx.url.searchParams.get('archived') === 'true';
  const only = queryList(ctx.url, 'properties');
  const defs = ctx.store.properties.list(type, archived).filter((d) => !only || only.includes(d.name));
  return json({ results: defs.map(serializeProperty) });
}

async function getByName(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const name = decodeURIComponent(ctx.params[1]!);
  const archived = ctx.url.searchParams.get('archived') === 'true';
  const def = ctx.store.properties.getAny(type, name);
  if (!def || def.archived !== archived) return propertyNotFound(name, type);
  return json(serializeProperty(def));
}

async function create(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, propertyCreateSchema);
  if (!body.ok) return body.response;
  const input = body.data;
  const existing = ctx.store.properties.getAny(type, input.name);
  if (existing && !existing.archived) return hsError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${input.name}' already exists.`);
  const shape = checkShape(input.type, input.fieldType, input.options);
  if (shape) return shape;
  const now = Date.now();
  const def: PropertyDef = {
    name: input.name,
    label: input.label,
    type: input.type,
    fieldType: input.fieldType,
    groupName: input.groupName,
    description: input.description ?? '',
    options: toOptions(input.options ?? []),
    displayOrder: input.displayOrder ?? -1,
    hasUniqueValue: input.hasUniqueValue ?? false,
    hidden: input.hidden ?? false,
    formField: input.formField ?? false,
    hubspotDefined: false,
    calculated: input.fieldType === 'calculation_equation',
    externalOptions: input.externalOptions ?? false,
    readOnlyValue: input.fieldType === 'calculation_equation',
    readOnlyDefinition: false,
    createdAt: now,
    updatedAt: now,
    archived: false,
    archivedAt: null,
  };
  ctx.store.properties.add(type, def);
  return json(serializeProperty(def), { status: 201 });
}

async function update(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const name = decodeURIComponent(ctx.params[1]!);
  const def = ctx.store.properties.get(type, name);
  if (!def) return propertyNotFound(name, type);
  const body = await readJson(ctx.request, propertyUpdateSchema);
  if (!body.ok) return body.response;
  if (def.readOnlyDefinition) return validationError(`Property ${name} is a HubSpot-defined property with a read-only definition; it can't be updated.`);
  const patch = body.data;
  const shape = checkShape(patch.type ?? def.type, patch.fieldType ?? def.fieldType, patch.options ?? def.options);
  if (shape) return shape;
  Object.assign(def, {
    ...(patch.label !== undefined && { label: patch.label }),
    ...(patch.type !== undefined && { type: patch.type }),
    ...(patch.fieldType !== undefined && { fieldType: patch.fieldType }),
    ...(patch.groupName !== undefined && { groupName: patch.groupName }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.options !== undefined && { options: toOptions(patch.options) }),
    ...(patch.displayOrder !== undefined && { displayOrder: patch.displayOrder }),
    ...(patch.hidden !== undefined && { hidden: patch.hidden }),
    ...(patch.formField !== undefined && { formField: patch.formField }),
    updatedAt: Date.now(),
  });
  return json(serializeProperty(def));
}

async function archive(ctx: RouteContext): Promise<Response> {
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const name = decodeURIComponent(ctx.params[1]!);
  const def = ctx.store.properties.get(type, name);
  if (!def) return propertyNotFound(name, type);
  if (def.hubspotDefined) return validationError(`Property ${name} is a HubSpot-defined property and can't be archived.`);
  def.archived = true;
  def.archivedAt = Date.now();
  return new Response(null, { status: 204 });
}

async function batchRead(ctx: RouteContext): Promise<Response> {
  const startedAt = Date.now();
  const type = objectType(ctx);
  if (type instanceof Response) return type;
  const body = await readJson(ctx.request, propertyBatchReadSchema);
  if (!body.ok) return body.response;
  const results: unknown[] = [];
  const missing: string[] = [];
  for (const { name } of body.data.inputs) {
    const def = ctx.store.properties.getAny(type, name);
    if (def && def.archived === body.data.archived) results.push(serializeProperty(def));
    else missing.push(name);
  }
  const errors = missing.length
    ? [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: `Unable to find some properties for object type ${type}.`, context: { properties: missing }, errors: [], links: {} }]
    : [];
  return json(batchEnvelope(startedAt, results, errors), { status: errors.length ? 207 : 200 });
}

const schemaScope = (access: 'read' | 'write') => objectScope(access, 0, (type) => [`crm.schemas.${type}.${access}`]);
const P = '([A-Za-z0-9-]+)';

export const propertyRoutes: Route[] = [
  { method: 'POST', pattern: new RegExp(`^/crm/v3/properties/${P}/batch/read$`), scopes: schemaScope('read'), handle: batchRead },
  { method: 'GET', pattern: new RegExp(`^/crm/v3/properties/${P}$`), scopes: schemaScope('read'), handle: getAll },
  { method: 'POST', pattern: new RegExp(`^/crm/v3/properties/${P}$`), scopes: (p) => schemaScope('write')(p).slice(1), handle: create },
  { method: 'GET', pattern: new RegExp(`^/crm/v3/properties/${P}/([^/]+)$`), scopes: schemaScope('read'), handle: getByName },
  { method: 'PATCH', pattern: new RegExp(`^/crm/v3/properties/${P}/([^/]+)$`), scopes: (p) => schemaScope('write')(p).slice(1), handle: update },
  { method: 'DELETE', pattern: new RegExp(`^/crm/v3/properties/${P}/([^/]+)$`), scopes: (p) => schemaScope('write')(p).slice(1), handle: archive },
];
