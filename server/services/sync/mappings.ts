import { and, asc, desc, eq } from 'drizzle-orm';
import { connections, fieldMappings, type RemoteFieldCache } from '../../../db/schema';
import type { PullCursor, RemoteField, RemoteRecord, SyncProvider } from '../../providers/types';
import type { MappingDirection, MappingOverride, SyncEntity } from '../../shared/sync';
import type { Executor } from '../crm/context';
import { tenantCountry } from '../crm/phone';
import { listCustomFields } from '../crm/custom-fields';
import { buildAppWrite, listAppFields, type AppField } from './app-fields';
import { SyncClient } from './client';
import { SyncError, syncNotFound } from './errors';
import { MappingSet } from './mapping-set';
import { isPullOnlyTransform, transformSchema, type TransformStep } from './transforms';
import type { SyncDeps } from './tokens';

/**
 * Field mappings: defaults per provider and entity, auto-mapping by name/label
 * similarity, validation (types, read-only CRM fields, required CRM fields left unmapped,
 * two mappings writing one field), and a preview of CRM records through the mapping.
 */

type Connection = typeof connections.$inferSelect;
export type FieldMapping = typeof fieldMappings.$inferSelect;

interface DefaultMapping {
  appField: string;
  remoteField: string;
  transform: TransformStep[];
}

const trim: TransformStep[] = [{ op: 'trim' }];
const DEFAULTS: Record<SyncProvider, Record<SyncEntity, DefaultMapping[]>> = {
  salesforce: {
    account: [
      { appField: 'name', remoteField: 'Name', transform: trim },
      { appField: 'domain', remoteField: 'Website', transform: [{ op: 'domain' }] },
      { appField: 'industry', remoteField: 'Industry', transform: trim },
      { appField: 'phone', remoteField: 'Phone', transform: [{ op: 'phone_e164' }] },
      { appField: 'notes', remoteField: 'Description', transform: [] },
    ],
    contact: [
      { appField: 'firstName', remoteField: 'FirstName', transform: trim },
      { appField: 'lastName', remoteField: 'LastName', transform: trim },
      { appField: 'email', remoteField: 'Email', transform: [{ op: 'trim' }, { op: 'lower' }] },
      { appField: 'phone', remoteField: 'Phone', transform: [{ op: 'phone_e164' }] },
      { appField: 'position', remoteField: 'Title', transform: trim },
    ],
  },
  hubspot: {
    account: [
      { appField: 'name', remoteField: 'name', transform: trim },
      { appField: 'domain', remoteField: 'domain', transform: [{ op: 'domain' }] },
      { appField: 'industry', remoteField: 'industry', transform: trim },
      { appField: 'phone', remoteField: 'phone', transform: [{ op: 'phone_e164' }] },
    ],
    contact: [
      { appField: 'firstName', remoteField: 'firstname', transform: trim },
      { appField: 'lastName', remoteField: 'lastname', transform: trim },
      { appField: 'email', remoteField: 'email', transform: [{ op: 'trim' }, { op: 'lower' }] },
      { appField: 'phone', remoteField: 'phone', transform: [{ op: 'phone_e164' }] },
      { appField: 'position', remoteField: 'jobtitle', transform: trim },
    ],
  },
};

export const defaultMappings = (provider: SyncProvider, entity: SyncEntity) => DEFAULTS[provider][entity];

/** Gives a connection its default mappings for an entity when it has none. */
export async function ensureDefaultMappings(db: Executor, conn: Pick<Connection, 'id' | 'organizationId' | 'provider'>, entity: SyncEntity): Promise<void> {
  const [existing] = await db
    .select({ id: fieldMappings.id })
    .from(fieldMappings)
    .where(and(eq(fieldMappings.connectionId, conn.id), eq(fieldMappings.entity, entity)))
    .limit(1);
  if (existing) return;
  await db
    .insert(fieldMappings)
    .values(DEFAULTS[conn.provider][entity].map((d, position) => ({ organizationId: conn.organizationId, connectionId: conn.id, entity, ...d, position })))
    .onConflictDoNothing();
}

export async function resetMappings(db: Executor, conn: Pick<Connection, 'id' | 'organizationId' | 'provider'>, entity: SyncEntity): Promise<void> {
  await db.delete(fieldMappings).where(and(eq(fieldMappings.connectionId, conn.id), eq(fieldMappings.entity, entity)));
  await ensureDefaultMappings(db, conn, entity);
}

