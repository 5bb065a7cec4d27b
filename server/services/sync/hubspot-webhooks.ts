import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { connections } from '../../../db/schema';
import { queues } from '../../../jobs/queues';
import { isProduction, type Env } from '../../config/env';
import { SANDBOX_APPS } from '../../providers/registry';
import { writeAudit } from '../../security/audit';
import { publicOrigin } from '../../config/public-url';

/**
 * HubSpot webhooks as the `realtime` trigger (DESIGN §4, decision 006).
 *
 * HubSpot posts every portal's events for an app to one app-level URL,
 * `APP_URL/webhooks/hubspot`, as a JSON array signed with `X-HubSpot-Signature-v3`:
 * base64 HMAC-SHA256 keyed with the app's client secret over
 * `method + URI + body + timestamp` (wire-spec §2.8). We verify it against the URI we
 * published — built from APP_URL, never from the request's Host header — reject a
 * timestamp more than 5 minutes away, compare in constant time, and only then read the
 * body. Events are only a trigger: each affected connected connection whose frequency is
 * `realtime` gets a crm-sync job, and that run re-reads by its cursor, so lost,
 * duplicated or out-of-order deliveries are harmless (the one-minute poll stays as the
 * safety net). The crm-sync queue is `stately` with the connection as singleton key, so
 * a burst of deliveries collapses into at most one queued run next to the running one.
 *
 * Secrets: the production app's (HUBSPOT_CLIENT_SECRET) signs for non-sandbox
 * connections; outside production the sandbox's demo app signs for sandbox connections
 * only. Neither the secret nor the signature reaches a log line or the audit log.
 */

export const HUBSPOT_WEBHOOK_PATH = '/webhooks/hubspot';
export const HUBSPOT_WEBHOOK_MAX_BODY_BYTES = 1_000_000;
/** HubSpot's own client rejects older timestamps (Signature.isValid: 300,000 ms). */
export const MAX_TIMESTAMP_SKEW_MS = 5 * 60_000;

export interface HubSpotWebhookDeps {
  db: Db;
  boss: PgBoss | null;
  env: Env;
  log?: (line: string) => void;
}

export interface HubSpotWebhookRequest {
  method: string;
  /** Path and query of the request as received (the origin is APP_URL's). */
  pathAndQuery: string;
  body: string;
  signature: string | null;
  timestamp: string | null;
}

export interface HubSpotWebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');


/** The URL HubSpot (or the sandbox) is told to post to. */
export function hubspotWebhookUrl(env: Env): string | null {
  const origin = publicOrigin(env);
  return origin ? `${origin}${HUBSPOT_WEBHOOK_PATH}` : null;
}

interface SigningApp {
  kind: 'production' | 'sandbox';
  secret: string;
}

/** The secrets that may sign a delivery here. */
function signingApps(env: Env): SigningApp[] {
  const apps: SigningApp[] = [];
  if (env.HUBSPOT_CLIENT_SECRET) apps.push({ kind: 'production', secret: env.HUBSPOT_CLIENT_SECRET });
  if (!isProduction(env)) apps.push({ kind: 'sandbox', secret: SANDBOX_APPS.hubspot.clientSecret });
  return apps;
}

