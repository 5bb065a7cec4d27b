import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { leads, memberships, users } from '../../../db/schema';
import { leadSources, leadStatuses, type CustomValues, type LeadSource, type LeadStatus } from '../../shared/crm';
import { recordLeadEvents } from './activities';
import type { CrmActor, Executor } from './context';
import { coerceCustomValue, listCustomFields, type CustomFieldView } from './custom-fields';
import type { DuplicateMatch } from './duplicates';
import { conflictError, fieldError } from './errors';
import { LEAD_EXPORT_LIMIT, leadsForExport, type LeadFilter, type LeadSort } from './lead-query';
import { crmWriters } from './leads';
import { normalizePhone, tenantCountry } from './phone';
import { listStages } from './stages';

/**
 * CSV export of the current leads view and CSV import with column matching, a dry-run
 * preview and dedupe. Parsing and writing are csv-parse / csv-stringify; what is ours
 * is the spreadsheet-safety rule: a cell that starts with = + - @ (or a tab / CR) is
 * written with a leading apostrophe, so Excel and Sheets show it as text instead of
 * running it as a formula, and the import strips exactly that apostrophe again.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeCell(value: unknown): string {
  const text = value == null ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function unescapeCell(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

// ---------------------------------------------------------------- export

const exportColumns = ['id', 'name', 'email', 'phone', 'company', 'position', 'tax_id', 'source', 'status', 'stage', 'assignee', 'amount', 'created_at'] as const;

export async function exportLeadsCsv(db: Executor, actor: CrmActor, filter: LeadFilter, sort: LeadSort) {
  const rows = await leadsForExport(db, actor, filter, sort);
  const truncated = rows.length > LEAD_EXPORT_LIMIT;
  const leadRows = rows.slice(0, LEAD_EXPORT_LIMIT);
  const customFields = await listCustomFields(db, actor.organizationId, 'lead');
  const header = [...exportColumns, ...customFields.map((f) => f.label)];
  const body = leadRows.map((lead) => [
    lead.id,
    lead.name,
    lead.email,
    lead.phone,
    lead.company,
    lead.position,
    lead.taxId,
    lead.source,
    lead.status,
    lead.stage?.name,
    lead.assignee?.email,
    lead.amount,
    lead.createdAt,
    ...customFields.map((f) => lead.custom[f.key]),
  ]);
  const csv = stringify([header, ...body].map((row) => row.map(escapeCell)));
  return { csv, rowCount: leadRows.length, truncated, filename: `leads-${new Date().toISOString().slice(0, 10)}.csv` };
}

// ---------------------------------------------------------------- import

export const MAX_IMPORT_ROWS = 100_000;
const CHUNK = 1000;

const builtInTargets = ['name', 'email', 'phone', 'company', 'position', 'taxId', 'source', 'status', 'stage', 'assignee', 'amount'] as const;
type BuiltInTarget = (typeof builtInTargets)[number];

/** Header spellings each field is recognised by (compared lower-case, separators as spaces). */
const synonyms: Record<BuiltInTarget, string[]> = {
  name: ['name', 'full name', 'lead', 'lead name', 'contact name', 'contact'],
  email: ['email', 'e mail', 'email address', 'mail'],
  phone: ['phone', 'phone number', 'telephone', 'tel', 'mobile', 'cell'],
  company: ['company', 'company name', 'organization', 'organisation', 'account'],
  position: ['position', 'job title', 'title', 'role'],
  taxId: ['tax id', 'taxid', 'inn', 'vat', 'vat id', 'tax number'],
  source: ['source', 'lead source'],
  status: ['status', 'lead status'],
  stage: ['stage', 'pipeline stage'],
  assignee: ['assignee', 'assigned to', 'owner', 'responsible'],
  amount: ['amount', 'value', 'deal value', 'budget'],
};

const normalizeHeader = (h: string) => h.trim().toLowerCase().replace(/[_\-.]+/g, ' ').replace(/\s+/g, ' ');

export const importOptionsSchema = z.object({
  csv: z.string().min(1).max(25 * 1024 * 1024),
  delimiter: z.enum([',', ';', '\t']).optional(),
});