export async function listMappings(db: Executor, connectionId: string, entity?: SyncEntity): Promise<FieldMapping[]> {
  return db
    .select()
    .from(fieldMappings)
    .where(and(eq(fieldMappings.connectionId, connectionId), entity ? eq(fieldMappings.entity, entity) : undefined))
    .orderBy(asc(fieldMappings.entity), asc(fieldMappings.position), asc(fieldMappings.createdAt));
}

// ---------------------------------------------------------------- the CRM's fields

/** The CRM's field list for an entity, cached on the connection; `refresh` reads it again. */
export async function remoteFieldsOf(deps: SyncDeps, conn: Connection, entity: SyncEntity, refresh = false): Promise<{ fields: RemoteField[]; fetchedAt: string }> {
  const cached = conn.remoteFields[entity];
  if (cached && !refresh) return cached;
  const client = await SyncClient.open(deps, conn.id);
  const fields = await client.describe(entity);
  const entry = { fields, fetchedAt: new Date().toISOString() };
  const next: RemoteFieldCache = { ...conn.remoteFields, [entity]: entry };
  await deps.db.update(connections).set({ remoteFields: next, updatedAt: new Date() }).where(eq(connections.id, conn.id));
  await client.flushUsage(deps.db);
  conn.remoteFields = next;
  return entry;
}

// ---------------------------------------------------------------- validation

export interface MappingInput {
  appField: string;
  remoteField: string;
  direction: MappingDirection;
  transform: unknown;
  override: MappingOverride;
}

/** Which CRM field types an app field type can exchange values with (text takes anything). */
const COMPATIBLE: Record<AppField['type'], RemoteField['type'][] | 'any'> = {
  text: 'any',
  textarea: 'any',
  email: ['email', 'string', 'textarea'],
  phone: ['phone', 'string'],
  url: ['url', 'string'],
  number: ['number', 'string', 'enum'],
  date: ['date', 'datetime', 'string'],
  select: ['enum', 'string'],
};

export interface MappingIssue {
  mappingId?: string;
  field: string;
  message: string;
  level: 'error' | 'warning';
}

export function checkMapping(input: MappingInput, appFields: AppField[], remoteFields: RemoteField[] | null): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const transform = transformSchema.safeParse(input.transform ?? []);
  if (!transform.success) issues.push({ field: 'transform', message: 'Unknown or malformed transform step.', level: 'error' });
  const app = appFields.find((f) => f.name === input.appField);
  if (!app) issues.push({ field: 'appField', message: `The app has no field "${input.appField}".`, level: 'error' });
  if (transform.success && isPullOnlyTransform(transform.data) && (input.direction === 'both' || input.direction === 'push')) {
    issues.push({ field: 'direction', message: 'A concatenation can only flow from the CRM to the app (direction "pull").', level: 'error' });
  }
  if (!remoteFields) return issues;
  const remote = remoteFields.find((f) => f.name === input.remoteField);
  if (!remote) {
    issues.push({ field: 'remoteField', message: `The CRM has no field "${input.remoteField}".`, level: 'error' });
    return issues;
  }
  if (remote.type === 'id' || remote.type === 'reference') issues.push({ field: 'remoteField', message: `${remote.label} is a record id/reference and cannot be mapped.`, level: 'error' });
  if ((input.direction === 'both' || input.direction === 'push') && !remote.updateable) {
    issues.push({ field: 'direction', message: `${remote.label} is read-only in the CRM: use direction "pull".`, level: 'error' });
  }
  if (app) {
    const allowed = COMPATIBLE[app.type];
    const dateTransform = transform.success && transform.data.some((s) => s.op === 'date');
    if (allowed !== 'any' && !allowed.includes(remote.type) && !(app.type === 'date' && dateTransform)) {
      issues.push({ field: 'remoteField', message: `${app.label} (${app.type}) cannot exchange values with ${remote.label} (${remote.type}).`, level: 'error' });
    }
  }
  return issues;
}

/** Whole-set checks: two mappings writing one field, required CRM fields left unmapped. */
export function checkMappingSet(mappings: (MappingInput & { id?: string })[], remoteFields: RemoteField[] | null): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const appWriters = new Map<string, number>();
  const remoteWriters = new Map<string, number>();
  for (const m of mappings) {
    if (m.direction === 'both' || m.direction === 'pull') appWriters.set(m.appField, (appWriters.get(m.appField) ?? 0) + 1);
    if (m.direction === 'both' || m.direction === 'push') remoteWriters.set(m.remoteField, (remoteWriters.get(m.remoteField) ?? 0) + 1);
  }
  for (const [field, n] of appWriters) if (n > 1) issues.push({ field: 'appField', message: `${n} mappings write the app field "${field}".`, level: 'error' });
  for (const [field, n] of remoteWriters) if (n > 1) issues.push({ field: 'remoteField', message: `${n} mappings write the CRM field "${field}".`, level: 'error' });
  for (const f of remoteFields ?? []) {
    if (f.required && f.updateable && !mappings.some((m) => m.remoteField === f.name && (m.direction === 'both' || m.direction === 'push'))) {
      issues.push({ field: f.name, message: `${f.label} is required by the CRM and not mapped: records created from the app will be refused.`, level: 'warning' });
    }
  }
  return issues;
}

