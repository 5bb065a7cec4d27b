import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { action as webhookAction } from '../../app/routes/webhooks.hubspot';
import { auditLog, contacts, syncRuns } from '../../db/schema';
import { startBoss } from '../../jobs/boss';
import { registerHandler } from '../../jobs/handler';
import { crmSync } from '../../jobs/handlers/crm-sync';
import { queues } from '../../jobs/queues';
import type { AppServices } from '../../server/app-services';
import { readEnv } from '../../server/config/env';
import { DEMO_APP, PORTAL } from '../../server/sandbox/hubspot/constants';
import { signatureV3 } from '../../server/sandbox/hubspot/webhooks';
import { hubspotWebhookUrl, registerSandboxWebhooks } from '../../server/services/sync/hubspot-webhooks';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { connectProvider, linksOf, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/**
 * HubSpot signed webhooks as the realtime trigger (decision 006): the sandbox's own
 * webhook sender posts v3-signed batches to our route (through a loopback server, as
 * HubSpot would reach APP_URL); valid ones enqueue a crm-sync job per realtime
 * connection of the portal, coalesced per connection; the job's incremental pull brings
 * the change in. Forged, stale and foreign deliveries enqueue nothing.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let services: AppServices;
let deps: SyncDeps;
let boss: PgBoss;
let receiver: http.Server;
let appUrl: string;
let realtime: { id: string; organizationId: string };
let hourly: { id: string; organizationId: string };
const logs: string[] = [];

/** Calls the route module as Remix would; `origin` is what the Host header said (never trusted for the signature). */
async function post(body: string, headers: Record<string, string>, origin = appUrl, path = '/webhooks/hubspot') {
  const request = new Request(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const response = await webhookAction({ request, params: {}, context: { services, cspNonce: '' } } as never);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A delivery signed like HubSpot signs it (the sandbox's own signer). */
function signed(events: object[], options: { secret?: string; uri?: string; timestamp?: number } = {}) {
  const body = JSON.stringify(events);
  const timestamp = options.timestamp ?? Date.now();
  const signature = signatureV3(options.secret ?? DEMO_APP.clientSecret, 'POST', options.uri ?? `${appUrl}/webhooks/hubspot`, body, timestamp);
  return { body, headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp) } };
}

const event = (objectId: number, portalId: number = PORTAL.hubId) => ({
  eventId: Math.floor(Math.random() * 1e9),
  subscriptionId: 1,
  portalId,
  appId: DEMO_APP.appId,
  occurredAt: Date.now(),
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId,
  changeSource: 'CRM_UI',
  propertyName: 'jobtitle',
  propertyValue: 'x',
});

const jobsOf = async (connectionId: string) => (await boss.findJobs(queues.crmSync.name, { key: connectionId })).filter((j) => j.state === 'created' || j.state === 'active' || j.state === 'retry');

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 30, seed: 12 });
  // the public URL (APP_URL) is this loopback receiver, which hands each delivery to the route module
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      try {
        const answer = await post(Buffer.concat(chunks).toString('utf8'), headers, `http://${req.headers.host}`, req.url ?? '/');
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  boss = await startBoss(database.current.url, { schedule: false });
  const base = syncServices(database.current, sandboxes);
  const env = readEnv({ NODE_ENV: 'test', APP_URL: appUrl });
  services = { ...base.services, env, boss };
  deps = { ...base.deps, env };
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));

  // two tenants connected to the same sandbox portal: one realtime, one hourly
  const a = await syncTenant(database.current);
  const b = await syncTenant(database.current);
  const ca = await connectProvider(deps, a, sandboxes, 'hubspot', { frequency: 'realtime', entities: ['contact'], direction: 'pull' });
  const cb = await connectProvider(deps, b, sandboxes, 'hubspot', { frequency: 'hourly', entities: ['contact'], direction: 'pull' });
  expect(ca.remoteAccountId).toBe(String(PORTAL.hubId)); // stored at authorization: deliveries are routed by it
  realtime = { id: ca.id, organizationId: a.organizationId };
  hourly = { id: cb.id, organizationId: b.organizationId };
  for (const c of [ca, cb]) expect((await sync(deps, c.id)).status).toBe('done');
  // what demo mode does at start: the sandbox posts every event to APP_URL/webhooks/hubspot
  await registerSandboxWebhooks(sandboxes.hubspot.url, hubspotWebhookUrl(env)!);
  await registerSandboxWebhooks(sandboxes.hubspot.url, hubspotWebhookUrl(env)!); // idempotent
  const listed = (await (await fetch(`${sandboxes.hubspot.url}/_hubspot/webhooks`)).json()) as { targets: { targetUrl: string }[] };
  expect(listed.targets.map((t) => t.targetUrl)).toEqual([`${appUrl}/webhooks/hubspot`]);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await boss?.stop({ graceful: false, timeout: 2000 });
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await sandboxes?.close();
});

