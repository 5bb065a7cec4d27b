import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, connections } from '../../db/schema';
import { kommoAccounts, kommoRateLimits } from '../../db/schema/kommo';
import type { RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import type { AppServices } from '../../server/app-services';
import { KommoAccessBlocked } from '../../server/providers/kommo/errors';
import { connectDatabase } from '../../db/client';
import { buildTransport, kommoConnectionOf, openKommoReader } from '../../server/services/kommo/connection';
import { KommoReadClient } from '../../server/providers/kommo/read';
import { claimDueConnections } from '../../server/services/sync/schedule';
import { outcome, fieldErrorsOf } from '../support/crm';
import { useTestDatabase } from '../support/database';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { depsOf, KOMMO_ACCOUNT_ID, KOMMO_CLIENT, KOMMO_LONG_LIVED, kommoServices, relaxKommoLimits, startKommoSandbox } from '../support/kommo';

/**
 * The Kommo connection (decision 007) against the sandbox and a real Postgres: a
 * long-lived token, the OAuth round trip with the tenant's own integration and rotating
 * refresh tokens, the 403 alert, the shared 7 requests/s pacer, and the manual_only
 * policy the scheduler and the database keep.
 */

const database = useTestDatabase();
let sb: RunningSandbox<KommoStore>;
let services: AppServices;

beforeAll(async () => {
  sb = await startKommoSandbox(400);
  services = kommoServices(database.current, sb.url);
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => relaxKommoLimits(sb));

async function tenantWith(role: 'owner' | 'admin' = 'owner', planTier: 'free' | 'professional' = 'professional') {
  const tenant = await makeTenant(database.current, { planTier });
  const user = await makeUser(database.current, role, tenant.id);
  const { caller } = await callerAs(database.current, user, services);
  return { tenant, user, caller };
}

async function consent(authorizationUrl: string): Promise<URL> {
  const form = new URLSearchParams(new URL(authorizationUrl).searchParams);
  form.set('decision', 'allow');
  const res = await fetch(`${sb.url}/oauth`, { method: 'POST', body: form, redirect: 'manual' });
  return new URL(res.headers.get('location')!);
}

describe('connecting Kommo', () => {
  it('with a long-lived token: tested at once, account and user shown, stored encrypted, manual_only', async () => {
    const { tenant, caller } = await tenantWith();
    expect(await caller.kommo.connection.get()).toMatchObject({ connected: false, redirectUri: `http://localhost:3000/integrations/kommo/callback/${tenant.slug}` });
    const result = await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
    expect(result).toEqual({ accountName: 'CRM Hub Sandbox', connectedAs: expect.stringMatching(/.+ <.+@.+>/) });

    const view = await caller.kommo.connection.get();
    expect(view).toMatchObject({ connected: true, status: 'connected', authMode: 'long_lived', kommoAccountId: KOMMO_ACCOUNT_ID, outboundPolicy: 'manual_only', usesSandbox: true });
    if (!view.exists) throw new Error('not connected');
    expect(view.webhookUrl).toMatch(new RegExp(`^http://localhost:3000/webhooks/kommo/${tenant.slug}/[A-Za-z0-9_-]{43}$`));
    const [row] = await database.current.db.select().from(connections).where(eq(connections.organizationId, tenant.id));
    expect(row).toMatchObject({ provider: 'kommo', outboundPolicy: 'manual_only', frequency: 'manual', nextSyncAt: null, remoteAccountId: String(KOMMO_ACCOUNT_ID) });
    expect(row!.credentials).not.toContain(KOMMO_LONG_LIVED);
    const [account] = await database.current.db.select().from(kommoAccounts).where(eq(kommoAccounts.organizationId, tenant.id));
    expect(account!.webhookSecret).not.toContain(view.webhookUrl.split('/').pop()!);
    expect(account!.webhookSecretHash).toMatch(/^[0-9a-f]{64}$/);

    expect(await caller.kommo.connection.test()).toMatchObject({ accountName: 'CRM Hub Sandbox', kommoAccountId: KOMMO_ACCOUNT_ID });
    const actions = (await database.current.db.select().from(auditLog).where(eq(auditLog.organizationId, tenant.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['kommo.connection.connect', 'kommo.connection.test']));
    expect(JSON.stringify(await database.current.db.select().from(auditLog).where(eq(auditLog.organizationId, tenant.id)))).not.toContain(KOMMO_LONG_LIVED);
  });

  it('refuses a bad subdomain, a bad token, and a plan without room for a connection', async () => {
    const { caller } = await tenantWith();
    expect(await fieldErrorsOf(caller.kommo.connection.connectLongLived({ subdomain: 'acme.evil.com', token: KOMMO_LONG_LIVED }))).toHaveProperty('subdomain');
    expect(await outcome(caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: 'not-a-kommo-token-at-all-xxxx' }))).toBe('PRECONDITION_FAILED');
    const free = await tenantWith('owner', 'free');
    expect(await outcome(free.caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED }))).toBe('FORBIDDEN');
    const sales = await makeUser(database.current, 'sales', (await tenantWith()).tenant.id);
    expect(await outcome((await callerAs(database.current, sales, services)).caller.kommo.connection.get())).toBe('FORBIDDEN');
  });

  it('with OAuth: per-tenant redirect, single-use state, referer checked, refresh tokens rotated under the row lock', async () => {
    const { tenant, user, caller } = await tenantWith('admin');
    const started = await caller.kommo.connection.startOAuth({ subdomain: 'crmhubsandbox', integration: { id: KOMMO_CLIENT.id, secret: KOMMO_CLIENT.secret } });
    expect(started.redirectUri).toBe(`http://localhost:3000/integrations/kommo/callback/${tenant.slug}`);
    const back = await consent(started.authorizationUrl);
    const state = back.searchParams.get('state')!;
    const code = back.searchParams.get('code')!;

    // someone else's session cannot use the state
    const intruder = await callerAs(database.current, await makeUser(database.current, 'owner', tenant.id), services);
    expect(await outcome(intruder.caller.kommo.connection.completeOAuth({ state, code, referer: back.searchParams.get('referer') }))).toBe('BAD_REQUEST');
    // the state was spent by that attempt: start again, and try a foreign referer
    const again = await consent((await caller.kommo.connection.startOAuth({ subdomain: 'crmhubsandbox', integration: { id: KOMMO_CLIENT.id } })).authorizationUrl);
    expect(await outcome(caller.kommo.connection.completeOAuth({ state: again.searchParams.get('state')!, code: again.searchParams.get('code')!, referer: 'evil.kommo.com' }))).toBe('BAD_REQUEST');
    const third = await consent((await caller.kommo.connection.startOAuth({ subdomain: 'crmhubsandbox', integration: { id: KOMMO_CLIENT.id } })).authorizationUrl);
    const done = await caller.kommo.connection.completeOAuth({ state: third.searchParams.get('state')!, code: third.searchParams.get('code')!, referer: third.searchParams.get('referer') });
    expect(done.accountName).toBe('CRM Hub Sandbox');
    expect(await outcome(caller.kommo.connection.completeOAuth({ state: third.searchParams.get('state')!, code: third.searchParams.get('code')! }))).toBe('BAD_REQUEST');
    expect(await caller.kommo.connection.get()).toMatchObject({ connected: true, authMode: 'oauth', oauthClientId: KOMMO_CLIENT.id, hasClientSecret: true });

    // expire every access token: five concurrent readers refresh ONCE, the new pair is stored
    const found = (await kommoConnectionOf(database.current.db, tenant.id))!;
    const before = found.conn.credentials;
    const refreshesBefore = sb.store.oauth.counters.refreshes;
    sb.store.expireAllTokens();
    sb.store.installLongLivedToken(KOMMO_LONG_LIVED, 86_400);
    const readers = await Promise.all(Array.from({ length: 5 }, () => openKommoReader(depsOf(services), found.conn.id)));
    const accounts = await Promise.all(readers.map((r) => r.reader.account()));
    expect(accounts.every((a) => a.id === KOMMO_ACCOUNT_ID)).toBe(true);
    expect(sb.store.oauth.counters.refreshes - refreshesBefore).toBe(1);
    const [after] = await database.current.db.select().from(connections).where(eq(connections.id, found.conn.id));
    expect(after!.credentials).not.toBe(before);

    // a revoked refresh token: the connection asks for a person, nobody loops
    sb.store.expireAllTokens();
    sb.store.oauth.revokeAllRefreshTokens();
    sb.store.installLongLivedToken(KOMMO_LONG_LIVED, 86_400);
    const { reader } = await openKommoReader(depsOf(services), found.conn.id);
    await expect(reader.account()).rejects.toThrow(/re-?authoriz|refused/i);
    const [failed] = await database.current.db.select().from(connections).where(eq(connections.id, found.conn.id));
    expect(failed).toMatchObject({ status: 'error' });
    expect(failed!.statusReason).toMatch(/Re-authorization needed/);
    void user;
  });

  it('rotates the webhook secret; the previous URL stays valid for a day', async () => {
    const { caller } = await tenantWith();
    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
    const first = await caller.kommo.connection.get();
    const rotated = await caller.kommo.connection.rotateWebhookSecret();
    if (!first.exists || !rotated.exists) throw new Error('not connected');
    expect(rotated.webhookUrl).not.toBe(first.webhookUrl);
    expect(rotated.previousWebhookUrlValidUntil!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });
});