export function signatureV3(secret: string, method: string, uri: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
function sameString(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const eventSchema = z
  .object({
    portalId: z.number().int().positive(),
    subscriptionType: z.string().max(100),
    objectId: z.number().int().nonnegative().optional(),
    eventId: z.number().int().optional(),
    occurredAt: z.number().optional(),
  })
  .passthrough();
const bodySchema = z.array(eventSchema).min(1).max(1000);

const refused = (status: number, error: string): HubSpotWebhookAnswer => ({ status, body: { error } });

/**
 * One delivery. 401: missing/invalid signature or a stale timestamp; 400: a body that is
 * not HubSpot's event array, or no event for a portal we know (HubSpot does not retry
 * 400/401); 200: accepted (syncs queued for the realtime connections among them).
 */
export async function receiveHubSpotWebhook(deps: HubSpotWebhookDeps, request: HubSpotWebhookRequest, now = Date.now()): Promise<HubSpotWebhookAnswer> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const origin = publicOrigin(deps.env);
  if (!origin) {
    log('[hubspot-webhook] refused: APP_URL is not set');
    return refused(503, 'webhooks are not configured');
  }
  if (!request.signature || !request.timestamp) {
    log('[hubspot-webhook] refused: unsigned delivery');
    return refused(401, 'missing signature');
  }
  const timestamp = Number(request.timestamp);
  if (!/^\d{1,16}$/.test(request.timestamp) || !Number.isSafeInteger(timestamp) || Math.abs(now - timestamp) > MAX_TIMESTAMP_SKEW_MS) {
    log('[hubspot-webhook] refused: timestamp outside the 5-minute window');
    return refused(401, 'stale or invalid timestamp');
  }
  const uri = `${origin}${request.pathAndQuery}`;
  // every candidate is computed and compared, so the time does not tell which one matched
  let app: SigningApp | null = null;
  for (const candidate of signingApps(deps.env)) {
    if (sameString(signatureV3(candidate.secret, request.method.toUpperCase(), uri, request.body, request.timestamp), request.signature) && !app) app = candidate;
  }
  if (!app) {
    log('[hubspot-webhook] refused: signature does not match');
    return refused(401, 'invalid signature');
  }

  let events: z.infer<typeof bodySchema>;
  try {
    const parsed = bodySchema.safeParse(JSON.parse(request.body));
    if (!parsed.success) throw new Error('schema');
    events = parsed.data;
  } catch {
    log('[hubspot-webhook] refused: malformed body');
    return refused(400, 'malformed webhook body');
  }

  const portals = [...new Set(events.map((e) => String(e.portalId)))];
  const known = await deps.db
    .select({
      id: connections.id,
      organizationId: connections.organizationId,
      portal: connections.remoteAccountId,
      status: connections.status,
      frequency: connections.frequency,
    })
    .from(connections)
    .where(and(eq(connections.provider, 'hubspot'), eq(connections.usesSandbox, app.kind === 'sandbox'), inArray(connections.remoteAccountId, portals)));
  if (known.length === 0) {
    log(`[hubspot-webhook] refused: no connection for portal ${portals.slice(0, 5).join(', ')}`);
    return refused(400, 'unknown portal');
  }

  const due = known.filter((c) => c.status === 'connected' && c.frequency === 'realtime');
  let queued = 0;
  let coalesced = 0;
  for (const connection of due) {
    const mine = events.filter((e) => String(e.portalId) === connection.portal);
    const types: Record<string, number> = {};
    for (const e of mine) types[e.subscriptionType] = (types[e.subscriptionType] ?? 0) + 1;
    const jobId = await enqueueRealtimeSync(deps, connection.id, log);
    if (!jobId) {
      coalesced += 1;
      continue;
    }
    queued += 1;
    await writeAudit(deps.db, { userId: null, email: 'system' }, null, {
      action: 'sync.webhook.enqueue',
      organizationId: connection.organizationId,
      targetType: 'connection',
      targetId: connection.id,
      details: { provider: 'hubspot', portalId: connection.portal, events: mine.length, types, jobId },
    });
  }
  log(`[hubspot-webhook] ${events.length} event(s) for ${portals.length} portal(s): ${queued} sync(s) queued, ${coalesced} already queued, ${known.length - due.length} connection(s) not realtime`);
  return { status: 200, body: { accepted: events.length, queued, coalesced } };
}

/**
 * A crm-sync job for the connection unless one is already waiting (the stately queue
 * keeps one queued next to the running one, so a change arriving during a run is still
 * read by the next). Returns the new job's id, or null when coalesced.
 */
async function enqueueRealtimeSync(deps: HubSpotWebhookDeps, connectionId: string, log: (line: string) => void): Promise<string | null> {
  if (!deps.boss) return null;
  try {
    return await deps.boss.send(queues.crmSync.name, { connectionId, trigger: 'realtime' }, { singletonKey: connectionId });
  } catch (error) {
    // the one-minute poll still picks the change up
    log(`[hubspot-webhook] could not enqueue a sync of ${connectionId}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/**
 * Demo mode: points the HubSpot sandbox's webhooks at this server (`POST /_hubspot/webhooks`,
 * signed with the sandbox app's secret, which is the sandbox's default). Production apps
 * configure the target URL in HubSpot's developer portal.
 */
export async function registerSandboxWebhooks(sandboxUrl: string, targetUrl: string): Promise<{ id: string }> {
  const base = trimSlash(sandboxUrl);
  const listed = (await (await fetch(`${base}/_hubspot/webhooks`)).json()) as { targets?: { id: string; targetUrl: string }[] };
  const existing = listed.targets?.find((t) => t.targetUrl === targetUrl);
  if (existing) return { id: existing.id };
  const response = await fetch(`${base}/_hubspot/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ targetUrl }) });
  if (!response.ok) throw new Error(`the HubSpot sandbox refused the webhook target (${response.status})`);
  return (await response.json()) as { id: string };
}
