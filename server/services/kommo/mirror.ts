import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { connections } from '../../../db/schema';
import { kommoAccounts, kommoContacts, kommoLeads, kommoWebhookEvents, type KommoCatalog } from '../../../db/schema/kommo';
import type { KommoReadClient } from '../../providers/kommo/read';
import { contactChannels, type KommoContact, type KommoLead } from '../../providers/kommo/schemas';
import { publishEvent } from '../../realtime/channel';
import { KOMMO_MIRROR_TOPIC } from '../../shared/kommo';
import { normalizePhone, tenantCountry } from '../crm/phone';
import { KommoError, type KommoDeps } from './deps';
import { openKommoReader, type KommoConnection } from './connection';

/**
 * The inbound mirror (DESIGN §5): `kommo_leads` and `kommo_contacts`, written only from
 * what the READ client returns — a webhook's payload merely says which entity to look
 * at. Upserts keep the newest state: a row is only replaced by one whose Kommo
 * `updated_at` is the same or later, so late or out-of-order jobs cannot roll it back.
 * A lead Kommo no longer returns is marked deleted (never removed: the page can still
 * show it).
 */

const CATALOG_MAX_AGE_MS = 3_600_000;

type Executor = KommoDeps['db'];
const fromUnix = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);
const excluded = (column: string) => sql.raw(`excluded.${column}`);

/** Pipelines, statuses and users, refreshed when stale or when an id is not in it. */
export async function catalogFor(deps: KommoDeps, reader: KommoReadClient, found: KommoConnection, need: { pipelineIds: number[]; statusIds: number[]; userIds: number[] }): Promise<KommoCatalog> {
  const current = found.account.catalog;
  const fresh = current && found.account.catalogFetchedAt && Date.now() - found.account.catalogFetchedAt.getTime() < CATALOG_MAX_AGE_MS;
  const complete =
    current &&
    need.pipelineIds.every((id) => current.pipelines[id] !== undefined) &&
    need.statusIds.every((id) => current.statuses[id] !== undefined) &&
    need.userIds.every((id) => current.users[id] !== undefined);
  // a missing id that is still missing after a fresh fetch does not trigger another one
  if (current && (complete || fresh)) return current;
  const [pipelines, users] = await Promise.all([reader.pipelines(), reader.users()]);
  const catalog: KommoCatalog = { pipelines: {}, statuses: {}, users: {} };
  for (const p of pipelines) {
    catalog.pipelines[p.id] = p.name;
    for (const s of p._embedded?.statuses ?? []) catalog.statuses[s.id] = { name: s.name, pipelineId: p.id };
  }
  for (const u of users) catalog.users[u.id] = u.name;
  await deps.db.update(kommoAccounts).set({ catalog, catalogFetchedAt: new Date() }).where(eq(kommoAccounts.connectionId, found.conn.id));
  found.account.catalog = catalog;
  found.account.catalogFetchedAt = new Date();
  return catalog;
}

async function upsertContacts(db: Executor, found: KommoConnection, country: Parameters<typeof normalizePhone>[1], list: KommoContact[], eventAt: Date | null) {
  if (!list.length) return;
  const rows = list.map((c) => {
    const { phones, emails } = contactChannels(c.custom_fields_values);
    const e164 = phones.map((p) => normalizePhone(p, country)).flatMap((r) => (r.ok && r.value ? [r.value] : []));
    return {
      organizationId: found.account.organizationId,
      connectionId: found.conn.id,
      kommoId: c.id,
      name: c.name || [c.first_name, c.last_name].filter(Boolean).join(' '),
      responsibleUserId: c.responsible_user_id ?? null,
      phones,
      phonesE164: [...new Set(e164)],
      emails: [...new Set(emails.map((e) => e.toLowerCase()))],
      remoteCreatedAt: fromUnix(c.created_at),
      remoteUpdatedAt: fromUnix(c.updated_at),
      isDeleted: c.is_deleted ?? false,
      raw: c as Record<string, unknown>,
      lastEventAt: eventAt,
      fetchedAt: new Date(),
    };
  });
  await db
    .insert(kommoContacts)
    .values(rows)
    .onConflictDoUpdate({
      target: [kommoContacts.connectionId, kommoContacts.kommoId],
      set: {
        name: excluded('name'),
        responsibleUserId: excluded('responsible_user_id'),
        phones: excluded('phones'),
        phonesE164: excluded('phones_e164'),
        emails: excluded('emails'),
        remoteCreatedAt: excluded('remote_created_at'),
        remoteUpdatedAt: excluded('remote_updated_at'),
        isDeleted: excluded('is_deleted'),
        raw: excluded('raw'),
        lastEventAt: sql`coalesce(excluded.last_event_at, ${kommoContacts.lastEventAt})`,
        fetchedAt: excluded('fetched_at'),
        updatedAt: sql`now()`,
      },
      setWhere: sql`${kommoContacts.remoteUpdatedAt} is null or excluded.remote_updated_at >= ${kommoContacts.remoteUpdatedAt}`,
    });
}

