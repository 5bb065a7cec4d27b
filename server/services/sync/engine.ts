import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { CountryCode } from 'libphonenumber-js/max';
import { connections, contacts, fieldMappings, organizations, recordLinks, syncConflicts, syncRunErrors } from '../../../db/schema';
import { ReauthorizationNeeded, type CrmClient, type PullCursor, type RemoteRecord, type WriteInput } from '../../providers/types';
import { syncProviders, type FilterRule, type SyncEntity, type SyncTrigger } from '../../shared/sync';
import type { Executor } from '../crm/context';
import { listCustomFields, type CustomFieldView } from '../crm/custom-fields';
import { tenantCountry } from '../crm/phone';
import { buildAppWrite, normalizedName, type AppRow, type AppWrite } from './app-fields';
import { appRowsByIds, appTable, insertAppRows, isLive, softDeleteAppRows, unlinkedAccounts, unlinkedByIds, unlinkedContactsByEmail, updateAppRow, type NewAppRecord } from './app-records';
import { SyncClient } from './client';
import { ApiBudgetExhausted } from './errors';
import { passesFilters } from './filters';
import { accountLinkMaps, conflictStateOf, linksByAppIds, linksByRemoteIds, readCursor, updateLinkStamps, writeCursor, type LinkStamp, type RecordLink } from './links';
import { ensureDefaultMappings } from './mappings';
import { ACCOUNT_KEY, MappingSet } from './mapping-set';
import { hasValues, mergeRecord, type MergeOutcome, type Values } from './merge';
import { pushFence } from './push-fence';
import { interruptStaleRuns, RunTracker, zeroCounts, type RecordError, type RunCounts } from './runs';
import { nextSyncAt } from './schedule';
import type { SyncDeps } from './tokens';

/**
 * The sync engine (DESIGN §4, decision 006). Per connection and entity:
 *
 *   pull    pages of CRM records changed after the pull cursor (minus an overlap window
 *           at the start of a run; ties broken by id inside the provider client), each
 *           page one transaction that moves app records, record links, conflicts, the
 *           run's counters and the cursor together;
 *   deletes the CRM's own list of deleted/archived ids since the last look — never an
 *           absence inferred from a partial read, so a failed run cannot delete anything;
 *   push    pages of app rows with change_seq after the push cursor and at or below the
 *           push fence (push-fence.ts), written to the CRM in its batch size, then one
 *           transaction for links, app-side merge results and the cursor.
 *
 * A record is merged three-way against its link's base (merge.ts). Our own writes come
 * back equal to the base on both sides and change nothing, which stops echo loops.
 * Unlinked records are matched by dedupe key before anything is created; CRM creates
 * carry the dedupe key so a retry after a crash upserts instead of duplicating.
 */

export interface EngineClient extends CrmClient {
  /** HTTP requests made so far (for the run row). */
  calls?: number;
  /** Adds the calls made since the last flush to the connection's daily count. */
  flushUsage?: (db: Executor) => Promise<void>;
}

export interface SyncOptions {
  trigger: SyncTrigger;
  entities?: SyncEntity[];
  jobId?: string | null;
  /** Re-run only the retryable failed records of this run. */
  retryOfRunId?: string | null;
  pullPageSize?: number;
  pushPageSize?: number;
  /** Subtracted from the saved pull cursor when a run starts (late-committed CRM changes). */
  overlapMs?: number;
  /** A client to use instead of the connection's own (tests). */
  client?: EngineClient;
  log?: (line: string) => void;
  /** Called after each committed page (tests use it to stop a worker mid-sync). */
  afterPage?: (info: { entity: SyncEntity; phase: 'pull' | 'push' | 'deletes'; page: number }) => Promise<void> | void;
}

export type RunSummary = { runId: string; entity: SyncEntity; status: string; counts: RunCounts; error: string | null };
export type SyncOutcome = { status: 'already_running' } | { status: 'skipped'; reason: string } | { status: 'done'; runs: RunSummary[] };

export const DEFAULT_OVERLAP_MS = 2 * 60_000;
const ORDER: SyncEntity[] = ['account', 'contact'];

type ConnectionRow = typeof connections.$inferSelect;

interface EntityContext {
  deps: SyncDeps;
  conn: ConnectionRow;
  entity: SyncEntity;
  client: EngineClient;
  set: MappingSet;
  run: RunTracker;
  filters: FilterRule[] | undefined;
  country: CountryCode;
  customFields: Map<string, CustomFieldView>;
  options: SyncOptions;
}

const pulls = (conn: ConnectionRow) => conn.direction === 'pull' || conn.direction === 'bidirectional';
const pushes = (conn: ConnectionRow, trigger: SyncTrigger) =>
  (conn.direction === 'push' || conn.direction === 'bidirectional') && (conn.outboundPolicy === 'automatic' || trigger === 'manual');
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/** Runs one connection's sync; at most one at a time per connection, across every process. */
export async function runConnectionSync(deps: SyncDeps, connectionId: string, options: SyncOptions): Promise<SyncOutcome> {
  const reserved = await deps.sql.reserve();
  try {
    const [lock] = await reserved<{ locked: boolean }[]>`select pg_try_advisory_lock(7007, hashtext(${connectionId})) as locked`;
    if (!lock?.locked) return { status: 'already_running' };
    try {
      return await syncLocked(deps, connectionId, options);
    } finally {
      await reserved`select pg_advisory_unlock(7007, hashtext(${connectionId}))`;
    }
  } finally {
    reserved.release();
  }
}

