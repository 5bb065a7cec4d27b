import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../db/client';
import { auditLog, connections, oauthStates, organizations } from '../../db/schema';
import { acceptedInstanceUrl, providerSetup, SANDBOX_APPS } from '../../server/providers/registry';
import { DEMO_APP } from '../../server/sandbox/hubspot/constants';
import { DEMO_CLIENT } from '../../server/sandbox/salesforce/store';
import { SyncClient } from '../../server/services/sync/client';
import {
  completeAuthorization,
  connectionById,
  disconnectConnection,
  pauseConnection,
  resumeConnection,
  startConnection,
  testConnection,
} from '../../server/services/sync/connections';
import { SyncError } from '../../server/services/sync/errors';
import { currentTokens, openTokens, sealTokens, type SyncDeps } from '../../server/services/sync/tokens';
import { useTestDatabase } from '../support/database';
import { makeUser } from '../support/factories';
import { connectionRow, connectProvider, consent, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/** The OAuth round trip, plan limits, token refresh once across jobs, invalid_grant, pause/resume, disconnect. */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 12, seed: 5 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

async function kindOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof SyncError) return error.kind;
    throw error;
  }
}

describe('the connect flow', () => {
  it('uses the sandboxes’ published demo apps in demo/test, and refuses a provider nobody configured', () => {
    expect(SANDBOX_APPS.salesforce).toEqual({ clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret });
    expect(SANDBOX_APPS.hubspot).toEqual({ clientId: DEMO_APP.clientId, clientSecret: DEMO_APP.clientSecret });
    expect(() => providerSetup('hubspot', { env: { NODE_ENV: 'production' } as never, sandboxes: sandboxes.urls })).toThrow(/not configured/);
  });

  it('accepts a Salesforce instance URL only from the allow-list (plus the sandbox itself in demo/test)', () => {
    const real = providerSetup('salesforce', { env: { NODE_ENV: 'production', SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 's' } as never, sandboxes: null });
    expect(acceptedInstanceUrl(real, 'https://acme.my.salesforce.com')).toBe('https://acme.my.salesforce.com');
    expect(acceptedInstanceUrl(real, 'https://na139.salesforce.com/services')).toBe('https://na139.salesforce.com');
    for (const bad of ['http://acme.my.salesforce.com', 'https://evil.example.com', 'https://salesforce.com.evil.example', 'https://x:y@acme.my.salesforce.com', 'https://acme.my.salesforce.com:8443', sandboxes.urls.salesforce!, 'not a url']) {
      expect(acceptedInstanceUrl(real, bad), bad).toBeNull();
    }
    const sandbox = providerSetup('salesforce', { env: { NODE_ENV: 'test' } as never, sandboxes: sandboxes.urls });
    expect(acceptedInstanceUrl(sandbox, sandboxes.urls.salesforce)).toBe(sandboxes.urls.salesforce);
    expect(acceptedInstanceUrl(sandbox, 'https://acme.my.salesforce.com')).toBeNull();
  });

  for (const provider of ['salesforce', 'hubspot'] as const) {
    it(`${provider}: authorization code with PKCE and state; connected-as from the CRM's identity; tokens encrypted at rest`, async () => {
      const tenant = await syncTenant(database.current);
      const actor = { organizationId: tenant.organizationId, userId: tenant.userId };
      const started = await startConnection(deps, actor, sandboxes.urls, { provider });
      const url = new URL(started.authorizationUrl);
      expect(url.origin).toBe(sandboxes.urls[provider]);
      expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(Buffer.from(url.searchParams.get('state')!, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(url.searchParams.get('redirect_uri')).toBe(`http://localhost:3000/integrations/${provider}/callback`);
      const [stored] = await database.current.db.select().from(oauthStates).where(eq(oauthStates.connectionId, started.connection.id));
      expect(stored!.stateHash).not.toContain(url.searchParams.get('state')!);
      expect(stored!.codeVerifier).toMatch(/^v1\./);
      expect(stored!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(10 * 60_000);
      const { code, state } = await consent(started.authorizationUrl);
      const connection = await completeAuthorization(deps, actor, { provider, state, code });
      expect(connection.status).toBe('connected');
      expect(connection.connectedAs).toMatch(provider === 'salesforce' ? /demo/i : /sandbox/i);
      expect(connection.credentials).toMatch(/^v1\./);
      expect(connection.credentials).not.toContain(openTokens(deps.keyring, connection.id, connection.credentials!).accessToken);
      if (provider === 'salesforce') expect(connection.instanceUrl).toBe(sandboxes.urls.salesforce);
      expect(await database.current.db.select().from(oauthStates).where(eq(oauthStates.connectionId, connection.id))).toHaveLength(0);
    });
  }

  it('a tampered, replayed, expired or foreign state is refused and stores nothing', async () => {
    const tenant = await syncTenant(database.current);
    const actor = { organizationId: tenant.organizationId, userId: tenant.userId };
    const started = await startConnection(deps, actor, sandboxes.urls, { provider: 'hubspot' });
    const { code, state } = await consent(started.authorizationUrl);
    const snapshot = async () => {
      const row = await connectionRow(database.current, started.connection.id);
      return { status: row.status, credentials: row.credentials, connectedAs: row.connectedAs };
    };
    const pending = await snapshot();
    expect(pending).toEqual({ status: 'pending_auth', credentials: null, connectedAs: null });

    // tampered
    const tampered = `${state.slice(0, -2)}${state.endsWith('A') ? 'BB' : 'AA'}`;
    expect(await kindOf(completeAuthorization(deps, actor, { provider: 'hubspot', state: tampered, code }))).toBe('invalid');
    // foreign: another user of the same tenant, and a user of another tenant
    const colleague = await makeUser(database.current, 'admin', tenant.organizationId);
    expect(await kindOf(completeAuthorization(deps, { organizationId: tenant.organizationId, userId: colleague.id }, { provider: 'hubspot', state, code }))).toBe('invalid');
    const other = await syncTenant(database.current);
    expect(await kindOf(completeAuthorization(deps, { organizationId: other.organizationId, userId: other.userId }, { provider: 'hubspot', state, code }))).toBe('invalid');
    // the wrong provider's callback
    expect(await kindOf(completeAuthorization(deps, actor, { provider: 'salesforce', state, code }))).toBe('invalid');
    expect(await snapshot()).toEqual(pending);

    // the rightful callback works once; the replay is refused and changes nothing
    await completeAuthorization(deps, actor, { provider: 'hubspot', state, code });
    const connected = await snapshot();
    expect(connected.status).toBe('connected');
    expect(await kindOf(completeAuthorization(deps, actor, { provider: 'hubspot', state, code }))).toBe('invalid');
    expect(await snapshot()).toEqual(connected);

    // expired (10 minutes): refused, nothing stored
    const second = await startConnection(deps, actor, sandboxes.urls, { provider: 'salesforce' });
    const round = await consent(second.authorizationUrl);
    await database.current.db.update(oauthStates).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(oauthStates.connectionId, second.connection.id));
    expect(await kindOf(completeAuthorization(deps, actor, { provider: 'salesforce', state: round.state, code: round.code }))).toBe('invalid');
    const stillPending = await connectionRow(database.current, second.connection.id);
    expect(stillPending).toMatchObject({ status: 'pending_auth', credentials: null });
  });

  it('refuses a connection beyond the plan with an "upgrade" error', async () => {
    const tenant = await syncTenant(database.current);
    const actor = { organizationId: tenant.organizationId, userId: tenant.userId };
    await database.current.db.update(organizations).set({ planTier: 'starter' }).where(eq(organizations.id, tenant.organizationId));
    await startConnection(deps, actor, sandboxes.urls, { provider: 'hubspot' });
    const error = await startConnection(deps, actor, sandboxes.urls, { provider: 'salesforce' }).catch((e) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect(error.kind).toBe('plan_limit');
    expect(error.message).toMatch(/starter plan allows 1 CRM connection\. Upgrade/);
    await database.current.db.update(organizations).set({ planTier: 'free' }).where(eq(organizations.id, tenant.organizationId));
    const free = await startConnection(deps, actor, sandboxes.urls, { provider: 'salesforce' }).catch((e) => e);
    expect(free.kind).toBe('plan_limit');
    expect(free.message).toMatch(/Upgrade/);
    const [n] = await database.current.db.select({ n: sql<number>`count(*)::int` }).from(connections).where(eq(connections.organizationId, tenant.organizationId));
    expect(n!.n).toBe(1);
  });
});

describe('tokens', () => {
  it('20 concurrent jobs in 4 processes refresh an expiring token exactly once (HubSpot: ahead of expiry)', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot');
    const tokens = openTokens(deps.keyring, connection.id, connection.credentials!);
    // two minutes left: inside the refresh-ahead window
    await database.current.db
      .update(connections)
      .set(sealTokens(deps.keyring, connection.id, { ...tokens, expiresAt: Date.now() + 120_000 }))
      .where(eq(connections.id, connection.id));
    const pools = Array.from({ length: 4 }, () => connectDatabase(database.current.url, { max: 5 }));
    const before = sandboxes.hubspot.store.oauth.counters.refreshes;
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => currentTokens({ ...deps, db: pools[i % 4]!.db, sql: pools[i % 4]!.sql }, connection.id)));
      expect(sandboxes.hubspot.store.oauth.counters.refreshes - before).toBe(1);
      expect(new Set(results.map((t) => t.accessToken)).size).toBe(1);
      expect(results[0]!.accessToken).not.toBe(tokens.accessToken);
      expect(results[0]!.expiresAt! - Date.now()).toBeGreaterThan(20 * 60_000);
    } finally {
      for (const p of pools) await p.close();
    }
  });

  it('20 concurrent jobs whose token the CRM rejects refresh exactly once (Salesforce: on the 401)', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'salesforce');
    sandboxes.salesforce.store.oauth.expireAllAccessTokens();
    const pools = Array.from({ length: 4 }, () => connectDatabase(database.current.url, { max: 5 }));
    const before = sandboxes.salesforce.store.oauth.counters.refreshes;
    try {
      const pages = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const client = await SyncClient.open({ ...deps, db: pools[i % 4]!.db, sql: pools[i % 4]!.sql }, connection.id);
          return client.pullChanges('contact', null, { fields: ['Email'], pageSize: 2 });
        }),
      );
      expect(pages.every((p) => p.records.length === 2)).toBe(true);
      expect(sandboxes.salesforce.store.oauth.counters.refreshes - before).toBe(1);
    } finally {
      for (const p of pools) await p.close();
    }
  });

  it('invalid_grant: the connection turns to error "re-authorization needed", its schedule stops, nobody retries', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'hubspot', { frequency: 'hourly' });
    expect((await connectionRow(database.current, connection.id)).nextSyncAt).not.toBeNull();
    sandboxes.hubspot.store.oauth.revokeAllRefreshTokens();
    sandboxes.hubspot.store.oauth.expireAllAccessTokens();
    const before = sandboxes.hubspot.store.oauth.counters.refreshes;
    const outcome = await sync(deps, connection.id);
    if (outcome.status !== 'done') throw new Error(JSON.stringify(outcome));
    expect(outcome.runs[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/refresh token|re-authorization/i) });
    const row = await connectionRow(database.current, connection.id);
    expect(row).toMatchObject({ status: 'error', statusReason: 're-authorization needed', nextSyncAt: null });
    // the next trigger does not try again
    expect(await sync(deps, connection.id)).toEqual({ status: 'skipped', reason: 'connection is error' });
    expect(sandboxes.hubspot.store.oauth.counters.refreshes).toBe(before);
    const audit = await database.current.db.select().from(auditLog).where(eq(auditLog.action, 'system.connection.reauthorization_needed'));
    expect(audit.some((a) => a.targetId === connection.id)).toBe(true);
  });
});