export interface MappingReport {
  appFields: AppField[];
  remoteFields: RemoteField[] | null;
  mappings: FieldMapping[];
  issues: MappingIssue[];
  /** CRM fields the CRM requires that no mapping writes. */
  requiredUnmapped: string[];
}

export async function mappingReport(db: Executor, conn: Connection, entity: SyncEntity): Promise<MappingReport> {
  const appFields = await listAppFields(db, conn.organizationId, entity);
  const remoteFields = conn.remoteFields[entity]?.fields ?? null;
  const mappings = await listMappings(db, conn.id, entity);
  const issues = [
    ...mappings.flatMap((m) => checkMapping(m, appFields, remoteFields).map((i) => ({ ...i, mappingId: m.id }))),
    ...checkMappingSet(mappings, remoteFields),
  ];
  const requiredUnmapped = issues.filter((i) => i.level === 'warning').map((i) => i.field);
  return { appFields, remoteFields, mappings, issues, requiredUnmapped };
}

async function assertValid(db: Executor, conn: Connection, entity: SyncEntity, input: MappingInput, exceptId?: string): Promise<void> {
  const appFields = await listAppFields(db, conn.organizationId, entity);
  const remoteFields = conn.remoteFields[entity]?.fields ?? null;
  const others = (await listMappings(db, conn.id, entity)).filter((m) => m.id !== exceptId);
  const errors = [...checkMapping(input, appFields, remoteFields), ...checkMappingSet([...others, input], null)].filter((i) => i.level === 'error');
  if (errors.length) {
    const fieldErrors: Record<string, string[]> = {};
    for (const e of errors) (fieldErrors[e.field] ??= []).push(e.message);
    throw new SyncError('invalid', errors[0]!.message, fieldErrors);
  }
}

export async function createMapping(db: Executor, conn: Connection, entity: SyncEntity, input: MappingInput): Promise<FieldMapping> {
  await assertValid(db, conn, entity, input);
  const [last] = await db
    .select({ position: fieldMappings.position })
    .from(fieldMappings)
    .where(and(eq(fieldMappings.connectionId, conn.id), eq(fieldMappings.entity, entity)))
    .orderBy(desc(fieldMappings.position))
    .limit(1);
  const [row] = await db
    .insert(fieldMappings)
    .values({ organizationId: conn.organizationId, connectionId: conn.id, entity, ...input, transform: transformSchema.parse(input.transform ?? []), position: (last?.position ?? 0) + 100 })
    .returning();
  return row!;
}

export async function updateMapping(db: Executor, conn: Connection, mapping: FieldMapping, patch: Partial<MappingInput>): Promise<FieldMapping> {
  const next: MappingInput = { ...mapping, ...patch };
  await assertValid(db, conn, mapping.entity, next, mapping.id);
  const [row] = await db
    .update(fieldMappings)
    .set({ ...patch, transform: patch.transform !== undefined ? transformSchema.parse(patch.transform) : undefined, updatedAt: new Date() })
    .where(and(eq(fieldMappings.id, mapping.id), eq(fieldMappings.connectionId, conn.id)))
    .returning();
  return row!;
}

export async function mappingById(db: Executor, organizationId: string, id: string): Promise<FieldMapping> {
  const [row] = await db
    .select()
    .from(fieldMappings)
    .where(and(eq(fieldMappings.id, id), eq(fieldMappings.organizationId, organizationId)));
  if (!row) throw syncNotFound('Mapping');
  return row;
}

export async function deleteMapping(db: Executor, mapping: FieldMapping): Promise<void> {
  await db.delete(fieldMappings).where(eq(fieldMappings.id, mapping.id));
}

// ---------------------------------------------------------------- auto-map

const SYNONYMS: Record<string, string[]> = {
  position: ['title', 'jobtitle'],
  notes: ['description', 'about'],
  domain: ['website', 'domain'],
  phone: ['phone', 'phonenumber'],
  taxid: ['vat', 'taxnumber'],
  address: ['billingstreet', 'address'],
};

const squash = (s: string) => s.toLowerCase().replace(/__c$/, '').replace(/[^a-z0-9]/g, '');

function bigrams(s: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < s.length - 1; i++) out.add(s.slice(i, i + 2));
  return out;
}