async function syncLocked(deps: SyncDeps, connectionId: string, options: SyncOptions): Promise<SyncOutcome> {
  const log = options.log ?? (() => {});
  await interruptStaleRuns(deps.db, connectionId);
  const [conn] = await deps.db.select().from(connections).where(eq(connections.id, connectionId));
  if (!conn || !syncProviders.includes(conn.provider)) return { status: 'skipped', reason: 'connection not found' };
  if (conn.status !== 'connected') return { status: 'skipped', reason: `connection is ${conn.status}` };
  let client: EngineClient;
  try {
    client = options.client ?? (await SyncClient.open(deps, connectionId, { enforceBudget: true }));
  } catch (error) {
    if (error instanceof ReauthorizationNeeded) return { status: 'skipped', reason: error.message };
    throw error;
  }
  const country = await tenantCountry(deps.db, conn.organizationId);
  const entities = ORDER.filter((e) => conn.entities.includes(e) && (!options.entities || options.entities.includes(e)));
  const runs: RunSummary[] = [];
  let stop: unknown = null;
  for (const entity of entities) {
    await ensureDefaultMappings(deps.db, conn, entity);
    const mappingRows = await deps.db
      .select()
      .from(fieldMappings)
      .where(and(eq(fieldMappings.connectionId, conn.id), eq(fieldMappings.entity, entity)))
      .orderBy(asc(fieldMappings.position), asc(fieldMappings.createdAt));
    const remoteTypes = new Map((conn.remoteFields[entity]?.fields ?? []).map((f) => [f.name, f.type] as const));
    const set = new MappingSet(entity, mappingRows, { country }, conn.entities.includes('account'), remoteTypes);
    const customFields = new Map((await listCustomFields(deps.db, conn.organizationId, entity)).map((d) => [d.key, d]));
    const run = await RunTracker.start(deps.db, {
      organizationId: conn.organizationId,
      connectionId: conn.id,
      entity,
      trigger: options.trigger,
      direction: conn.direction,
      jobId: options.jobId,
      retryOfRunId: options.retryOfRunId,
    });
    const ec: EntityContext = { deps, conn, entity, client, set, run, filters: conn.filters[entity], country, customFields, options };
    try {
      if (options.retryOfRunId) await retryFailedRecords(ec, options.retryOfRunId);
      else {
        if (pulls(conn)) {
          await pullEntity(ec);
          await pullDeletes(ec);
        }
        if (pushes(conn, options.trigger)) await pushEntity(ec);
      }
      const status = run.totals.failed > 0 ? 'partial' : 'succeeded';
      await run.finish(deps.db, deps.sql, status, client.calls ?? 0);
      runs.push({ runId: run.id, entity, status, counts: { ...run.totals }, error: null });
      log(`[sync ${conn.id}] ${entity}: ${status} ${JSON.stringify(run.totals)}`);
    } catch (error) {
      const budget = error instanceof ApiBudgetExhausted;
      await run.finish(deps.db, deps.sql, budget ? 'partial' : 'failed', client.calls ?? 0, messageOf(error));
      runs.push({ runId: run.id, entity, status: budget ? 'partial' : 'failed', counts: { ...run.totals }, error: messageOf(error) });
      log(`[sync ${conn.id}] ${entity}: failed: ${messageOf(error)}`);
      // no retry loop for these: a person must re-authorize, or tomorrow's budget comes
      if (error instanceof ReauthorizationNeeded || budget) break;
      stop = error;
      break;
    }
  }
  await client.flushUsage?.(deps.db);
  const [after] = await deps.db.select({ status: connections.status }).from(connections).where(eq(connections.id, conn.id));
  if (after?.status === 'connected') {
    const [org] = await deps.db
      .select({ timezone: organizations.timezone, hour: organizations.dayBoundaryHour })
      .from(organizations)
      .where(eq(organizations.id, conn.organizationId));
    await deps.db
      .update(connections)
      .set({ lastSyncAt: new Date(), nextSyncAt: nextSyncAt(conn.frequency, new Date(), org?.timezone ?? 'UTC', org?.hour ?? 0) })
      .where(eq(connections.id, conn.id));
  }
  if (stop) throw stop; // transient failure: pg-boss retries with back-off and the run resumes from the cursors
  return { status: 'done', runs };
}

// ---------------------------------------------------------------- pull

const cursorAfter = (a: PullCursor | null, b: PullCursor | null): boolean => {
  if (!b?.modifiedAt) return false;
  if (!a?.modifiedAt) return true;
  const ta = Date.parse(a.modifiedAt);
  const tb = Date.parse(b.modifiedAt);
  return tb > ta || (tb === ta && (b.id ?? '') > (a.id ?? ''));
};

async function pullEntity(ec: EntityContext): Promise<void> {
  const { deps, conn, entity, client, set, options } = ec;
  const saved = await readCursor<PullCursor>(deps.db, conn.id, entity, 'pull');
  const overlap = options.overlapMs ?? DEFAULT_OVERLAP_MS;
  let cursor: PullCursor | null = saved?.modifiedAt ? { modifiedAt: new Date(Date.parse(saved.modifiedAt) - overlap).toISOString(), id: null } : null;
  let best = saved;
  let seen = 0;
  // The run's expected total, for the progress bar: records read before a page plus the CRM's
  // count from that page on (a count comes with HubSpot's every search and with the first
  // Salesforce page), else the last estimate; exactly what was read once the pull ends.
  const before = ec.run.totals.processed; // nothing yet: the pull is a run's first phase
  let expected: number | undefined;
  // Pages are fetched one after another (each needs the previous cursor) while earlier ones
  // are still being written: up to PULL_AHEAD pages in flight, written strictly in order (a
  // page is only written after the one before it committed), so the wall time tends to the
  // larger of the provider's time and ours rather than their sum.
  const writing: Promise<void>[] = [];
  for (let guard = 0; guard < 1_000_000; guard++) {
    const page = await client.pullChanges(entity, cursor, { fields: set.remoteFields, pageSize: options.pullPageSize, withTotal: guard === 0 });
    if (page.total !== undefined) expected = seen + page.total;
    seen += page.records.length;
    const next = cursorAfter(best, page.cursor) ? page.cursor : null;
    if (next) best = next;
    const last = !page.hasMore || !page.cursor || (cursor !== null && page.cursor.modifiedAt === cursor.modifiedAt && page.cursor.id === cursor.id);
    if (last) expected = seen;
    else if (expected !== undefined) expected = Math.max(expected, seen);
    const seenSoFar = seen;
    const total = expected === undefined ? undefined : before + expected;
    const previous = writing.at(-1) ?? Promise.resolve();
    const write = previous.then(async () => {
      if (page.records.length || next) await applyRemoteRecords(ec, page.records, { cursor: next, phase: 'pull', seen: seenSoFar, total });
      if (options.afterPage) await options.afterPage({ entity, phase: 'pull', page: ec.run.pages });
    });
    write.catch(() => {}); // surfaced below, in order
    writing.push(write);
    if (writing.length >= PULL_AHEAD) await writing.shift();
    if (last) break;
    cursor = page.cursor;
  }
  for (const write of writing) await write;
}

/**
 * Pages of a pull in flight at once (one being written, the rest fetched ahead). Deep enough
 * to ride out a slow commit (a GIN pending-list merge, a busy machine) without stalling the
 * paced fetches: measured at 40,000 HubSpot contacts on a loaded machine, 3 left the pull
 * 6 s behind its provider time in one run of two, 8 matched it in both. A killed worker
 * re-fetches at most these pages.
 */
const PULL_AHEAD = 8;

interface ApplyOptions {
  /** The cursor to store with this page (null: leave it). */
  cursor: PullCursor | null;
  phase: 'pull' | 'retry';
  seen: number;
  /** The run's expected total with this page (undefined: the run's current expectation). */
  total?: number;
  /** Retried errors to mark in the same transaction. */
  retriedErrorIds?: string[];
}

