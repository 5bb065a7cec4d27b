import { and, eq, lt, sql } from 'drizzle-orm';
import { kommoLeads, kommoLinks, kommoOutboundSyncs } from '../../../db/schema/kommo';
import { ProviderRateLimited, ReauthorizationNeeded } from '../../providers/types';
import { KommoAccessBlocked, KommoApiError } from '../../providers/kommo/errors';
import { createComplexLead } from '../../providers/kommo/write';
import { KOMMO_SYNCS_PER_TENANT_PER_MINUTE, KOMMO_SYNCS_PER_USER_PER_MINUTE, type KommoProfileType } from '../../shared/kommo';
import type { CrmActor } from '../crm/context';
import { requireContactRow } from '../crm/contacts';
import { requireLeadRow } from '../crm/leads';
import { openKommoReader, requireKommoConnection, type KommoConnection } from './connection';
import { findExisting, kommoContactUrl, kommoLeadUrl, leadSummary, type KommoContactSummary, type KommoLeadSummary, type ProfileData } from './matching';
import { KommoError, type KommoDeps } from './deps';
import { ManualAction, ManualActionRefused } from './manual-action';

/**
 * "Sync to Kommo" (DESIGN §5, decision 007): one app lead or contact, one click.
 *
 *   1. the profile must be visible to the actor (a sales user: only their own);
 *   2. already linked → the link is shown, nothing is sent;
 *   3. under a per-tenant advisory lock: a sync of the same profile already under way is
 *      joined (a double click waits for the first and gets its answer); else the burst
 *      guard counts this minute's syncs (10 per user, 30 per tenant) and a `pending` row
 *      is inserted — the unique pending key per profile;
 *   4. Kommo is searched by the normalised phone, then the e-mail (reads): a match is
 *      returned with its lead (name, pipeline, status, responsible, link) and NOTHING is
 *      created — linking it is a separate, explicit mutation;
 *   5. otherwise ONE lead with its contact is created through the complex endpoint with
 *      the click's ManualAction, and the link is stored in the same breath.
 *
 * A profile without phone and e-mail is refused: Kommo could not be checked for a
 * duplicate, and a retry after a crash could not find what the first try created.
 */

export interface SyncProfile {
  type: KommoProfileType;
  id: string;
}


export type SyncLeadOutcome =
  | { outcome: 'found'; syncId: string; matchedBy: 'phone' | 'email'; lead: KommoLeadSummary | null; contact: KommoContactSummary | null; joined: boolean }
  | { outcome: 'created'; syncId: string; lead: KommoLeadSummary; contact: KommoContactSummary | null; joined: boolean }
  | { outcome: 'already_linked'; lead: KommoLeadSummary | null; contact: KommoContactSummary | null };

/** A pending sync older than this was interrupted (crash, deploy): the next click starts afresh. */
const STALE_PENDING_MS = 2 * 60_000;
const JOIN_WAIT_MS = 20_000;


/** The profile as the actor may see it (NOT_FOUND otherwise, like a missing id). */
export async function loadProfile(deps: KommoDeps, actor: CrmActor, profile: SyncProfile): Promise<ProfileData> {
  try {
    if (profile.type === 'lead') {
      const lead = await requireLeadRow(deps.db, actor, profile.id);
      const [first = '', ...rest] = lead.name.trim().split(/\s+/);
      return { name: lead.name, firstName: first, lastName: rest.join(' '), phone: lead.phone, email: lead.email, position: lead.position, amount: lead.amount };
    }
    const contact = await requireContactRow(deps.db, actor.organizationId, profile.id);
    // contacts are shared by the tenant's CRM users; a sales user may send only contacts they own
    if (!actor.seesAllLeads && contact.ownerId !== actor.userId) throw new KommoError('not_found', 'Contact not found.');
    const name = `${contact.firstName} ${contact.lastName}`.trim();
    return { name, firstName: contact.firstName, lastName: contact.lastName, phone: contact.phone, email: contact.email, position: contact.position, amount: null };
  } catch (error) {
    if (error instanceof KommoError) throw error;
    if ((error as { kind?: string }).kind === 'not_found') throw new KommoError('not_found', `${profile.type === 'lead' ? 'Lead' : 'Contact'} not found.`);
    throw error;
  }
}