function parseCsv(text: string, delimiter?: string): string[][] {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  const guessed = delimiter ?? ([';', '\t'].find((d) => firstLine.split(d).length > firstLine.split(',').length) || ',');
  try {
    return parse(text, { bom: true, delimiter: guessed, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, trim: true });
  } catch (error) {
    throw fieldError('csv', `The file is not readable CSV: ${(error as Error).message.slice(0, 200)}`);
  }
}

/** Exact field names first, then the tenant's custom fields by key or label, then common spellings. */
function suggestTarget(header: string, customFields: CustomFieldView[], taken: Set<string>): string | null {
  const h = normalizeHeader(header);
  const candidates = [
    ...builtInTargets.filter((t) => normalizeHeader(t.replace(/([A-Z])/g, ' $1')) === h),
    ...customFields.filter((f) => normalizeHeader(f.key) === h || normalizeHeader(f.label) === h).map((f) => `custom.${f.key}`),
    ...builtInTargets.filter((t) => synonyms[t].includes(h)),
  ];
  const target = candidates.find((c) => !taken.has(c)) ?? null;
  if (target) taken.add(target);
  return target;
}

/** Step 1 of an import: the columns with a suggested field for each, and a few sample rows. */
export async function analyzeLeadsCsv(db: Executor, organizationId: string, input: z.infer<typeof importOptionsSchema>) {
  const [header, ...rows] = parseCsv(input.csv, input.delimiter);
  if (!header) throw fieldError('csv', 'The file is empty.');
  const customFields = await listCustomFields(db, organizationId, 'lead');
  const taken = new Set<string>();
  return {
    columns: header.map((name, index) => ({ index, header: name, suggested: suggestTarget(name, customFields, taken) })),
    targets: [...builtInTargets, ...customFields.map((f) => `custom.${f.key}`)],
    sample: rows.slice(0, 5).map((row) => row.map(unescapeCell)),
    rowCount: rows.length,
  };
}

export interface ImportRowError {
  line: number;
  field: string;
  message: string;
}

interface PreparedLead {
  line: number;
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  position: string | null;
  taxId: string | null;
  source: LeadSource;
  status: LeadStatus | null;
  stageId: string | null;
  assignedTo: string | null | undefined;
  amount: number | null;
  custom: CustomValues;
}

export interface ImportPreviewRow {
  line: number;
  outcome: 'create' | 'duplicate' | 'invalid';
  lead: Pick<PreparedLead, 'name' | 'email' | 'phone' | 'company'>;
  errors?: ImportRowError[];
  duplicateOf?: DuplicateMatch | { line: number };
}