/** One page of CRM records into the app: one transaction. */
async function applyRemoteRecords(ec: EntityContext, records: RemoteRecord[], apply: ApplyOptions): Promise<void> {
  const { deps, conn, entity, set, run } = ec;
  const counts = zeroCounts();
  const errors: RecordError[] = [];
  await deps.db.transaction(async (tx) => {
    const byId = new Map(records.map((r) => [r.id, r]));
    const page = [...byId.values()];
    const links = await linksByRemoteIds(tx, conn.id, entity, page.map((r) => r.id));
    const rows = await appRowsByIds(tx, conn.organizationId, entity, [...links.values()].map((l) => l.appId), true);
    const remoteValues = new Map(page.map((r) => [r.id, set.remoteValues(r)]));

    // unlinked records: dedupe candidates among the app's unlinked active records
    const unlinked = page.filter((r) => {
      const link = links.get(r.id);
      return !link || !rows.has(link.appId);
    });
    const probe = (r: RemoteRecord, appField: string) => set.remoteValueOfAppField(remoteValues.get(r.id)!, appField);
    let byEmail = new Map<string, AppRow>();
    let byDomain = new Map<string, AppRow>();
    let byName = new Map<string, AppRow>();
    let takenEmails = new Set<string>();
    // records we created whose link a crash lost carry their app id: they find their app record first
    const byAppId = await unlinkedByIds(tx, conn.organizationId, conn.id, entity, unlinked.map((r) => r.appId ?? '').filter(Boolean));
    if (unlinked.length) {
      if (entity === 'contact') {
        const emails = unlinked.map((r) => probe(r, 'email')?.trim().toLowerCase()).filter((e): e is string => !!e);
        byEmail = await unlinkedContactsByEmail(tx, conn.organizationId, conn.id, emails);
        if (emails.length) {
          const taken = await tx
            .select({ email: sql<string>`lower(${contacts.email})` })
            .from(contacts)
            .where(and(eq(contacts.organizationId, conn.organizationId), isNull(contacts.deletedAt), inArray(sql`lower(${contacts.email})`, emails)));
          takenEmails = new Set(taken.map((t) => t.email));
        }
      } else {
        const found = await unlinkedAccounts(tx, conn.organizationId, conn.id, {
          domains: unlinked.map((r) => probe(r, 'domain')?.toLowerCase()).filter((d): d is string => !!d),
          names: unlinked.map((r) => normalizedName(probe(r, 'name'))).filter((n): n is string => !!n),
        });
        byDomain = found.byDomain;
        byName = found.byName;
      }
    }

    // the contact ↔ account association: CRM account ids ↔ app account ids through account links
    const accountMaps =
      entity === 'contact' && set.withAccount
        ? await accountLinkMaps(tx, conn.id, {
            remoteIds: page.map((r) => r.accountId).filter((id): id is string => !!id),
            appIds: [...rows.values(), ...byEmail.values()].map((r) => ('accountId' in r ? r.accountId : null)).filter((id): id is string => !!id),
          })
        : null;
    const accountRemoteIdOf = (row: AppRow): string | null | undefined => {
      if (!accountMaps || !('accountId' in row)) return undefined;
      if (!row.accountId) return null;
      return accountMaps.byApp.get(row.accountId); // undefined: its account is not linked, leave the association alone
    };

    const { parked, ignored } = await conflictStateOf(tx, [...links.values()].map((l) => l.id));
    const claimed = new Set<string>();
    const creates: { record: RemoteRecord; values: Values; create: NewAppRecord }[] = [];
    const newEmails = new Set<string>();
    const linkStamps: LinkStamp[] = [];
    const newLinks: (typeof recordLinks.$inferInsert)[] = [];
    const linkedConflicts: (() => Promise<number>)[] = [];
    const merges: { record: RemoteRecord; current: AppRow; link: RecordLink | null; merged: MergeOutcome; base: Values; prepared: PreparedWrite }[] = [];

    for (const record of page) {
      counts.processed += 1;
      const remote = remoteValues.get(record.id)!;
      if (!passesFilters(ec.filters, (f) => set.remoteValueOfAppField(remote, f))) {
        counts.skipped += 1;
        continue;
      }
      let link: RecordLink | undefined = links.get(record.id);
      let row = link ? rows.get(link.appId) : undefined;
      if (link && !row) {
        // the app record is gone for good (hard delete): the CRM record starts over as unlinked
        await tx.delete(recordLinks).where(eq(recordLinks.id, link.id));
        link = undefined;
      }
      if (link && row && !isLive(row)) {
        // deleted in the app: the push side propagates it or keeps the link as a tombstone
        counts.skipped += 1;
        continue;
      }
      if (!link) {
        const own = record.appId ? byAppId.get(record.appId) : undefined;
        const match = own && !claimed.has(own.id) ? own : findAppMatch(entity, remote, set, { byEmail, byDomain, byName }, claimed);
        if (match) {
          row = match;
        } else if (!ec.conn.createMissing) {
          counts.skipped += 1;
          continue;
        } else {
          const email = entity === 'contact' ? set.remoteValueOfAppField(remote, 'email')?.trim().toLowerCase() : null;
          if (email && (takenEmails.has(email) || newEmails.has(email))) {
            counts.failed += 1;
            errors.push({ side: 'pull', remoteId: record.id, message: `Another contact with the e-mail ${email} is already linked to a different CRM record.`, retryable: false });
            continue;
          }
          const values = set.appPatch(remote);
          const built = buildAppWrite(values, ec);
          if (!built.ok) {
            counts.failed += 1;
            errors.push({ side: 'pull', remoteId: record.id, message: built.message, retryable: false });
            continue;
          }
          if (entity === 'account' && !built.write.columns.name) {
            counts.failed += 1;
            errors.push({ side: 'pull', remoteId: record.id, message: 'The CRM account has no name; an app account needs one.', retryable: false });
            continue;
          }
          if (email) newEmails.add(email);
          const accountId = entity === 'contact' && accountMaps ? (record.accountId ? (accountMaps.byRemote.get(record.accountId) ?? null) : null) : undefined;
          creates.push({ record, values: remote, create: { write: built.write, accountId } });
          continue;
        }
      }
      claimed.add(row!.id);
      const current = row!;
      const app = set.appValues(current, accountRemoteIdOf(current));
      const linkId = link?.id ?? null;
      const merged = mergeRecord({
        fields: set.fields,
        app,
        remote,
        base: link?.base ?? {},
        strategy: conn.conflictStrategy,
        appModifiedAt: current.updatedAt.getTime(),
        remoteModifiedAt: Date.parse(record.modifiedAt) || 0,
        parked: linkId ? parked.get(linkId) : undefined,
        ignored: linkId ? ignored.get(linkId) : undefined,
      });
      // in the pull phase the CRM is not written: fields the CRM must take keep the CRM's
      // value as base, so the push phase sees "changed in the app only" and sends them
      const base: Values = { ...merged.base };
      for (const key of Object.keys(merged.toRemote)) base[key] = remote[key] ?? null;
      const prepared = prepareAppWrite(ec, merged.toApp, base, link?.base ?? {}, accountMaps?.byRemote ?? null);
      merges.push({ record, current, link: link ?? null, merged, base, prepared });
    }
    // the app side of the page's merges, sent together (applyPrepared); then links (one
    // statement each way), then conflicts, which point at the links
    const outcomes = await applyPrepared(tx, ec, merges.map((m) => ({ row: m.current, prepared: m.prepared })));
    merges.forEach(({ record, current, link, merged, base }, k) => {
      const outcome = outcomes[k]!;
      if (!outcome.ok) {
        counts.failed += 1;
        errors.push({ side: 'pull', appId: current.id, remoteId: record.id, message: outcome.message, retryable: outcome.retryable });
        return;
      }
      if (outcome.updated) counts.updated += 1;
      const after = outcome.row ?? current;
      const stamp = { base, remoteModifiedAt: new Date(Date.parse(record.modifiedAt) || Date.now()), appModifiedAt: after.updatedAt, appChangeSeq: after.changeSeq, lastSyncedAt: new Date() };
      const savedLinkId = link?.id ?? randomUUID();
      if (link) linkStamps.push({ id: link.id, ...stamp });
      else newLinks.push({ id: savedLinkId, organizationId: conn.organizationId, connectionId: conn.id, entity, appId: current.id, remoteId: record.id, ...stamp });
      const parkedHere = link ? parked.get(link.id) : undefined;
      linkedConflicts.push(() => recordConflicts(tx, ec, savedLinkId, current.id, record.id, merged, parkedHere));
    });
    if (newLinks.length) await tx.insert(recordLinks).values(newLinks);
    await updateLinkStamps(tx, linkStamps);
    for (const record of linkedConflicts) counts.conflicts += await record();

    // new app records, in one insert
    if (creates.length) {
      const results = await insertEach(tx, conn.organizationId, entity, creates.map((c) => c.create));
      const inserted: { row: AppRow; c: (typeof creates)[number] }[] = [];
      results.forEach((r, i) => {
        if (r.ok) inserted.push({ row: r.row, c: creates[i]! });
        else {
          counts.failed += 1;
          errors.push({ side: 'pull', remoteId: creates[i]!.record.id, message: r.message, retryable: true });
        }
      });
      const linkRows = inserted.map(({ row, c }) => {
        const app = set.appValues(row, entity === 'contact' && set.withAccount ? (c.record.accountId ?? null) : undefined);
        const base: Values = {};
        for (const f of set.fields) {
          const m = set.mappings.find((x) => x.key === f.key);
          const pullsField = f.key === ACCOUNT_KEY ? true : m?.direction === 'both' || m?.direction === 'pull';
          base[f.key] = pullsField ? (c.values[f.key] ?? null) : (app[f.key] ?? null);
        }
        if (entity === 'contact' && set.withAccount && c.record.accountId && c.create.accountId === null) base[ACCOUNT_KEY] = null; // its account is not linked yet
        return {
          organizationId: conn.organizationId,
          connectionId: conn.id,
          entity,
          appId: row.id,
          remoteId: c.record.id,
          base,
          remoteModifiedAt: new Date(Date.parse(c.record.modifiedAt) || Date.now()),
          appModifiedAt: row.updatedAt,
          appChangeSeq: row.changeSeq,
        };
      });
      if (linkRows.length) await tx.insert(recordLinks).values(linkRows);
      counts.created += inserted.length;
    }

    if (apply.retriedErrorIds?.length) await tx.update(syncRunErrors).set({ retriedAt: new Date() }).where(inArray(syncRunErrors.id, apply.retriedErrorIds));
    if (apply.cursor) await writeCursor(tx, conn.id, entity, 'pull', apply.cursor);
    await run.recordPage(tx, counts, errors, { phase: 'pull', seen: apply.seen, total: apply.total });
    await ec.client.flushUsage?.(tx);
  });
  await run.committed(deps.sql, counts, ec.client.calls ?? 0);
}