describe('HubSpot webhooks (v3 signatures) as the realtime trigger', () => {
  it('refuses forged, stale, foreign and malformed deliveries and enqueues nothing', async () => {
    const one = [event(1001)];
    const wrongSecret = signed(one, { secret: 'not-the-app-secret' });
    expect((await post(wrongSecret.body, wrongSecret.headers)).status).toBe(401);
    const tampered = signed(one);
    expect((await post(tampered.body.replace('1001', '1002'), tampered.headers)).status).toBe(401);
    const stale = signed(one, { timestamp: Date.now() - 6 * 60_000 });
    expect((await post(stale.body, stale.headers)).status).toBe(401);
    const future = signed(one, { timestamp: Date.now() + 6 * 60_000 });
    expect((await post(future.body, future.headers)).status).toBe(401);
    expect((await post(JSON.stringify(one), {})).status).toBe(401);
    // signed for the URL a forged Host header claims, not for APP_URL
    const forHost = signed(one, { uri: 'http://evil.example/webhooks/hubspot' });
    expect((await post(forHost.body, forHost.headers, 'http://evil.example')).status).toBe(401);
    const foreign = signed([event(1001, 99_999_999)]);
    expect(await post(foreign.body, foreign.headers)).toMatchObject({ status: 400, body: { error: 'unknown portal' } });
    const malformed = signed([{ hello: 'world' }]);
    expect((await post(malformed.body, malformed.headers)).status).toBe(400);
    expect(await jobsOf(realtime.id)).toHaveLength(0);
    expect(await jobsOf(hourly.id)).toHaveLength(0);
    // nothing secret in what we logged
    const text = logs.join('\n');
    expect(text).not.toContain(DEMO_APP.clientSecret);
    expect(text).not.toContain(wrongSecret.headers['x-hubspot-signature-v3']);
  });

  it('a valid delivery enqueues one sync for the realtime connection only, whatever Host it came through; a burst coalesces', async () => {
    const delivery = signed([event(1001), event(1002)]);
    // the signature covers APP_URL: the Host header the request came in with does not matter
    const first = await post(delivery.body, delivery.headers, 'http://proxy.internal:8080');
    expect(first).toMatchObject({ status: 200, body: { accepted: 2, queued: 1, coalesced: 0 } });
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => signed([event(2000 + i)])).map((d) => post(d.body, d.headers)));
    expect(burst.every((a) => a.status === 200)).toBe(true);
    expect(burst.reduce((n, a) => n + Number(a.body.queued), 0)).toBe(0);
    const jobs = await jobsOf(realtime.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data).toEqual({ connectionId: realtime.id, trigger: 'realtime' });
    expect(await jobsOf(hourly.id)).toHaveLength(0); // hourly connections wait for their schedule
    const audits = await database.current.db.select().from(auditLog).where(and(eq(auditLog.action, 'sync.webhook.enqueue'), eq(auditLog.targetId, realtime.id)));
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits[0]!.details)).not.toContain(DEMO_APP.clientSecret);
    await boss.deleteJob(queues.crmSync.name, jobs[0]!.id);
  });

  it('a change in HubSpot → the sandbox’s signed delivery → a crm-sync job whose incremental pull brings it in', async () => {
    const links = await linksOf(database.current, realtime.id, 'contact');
    const target = links[0]!;
    const editor = remoteEditor(sandboxes, 'hubspot');
    const [wrote] = await editor.write('contact', [{ id: target.remoteId, fields: { jobtitle: 'Changed in HubSpot' } }]);
    expect(wrote!.ok).toBe(true);
    const flushed = (await (await fetch(`${sandboxes.hubspot.url}/_hubspot/webhooks/flush`, { method: 'POST' })).json()) as { deliveries: { status: number | null; events: number }[] };
    expect(flushed.deliveries.at(-1)).toMatchObject({ status: 200, events: 1 });
    expect(await jobsOf(realtime.id)).toHaveLength(1);

    await registerHandler(boss, 'crmSync', crmSync, {
      database: { db: services.db, sql: services.sql, close: async () => {} } as never,
      log: (line) => logs.push(line),
      env: services.env,
      keyring: services.keyring,
      boss,
    });
    const run = await until('the realtime run', async () => {
      const [row] = await database.current.db
        .select()
        .from(syncRuns)
        .where(and(eq(syncRuns.connectionId, realtime.id), eq(syncRuns.trigger, 'realtime'), eq(syncRuns.status, 'succeeded')));
      return row;
    });
    expect(run.updated).toBe(1);
    expect(run.apiCalls).toBeLessThanOrEqual(3);
    const [contact] = await database.current.db.select().from(contacts).where(eq(contacts.id, target.appId));
    expect(contact!.position).toBe('Changed in HubSpot');
    // the hourly tenant heard nothing: its copy waits for its schedule
    const [other] = await database.current.db.select({ id: syncRuns.id }).from(syncRuns).where(and(eq(syncRuns.connectionId, hourly.id), eq(syncRuns.trigger, 'realtime')));
    expect(other).toBeUndefined();
  });
});