async function upsertLead(db: Executor, found: KommoConnection, catalog: KommoCatalog, lead: KommoLead, eventAt: Date | null) {
  const contactIds = (lead._embedded?.contacts ?? []).sort((a, b) => Number(b.is_main ?? false) - Number(a.is_main ?? false)).map((c) => c.id);
  const row = {
    organizationId: found.account.organizationId,
    connectionId: found.conn.id,
    kommoId: lead.id,
    name: lead.name,
    price: lead.price ?? null,
    pipelineId: lead.pipeline_id,
    pipelineName: catalog.pipelines[lead.pipeline_id] ?? null,
    statusId: lead.status_id,
    statusName: catalog.statuses[lead.status_id]?.name ?? null,
    responsibleUserId: lead.responsible_user_id ?? null,
    responsibleName: lead.responsible_user_id ? (catalog.users[lead.responsible_user_id] ?? null) : null,
    contactIds,
    tags: (lead._embedded?.tags ?? []).map((t) => t.name),
    remoteCreatedAt: fromUnix(lead.created_at),
    remoteUpdatedAt: fromUnix(lead.updated_at),
    closedAt: fromUnix(lead.closed_at),
    isDeleted: lead.is_deleted ?? false,
    searchText: lead.name.toLowerCase(),
    raw: lead as Record<string, unknown>,
    lastEventAt: eventAt,
    fetchedAt: new Date(),
  };
  const columns = ['name', 'price', 'pipeline_id', 'pipeline_name', 'status_id', 'status_name', 'responsible_user_id', 'responsible_name', 'contact_ids', 'tags', 'remote_created_at', 'remote_updated_at', 'closed_at', 'is_deleted', 'raw', 'fetched_at'];
  const set = Object.fromEntries(columns.map((c) => [c.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase()), excluded(c)]));
  await db
    .insert(kommoLeads)
    .values(row)
    .onConflictDoUpdate({
      target: [kommoLeads.connectionId, kommoLeads.kommoId],
      set: { ...set, lastEventAt: sql`coalesce(excluded.last_event_at, ${kommoLeads.lastEventAt})`, updatedAt: sql`now()` },
      setWhere: sql`${kommoLeads.remoteUpdatedAt} is null or excluded.remote_updated_at >= ${kommoLeads.remoteUpdatedAt}`,
    });
}

/** The page's search text of the leads holding any of `contactIds` (or of one lead): name, contact names, phones, e-mails. */
async function refreshSearchText(db: Executor, connectionId: string, where: { kommoLeadId?: number; contactId?: number }) {
  const filter =
    where.kommoLeadId !== undefined
      ? sql`l.kommo_id = ${where.kommoLeadId}`
      : sql`l.contact_ids @> array[${where.contactId!}]::bigint[]`;
  await db.execute(sql`
    update kommo_leads l set search_text = lower(l.name || ' ' || coalesce((
      select string_agg(c.name || ' ' || array_to_string(c.phones, ' ') || ' ' || array_to_string(c.phones_e164, ' ') || ' ' || array_to_string(c.emails, ' '), ' ')
      from kommo_contacts c where c.connection_id = l.connection_id and c.kommo_id = any(l.contact_ids)), ''))
    where l.connection_id = ${connectionId} and ${filter}`);
}

async function announce(deps: KommoDeps, organizationId: string, data: Record<string, unknown>) {
  await publishEvent(deps.sql, { organizationId, topic: KOMMO_MIRROR_TOPIC, data }).catch(() => {});
}

/** Re-reads one lead (and its contacts) from Kommo into the mirror. */
export async function refreshMirrorLead(deps: KommoDeps, connectionId: string, kommoLeadId: number, options: { eventAt?: Date | null; reader?: Awaited<ReturnType<typeof openKommoReader>> } = {}): Promise<'upserted' | 'deleted'> {
  const { reader, found } = options.reader ?? (await openKommoReader(deps, connectionId));
  const eventAt = options.eventAt ?? null;
  const lead = await reader.lead(kommoLeadId, { withContacts: true });
  if (!lead || lead.is_deleted) {
    await deps.db
      .update(kommoLeads)
      .set({ isDeleted: true, lastEventAt: eventAt ?? sql`${kommoLeads.lastEventAt}`, fetchedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(kommoLeads.connectionId, connectionId), eq(kommoLeads.kommoId, kommoLeadId)));
    await announce(deps, found.account.organizationId, { kommoLeadId, change: 'deleted' });
    return 'deleted';
  }
  const catalog = await catalogFor(deps, reader, found, {
    pipelineIds: [lead.pipeline_id],
    statusIds: [lead.status_id],
    userIds: lead.responsible_user_id ? [lead.responsible_user_id] : [],
  });
  const contactIds = (lead._embedded?.contacts ?? []).map((c) => c.id);
  const contactList = contactIds.length ? await reader.contactsByIds(contactIds) : [];
  const country = await tenantCountry(deps.db, found.account.organizationId);
  await deps.db.transaction(async (tx) => {
    await upsertContacts(tx, found, country, contactList, null);
    await upsertLead(tx, found, catalog, lead, eventAt);
    await refreshSearchText(tx, connectionId, { kommoLeadId: lead.id });
  });
  await announce(deps, found.account.organizationId, { kommoLeadId, change: 'upserted' });
  return 'upserted';
}