function findAppMatch(
  entity: SyncEntity,
  remote: Values,
  set: MappingSet,
  maps: { byEmail: Map<string, AppRow>; byDomain: Map<string, AppRow>; byName: Map<string, AppRow> },
  claimed: Set<string>,
): AppRow | null {
  const pick = (row: AppRow | undefined) => (row && !claimed.has(row.id) ? row : null);
  if (entity === 'contact') {
    const email = set.remoteValueOfAppField(remote, 'email')?.trim().toLowerCase();
    return email ? pick(maps.byEmail.get(email)) : null;
  }
  const domain = set.remoteValueOfAppField(remote, 'domain')?.toLowerCase();
  const byDomain = domain ? pick(maps.byDomain.get(domain)) : null;
  if (byDomain) return byDomain;
  const name = normalizedName(set.remoteValueOfAppField(remote, 'name'));
  return name ? pick(maps.byName.get(name)) : null;
}

/**
 * Applies merge results to an app row. A CRM value the app cannot take (an invalid custom
 * value) fails the record; an association to a CRM account that is not linked is left
 * out (and its base kept) until the account is.
 */
type AppOutcome = { ok: true; updated: boolean; row: AppRow | null } | { ok: false; message: string; retryable: boolean };
type PreparedWrite = { ok: true; write: AppWrite | null; accountId?: string | null } | { ok: false; message: string; retryable: false };

/** The app-side update a merge asks for (null: nothing to write), or why the app cannot take it. */
function prepareAppWrite(ec: EntityContext, toApp: Values, base: Values, oldBase: Record<string, string | null>, accountByRemote: Map<string, string> | null): PreparedWrite {
  if (!hasValues(toApp)) return { ok: true, write: null };
  let accountId: string | null | undefined;
  if (ACCOUNT_KEY in toApp) {
    const remoteAccount = toApp[ACCOUNT_KEY];
    if (remoteAccount === null) accountId = null;
    else {
      accountId = accountByRemote?.get(remoteAccount ?? '');
      if (accountId === undefined) base[ACCOUNT_KEY] = oldBase[ACCOUNT_KEY] ?? null;
    }
  }
  const built = buildAppWrite(ec.set.appPatch(toApp), ec);
  if (!built.ok) return { ...built, retryable: false };
  return { ok: true, write: built.write, accountId };
}

async function applyToApp(
  tx: Executor,
  ec: EntityContext,
  row: AppRow,
  toApp: Values,
  base: Values,
  oldBase: Record<string, string | null>,
  accountByRemote: Map<string, string> | null,
): Promise<AppOutcome> {
  const [outcome] = await applyPrepared(tx, ec, [{ row, prepared: prepareAppWrite(ec, toApp, base, oldBase, accountByRemote) }]);
  return outcome!;
}