/** Dice coefficient of character bigrams: 1 for identical, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const x = squash(a);
  const y = squash(b);
  if (!x || !y) return 0;
  if (x === y) return 1;
  const bx = bigrams(x);
  const by = bigrams(y);
  let common = 0;
  for (const g of bx) if (by.has(g)) common++;
  return (2 * common) / (bx.size + by.size || 1);
}

export interface AutoMapSuggestion {
  appField: string;
  remoteField: string;
  score: number;
}

/** For each unmapped app field, the most similar unmapped CRM field by name or label (≥ 0.75, or a known synonym). */
export function suggestMappings(appFields: AppField[], remoteFields: RemoteField[], existing: { appField: string; remoteField: string }[]): AutoMapSuggestion[] {
  const usedApp = new Set(existing.map((m) => m.appField));
  const usedRemote = new Set(existing.map((m) => m.remoteField));
  const out: AutoMapSuggestion[] = [];
  for (const app of appFields) {
    if (usedApp.has(app.name)) continue;
    const appKey = app.name.replace(/^custom\./, '');
    let best: AutoMapSuggestion | null = null;
    for (const remote of remoteFields) {
      if (usedRemote.has(remote.name) || remote.type === 'id' || remote.type === 'reference') continue;
      const synonym = (SYNONYMS[squash(appKey)] ?? []).includes(squash(remote.name)) ? 0.95 : 0;
      const score = Math.max(synonym, similarity(appKey, remote.name), similarity(app.label, remote.label), similarity(appKey, remote.label));
      if (score >= 0.75 && (!best || score > best.score)) best = { appField: app.name, remoteField: remote.name, score: Math.round(score * 100) / 100 };
    }
    if (best) {
      usedRemote.add(best.remoteField);
      out.push(best);
    }
  }
  return out;
}

/** `only`, when given, limits what `apply` creates to those suggested pairs (the ones a person ticked in the review). */
export async function autoMap(db: Executor, conn: Connection, entity: SyncEntity, apply: boolean, only?: { appField: string; remoteField: string }[]) {
  const appFields = await listAppFields(db, conn.organizationId, entity);
  const remoteFields = conn.remoteFields[entity]?.fields;
  if (!remoteFields) throw new SyncError('bad_state', 'Load the CRM fields first (refresh the field list).');
  const existing = await listMappings(db, conn.id, entity);
  const suggestions = suggestMappings(appFields, remoteFields, existing);
  const created: FieldMapping[] = [];
  if (apply) {
    const chosen = only ? new Set(only.map((p) => `${p.appField}\u0000${p.remoteField}`)) : null;
    for (const s of suggestions) {
      if (chosen && !chosen.has(`${s.appField}\u0000${s.remoteField}`)) continue;
      const remote = remoteFields.find((f) => f.name === s.remoteField)!;
      const input: MappingInput = { appField: s.appField, remoteField: s.remoteField, direction: remote.updateable ? 'both' : 'pull', transform: [], override: 'strategy' };
      const ok = checkMapping(input, appFields, remoteFields).every((i) => i.level !== 'error');
      if (ok) created.push(await createMapping(db, conn, entity, input));
    }
  }
  return { suggestions, created };
}

// ---------------------------------------------------------------- preview

export interface PreviewRecord {
  remoteId: string;
  /** What the app record would hold, by app field. */
  values: Record<string, string | null>;
  error: string | null;
}

/** Five CRM records through the current mapping, as they would land in the app. */
export async function previewMapping(deps: SyncDeps, conn: Connection, entity: SyncEntity, limit = 5): Promise<PreviewRecord[]> {
  const country = await tenantCountry(deps.db, conn.organizationId);
  const set = new MappingSet(entity, await listMappings(deps.db, conn.id, entity), { country }, false);
  const customFields = new Map((await listCustomFields(deps.db, conn.organizationId, entity)).map((d) => [d.key, d]));
  const client = await SyncClient.open(deps, conn.id);
  const records: RemoteRecord[] = [];
  let cursor: PullCursor | null = null;
  for (let pages = 0; pages < 5 && records.length < limit; pages++) {
    const page = await client.pullChanges(entity, cursor, { fields: set.remoteFields, pageSize: limit });
    records.push(...page.records);
    if (!page.hasMore || !page.cursor) break;
    cursor = page.cursor;
  }
  await client.flushUsage(deps.db);
  return records.slice(0, limit).map((record) => {
    const values = set.appPatch(set.remoteValues(record));
    const built = buildAppWrite(values, { country, customFields });
    return { remoteId: record.id, values, error: built.ok ? null : built.message };
  });
}