describe('test, pause, resume, disconnect', () => {
  it('tests the connection, pauses and resumes it, and disconnect revokes at the provider and deletes the credentials', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'salesforce', { frequency: 'hourly' });
    const tested = await testConnection(deps, connection);
    expect(tested).toMatchObject({ ok: true, connectedAs: expect.stringMatching(/demo/i) });
    const paused = await pauseConnection(database.current.db, connection, 'paused by a user');
    expect(paused).toMatchObject({ status: 'paused', nextSyncAt: null });
    expect(await sync(deps, connection.id)).toEqual({ status: 'skipped', reason: 'connection is paused' });
    const resumed = await resumeConnection(database.current.db, paused);
    expect(resumed.status).toBe('connected');
    expect(resumed.nextSyncAt).not.toBeNull();
    const tokens = openTokens(deps.keyring, connection.id, resumed.credentials!);
    const revocations = sandboxes.salesforce.store.oauth.counters.revocations;
    const { connection: gone, revoked } = await disconnectConnection(deps, await connectionById(database.current.db, tenant.organizationId, connection.id));
    expect(revoked).toBe(true);
    expect(sandboxes.salesforce.store.oauth.counters.revocations).toBe(revocations + 1);
    expect(gone).toMatchObject({ status: 'disconnected', credentials: null, nextSyncAt: null });
    // the revoked refresh token no longer works at the provider
    const refused = await fetch(`${sandboxes.urls.salesforce}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken!, client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret }),
    });
    expect(refused.status).toBe(400);
    expect(await sync(deps, connection.id)).toEqual({ status: 'skipped', reason: 'connection is disconnected' });
  });
});

describe('the daily API budget', () => {
  it('stops a run before the connection spends more than its share of the daily allocation', async () => {
    const tenant = await syncTenant(database.current);
    const connection = await connectProvider(deps, tenant, sandboxes, 'salesforce', { dailyApiBudgetPercent: 1 });
    const store = sandboxes.salesforce.store;
    const limit = store.settings.dailyApiLimit;
    // the allocation Salesforce reports in Sforce-Limit-Info: 1% of (used + 300) leaves about three calls
    store.settings.dailyApiLimit = store.apiUsage.used + 300;
    try {
      const outcome = await sync(deps, connection.id);
      if (outcome.status !== 'done') throw new Error(JSON.stringify(outcome));
      expect(outcome.runs.at(-1)).toMatchObject({ status: 'partial', error: expect.stringMatching(/daily API budget/) });
      const row = await connectionRow(database.current, connection.id);
      expect(row.apiCallsCount).toBeLessThanOrEqual(4);
      expect(row.status).toBe('connected');
    } finally {
      store.settings.dailyApiLimit = limit;
    }
  });
});