/**
 * Prepared app updates, in order. Several are sent at once inside one savepoint (the
 * driver pipelines them: one round trip instead of three per record); when the app
 * refuses any (a taken e-mail), that savepoint is rolled back and each goes again in its
 * own savepoint, so only the refused ones fail, not their page.
 */
async function applyPrepared(tx: Executor, ec: EntityContext, items: { row: AppRow; prepared: PreparedWrite }[]): Promise<AppOutcome[]> {
  const out: (AppOutcome | undefined)[] = items.map(({ prepared }) => (!prepared.ok ? prepared : prepared.write === null ? { ok: true, updated: false, row: null } : undefined));
  const todo: { i: number; row: AppRow; write: AppWrite; accountId?: string | null }[] = [];
  items.forEach(({ row, prepared }, i) => {
    if (prepared.ok && prepared.write) todo.push({ i, row, write: prepared.write, accountId: prepared.accountId });
  });
  const done = (i: number, row: AppRow, after: AppRow | null) => (out[i] = { ok: true, updated: !!after && after.changeSeq !== row.changeSeq, row: after });
  let together = false;
  if (todo.length > 1) {
    try {
      const afters = await tx.transaction(async (sp) => {
        const settled = await Promise.allSettled(todo.map((t) => updateAppRow(sp, ec.entity, t.row, t.write, t.accountId)));
        const refused = settled.find((r) => r.status === 'rejected');
        if (refused) throw refused.reason;
        return settled.map((r) => (r as PromiseFulfilledResult<AppRow | null>).value);
      });
      todo.forEach((t, k) => done(t.i, t.row, afters[k] ?? null));
      together = true;
    } catch {
      // one by one below
    }
  }
  if (!together) {
    for (const t of todo) {
      try {
        // a savepoint: one record the app refuses (a taken e-mail) fails alone, not its page
        const after = await tx.transaction((sp) => updateAppRow(sp, ec.entity, t.row, t.write, t.accountId));
        done(t.i, t.row, after);
      } catch (error) {
        // the value may be free later (the other record changes): worth a retry
        out[t.i] = { ok: false, message: databaseRefusal(error), retryable: true };
      }
    }
  }
  return out as AppOutcome[];
}

/** A database refusal in words for the run's error list (never the SQL or its parameters). */
function databaseRefusal(error: unknown): string {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === '23505') return 'Another app record already holds this value (for contacts: the same e-mail).';
    if (e.code === '23503') return 'The record points at an app record that no longer exists.';
  }
  return 'The app refused this record.';
}

/** Inserts new app records in one statement; when that fails, one by one so only the refused ones fail. */
async function insertEach(tx: Executor, organizationId: string, entity: SyncEntity, records: NewAppRecord[]): Promise<({ ok: true; row: AppRow } | { ok: false; message: string })[]> {
  try {
    const rows = await tx.transaction((sp) => insertAppRows(sp, organizationId, entity, records));
    return rows.map((row) => ({ ok: true as const, row }));
  } catch {
    const out: ({ ok: true; row: AppRow } | { ok: false; message: string })[] = [];
    for (const record of records) {
      try {
        const [row] = await tx.transaction((sp) => insertAppRows(sp, organizationId, entity, [record]));
        out.push({ ok: true, row: row! });
      } catch (error) {
        out.push({ ok: false, message: databaseRefusal(error) });
      }
    }
    return out;
  }
}

/** Parks manual-review conflicts, refreshes still-open ones, closes converged ones; returns how many both-sided changes were met. */
async function recordConflicts(
  tx: Executor,
  ec: EntityContext,
  linkId: string,
  appId: string,
  remoteId: string,
  merged: MergeOutcome,
  alreadyParked: ReadonlySet<string> | undefined,
): Promise<number> {
  const { conn, entity, set } = ec;
  for (const c of merged.conflicts) {
    const [appField, remoteField] = c.key === ACCOUNT_KEY ? ['accountId', 'accountId'] : [set.appFieldOf(c.key) ?? c.key, c.key.split('>')[1] ?? c.key];
    await tx
      .insert(syncConflicts)
      .values({ organizationId: conn.organizationId, connectionId: conn.id, recordLinkId: linkId, entity, appId, remoteId, field: c.key, appField, remoteField, appValue: c.app, remoteValue: c.remote, baseValue: c.base })
      .onConflictDoUpdate({
        target: [syncConflicts.recordLinkId, syncConflicts.field],
        targetWhere: sql`${syncConflicts.status} = 'open'`,
        set: { appValue: c.app, remoteValue: c.remote, updatedAt: new Date() },
      });
  }
  if (merged.converged.length) {
    await tx
      .update(syncConflicts)
      .set({ status: 'resolved', resolution: { choice: 'converged', value: null }, resolvedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(syncConflicts.recordLinkId, linkId), eq(syncConflicts.status, 'open'), inArray(syncConflicts.field, merged.converged)));
  }
  return merged.settled.length + merged.conflicts.filter((c) => !alreadyParked?.has(c.key)).length;
}

// ---------------------------------------------------------------- deletes

interface DeletesCursor {
  since: string;
}

async function pullDeletes(ec: EntityContext): Promise<void> {
  const { deps, conn, entity, client, run, options } = ec;
  const saved = await readCursor<DeletesCursor>(deps.db, conn.id, entity, 'deletes');
  const since = saved?.since ?? (conn.connectedAt ?? conn.createdAt).toISOString();
  const askedAt = new Date();
  const overlap = options.overlapMs ?? DEFAULT_OVERLAP_MS;
  const deleted = await client.pullDeleted(entity, new Date(Date.parse(since) - overlap).toISOString());
  const ids = [...new Set(deleted.map((d) => d.id))];
  for (let i = 0; i === 0 || i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const counts = zeroCounts();
    const last = i + 500 >= ids.length;
    await deps.db.transaction(async (tx) => {
      const links = await linksByRemoteIds(tx, conn.id, entity, part);
      const appIds = [...links.values()].map((l) => l.appId);
      counts.processed += links.size;
      // every id still to look at may be ours (an upper bound, exact at the last part)
      run.expect(run.totals.processed + links.size + ids.length - i - part.length);
      if (conn.propagateDeletes) counts.deleted += await softDeleteAppRows(tx, conn.organizationId, entity, appIds);
      if (links.size) await tx.delete(recordLinks).where(inArray(recordLinks.id, [...links.values()].map((l) => l.id)));
      if (last) await writeCursor(tx, conn.id, entity, 'deletes', { since: askedAt.toISOString() } satisfies DeletesCursor);
      await run.recordPage(tx, counts, [], { phase: 'deletes', seen: part.length });
      await client.flushUsage?.(tx);
    });
    await run.committed(deps.sql, counts, client.calls ?? 0);
    options.afterPage && (await options.afterPage({ entity, phase: 'deletes', page: run.pages }));
  }
}