export interface ImportResult {
  dryRun: boolean;
  total: number;
  created: number;
  duplicates: number;
  invalid: number;
  errors: ImportRowError[];
  preview: ImportPreviewRow[];
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const emailShape = z.string().email();

/**
 * Step 2: validates every row against the mapping (`mapping[i]` is the field of column
 * i, or null to skip it), skips rows whose e-mail or phone matches an existing lead of
 * the tenant or an earlier row of the file, and — unless `dryRun` — inserts the rest in
 * chunks of 1000 inside one transaction (all or nothing), each with a timeline entry.
 * In a dry run `created` counts the leads that would be created. `onProgress` hears
 * after every chunk.
 */
export async function importLeadsCsv(
  db: Executor,
  actor: CrmActor,
  input: z.infer<typeof importOptionsSchema> & { mapping: (string | null)[]; dryRun: boolean },
  onProgress?: (progress: { processed: number; total: number }) => Promise<void> | void,
): Promise<ImportResult> {
  const org = actor.organizationId;
  const [, ...rows] = parseCsv(input.csv, input.delimiter);
  if (rows.length > MAX_IMPORT_ROWS) throw fieldError('csv', `At most ${MAX_IMPORT_ROWS} rows per import.`);
  const customFields = await listCustomFields(db, org, 'lead');
  const customByKey = new Map(customFields.map((f) => [f.key, f]));
  const validTargets = new Set<string>([...builtInTargets, ...customFields.map((f) => `custom.${f.key}`)]);
  const used = input.mapping.filter((t): t is string => !!t);
  const unknown = used.filter((t) => !validTargets.has(t));
  if (unknown.length) throw fieldError('mapping', `Unknown field(s): ${unknown.join(', ')}.`);
  if (new Set(used).size !== used.length) throw fieldError('mapping', 'Each field can take one column only.');
  if (!used.includes('name')) throw fieldError('mapping', 'Choose the column that holds the lead name.');

  const country = await tenantCountry(db, org);
  const stages = await listStages(db, org);
  if (stages.length === 0) throw conflictError('The tenant has no lead stages.');
  const stageByName = new Map(stages.map((s) => [s.name.toLowerCase(), s]));
  const members = await db
    .select({ id: users.id, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.organizationId, org));
  const memberByEmail = new Map(members.filter((m) => crmWriters.includes(m.role)).map((m) => [m.email.toLowerCase(), m.id]));

  const errors: ImportRowError[] = [];
  const preview: ImportPreviewRow[] = [];
  const result: ImportResult = { dryRun: input.dryRun, total: rows.length, created: 0, duplicates: 0, invalid: 0, errors, preview };
  const note = (row: ImportPreviewRow) => {
    if (preview.length < 50) preview.push(row);
  };

  const prepare = (cells: string[], line: number): { lead: PreparedLead; errors: ImportRowError[] } => {
    const lead: PreparedLead = {
      line,
      name: '',
      email: null,
      phone: null,
      company: null,
      position: null,
      taxId: null,
      source: 'other',
      status: null,
      stageId: null,
      assignedTo: undefined,
      amount: null,
      custom: {},
    };
    const rowErrors: ImportRowError[] = [];
    const fail = (field: string, message: string) => rowErrors.push({ line, field, message });
    input.mapping.forEach((target, index) => {
      if (!target) return;
      const value = unescapeCell(cells[index]?.trim() ?? '');
      if (target.startsWith('custom.')) {
        if (value === '') return;
        const def = customByKey.get(target.slice(7))!;
        const coerced = coerceCustomValue(def, value);
        if (coerced.ok) lead.custom[def.key] = coerced.value;
        else fail(target, coerced.message);
        return;
      }
      switch (target as BuiltInTarget) {
        case 'name':
          lead.name = value;
          break;
        case 'email':
          if (value && !emailShape.safeParse(value).success) fail('email', 'Not an e-mail address.');
          lead.email = value || null;
          break;
        case 'phone': {
          const phone = normalizePhone(value, country);
          if (phone.ok) lead.phone = phone.value;
          else fail('phone', 'Not a valid phone number.');
          break;
        }
        case 'company':
          lead.company = value || null;
          break;
        case 'position':
          lead.position = value || null;
          break;
        case 'taxId':
          lead.taxId = value || null;
          break;
        case 'source': {
          if (!value) break;
          const source = leadSources.find((s) => squash(s) === squash(value));
          if (source) lead.source = source;
          else fail('source', `Unknown source; one of ${leadSources.join(', ')}.`);
          break;
        }
        case 'status': {
          if (!value) break;
          const status = leadStatuses.find((s) => squash(s) === squash(value));
          if (status && status !== 'converted') lead.status = status;
          else fail('status', 'Unknown status; one of new, contacted, qualified, lost.');
          break;
        }
        case 'stage': {
          if (!value) break;
          const stage = stageByName.get(value.toLowerCase());
          if (stage) lead.stageId = stage.id;
          else fail('stage', `No stage named "${value}".`);
          break;
        }
        case 'assignee': {
          if (!value) break;
          const id = memberByEmail.get(value.toLowerCase());
          if (id) lead.assignedTo = id;
          else fail('assignee', `No CRM member with e-mail ${value}.`);
          break;
        }
        case 'amount': {
          if (!value) break;
          const amount = Number(value.replace(/[\s,]/g, ''));
          if (Number.isFinite(amount) && amount >= 0 && amount < 1e12) lead.amount = amount;
          else fail('amount', 'Must be a non-negative number.');
          break;
        }
      }
    });
    if (!lead.name) fail('name', 'A lead needs a name.');
    for (const def of customFields) if (def.required && lead.custom[def.key] === undefined && !rowErrors.some((e) => e.field === `custom.${def.key}`)) fail(`custom.${def.key}`, `${def.label} is required.`);
    return { lead, errors: rowErrors };
  };

  const seenEmails = new Map<string, number>();
  const seenPhones = new Map<string, number>();

  const run = async (tx: Executor) => {
    for (let start = 0; start < rows.length; start += CHUNK) {
      const prepared = rows.slice(start, start + CHUNK).map((cells, i) => prepare(cells, start + i + 2));
      const valid = prepared.filter((p) => p.errors.length === 0).map((p) => p.lead);
      const emails = [...new Set(valid.map((l) => l.email?.toLowerCase()).filter((e): e is string => !!e))];
      const phones = [...new Set(valid.map((l) => l.phone).filter((p): p is string => !!p))];
      const existing =
        emails.length || phones.length
          ? await tx
              .select({ id: leads.id, name: leads.name, email: leads.email, phone: leads.phone, assignedTo: leads.assignedTo })
              .from(leads)
              .where(
                and(
                  eq(leads.organizationId, org),
                  isNull(leads.deletedAt),
                  or(emails.length ? inArray(sql`lower(${leads.email})`, emails) : undefined, phones.length ? inArray(leads.phone, phones) : undefined),
                ),
              )
          : [];
      const existingByEmail = new Map(existing.filter((l) => l.email).map((l) => [l.email!.toLowerCase(), l]));
      const existingByPhone = new Map(existing.filter((l) => l.phone).map((l) => [l.phone!, l]));

      const toInsert: PreparedLead[] = [];
      for (const { lead, errors: rowErrors } of prepared) {
        const shown = { name: lead.name, email: lead.email, phone: lead.phone, company: lead.company };
        if (rowErrors.length) {
          result.invalid++;
          if (errors.length < 200) errors.push(...rowErrors);
          note({ line: lead.line, outcome: 'invalid', lead: shown, errors: rowErrors });
          continue;
        }
        const email = lead.email?.toLowerCase();
        const match = (email && existingByEmail.get(email)) || (lead.phone && existingByPhone.get(lead.phone)) || null;
        const earlier = (email && seenEmails.get(email)) || (lead.phone && seenPhones.get(lead.phone)) || null;
        if (match || earlier) {
          result.duplicates++;
          const visible = !!match && (actor.seesAllLeads || match.assignedTo === actor.userId);
          const duplicateOf: ImportPreviewRow['duplicateOf'] = match
            ? {
                id: visible ? match.id : null,
                visible,
                name: visible ? match.name : null,
                email: visible ? match.email : null,
                phone: visible ? match.phone : null,
                matchedOn: [
                  ...(email && match.email?.toLowerCase() === email ? (['email'] as const) : []),
                  ...(lead.phone && match.phone === lead.phone ? (['phone'] as const) : []),
                ],
              }
            : { line: earlier! };
          note({ line: lead.line, outcome: 'duplicate', lead: shown, duplicateOf });
          continue;
        }
        if (email) seenEmails.set(email, lead.line);
        if (lead.phone) seenPhones.set(lead.phone, lead.line);
        toInsert.push(lead);
        note({ line: lead.line, outcome: 'create', lead: shown });
      }

      if (!input.dryRun && toInsert.length) {
        const inserted = await tx
          .insert(leads)
          .values(
            toInsert.map((lead) => {
              const stage = (lead.stageId && stages.find((s) => s.id === lead.stageId)) || stages[0]!;
              const status = lead.status ?? (stage.isLost ? 'lost' : stage.isQualified ? 'qualified' : 'new');
              return {
                organizationId: org,
                name: lead.name,
                email: lead.email,
                phone: lead.phone,
                company: lead.company,
                position: lead.position,
                taxId: lead.taxId,
                source: lead.source,
                stageId: stage.id,
                status,
                qualifiedAt: stage.isQualified || status === 'qualified' ? new Date() : null,
                assignedTo: actor.seesAllLeads && lead.assignedTo !== undefined ? lead.assignedTo : actor.userId,
                amount: lead.amount,
                custom: lead.custom,
                createdBy: actor.userId,
              };
            }),
          )
          .returning({ id: leads.id });
        await recordLeadEvents(
          tx,
          actor,
          inserted.map((row) => ({ leadId: row.id, title: 'Imported from CSV', details: { event: 'imported' } })),
        );
      }
      result.created += toInsert.length;
      await onProgress?.({ processed: Math.min(start + CHUNK, rows.length), total: rows.length });
    }
  };

  if (input.dryRun) await run(db);
  else await db.transaction(run);
  return result;
}
