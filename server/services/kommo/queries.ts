import { and, count, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import { kommoContacts, kommoLeads, kommoOutboundSyncs, kommoWebhookEvents } from '../../../db/schema/kommo';
import { escapeLike } from '../../shared/validation';
import type { KommoWebhookStatus } from '../../shared/kommo';
import { phoneSearchDigits } from '../crm/phone';
import { redirectUriFor, webhookUrlFor, webhookSecretOf, type KommoConnection } from './connection';
import type { KommoDeps } from './deps';
import { kommoContactUrl, kommoLeadUrl } from './matching';

/** Read models of the Kommo pages: the mirror list, the connection card, the activity view. */

type Db = KommoDeps['db'];

export interface MirrorListInput {
  q?: string;
  includeDeleted?: boolean;
  offset: number;
  limit: number;
}

/** The mirror, newest change first, searchable by name, contact name, phone or e-mail. */
export async function listMirrorLeads(db: Db, found: KommoConnection, input: MirrorListInput) {
  const where: (SQL | undefined)[] = [eq(kommoLeads.connectionId, found.conn.id)];
  if (!input.includeDeleted) where.push(eq(kommoLeads.isDeleted, false));
  const q = input.q?.trim().toLowerCase();
  if (q) {
    const digits = phoneSearchDigits(q);
    where.push(digits ? sql`${kommoLeads.searchText} like ${`%${digits}%`}` : ilike(kommoLeads.searchText, `%${escapeLike(q)}%`));
  }
  const condition = and(...where);
  const rows = await db
    .select({
      id: kommoLeads.id,
      kommoId: kommoLeads.kommoId,
      name: kommoLeads.name,
      price: kommoLeads.price,
      pipelineName: kommoLeads.pipelineName,
      statusName: kommoLeads.statusName,
      responsibleName: kommoLeads.responsibleName,
      contactIds: kommoLeads.contactIds,
      tags: kommoLeads.tags,
      isDeleted: kommoLeads.isDeleted,
      remoteUpdatedAt: kommoLeads.remoteUpdatedAt,
      lastEventAt: kommoLeads.lastEventAt,
      fetchedAt: kommoLeads.fetchedAt,
    })
    .from(kommoLeads)
    .where(condition)
    .orderBy(desc(kommoLeads.remoteUpdatedAt), desc(kommoLeads.id))
    .offset(input.offset)
    .limit(input.limit);
  const [total] = await db.select({ n: count() }).from(kommoLeads).where(condition);
  const contactIds = [...new Set(rows.flatMap((r) => r.contactIds))];
  const contacts = contactIds.length
    ? await db
        .select({ kommoId: kommoContacts.kommoId, name: kommoContacts.name, phones: kommoContacts.phones, emails: kommoContacts.emails })
        .from(kommoContacts)
        .where(and(eq(kommoContacts.connectionId, found.conn.id), inArray(kommoContacts.kommoId, contactIds)))
    : [];
  const byId = new Map(contacts.map((c) => [c.kommoId, c]));
  return {
    total: total?.n ?? 0,
    items: rows.map(({ contactIds: ids, ...r }) => ({
      ...r,
      url: kommoLeadUrl(found.account.baseUrl, r.kommoId),
      contacts: ids.flatMap((id) => {
        const c = byId.get(id);
        return c ? [{ kommoId: id, name: c.name, phones: c.phones, emails: c.emails, url: kommoContactUrl(found.account.baseUrl, id) }] : [{ kommoId: id, name: `Contact #${id}`, phones: [], emails: [], url: kommoContactUrl(found.account.baseUrl, id) }];
      }),
    })),
  };
}

export async function mirrorLeadRow(db: Db, organizationId: string, id: string) {
  const [row] = await db.select().from(kommoLeads).where(and(eq(kommoLeads.organizationId, organizationId), eq(kommoLeads.id, id)));
  return row ?? null;
}

/** The connection card of the settings page; the webhook URL (with its secret) only for admins of the tenant. */
export function connectionView(deps: Pick<KommoDeps, 'env' | 'keyring'>, found: KommoConnection | null, slug: string) {
  if (!found) return { exists: false as const, connected: false, redirectUri: redirectUriFor(deps.env, slug) };
  const { conn, account } = found;
  return {
    exists: true as const,
    connected: conn.status === 'connected',
    connectionId: conn.id,
    status: conn.status,
    statusReason: conn.statusReason,
    subdomain: account.subdomain,
    domain: account.domain,
    baseUrl: account.baseUrl,
    usesSandbox: account.usesSandbox,
    authMode: account.authMode,
    oauthClientId: account.oauthClientId,
    hasClientSecret: !!account.oauthClientSecret,
    kommoAccountId: account.kommoAccountId,
    accountName: account.accountName,
    connectedAs: conn.connectedAs,
    connectedAt: conn.connectedAt,
    outboundPolicy: conn.outboundPolicy,
    redirectUri: redirectUriFor(deps.env, slug),
    webhookUrl: webhookUrlFor(deps.env, slug, webhookSecretOf(deps, account)),
    webhookSecretRotatedAt: account.webhookSecretRotatedAt,
    previousWebhookUrlValidUntil: account.previousWebhookSecretValidUntil && account.previousWebhookSecretValidUntil.getTime() > Date.now() ? account.previousWebhookSecretValidUntil : null,
    alert: account.alert,
    alertAt: account.alertAt,
    blockedUntil: account.blockedUntil,
  };
}

/** A minute in which one user sent this many records or more is highlighted as a burst. */
export const BURST_HIGHLIGHT = 5;

/**
 * Outbound syncs over time per user (and what the burst guard refused), the minutes
 * that look like bursts, the latest syncs, and the inbound webhook totals — so an admin
 * sees at a glance that nothing automated writes to Kommo.
 */
export async function outboundActivity(db: Db, organizationId: string, input: { days: number }) {
  const since = sql`now() - make_interval(days => ${input.days})`;
  const scope = and(eq(kommoOutboundSyncs.organizationId, organizationId), sql`${kommoOutboundSyncs.startedAt} >= ${since}`);
  const day = sql<string>`to_char(date_trunc('day', ${kommoOutboundSyncs.startedAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const perDay = await db
    .select({
      day,
      userId: kommoOutboundSyncs.userId,
      userEmail: kommoOutboundSyncs.userEmail,
      total: sql<number>`count(*) filter (where ${kommoOutboundSyncs.status} <> 'refused')`.mapWith(Number),
      created: sql<number>`count(*) filter (where ${kommoOutboundSyncs.status} = 'created')`.mapWith(Number),
      found: sql<number>`count(*) filter (where ${kommoOutboundSyncs.status} = 'found')`.mapWith(Number),
      failed: sql<number>`count(*) filter (where ${kommoOutboundSyncs.status} = 'failed')`.mapWith(Number),
      refused: sql<number>`count(*) filter (where ${kommoOutboundSyncs.status} = 'refused')`.mapWith(Number),
    })
    .from(kommoOutboundSyncs)
    .where(scope)
    .groupBy(day, kommoOutboundSyncs.userId, kommoOutboundSyncs.userEmail)
    .orderBy(desc(day), kommoOutboundSyncs.userEmail);
  const minute = sql<string>`to_char(date_trunc('minute', ${kommoOutboundSyncs.startedAt} at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:MI"Z"')`;
  const bursts = await db
    .select({
      minute,
      userEmail: kommoOutboundSyncs.userEmail,
      syncs: sql<number>`count(*)`.mapWith(Number),
      refused: sql<number>`count(*) filter (where ${kommoOutboundSyncs.status} = 'refused')`.mapWith(Number),
    })
    .from(kommoOutboundSyncs)
    .where(scope)
    .groupBy(minute, kommoOutboundSyncs.userEmail)
    .having(sql`count(*) >= ${BURST_HIGHLIGHT} or count(*) filter (where ${kommoOutboundSyncs.status} = 'refused') > 0`)
    .orderBy(desc(minute))
    .limit(100);
  const recent = await db
    .select({
      id: kommoOutboundSyncs.id,
      startedAt: kommoOutboundSyncs.startedAt,
      userEmail: kommoOutboundSyncs.userEmail,
      profileType: kommoOutboundSyncs.profileType,
      profileId: kommoOutboundSyncs.profileId,
      status: kommoOutboundSyncs.status,
      kommoLeadId: kommoOutboundSyncs.kommoLeadId,
      error: kommoOutboundSyncs.error,
    })
    .from(kommoOutboundSyncs)
    .where(scope)
    .orderBy(desc(kommoOutboundSyncs.startedAt))
    .limit(50);
  const webhooks = await db
    .select({ status: kommoWebhookEvents.status, n: count() })
    .from(kommoWebhookEvents)
    .where(and(eq(kommoWebhookEvents.organizationId, organizationId), sql`${kommoWebhookEvents.receivedAt} >= ${since}`))
    .groupBy(kommoWebhookEvents.status);
  return {
    days: input.days,
    perDay,
    bursts,
    recent,
    webhooks: Object.fromEntries(webhooks.map((w) => [w.status, w.n])) as Partial<Record<KommoWebhookStatus, number>>,
  };
}

/** Stored webhook deliveries, newest first (malformed and rejected ones kept for inspection). */
export async function listWebhookEvents(db: Db, organizationId: string, input: { status?: KommoWebhookStatus; offset: number; limit: number }) {
  const condition = and(eq(kommoWebhookEvents.organizationId, organizationId), input.status ? eq(kommoWebhookEvents.status, input.status) : undefined);
  const items = await db
    .select({
      id: kommoWebhookEvents.id,
      receivedAt: kommoWebhookEvents.receivedAt,
      entity: kommoWebhookEvents.entity,
      action: kommoWebhookEvents.action,
      kommoId: kommoWebhookEvents.kommoId,
      status: kommoWebhookEvents.status,
      error: kommoWebhookEvents.error,
      attempts: kommoWebhookEvents.attempts,
      rawBody: sql<string>`left(${kommoWebhookEvents.rawBody}, 2000)`,
    })
    .from(kommoWebhookEvents)
    .where(condition)
    .orderBy(desc(kommoWebhookEvents.receivedAt))
    .offset(input.offset)
    .limit(input.limit);
  const [total] = await db.select({ n: count() }).from(kommoWebhookEvents).where(condition);
  return { items, total: total?.n ?? 0 };
}