// ---------------------------------------------------------------- push

interface PushCursor {
  seq: number;
}

async function pushEntity(ec: EntityContext): Promise<void> {
  const { deps, conn, entity, options } = ec;
  const fence = await pushFence(deps.db, conn.organizationId);
  if (fence === null) {
    (options.log ?? (() => {}))(`[sync ${conn.id}] ${entity}: push deferred (CRM writes in flight)`);
    return;
  }
  const table = appTable(entity);
  const saved = await readCursor<PushCursor>(deps.db, conn.id, entity, 'push');
  let after = saved?.seq ?? 0;
  let seen = 0;
  // the rows waiting, for the progress bar: a count bounded by PUSH_COUNT_CAP (an index range
  // on (organization_id, change_seq)); above it the total stays unknown
  const waiting = deps.db
    .select({ one: sql`1`.as('one') })
    .from(table)
    .where(and(eq(table.organizationId, conn.organizationId), gt(table.changeSeq, after), lte(table.changeSeq, fence)))
    .limit(PUSH_COUNT_CAP + 1)
    .as('waiting');
  const [pending] = await deps.db.select({ n: sql<number>`count(*)::int` }).from(waiting);
  const pendingRows = Number(pending?.n ?? 0);
  ec.run.expect(pendingRows <= PUSH_COUNT_CAP ? ec.run.totals.processed + pendingRows : undefined);
  // Pages with nothing to send or settle (typically the rows our own pull just wrote) commit
  // no transaction of their own: their counts and cursor ride with the next page that does,
  // or with a small commit every IDLE_PAGES_PER_COMMIT pages and at the end. A worker killed
  // in between re-reads those rows and skips them again.
  let carry: IdleCarry | null = null;
  const pageSize = options.pushPageSize ?? ec.client.pushPageSize ?? 200; // Salesforce with Bulk: pages big enough for a job
  // rows and their links are read several pages at a time; each page is then pushed on its own
  const readSize = Math.max(pageSize, PUSH_READ_ROWS);
  for (;;) {
    const batch = (await deps.db
      .select()
      .from(table)
      .where(and(eq(table.organizationId, conn.organizationId), gt(table.changeSeq, after), lte(table.changeSeq, fence)))
      .orderBy(asc(table.changeSeq))
      .limit(readSize)) as AppRow[];
    if (batch.length === 0) break;
    const links = await linksByAppIds(deps.db, conn.id, entity, batch.map((r) => r.id));
    for (let i = 0; i < batch.length; i += pageSize) {
      const rows = batch.slice(i, i + pageSize);
      seen += rows.length;
      after = rows[rows.length - 1]!.changeSeq;
      carry = await pushAppRows(ec, rows, { cursorSeq: after, seen, carry, deferIdle: true, links });
      if (carry && carry.pages >= IDLE_PAGES_PER_COMMIT) carry = await commitIdle(ec, carry);
      if (!carry && options.afterPage) await options.afterPage({ entity, phase: 'push', page: ec.run.pages });
    }
    if (batch.length < readSize) break;
  }
  if (carry) {
    await commitIdle(ec, carry);
    if (options.afterPage) await options.afterPage({ entity, phase: 'push', page: ec.run.pages });
  }
}

/** Idle push pages read but not yet committed (their counts and the cursor after them). */
interface IdleCarry {
  counts: RunCounts;
  cursorSeq: number | null;
  seen: number;
  pages: number;
}

const IDLE_PAGES_PER_COMMIT = 25;
const PUSH_READ_ROWS = 1000;
/** Waiting rows counted at most, per push (beyond: the progress total is unknown). */
const PUSH_COUNT_CAP = 100_000;

/** Commits idle pages' cursor and counts on their own. */
async function commitIdle(ec: EntityContext, carry: IdleCarry): Promise<null> {
  const { deps, conn, entity, run, client } = ec;
  await deps.db.transaction(async (tx) => {
    if (carry.cursorSeq !== null) await writeCursor(tx, conn.id, entity, 'push', { seq: carry.cursorSeq } satisfies PushCursor);
    await run.recordPage(tx, carry.counts, [], { phase: 'push', seen: carry.seen });
    await client.flushUsage?.(tx);
  });
  await run.committed(deps.sql, carry.counts, client.calls ?? 0);
  return null;
}

interface PushOptions {
  cursorSeq: number | null;
  seen: number;
  retriedErrorIds?: string[];
  /** Earlier idle pages to commit with this one. */
  carry?: IdleCarry | null;
  /** When this page turns out idle, return it as carry instead of committing it. */
  deferIdle?: boolean;
  /** The rows' links, when already read (by app id; a row without one is unlinked). */
  links?: Map<string, RecordLink>;
}

interface PlannedWrite {
  row: AppRow;
  link: RecordLink | null;
  input: WriteInput;
  /** The base once the write succeeds. */
  base: Values;
  toApp: Values;
  merged: MergeOutcome | null;
  remote: RemoteRecord | null;
}

const dedupeKeyOf = (entity: SyncEntity, row: AppRow): string | null => {
  const value = entity === 'contact' ? (row as { email: string | null }).email : (row as { domain: string | null }).domain;
  return value?.trim().toLowerCase() || null;
};

/**
 * One page of app rows out to the CRM: remote calls first, then one transaction. Returns the
 * carry when the page was idle and `deferIdle` asked to defer it, else null (committed).
 */