async function linkOf(deps: KommoDeps, found: KommoConnection, profile: SyncProfile) {
  const [link] = await deps.db
    .select()
    .from(kommoLinks)
    .where(and(eq(kommoLinks.connectionId, found.conn.id), eq(kommoLinks.profileType, profile.type), eq(kommoLinks.profileId, profile.id)));
  return link ?? null;
}

/** The link of a profile, shown without calling Kommo (names from the mirror when it has the lead). */
export async function linkedSummary(deps: KommoDeps, found: KommoConnection, profile: SyncProfile): Promise<Extract<SyncLeadOutcome, { outcome: 'already_linked' }> | null> {
  const link = await linkOf(deps, found, profile);
  if (!link) return null;
  const base = found.account.baseUrl;
  let lead: KommoLeadSummary | null = null;
  if (link.kommoLeadId) {
    const [mirrored] = await deps.db
      .select()
      .from(kommoLeads)
      .where(and(eq(kommoLeads.connectionId, found.conn.id), eq(kommoLeads.kommoId, link.kommoLeadId)));
    lead = {
      id: link.kommoLeadId,
      name: mirrored?.name ?? `Lead #${link.kommoLeadId}`,
      pipeline: mirrored?.pipelineName ?? null,
      status: mirrored?.statusName ?? null,
      responsible: mirrored?.responsibleName ?? null,
      url: kommoLeadUrl(base, link.kommoLeadId),
    };
  }
  const contact = link.kommoContactId ? { id: link.kommoContactId, name: '', url: kommoContactUrl(base, link.kommoContactId) } : null;
  return { outcome: 'already_linked', lead, contact };
}

type Claim = { kind: 'claimed'; syncId: string } | { kind: 'join'; syncId: string } | { kind: 'refused'; scope: 'user' | 'tenant'; syncId: string };

