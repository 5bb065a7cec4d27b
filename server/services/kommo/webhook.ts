import { and, eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../../db/client';
import { organizations } from '../../../db/schema';
import { kommoAccounts, kommoWebhookEvents } from '../../../db/schema/kommo';
import { queues } from '../../../jobs/queues';
import { parseKommoWebhook } from '../../providers/kommo/webhook-format';
import { secretMatches } from './connection';

/**
 * The inbound end of Kommo (DESIGN §5): `POST /webhooks/kommo/<tenant-slug>/<secret>`.
 *
 * Kommo signs nothing, so the URL's secret (256 random bits) is the credential: it is
 * compared as SHA-256 digests in constant time, against the current secret and — for a
 * day after a rotation — the previous one, and it never reaches a log line. Past the
 * secret, every delivery is stored before it is answered:
 *
 *   malformed (not form-encoded, unreadable, fails the schema)  → one row, 400
 *   account[id] is not the connected Kommo account               → one row, 403
 *   nothing we mirror (tasks, chats …)                           → one row, 200
 *   events                                                       → one row each, 200
 *
 * Each event row has a unique key (account, entity, action, fields): the same event
 * delivered five times at once inserts once, and only that insert enqueues the job that
 * re-reads the entity from Kommo and updates the mirror. The answer does not wait for
 * Kommo or the mirror.
 */

export const WEBHOOK_MAX_BODY_BYTES = 1_000_000;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62})$/;
const SECRET = /^[A-Za-z0-9_-]{22,128}$/;

export interface WebhookDeps {
  db: Db;
  boss: PgBoss | null;
  log?: (line: string) => void;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** The path for a log line: the secret never appears. */
export const redactedWebhookPath = (slug: string) => `/webhooks/kommo/${slug.slice(0, 63)}/[redacted]`;

const notFound = (): WebhookAnswer => ({ status: 404, body: { error: 'not found' } });

/** Finds the Kommo account a (slug, secret) pair belongs to, in constant time per candidate. */
async function accountFor(db: Db, slug: string, secret: string) {
  const rows = await db
    .select({ account: kommoAccounts })
    .from(kommoAccounts)
    .innerJoin(organizations, eq(organizations.id, kommoAccounts.organizationId))
    .where(and(eq(organizations.slug, slug), eq(organizations.status, 'active')));
  let match: (typeof rows)[number]['account'] | null = null;
  // compare against a dummy when there is no candidate, so both paths hash and compare
  for (const { account } of rows.length ? rows : [{ account: null }]) {
    const current = secretMatches(secret, account?.webhookSecretHash);
    const previousValid = !!account?.previousWebhookSecretValidUntil && account.previousWebhookSecretValidUntil.getTime() > Date.now();
    const previous = secretMatches(secret, previousValid ? account?.previousWebhookSecretHash : null);
    if (account && (current || previous)) match = account;
  }
  return match;
}

export async function receiveKommoWebhook(
  deps: WebhookDeps,
  input: { slug: string; secret: string; contentType: string | null; body: string },
): Promise<WebhookAnswer> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const where = redactedWebhookPath(input.slug);
  if (!SLUG.test(input.slug) || !SECRET.test(input.secret)) {
    log(`[kommo-webhook] refused ${where}: unknown address`);
    return notFound();
  }
  const account = await accountFor(deps.db, input.slug, input.secret);
  if (!account) {
    log(`[kommo-webhook] refused ${where}: unknown address`);
    return notFound();
  }
  const base = { organizationId: account.organizationId, connectionId: account.connectionId, rawBody: input.body, contentType: input.contentType?.slice(0, 200) ?? null };

  const parsed = parseKommoWebhook(input.body, input.contentType);
  if (!parsed.ok) {
    const [row] = await deps.db.insert(kommoWebhookEvents).values({ ...base, status: 'malformed', error: parsed.error.slice(0, 500) }).returning({ id: kommoWebhookEvents.id });
    log(`[kommo-webhook] ${where}: malformed body kept as ${row!.id} (${parsed.error.slice(0, 120)})`);
    return { status: 400, body: { error: 'malformed webhook body', reference: row!.id } };
  }
  if (!account.kommoAccountId || parsed.accountId !== account.kommoAccountId) {
    const [row] = await deps.db
      .insert(kommoWebhookEvents)
      .values({ ...base, status: 'rejected', error: `account[id] ${parsed.accountId} is not the connected Kommo account ${account.kommoAccountId ?? '(not verified yet)'}` })
      .returning({ id: kommoWebhookEvents.id });
    log(`[kommo-webhook] ${where}: foreign account ${parsed.accountId} rejected (kept as ${row!.id})`);
    return { status: 403, body: { error: 'account mismatch', reference: row!.id } };
  }
  if (parsed.events.length === 0) {
    await deps.db.insert(kommoWebhookEvents).values({ ...base, status: 'ignored', error: 'no lead or contact events' });
    return { status: 200, body: { accepted: 0, duplicates: 0 } };
  }

  const inserted = await deps.db
    .insert(kommoWebhookEvents)
    .values(
      parsed.events.map((e) => ({ ...base, eventKey: e.key, entity: e.entity, action: e.action, kommoId: e.kommoId, fields: e.fields, status: 'received' as const })),
    )
    .onConflictDoNothing({ target: [kommoWebhookEvents.connectionId, kommoWebhookEvents.eventKey] })
    .returning({ id: kommoWebhookEvents.id });
  for (const { id } of inserted) await enqueueWebhookEvent(deps.boss, id, log);
  return { status: 200, body: { accepted: inserted.length, duplicates: parsed.events.length - inserted.length } };
}

/**
 * One job per stored event. A failed send leaves the row `received`; the sweep
 * (kommo-webhook-sweep, every few minutes) enqueues such rows again.
 */
export async function enqueueWebhookEvent(boss: PgBoss | null, eventId: string, log: (line: string) => void): Promise<void> {
  if (!boss) return;
  try {
    await boss.send(queues.kommoWebhook.name, { eventId }, { singletonKey: eventId });
  } catch (error) {
    log(`[kommo-webhook] could not enqueue event ${eventId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