async function pushAppRows(ec: EntityContext, rows: AppRow[], push: PushOptions): Promise<IdleCarry | null> {
  const { deps, conn, entity, client, set, run } = ec;
  const counts = zeroCounts();
  const errors: RecordError[] = [];
  const links = push.links ?? (await linksByAppIds(deps.db, conn.id, entity, rows.map((r) => r.id)));
  const accountMaps =
    entity === 'contact' && set.withAccount
      ? await accountLinkMaps(deps.db, conn.id, { remoteIds: [], appIds: rows.map((r) => ('accountId' in r ? r.accountId : null)).filter((id): id is string => !!id) })
      : null;
  const accountRemoteIdOf = (row: AppRow): string | null | undefined => {
    if (!accountMaps || !('accountId' in row)) return undefined;
    return row.accountId ? accountMaps.byApp.get(row.accountId) : null;
  };
  const pushable = set.fields.filter((f) => f.direction === 'both' || f.direction === 'push').map((f) => f.key);
  const bidirectional = conn.direction === 'bidirectional';

  const removals: { row: AppRow; link: RecordLink }[] = [];
  const linked: { row: AppRow; link: RecordLink; app: Values }[] = [];
  const unlinked: { row: AppRow; app: Values }[] = [];
  for (const row of rows) {
    counts.processed += 1;
    const link = links.get(row.id) ?? null;
    if (!isLive(row)) {
      // deleted (or merged away) in the app: delete in the CRM when the connection says so,
      // else keep the link as a tombstone so the CRM record is not imported again
      if (link && conn.propagateDeletes && row.mergedIntoId === null) removals.push({ row, link });
      else counts.skipped += 1;
      continue;
    }
    const app = set.appValues(row, accountRemoteIdOf(row));
    if (!passesFilters(ec.filters, (f) => set.appValueOfAppField(app, f))) {
      counts.skipped += 1;
      continue;
    }
    if (link) {
      // nothing the CRM takes differs from the base: nothing to send, nothing to fetch (our own pulls land here)
      if (pushable.every((k) => !(k in app) || (app[k] ?? null) === (link.base[k] ?? null))) {
        counts.skipped += 1;
        continue;
      }
      linked.push({ row, link, app });
    } else if (conn.createMissing) unlinked.push({ row, app });
    else counts.skipped += 1;
  }
  const carried = push.carry;
  if (carried) for (const key of Object.keys(counts) as (keyof RunCounts)[]) counts[key] += carried.counts[key];
  if (push.deferIdle && removals.length === 0 && linked.length === 0 && unlinked.length === 0 && !push.retriedErrorIds?.length) {
    return { counts, cursorSeq: push.cursorSeq, seen: push.seen, pages: (carried?.pages ?? 0) + 1 };
  }

  // the CRM side of linked records (bidirectional: their current values take part in the merge)
  const remoteById = new Map<string, RemoteRecord>();
  if (bidirectional && linked.length) {
    for (const r of await client.fetchByIds(entity, linked.map((l) => l.link.remoteId), set.remoteFields)) remoteById.set(r.id, r);
  }
  // unlinked app records: look for their CRM twin by dedupe key before creating anything
  const keys = [...new Set(unlinked.map((u) => dedupeKeyOf(entity, u.row)).filter((k): k is string => !!k))];
  const found = await client.findByDedupeKeys(entity, keys, set.remoteFields);
  const takenRemote = await linksByRemoteIds(deps.db, conn.id, entity, [...found.values()].map((r) => r.id));

  const plans: PlannedWrite[] = [];
  const quiet: { row: AppRow; link: RecordLink | null; remote: RemoteRecord; merged: MergeOutcome }[] = [];
  const linkIds = linked.map((l) => l.link.id);
  const { parked, ignored } = await conflictStateOf(deps.db, linkIds);
  const merge = (row: AppRow, app: Values, remote: Values, base: Record<string, string | null>, remoteAt: number, linkId: string | null) =>
    mergeRecord({
      fields: set.fields,
      app,
      remote,
      base,
      strategy: conn.conflictStrategy,
      appModifiedAt: row.updatedAt.getTime(),
      remoteModifiedAt: remoteAt,
      parked: linkId ? parked.get(linkId) : undefined,
      ignored: linkId ? ignored.get(linkId) : undefined,
    });
  const accountOf = (values: Values): { accountId?: string | null } => (ACCOUNT_KEY in values ? { accountId: values[ACCOUNT_KEY] ?? null } : {});

  for (const { row, link, app } of linked) {
    let remoteRecord: RemoteRecord | null = null;
    let remote: Values;
    if (bidirectional) {
      remoteRecord = remoteById.get(link.remoteId) ?? null;
      if (!remoteRecord) {
        counts.failed += 1;
        errors.push({ side: 'push', appId: row.id, remoteId: link.remoteId, message: 'The linked CRM record was not found (deleted in the CRM, or not visible to the connected user).', retryable: true });
        continue;
      }
      remote = set.remoteValues(remoteRecord);
    } else remote = Object.fromEntries(set.fields.map((f) => [f.key, link.base[f.key] ?? null])); // push-only: the CRM side counts as unchanged
    const merged = merge(row, app, remote, link.base, remoteRecord ? Date.parse(remoteRecord.modifiedAt) || 0 : 0, link.id);
    if (!hasValues(merged.toRemote)) {
      if (remoteRecord) quiet.push({ row, link, remote: remoteRecord, merged });
      else counts.skipped += 1;
      continue;
    }
    plans.push({ row, link, input: { id: link.remoteId, fields: set.remotePatch(merged.toRemote), ...accountOf(merged.toRemote) }, base: merged.base, toApp: merged.toApp, merged, remote: remoteRecord });
  }

  const usedKeys = new Set<string>();
  for (const { row, app } of unlinked) {
    const key = dedupeKeyOf(entity, row);
    const twin = key ? found.get(key) : undefined;
    if (twin && !takenRemote.has(twin.id) && !usedKeys.has(twin.id)) {
      usedKeys.add(twin.id);
      const remote = set.remoteValues(twin);
      const merged = merge(row, app, remote, {}, Date.parse(twin.modifiedAt) || 0, null);
      if (!hasValues(merged.toRemote)) {
        quiet.push({ row, link: null, remote: twin, merged });
        continue;
      }
      plans.push({ row, link: null, input: { id: twin.id, fields: set.remotePatch(merged.toRemote), ...accountOf(merged.toRemote) }, base: merged.base, toApp: merged.toApp, merged, remote: twin });
      continue;
    }
    // the CRM record with this key belongs to another app record: creating would upsert onto it
    // (the providers upsert by e-mail/domain), so this one waits for a person (merge the two, or change the key)
    if (key && (twin || usedKeys.has(`key:${key}`))) {
      counts.failed += 1;
      const what = entity === 'contact' ? 'e-mail' : 'domain';
      errors.push({ side: 'push', appId: row.id, remoteId: twin?.id ?? null, message: `Another app ${entity} with the ${what} ${key} is already linked to the CRM record with that ${what}.`, retryable: false });
      continue;
    }
    // a create; the dedupe key (else the app id) makes a retried create an upsert
    const sendable: Values = {};
    for (const k of pushable) if (k in app) sendable[k] = app[k] ?? null;
    const base: Values = {};
    for (const f of set.fields) base[f.key] = pushable.includes(f.key) ? (app[f.key] ?? null) : null;
    if (key) usedKeys.add(`key:${key}`);
    plans.push({ row, link: null, input: { ...(key ? { dedupeKey: key } : {}), appId: row.id, fields: set.remotePatch(sendable), ...accountOf(sendable) }, base, toApp: {}, merged: null, remote: null });
  }

  const results = plans.length ? await client.write(entity, plans.map((p) => p.input)) : [];
  const removed = removals.length ? await client.remove(entity, removals.map((r) => r.link.remoteId)) : [];

  await deps.db.transaction(async (tx) => {
    // rows a person changed while we were talking to the CRM keep their new values: only the
    // base of what we wrote moves; the rest is merged again on the next run (their change_seq is past the fence)
    const touched = [...plans.map((p) => p.row), ...quiet.map((q) => q.row)];
    const current = await appRowsByIds(tx, conn.organizationId, entity, touched.map((r) => r.id), true);
    const accountByRemote =
      entity === 'contact' && set.withAccount
        ? (
            await accountLinkMaps(tx, conn.id, {
              remoteIds: [...plans.map((p) => p.remote?.accountId), ...quiet.map((q) => q.remote.accountId)].filter((id): id is string => !!id),
              appIds: [],
            })
          ).byRemote
        : null;
    // existing links' stamps are written together at the end of the page (one statement)
    const linkStamps: LinkStamp[] = [];
    const saveLink = async (row: AppRow, link: RecordLink | null, remoteId: string, base: Values, remoteModifiedAt: string | null, after: AppRow) => {
      const stamp = {
        base,
        remoteModifiedAt: remoteModifiedAt ? new Date(remoteModifiedAt) : new Date(),
        appModifiedAt: after.updatedAt,
        appChangeSeq: after.changeSeq,
        lastSyncedAt: new Date(),
        updatedAt: new Date(),
      };
      if (link) {
        linkStamps.push({ id: link.id, base, remoteModifiedAt: stamp.remoteModifiedAt, appModifiedAt: stamp.appModifiedAt, appChangeSeq: stamp.appChangeSeq, lastSyncedAt: stamp.lastSyncedAt });
        return link.id;
      }
      const [inserted] = await tx
        .insert(recordLinks)
        .values({ organizationId: conn.organizationId, connectionId: conn.id, entity, appId: row.id, remoteId, ...stamp })
        .onConflictDoNothing()
        .returning({ id: recordLinks.id });
      return inserted?.id ?? null;
    };
    const settle = async (row: AppRow, link: RecordLink | null, remoteId: string, base: Values, toApp: Values, merged: MergeOutcome | null, remoteModifiedAt: string | null) => {
      const now = current.get(row.id);
      if (!now) return;
      const moved = now.changeSeq !== row.changeSeq;
      let after = now;
      const finalBase: Values = { ...base };
      if (hasValues(toApp)) {
        if (moved) for (const k of Object.keys(toApp)) finalBase[k] = link?.base[k] ?? null;
        else {
          const outcome = await applyToApp(tx, ec, now, toApp, finalBase, link?.base ?? {}, accountByRemote);
          if (!outcome.ok) {
            counts.failed += 1;
            errors.push({ side: 'push', appId: row.id, remoteId, message: outcome.message, retryable: outcome.retryable });
            for (const k of Object.keys(toApp)) finalBase[k] = link?.base[k] ?? null;
          } else if (outcome.row) {
            after = outcome.row;
            counts.updated += 1;
          }
        }
      }
      const linkId = await saveLink(row, link, remoteId, finalBase, remoteModifiedAt, after);
      if (!linkId) {
        counts.failed += 1;
        errors.push({ side: 'push', appId: row.id, remoteId, message: 'The CRM record is already linked to another app record.', retryable: false });
        return;
      }
      if (merged) counts.conflicts += await recordConflicts(tx, ec, linkId, row.id, remoteId, merged, link ? parked.get(link.id) : undefined);
    };

    for (const q of quiet) await settle(q.row, q.link, q.remote.id, q.merged.base, q.merged.toApp, q.merged, q.remote.modifiedAt);
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      const result = results[i];
      if (!result?.ok) {
        counts.failed += 1;
        errors.push({ side: 'push', appId: plan.row.id, remoteId: plan.link?.remoteId ?? plan.input.id ?? null, message: result?.error ?? 'no result', retryable: result?.retryable ?? true });
        continue;
      }
      if (plan.link || plan.input.id) counts.updated += 1;
      else counts.created += result.created ? 1 : 0;
      if (!plan.link && !plan.input.id && !result.created) counts.updated += 1;
      await settle(plan.row, plan.link, result.id, plan.base, plan.toApp, plan.merged, result.modifiedAt ?? plan.remote?.modifiedAt ?? null);
    }
    for (let i = 0; i < removals.length; i++) {
      const { row, link } = removals[i]!;
      const result = removed[i];
      if (!result?.ok) {
        counts.failed += 1;
        errors.push({ side: 'push', appId: row.id, remoteId: link.remoteId, message: result?.error ?? 'no result', retryable: result?.retryable ?? true });
        continue;
      }
      await tx.delete(recordLinks).where(eq(recordLinks.id, link.id));
      counts.deleted += 1;
    }
    await updateLinkStamps(tx, linkStamps);
    if (push.retriedErrorIds?.length) await tx.update(syncRunErrors).set({ retriedAt: new Date() }).where(inArray(syncRunErrors.id, push.retriedErrorIds));
    if (push.cursorSeq !== null) await writeCursor(tx, conn.id, entity, 'push', { seq: push.cursorSeq } satisfies PushCursor);
    await run.recordPage(tx, counts, errors, { phase: 'push', seen: push.seen });
    await client.flushUsage?.(tx);
  });
  await run.committed(deps.sql, counts, client.calls ?? 0);
  return null;
}

