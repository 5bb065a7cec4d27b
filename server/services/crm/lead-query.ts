import { and, asc, count, desc, eq, gte, ilike, inArray, isNull, lte, or, sql, sum, type SQL } from 'drizzle-orm';
import { alias, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { leadSearchText, leadStages, leads, users } from '../../../db/schema';
import { leadSources, leadStatuses } from '../../shared/crm';
import { escapeLike } from '../../shared/validation';
import { visibleLeadCondition } from './activities';
import type { CrmActor, Executor } from './context';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone, phoneSearchDigits, tenantCountry } from './phone';

/** The columns a lead is shown with, everywhere (list, detail, CSV). */
export const leadView = {
  id: leads.id,
  name: leads.name,
  email: leads.email,
  phone: leads.phone,
  company: leads.company,
  position: leads.position,
  taxId: leads.taxId,
  source: leads.source,
  status: leads.status,
  stageId: leads.stageId,
  stage: { id: leadStages.id, name: leadStages.name, color: leadStages.color },
  assignedTo: leads.assignedTo,
  assignee: { id: users.id, name: users.name, email: users.email },
  amount: leads.amount,
  custom: leads.custom,
  qualifiedAt: leads.qualifiedAt,
  convertedAt: leads.convertedAt,
  convertedToAccountId: leads.convertedToAccountId,
  convertedToContactId: leads.convertedToContactId,
  createdBy: leads.createdBy,
  createdAt: leads.createdAt,
  updatedAt: leads.updatedAt,
};

/** Filters of the leads list, the kanban columns and the CSV export of the current view. */
export const leadFilterSchema = z.object({
  /** Matches name, e-mail and company (substring, case-insensitive), or — when it is digits — the phone. */
  q: z.string().trim().max(200).optional(),
  stageIds: z.array(z.string().uuid()).max(100).optional(),
  statuses: z.array(z.enum(leadStatuses)).max(leadStatuses.length).optional(),
  sources: z.array(z.enum(leadSources)).max(leadSources.length).optional(),
  /** Member ids, or 'me' / 'unassigned'. */
  assignees: z.array(z.union([z.string().uuid(), z.enum(['me', 'unassigned'])])).max(100).optional(),
  createdFrom: z.coerce.date().optional(),
  createdTo: z.coerce.date().optional(),
});
export type LeadFilter = z.infer<typeof leadFilterSchema>;

/** The allow-list of sort keys: anything else is refused at the boundary. */
type SortableLeadColumns = Record<'createdAt' | 'updatedAt' | 'name' | 'company' | 'amount', AnyPgColumn>;
const sortExpressions = {
  createdAt: (t: SortableLeadColumns) => t.createdAt,
  updatedAt: (t: SortableLeadColumns) => t.updatedAt,
  name: (t: SortableLeadColumns) => sql`lower(${t.name})`,
  company: (t: SortableLeadColumns) => sql`coalesce(lower(${t.company}), '')`,
  amount: (t: SortableLeadColumns) => sql`coalesce(${t.amount}, 0)`,
} satisfies Record<string, (t: SortableLeadColumns) => SQL | AnyPgColumn>;
export const leadSortKeys = Object.keys(sortExpressions) as [keyof typeof sortExpressions, ...(keyof typeof sortExpressions)[]];

export const leadSortSchema = z.object({
  sort: z.enum(leadSortKeys).default('createdAt'),
  direction: z.enum(['asc', 'desc']).default('desc'),
});
export type LeadSort = z.infer<typeof leadSortSchema>;

/**
 * A search term that reads as a whole phone number matches the stored E.164 exactly
 * (a b-tree lookup); a partial number matches digits anywhere (trigram index).
 */
function phoneCondition(term: string, country: CountryCode | undefined): SQL | undefined {
  const digits = phoneSearchDigits(term);
  if (!digits) return undefined;
  const whole = country && digits.length >= 7 ? normalizePhone(term, country) : null;
  return whole?.ok && whole.value ? eq(leads.phone, whole.value) : ilike(leads.phone, `%${digits}%`);
}

/** The tenant's default country, needed only to read a search term as a whole phone number. */
const countryFor = async (db: Executor, actor: CrmActor, q: string | undefined) => (q && phoneSearchDigits(q.trim()) ? tenantCountry(db, actor.organizationId) : undefined);