/** Re-reads one contact into the mirror, and the search text of the leads holding it. */
export async function refreshMirrorContact(deps: KommoDeps, connectionId: string, kommoContactId: number, options: { eventAt?: Date | null; reader?: Awaited<ReturnType<typeof openKommoReader>> } = {}): Promise<'upserted' | 'deleted'> {
  const { reader, found } = options.reader ?? (await openKommoReader(deps, connectionId));
  const contact = await reader.contact(kommoContactId);
  if (!contact || contact.is_deleted) {
    await deps.db
      .update(kommoContacts)
      .set({ isDeleted: true, fetchedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(kommoContacts.connectionId, connectionId), eq(kommoContacts.kommoId, kommoContactId)));
    return 'deleted';
  }
  const country = await tenantCountry(deps.db, found.account.organizationId);
  await deps.db.transaction(async (tx) => {
    await upsertContacts(tx, found, country, [contact], options.eventAt ?? null);
    await refreshSearchText(tx, connectionId, { contactId: contact.id });
  });
  await announce(deps, found.account.organizationId, { kommoContactId, change: 'upserted' });
  return 'upserted';
}

/**
 * The kommo-webhook job: claims one stored event, re-reads its entity and updates the
 * mirror. A processed event is never processed again; a failure is recorded on the row
 * and rethrown so pg-boss retries with back-off.
 */
export async function processWebhookEvent(deps: KommoDeps, eventId: string): Promise<{ status: string; result?: string }> {
  const [event] = await deps.db
    .update(kommoWebhookEvents)
    .set({ status: 'processing', attempts: sql`${kommoWebhookEvents.attempts} + 1` })
    .where(and(eq(kommoWebhookEvents.id, eventId), inArray(kommoWebhookEvents.status, ['received', 'failed', 'processing'])))
    .returning();
  if (!event) return { status: 'skipped' };
  if (!event.entity || !event.kommoId) {
    await deps.db.update(kommoWebhookEvents).set({ status: 'ignored', processedAt: new Date() }).where(eq(kommoWebhookEvents.id, eventId));
    return { status: 'ignored' };
  }
  try {
    const opened = await openKommoReader(deps, event.connectionId);
    const result =
      event.entity === 'leads'
        ? await refreshMirrorLead(deps, event.connectionId, event.kommoId, { eventAt: event.receivedAt, reader: opened })
        : await refreshMirrorContact(deps, event.connectionId, event.kommoId, { eventAt: event.receivedAt, reader: opened });
    await deps.db.update(kommoWebhookEvents).set({ status: 'processed', processedAt: new Date(), error: null }).where(eq(kommoWebhookEvents.id, eventId));
    return { status: 'processed', result };
  } catch (error) {
    const message = error instanceof KommoError || error instanceof Error ? error.message : String(error);
    await deps.db.update(kommoWebhookEvents).set({ status: 'failed', error: message.slice(0, 500) }).where(eq(kommoWebhookEvents.id, eventId));
    throw error;
  }
}

/** Events a lost send left `received`, or `failed` ones pg-boss gave up on while Kommo blocked us: enqueue again. */
export async function staleWebhookEvents(db: Executor, options: { olderThanMs?: number; maxAttempts?: number; limit?: number } = {}): Promise<string[]> {
  const before = new Date(Date.now() - (options.olderThanMs ?? 2 * 60_000));
  const rows = await db
    .select({ id: kommoWebhookEvents.id })
    .from(kommoWebhookEvents)
    .innerJoin(connections, eq(connections.id, kommoWebhookEvents.connectionId))
    .where(
      and(
        inArray(kommoWebhookEvents.status, ['received', 'failed']),
        lt(kommoWebhookEvents.receivedAt, before),
        lt(kommoWebhookEvents.attempts, options.maxAttempts ?? 20),
        eq(connections.status, 'connected'),
      ),
    )
    .limit(options.limit ?? 500);
  return rows.map((r) => r.id);
}