// ---------------------------------------------------------------- retry

/** Re-runs only the retryable failed records of a run: CRM records are fetched again, app rows re-read. */
async function retryFailedRecords(ec: EntityContext, runId: string): Promise<void> {
  const { deps, conn, entity, client, set } = ec;
  const failed = await deps.db
    .select()
    .from(syncRunErrors)
    .where(and(eq(syncRunErrors.runId, runId), eq(syncRunErrors.connectionId, conn.id), eq(syncRunErrors.entity, entity), eq(syncRunErrors.retryable, true), isNull(syncRunErrors.retriedAt)));
  const pullSide = failed.filter((e) => e.side === 'pull' && e.remoteId);
  const pushSide = failed.filter((e) => e.side === 'push' && e.appId);
  ec.run.expect(ec.run.totals.processed + pullSide.length + pushSide.length);
  for (let i = 0; i < pullSide.length; i += 200) {
    const part = pullSide.slice(i, i + 200);
    const records = await client.fetchByIds(entity, part.map((e) => e.remoteId!), set.remoteFields);
    await applyRemoteRecords(ec, records, { cursor: null, phase: 'retry', seen: i + part.length, retriedErrorIds: part.map((e) => e.id) });
  }
  for (let i = 0; i < pushSide.length; i += 200) {
    const part = pushSide.slice(i, i + 200);
    const rows = await appRowsByIds(deps.db, conn.organizationId, entity, part.map((e) => e.appId!));
    await pushAppRows(ec, [...rows.values()], { cursorSeq: null, seen: i + part.length, retriedErrorIds: part.map((e) => e.id) });
  }
}