export function leadFilterCondition(actor: CrmActor, filter: LeadFilter, country?: CountryCode): SQL {
  const conditions: (SQL | undefined)[] = [visibleLeadCondition(actor)];
  const q = filter.q?.trim();
  if (q) {
    // a term of digits and phone punctuation is a phone number; anything else is text
    const phone = phoneCondition(q, country);
    const term = `%${escapeLike(q)}%`;
    // a term with @ is (part of) an e-mail address: only the e-mail column can match it.
    // Otherwise one expression over name, e-mail and company, the one leads_search_trgm_idx
    // indexes: its statistics tell the planner how broad the term is, so a rare term is
    // read from the trigram index and a broad one ("ООО", "GmbH") walks the sort index.
    const text = q.includes('@') ? ilike(leads.email, term) : ilike(leadSearchText(leads), term);
    conditions.push(phone ?? text);
  }
  if (filter.stageIds?.length) conditions.push(inArray(leads.stageId, filter.stageIds));
  if (filter.statuses?.length) conditions.push(inArray(leads.status, filter.statuses));
  if (filter.sources?.length) conditions.push(inArray(leads.source, filter.sources));
  if (filter.assignees?.length) {
    const ids = filter.assignees.filter((a) => a !== 'me' && a !== 'unassigned');
    if (filter.assignees.includes('me')) ids.push(actor.userId);
    conditions.push(or(ids.length ? inArray(leads.assignedTo, ids) : undefined, filter.assignees.includes('unassigned') ? isNull(leads.assignedTo) : undefined));
  }
  if (filter.createdFrom) conditions.push(gte(leads.createdAt, filter.createdFrom));
  if (filter.createdTo) conditions.push(lte(leads.createdAt, filter.createdTo));
  return and(...conditions)!;
}

function ordering(sort: LeadSort) {
  const expr = sortExpressions[sort.sort](leads);
  return sort.direction === 'asc' ? [asc(expr), asc(leads.id)] : [desc(expr), desc(leads.id)];
}

/** Totals beyond this show as "1,000+": counting every match of a broad term costs more than the page. */
export const LEAD_TOTAL_CAP = 1_000;
/**
 * The cap for a term no trigram index can narrow (no word of three letters or digits, e.g.
 * "ИП", "AO"): such a count reads the table until it has found enough, so it stops sooner.
 */
export const SHORT_TERM_TOTAL_CAP = 100;

/** True when pg_trgm extracts no trigram from the term, so its GIN index cannot narrow the search. */
export function isShortTerm(q: string): boolean {
  return !q.split(/[^\p{L}\p{N}]+/u).some((word) => [...word].length >= 3);
}

/**
 * Planner settings for the rest of the transaction (set_config(..., true) = SET LOCAL).
 * `index`: read the search's own index (GIN trigram or b-tree) and sort what it found;
 * `ordered`: walk the index of the list's sort order and filter, so LIMIT stops early;
 * `serial`: the planner's own choice (a short term, which no trigram index narrows).
 * All without parallel workers: starting them costs more than these short scans.
 */
async function searchPlan(tx: Executor, plan: 'index' | 'ordered' | 'serial') {
  if (plan === 'serial') await tx.execute(sql`select set_config('max_parallel_workers_per_gather', '0', true)`);
  else if (plan === 'index') await tx.execute(sql`select set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`);
  else await tx.execute(sql`select set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'on', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`);
}

/**
 * Keyset pagination on (sort value, id): `cursor` is the id of the last lead of the
 * previous page, and the database compares against that row's own values, so no
 * precision is lost on timestamps. The total is counted for the first page only, up to LEAD_TOTAL_CAP.
 *
 * A search decides its plan from a bounded count rather than from the planner's guess
 * (it cannot estimate ILIKE '%…%' well): up to LEAD_TOTAL_CAP matches are read from the
 * trigram index and sorted; more than that (a legal form, a common name) and the page
 * walks the sort-order index, where at least 1 row in 100 matches, so LIMIT stops soon.
 */