async function claim(deps: KommoDeps, found: KommoConnection, action: ManualAction, profile: SyncProfile): Promise<Claim> {
  return deps.db.transaction(async (tx) => {
    // one tenant's clicks are counted and claimed one at a time, so the guard cannot be raced
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('kommo-outbound'), hashtext(${action.organizationId}))`);
    const org = action.organizationId;
    await tx
      .update(kommoOutboundSyncs)
      .set({ status: 'failed', error: 'interrupted (no answer within two minutes)', finishedAt: new Date() })
      .where(
        and(
          eq(kommoOutboundSyncs.organizationId, org),
          eq(kommoOutboundSyncs.profileType, profile.type),
          eq(kommoOutboundSyncs.profileId, profile.id),
          eq(kommoOutboundSyncs.status, 'pending'),
          lt(kommoOutboundSyncs.startedAt, new Date(Date.now() - STALE_PENDING_MS)),
        ),
      );
    const [pending] = await tx
      .select({ id: kommoOutboundSyncs.id })
      .from(kommoOutboundSyncs)
      .where(and(eq(kommoOutboundSyncs.organizationId, org), eq(kommoOutboundSyncs.profileType, profile.type), eq(kommoOutboundSyncs.profileId, profile.id), eq(kommoOutboundSyncs.status, 'pending')));
    if (pending) return { kind: 'join', syncId: pending.id };

    const [counts] = await tx
      .select({
        mine: sql<number>`count(*) filter (where ${kommoOutboundSyncs.userId} = ${action.userId})`.mapWith(Number),
        all: sql<number>`count(*)`.mapWith(Number),
      })
      .from(kommoOutboundSyncs)
      .where(and(eq(kommoOutboundSyncs.organizationId, org), sql`${kommoOutboundSyncs.startedAt} > now() - interval '1 minute'`, sql`${kommoOutboundSyncs.status} <> 'refused'`));
    const scope = (counts?.mine ?? 0) >= KOMMO_SYNCS_PER_USER_PER_MINUTE ? 'user' : (counts?.all ?? 0) >= KOMMO_SYNCS_PER_TENANT_PER_MINUTE ? 'tenant' : null;
    const values = {
      organizationId: org,
      connectionId: found.conn.id,
      userId: action.userId,
      userEmail: action.userEmail,
      profileType: profile.type,
      profileId: profile.id,
      requestId: action.requestId,
    };
    if (scope) {
      const [row] = await tx
        .insert(kommoOutboundSyncs)
        .values({ ...values, status: 'refused', error: `burst guard (${scope})`, finishedAt: new Date() })
        .returning({ id: kommoOutboundSyncs.id });
      return { kind: 'refused', scope, syncId: row!.id };
    }
    const [row] = await tx.insert(kommoOutboundSyncs).values(values).returning({ id: kommoOutboundSyncs.id });
    return { kind: 'claimed', syncId: row!.id };
  });
}

/** Waits for the click under way on the same profile and answers with its outcome. */
async function joinSync(deps: KommoDeps, syncId: string): Promise<SyncLeadOutcome> {
  const deadline = Date.now() + JOIN_WAIT_MS;
  for (;;) {
    const [row] = await deps.db.select().from(kommoOutboundSyncs).where(eq(kommoOutboundSyncs.id, syncId));
    if (!row) throw new KommoError('conflict', 'The sync under way disappeared; try again.');
    if (row.status === 'found') return { outcome: 'found', syncId, matchedBy: row.result.matchedBy ?? 'phone', lead: row.result.lead ?? null, contact: row.result.contact ?? null, joined: true };
    if (row.status === 'created' && row.result.lead) return { outcome: 'created', syncId, lead: row.result.lead, contact: row.result.contact ?? null, joined: true };
    if (row.status === 'failed') throw new KommoError('provider', `The sync already under way for this record failed: ${row.error ?? 'unknown error'}`);
    if (Date.now() > deadline) throw new KommoError('conflict', 'A sync of this record is already under way; check the result in a moment.');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class KommoBurstRefused extends KommoError {
  constructor(readonly scope: 'user' | 'tenant') {
    super(
      'too_many',
      scope === 'user'
        ? `You have sent ${KOMMO_SYNCS_PER_USER_PER_MINUTE} records to Kommo in the last minute. Please wait a minute: Kommo blocks accounts that write in bursts.`
        : `Your team has sent ${KOMMO_SYNCS_PER_TENANT_PER_MINUTE} records to Kommo in the last minute. Please wait a minute: Kommo blocks accounts that write in bursts.`,
    );
  }
}

function describeFailure(error: unknown): KommoError {
  if (error instanceof KommoError) return error;
  if (error instanceof ManualActionRefused) return new KommoError('forbidden', error.message);
  if (error instanceof KommoAccessBlocked) return new KommoError('blocked', 'Kommo has temporarily blocked API access for this account; nothing was sent. An admin sees the alert on the Kommo page.');
  if (error instanceof ProviderRateLimited) return new KommoError('too_many', 'Kommo is asking us to slow down; nothing was sent. Try again in a minute.');
  if (error instanceof ReauthorizationNeeded) return new KommoError('reauthorize', 'Kommo no longer accepts this workspace’s authorization; an admin must connect Kommo again.');
  if (error instanceof KommoApiError) return new KommoError('provider', `Kommo refused the request (${error.status}): ${error.detail}`);
  return new KommoError('provider', 'Kommo could not be reached; nothing is known to have been sent. Try again.');
}

/**
 * The outbound flow for one profile and one click (the action). Throws KommoError;
 * the router turns it into a tRPC error and writes the audit row and log line.
 */
export async function syncProfileToKommo(deps: KommoDeps, action: ManualAction, actor: CrmActor, profile: SyncProfile): Promise<SyncLeadOutcome> {
  const data = await loadProfile(deps, actor, profile);
  const found = await requireKommoConnection(deps.db, actor.organizationId);
  if (found.conn.status !== 'connected') throw new KommoError('not_connected', 'Kommo is not connected for this workspace.');
  const linked = await linkedSummary(deps, found, profile);
  if (linked) return linked;
  if (!data.phone && !data.email) {
    throw new KommoError('invalid', 'Add a phone number or an e-mail first: without one, Kommo cannot be checked for an existing lead.');
  }

  const claimed = await claim(deps, found, action, profile);
  if (claimed.kind === 'join') return joinSync(deps, claimed.syncId);
  if (claimed.kind === 'refused') throw new KommoBurstRefused(claimed.scope);
  const syncId = claimed.syncId;

  let opened: Awaited<ReturnType<typeof openKommoReader>> | null = null;
  const finish = async (values: Partial<typeof kommoOutboundSyncs.$inferInsert>) => {
    await deps.db
      .update(kommoOutboundSyncs)
      .set({ ...values, finishedAt: new Date(), result: { ...(values.result ?? {}), kommoRequests: opened?.transport.calls ?? 0 } })
      .where(eq(kommoOutboundSyncs.id, syncId));
  };
  try {
    opened = await openKommoReader(deps, found.conn.id);
    const existing = await findExisting(deps, opened.reader, found, data);
    if (existing) {
      await finish({ status: 'found', kommoLeadId: existing.lead?.id ?? null, kommoContactId: existing.contact.id, result: existing });
      return { outcome: 'found', syncId, matchedBy: existing.matchedBy, lead: existing.lead, contact: existing.contact, joined: false };
    }
    const created = await createComplexLead(
      action,
      opened.transport,
      {
        name: data.name,
        price: data.amount,
        contact: { firstName: data.firstName, lastName: data.lastName, phone: data.phone, email: data.email, position: data.position },
      },
      syncId,
    );
    // recorded at once: whatever happens next, this profile now points at the lead Kommo made
    let lead: KommoLeadSummary = { id: created.leadId, name: data.name, pipeline: null, status: null, responsible: null, url: kommoLeadUrl(found.account.baseUrl, created.leadId) };
    const contact = created.contactId ? { id: created.contactId, name: data.name, url: kommoContactUrl(found.account.baseUrl, created.contactId) } : null;
    await deps.db.transaction(async (tx) => {
      await tx
        .insert(kommoLinks)
        .values({
          organizationId: actor.organizationId,
          connectionId: found.conn.id,
          profileType: profile.type,
          profileId: profile.id,
          kommoLeadId: created.leadId,
          kommoContactId: created.contactId,
          origin: 'created',
          outboundSyncId: syncId,
          createdBy: actor.userId,
        })
        .onConflictDoNothing();
      await tx
        .update(kommoOutboundSyncs)
        .set({ status: 'created', kommoLeadId: created.leadId, kommoContactId: created.contactId, finishedAt: new Date(), result: { lead, contact } })
        .where(eq(kommoOutboundSyncs.id, syncId));
    });
    // the names of pipeline, status and responsible: a read, best effort
    try {
      const fresh = await opened.reader.lead(created.leadId);
      if (fresh) lead = await leadSummary(deps, opened.reader, found, fresh);
      await finish({ status: 'created', kommoLeadId: created.leadId, kommoContactId: created.contactId, result: { lead, contact } });
    } catch {
      // the lead exists and is linked; only its display names are missing
    }
    return { outcome: 'created', syncId, lead, contact, joined: false };
  } catch (error) {
    const failure = describeFailure(error);
    await finish({ status: 'failed', error: failure.message.slice(0, 500) }).catch(() => {});
    throw failure;
  }
}

/**
 * Links a profile to an existing Kommo lead (what "found" offers). Only our side
 * changes — nothing is written to Kommo; the lead is read first to prove it exists.
 */
export async function linkProfileToKommoLead(deps: KommoDeps, actor: CrmActor, profile: SyncProfile, target: { kommoLeadId: number; kommoContactId?: number | null }): Promise<{ lead: KommoLeadSummary }> {
  await loadProfile(deps, actor, profile);
  const found = await requireKommoConnection(deps.db, actor.organizationId);
  if (found.conn.status !== 'connected') throw new KommoError('not_connected', 'Kommo is not connected for this workspace.');
  if (await linkOf(deps, found, profile)) throw new KommoError('conflict', 'This record is already linked to a Kommo lead.');
  let summary: KommoLeadSummary;
  let contactId = target.kommoContactId ?? null;
  try {
    const { reader } = await openKommoReader(deps, found.conn.id);
    const lead = await reader.lead(target.kommoLeadId, { withContacts: true });
    if (!lead || lead.is_deleted) throw new KommoError('not_found', 'That Kommo lead does not exist (any more).');
    const contacts = (lead._embedded?.contacts ?? []).map((c) => c.id);
    if (contactId !== null && !contacts.includes(contactId)) throw new KommoError('invalid', 'That contact is not on the Kommo lead.');
    contactId ??= contacts[0] ?? null;
    summary = await leadSummary(deps, reader, found, lead);
  } catch (error) {
    throw describeFailure(error);
  }
  const [row] = await deps.db
    .insert(kommoLinks)
    .values({
      organizationId: actor.organizationId,
      connectionId: found.conn.id,
      profileType: profile.type,
      profileId: profile.id,
      kommoLeadId: target.kommoLeadId,
      kommoContactId: contactId,
      origin: 'linked',
      createdBy: actor.userId,
    })
    .onConflictDoNothing()
    .returning({ id: kommoLinks.id });
  if (!row) throw new KommoError('conflict', 'This record is already linked to a Kommo lead.');
  return { lead: summary };
}