describe('Kommo rate limits and blocks', () => {
  it('a 403 puts the connection in an alert state and stops every later call before it is sent', async () => {
    const { tenant, caller } = await tenantWith();
    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
    const found = (await kommoConnectionOf(database.current.db, tenant.id))!;
    Object.assign(sb.store.limits, { enabled: true, perSecond: 7, violationsToBlock: 1, blockSeconds: 120 });
    sb.store.blockedUntil = Date.now() + 120_000; // Kommo has blocked the account
    const { reader } = await openKommoReader(depsOf(services), found.conn.id);
    await expect(reader.account()).rejects.toBeInstanceOf(KommoAccessBlocked);
    const view = await caller.kommo.connection.get();
    if (!view.exists) throw new Error('view');
    expect(view.alert).toMatch(/Kommo blocked API access \(403\)/);
    expect(view.blockedUntil!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    const requestsBefore = sb.requests.all().length;
    await expect(openKommoReader(depsOf(services), found.conn.id)).rejects.toBeInstanceOf(KommoAccessBlocked);
    expect(sb.requests.all().length).toBe(requestsBefore);
    const audit = await database.current.db.select().from(auditLog).where(eq(auditLog.action, 'system.kommo.blocked'));
    expect(audit.some((a) => a.organizationId === tenant.id)).toBe(true);
    await caller.kommo.connection.acknowledgeAlert();
    expect(await caller.kommo.connection.get()).toMatchObject({ alert: null });
  });

  it('shares 7 requests/s per Kommo account across processes: three pools, 28 requests, no 429', async () => {
    const { tenant, caller } = await tenantWith();
    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
    const found = (await kommoConnectionOf(database.current.db, tenant.id))!;
    await database.current.db.delete(kommoRateLimits);
    Object.assign(sb.store.limits, { enabled: true, perSecond: 7, violationsToBlock: 1_000 });
    sb.store.limiter.reset();
    // three "workers", each with its own connection pool, as separate processes would have
    const pools = [connectDatabase(database.current.url, { max: 2 }), connectDatabase(database.current.url, { max: 2 }), connectDatabase(database.current.url, { max: 2 })];
    try {
      const clients = pools.map((p) => new KommoReadClient(buildTransport({ ...depsOf(services), db: p.db, sql: p.sql }, found)));
      const before = sb.requests.all().length;
      const started = Date.now();
      const statuses: number[] = [];
      await Promise.all(
        clients.map(async (client, i) => {
          for (let k = 0; k < (i === 0 ? 10 : 9); k++) {
            await client.account();
            statuses.push(200);
          }
        }),
      );
      const elapsed = Date.now() - started;
      const log = sb.requests.all().slice(before);
      expect(statuses).toHaveLength(28);
      expect(log.filter((r) => r.status === 429)).toEqual([]);
      // 28 requests at one per ≥ 1/7 s: at least 27 spacings
      expect(elapsed).toBeGreaterThanOrEqual(27 * (1000 / 7) - 50);
      // never more than 7 arrivals within any second
      const times = log.map((r) => r.at).sort((a, b) => a - b);
      for (let i = 7; i < times.length; i++) expect(times[i]! - times[i - 7]!).toBeGreaterThanOrEqual(1000);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});

describe('manual_only', () => {
  it('the scheduler never picks a Kommo connection, and the outbound policy cannot be switched', async () => {
    const { tenant, caller } = await tenantWith();
    await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
    const found = (await kommoConnectionOf(database.current.db, tenant.id))!;
    const due = await claimDueConnections(database.current.db, new Date(Date.now() + 365 * 86_400_000));
    expect(due.map((d) => d.id)).not.toContain(found.conn.id);
    const refusal = (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: { cause?: { message?: string } }) => e.cause?.message ?? String(e));
    expect(await refusal(database.current.db.update(connections).set({ outboundPolicy: 'automatic' }).where(eq(connections.id, found.conn.id)))).toMatch(/manual_only: their outbound policy cannot be switched/);
    expect(await refusal(database.current.db.execute(sql`update connections set frequency = 'hourly', next_sync_at = now() where id = ${found.conn.id}`))).toMatch(/never scheduled/);
    const [still] = await database.current.db.select().from(connections).where(eq(connections.id, found.conn.id));
    expect(still).toMatchObject({ outboundPolicy: 'manual_only', frequency: 'manual', nextSyncAt: null });
  });
});