export async function listLeads(db: Executor, actor: CrmActor, filter: LeadFilter, sort: LeadSort, page: { cursor?: string; limit: number }) {
  const q = filter.q?.trim();
  const where = leadFilterCondition(actor, filter, await countryFor(db, actor, q));
  let keyset: SQL | undefined;
  if (page.cursor) {
    const c = alias(leads, 'cursor_lead');
    const expr = sortExpressions[sort.sort];
    const op = sql.raw(sort.direction === 'asc' ? '>' : '<');
    keyset = sql`(${expr(leads)}, ${leads.id}) ${op} (select ${expr(c)}, ${c.id} from ${leads} ${sql.identifier('cursor_lead')} where ${c.id} = ${page.cursor} and ${c.organizationId} = ${actor.organizationId})`;
  }
  const pageQuery = (tx: Executor) =>
    tx
      .select(leadView)
      .from(leads)
      .leftJoin(leadStages, eq(leadStages.id, leads.stageId))
      .leftJoin(users, eq(users.id, leads.assignedTo))
      .where(and(where, keyset))
      .orderBy(...ordering(sort))
      .limit(page.limit + 1);
  const countQuery = (tx: Executor, cap: number) =>
    tx
      .select({ n: count() })
      .from(tx.select({ one: sql`1` }).from(leads).where(where).limit(cap + 1).as('matches'))
      .then(([row]) => row?.n ?? 0);

  let rows: Awaited<ReturnType<typeof pageQuery>>;
  let matched: number | null;
  let cap = LEAD_TOTAL_CAP;
  if (!q) {
    // filters only: b-tree indexes the planner estimates well; count beside the page
    [rows, matched] = await Promise.all([pageQuery(db), page.cursor ? Promise.resolve(null) : countQuery(db, cap)]);
  } else {
    const short = isShortTerm(q) && !phoneSearchDigits(q);
    if (short) cap = SHORT_TERM_TOTAL_CAP;
    // Up to cap + 1 matches from the search index, sorted, with their count: the page when
    // there are no more than cap, else the term is broad and the page walks the sort index.
    // Each step's queries are pipelined on the transaction's connection (one round trip).
    const bounded = db.select({ id: leads.id }).from(leads).where(and(where, keyset)).limit(cap + 1);
    const fromIndex = (tx: Executor) =>
      tx
        .select({ ...leadView, matched: sql<number>`count(*) over ()`.mapWith(Number) })
        .from(leads)
        .leftJoin(leadStages, eq(leadStages.id, leads.stageId))
        .leftJoin(users, eq(users.id, leads.assignedTo))
        .where(sql`${leads.id} = any(array(${bounded}))`)
        .orderBy(...ordering(sort))
        .limit(page.limit + 1);
    [rows, matched] = await db.transaction(async (tx) => {
      // a short term has no trigram to read: the bounded scan reads the table until it has cap + 1
      const [, found] = await Promise.all([searchPlan(tx, short ? 'serial' : 'index'), fromIndex(tx)]);
      const n = found[0]?.matched ?? 0;
      if (n <= cap) return [found.map(({ matched: _, ...lead }) => lead), page.cursor ? null : n] as const;
      const [, walked] = await Promise.all([searchPlan(tx, 'ordered'), pageQuery(tx)]);
      return [walked, page.cursor ? null : n] as const;
    });
  }
  const items = rows.slice(0, page.limit);
  const nextCursor = rows.length > page.limit ? items[items.length - 1]!.id : null;
  const total = matched === null ? null : Math.min(matched, cap);
  const totalCapped = matched !== null && matched > cap;
  return { items, nextCursor, total, totalCapped };
}

export const LEAD_EXPORT_LIMIT = 50_000;

/** The current view, in its order, for the CSV export (capped). */
export async function leadsForExport(db: Executor, actor: CrmActor, filter: LeadFilter, sort: LeadSort) {
  return db
    .select(leadView)
    .from(leads)
    .leftJoin(leadStages, eq(leadStages.id, leads.stageId))
    .leftJoin(users, eq(users.id, leads.assignedTo))
    .where(leadFilterCondition(actor, filter, await countryFor(db, actor, filter.q)))
    .orderBy(...ordering(sort))
    .limit(LEAD_EXPORT_LIMIT + 1);
}

/** One lead the actor sees, with its stage and assignee; null otherwise. */
export async function findLead(db: Executor, actor: CrmActor, id: string) {
  const [row] = await db
    .select(leadView)
    .from(leads)
    .leftJoin(leadStages, eq(leadStages.id, leads.stageId))
    .leftJoin(users, eq(users.id, leads.assignedTo))
    .where(and(visibleLeadCondition(actor), eq(leads.id, id)));
  return row ?? null;
}
export type LeadView = NonNullable<Awaited<ReturnType<typeof findLead>>>;

/** The kanban header: count and amount total per active stage, over the leads the actor sees and the filter. */
export async function pipelineSummary(db: Executor, actor: CrmActor, filter: LeadFilter) {
  const totals = await db
    .select({ stageId: leads.stageId, count: count(), total: sum(leads.amount) })
    .from(leads)
    .where(leadFilterCondition(actor, filter, await countryFor(db, actor, filter.q)))
    .groupBy(leads.stageId);
  const byStage = new Map(totals.map((t) => [t.stageId, t]));
  const stages = await db
    .select({ id: leadStages.id, name: leadStages.name, color: leadStages.color, position: leadStages.position })
    .from(leadStages)
    .where(and(eq(leadStages.organizationId, actor.organizationId), isNull(leadStages.deletedAt)))
    .orderBy(asc(leadStages.position));
  return stages.map((stage) => ({
    ...stage,
    count: byStage.get(stage.id)?.count ?? 0,
    total: Number(byStage.get(stage.id)?.total ?? 0),
  }));
}
