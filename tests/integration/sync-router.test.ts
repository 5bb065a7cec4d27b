import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loader as callbackLoader } from '../../app/routes/integrations.$provider.callback';
import { auditLog, connections, organizations, recordLinks, syncRuns } from '../../db/schema';
import { startBoss } from '../../jobs/boss';
import { createSession } from '../../server/auth/session';
import { SECURE_COOKIE } from '../../server/auth/cookie';
import type { AppServices } from '../../server/app-services';
import { nextDailyBoundary } from '../../server/services/sync/schedule';
import { useTestDatabase } from '../support/database';
import { callerAs, makeUser } from '../support/factories';
import { outcome } from '../support/crm';
import { connectionRow, consent, startSyncSandboxes, syncServices, syncTenant, type Sandboxes, type SyncTenant } from '../support/sync';

/** The tRPC surface of the sync engine and the OAuth callback route, as the browser reaches them. */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let services: AppServices;
let boss: PgBoss;
let tenant: SyncTenant;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 10, seed: 3 });
  boss = await startBoss(database.current.url, { schedule: false });
  services = { ...syncServices(database.current, sandboxes).services, boss };
  tenant = await syncTenant(database.current);
});
afterAll(async () => {
  await boss?.stop({ graceful: false, timeout: 2000 });
  await sandboxes?.close();
});

const owner = () => callerAs(database.current, { id: tenant.userId, organizationId: tenant.organizationId }, services);

async function callback(provider: string, query: Record<string, string>, user: { id: string; organizationId: string } | null = { id: tenant.userId, organizationId: tenant.organizationId }) {
  const headers = new Headers({ 'user-agent': 'vitest' });
  if (user) headers.set('cookie', `${SECURE_COOKIE}=${(await createSession(database.current.db, { userId: user.id, activeOrganizationId: user.organizationId })).token}`);
  const request = new Request(`http://localhost:3000/integrations/${provider}/callback?${new URLSearchParams(query)}`, { headers });
  return (await callbackLoader({ request, params: { provider }, context: { services } } as never)) as Response;
}

describe('the OAuth callback route', () => {
  it('completes the round trip and redirects to the configure step (/integrations/<id>/settings?welcome=1), without a referrer', async () => {
    const { caller } = await owner();
    const created = await caller.connections.create({ provider: 'hubspot', frequency: 'manual' });
    expect(created.connection.status).toBe('pending_auth');
    const { code, state } = await consent(created.authorizationUrl);
    const response = await callback('hubspot', { code, state });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/integrations/${created.connection.id}/settings?welcome=1`);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await connectionRow(database.current, created.connection.id)).status).toBe('connected');
    // audited, without a secret
    const rows = await database.current.db.select().from(auditLog).where(eq(auditLog.targetId, created.connection.id));
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['connection.create', 'connection.connected']));
    expect(JSON.stringify(rows)).not.toMatch(/CKsandbox-|rt_|code_/);
  });

  it('answers 400 to a tampered, replayed, expired or foreign state, and stores nothing', async () => {
    const { caller } = await owner();
    const created = await caller.connections.create({ provider: 'salesforce', frequency: 'manual' });
    const { code, state } = await consent(created.authorizationUrl);
    const before = await connectionRow(database.current, created.connection.id);
    const tampered = await callback('salesforce', { code, state: `x${state.slice(1)}` });
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await tampered.text()).toContain('invalid or has expired');
    const colleague = await makeUser(database.current, 'admin', tenant.organizationId);
    expect((await callback('salesforce', { code, state }, { id: colleague.id, organizationId: tenant.organizationId })).status).toBe(400);
    expect((await callback('hubspot', { code, state })).status).toBe(400); // another provider's URL
    expect((await callback('salesforce', { error: 'access_denied', state })).status).toBe(400);
    expect((await callback('salesforce', { code, state }, null)).status).toBe(401);
    expect(await connectionRow(database.current, created.connection.id)).toEqual(before);
    expect((await callback('salesforce', { code, state })).status).toBe(302);
    const replay = await callback('salesforce', { code, state });
    expect(replay.status).toBe(400);
    expect((await callback('kommo', { code, state })).status).toBe(404);
  });
});

describe('the connections router', () => {
  it('refuses a connection beyond the plan with 402 and an upgrade message', async () => {
    const small = await syncTenant(database.current);
    await database.current.db.update(organizations).set({ planTier: 'free' }).where(eq(organizations.id, small.organizationId));
    const { caller } = await callerAs(database.current, { id: small.userId, organizationId: small.organizationId }, services);
    const error = await caller.connections.create({ provider: 'hubspot' }).catch((e) => e);
    expect(error.code).toBe('PAYMENT_REQUIRED');
    expect(error.message).toMatch(/Upgrade/);
  });

  it('lists connections without credentials; managers read, only owners/admins change', async () => {
    const { caller } = await owner();
    const list = await caller.connections.list();
    expect(list.length).toBeGreaterThan(0);
    expect(JSON.stringify(list)).not.toMatch(/credentials"|v1\./);
    const manager = await makeUser(database.current, 'manager', tenant.organizationId);
    const { caller: asManager } = await callerAs(database.current, manager, services);
    expect((await asManager.connections.list()).length).toBe(list.length);
    expect(await outcome(asManager.connections.pause({ id: list[0]!.id }))).toBe('FORBIDDEN');
  });

  it('sync now queues one job per connection; a second trigger answers "already queued" or "already running"', async () => {
    const { caller } = await owner();
    const connected = (await caller.connections.list()).find((c) => c.status === 'connected')!;
    const first = await caller.connections.syncNow({ id: connected.id });
    expect(first.status).toBe('queued');
    expect((await caller.connections.syncNow({ id: connected.id })).status).toBe('already_queued');
    const [run] = await database.current.db
      .insert(syncRuns)
      .values({ organizationId: tenant.organizationId, connectionId: connected.id, trigger: 'manual', direction: 'bidirectional', entity: 'account', status: 'running' })
      .returning();
    expect(await caller.connections.syncNow({ id: connected.id })).toMatchObject({ status: 'already_running', runId: run!.id });
    await database.current.db.update(syncRuns).set({ status: 'interrupted' }).where(eq(syncRuns.id, run!.id));
  });

  it('linkedCounts: records linked per connection and entity, this tenant only', async () => {
    const { caller } = await owner();
    const connected = (await caller.connections.list()).find((c) => c.status === 'connected')!;
    const before = (await caller.connections.linkedCounts()).find((l) => l.connectionId === connected.id) ?? { accounts: 0, contacts: 0 };
    const link = (entity: 'account' | 'contact', n: number) => ({ organizationId: tenant.organizationId, connectionId: connected.id, entity, appId: randomUUID(), remoteId: `linked-${entity}-${n}-${randomUUID()}` });
    await database.current.db.insert(recordLinks).values([link('account', 1), link('contact', 1), link('contact', 2), link('contact', 3)]);
    const after = (await caller.connections.linkedCounts()).find((l) => l.connectionId === connected.id)!;
    expect(after).toMatchObject({ accounts: before.accounts + 1, contacts: before.contacts + 3 });
    // another tenant sees none of them
    const other = await syncTenant(database.current);
    const { caller: stranger } = await callerAs(database.current, { id: other.userId, organizationId: other.organizationId }, services);
    expect((await stranger.connections.linkedCounts()).find((l) => l.connectionId === connected.id)).toBeUndefined();
  });

  it('settings, pause/resume, test and the CRM field list through the router, each audited', async () => {
    const { caller } = await owner();
    const connected = (await caller.connections.list()).find((c) => c.status === 'connected' && c.provider === 'hubspot')!;
    const updated = await caller.connections.update({ id: connected.id, frequency: 'daily', conflictStrategy: 'manual_review', filters: { contact: [{ field: 'email', operator: 'not_empty' }] } });
    expect(updated).toMatchObject({ frequency: 'daily', conflictStrategy: 'manual_review' });
    expect(updated.nextSyncAt).toEqual(nextDailyBoundary(new Date(), 'UTC', 0)); // the tenant's day boundary
    expect(await outcome(caller.connections.update({ id: connected.id, filters: { contact: [{ field: 'taxId', operator: 'eq', value: 'x' }] } }))).toBe('BAD_REQUEST');
    expect((await caller.connections.test({ id: connected.id })).ok).toBe(true);
    expect((await caller.connections.pause({ id: connected.id })).status).toBe('paused');
    expect(await outcome(caller.connections.syncNow({ id: connected.id }))).toBe('PRECONDITION_FAILED');
    expect((await caller.connections.resume({ id: connected.id })).status).toBe('connected');
    const fields = await caller.connections.remoteFields({ id: connected.id, entity: 'contact', refresh: true });
    expect(fields.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['email', 'firstname', 'region']));
    const actions = (await database.current.db.select().from(auditLog).where(eq(auditLog.targetId, connected.id))).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['connection.update', 'connection.test', 'connection.pause', 'connection.resume']));
  });
});

describe('the mappings router', () => {
  it('reports defaults with the CRM fields, refuses a second writer, auto-maps by similarity and previews five records', async () => {
    const { caller } = await owner();
    const connected = (await caller.connections.list()).find((c) => c.status === 'connected' && c.provider === 'hubspot')!;
    await caller.connections.remoteFields({ id: connected.id, entity: 'contact', refresh: true });
    const report = await caller.mappings.list({ connectionId: connected.id, entity: 'contact' });
    expect(report.mappings.map((m) => `${m.appField}>${m.remoteField}`)).toEqual(expect.arrayContaining(['email>email', 'firstName>firstname', 'position>jobtitle']));
    expect(report.issues.filter((i) => i.level === 'error')).toEqual([]);
    // two mappings writing one app field
    const twice = await caller.mappings.create({ connectionId: connected.id, entity: 'contact', appField: 'email', remoteField: 'city', direction: 'both' }).catch((e) => e);
    expect(twice.code).toBe('BAD_REQUEST');
    // a read-only CRM field cannot be pushed
    const readOnly = await caller.mappings.create({ connectionId: connected.id, entity: 'contact', appField: 'custom.none', remoteField: 'hs_object_id', direction: 'both' }).catch((e) => e);
    expect(readOnly.code).toBe('BAD_REQUEST');
    // a custom app field auto-maps to the CRM's custom property with the same name
    await caller.crm.customFields.create({ entity: 'contact', key: 'region', label: 'Region', type: 'text' });
    // the review step: a dry run changes nothing; applying only the ticked pairs creates just those
    const dry = await caller.mappings.autoMap({ connectionId: connected.id, entity: 'contact' });
    expect(dry.created).toEqual([]);
    expect(dry.suggestions).toEqual(expect.arrayContaining([expect.objectContaining({ appField: 'custom.region', remoteField: 'region' })]));
    const before = (await caller.mappings.list({ connectionId: connected.id, entity: 'contact' })).mappings.length;
    const none = await caller.mappings.autoMap({ connectionId: connected.id, entity: 'contact', apply: true, only: [] });
    expect(none.created).toEqual([]);
    // a pair that was not suggested is not created through `only`
    const stray = await caller.mappings.autoMap({ connectionId: connected.id, entity: 'contact', apply: true, only: [{ appField: 'custom.region', remoteField: 'city' }] });
    expect(stray.created).toEqual([]);
    expect((await caller.mappings.list({ connectionId: connected.id, entity: 'contact' })).mappings).toHaveLength(before);
    const bad = await caller.mappings.autoMap({ connectionId: connected.id, entity: 'contact', apply: true, only: [{ appField: 'x', remoteField: 'no spaces allowed' }] }).catch((e) => e);
    expect(bad.code).toBe('BAD_REQUEST');
    const chosen = await caller.mappings.autoMap({ connectionId: connected.id, entity: 'contact', apply: true, only: [{ appField: 'custom.region', remoteField: 'region' }] });
    expect(chosen.created.map((m) => `${m.appField}>${m.remoteField}`)).toEqual(['custom.region>region']);
    const trail = await database.current.db.select().from(auditLog).where(eq(auditLog.action, 'mapping.auto_map'));
    expect(trail.map((a) => a.details)).toEqual(expect.arrayContaining([expect.objectContaining({ applied: true, chosen: 1, created: 1 })]));
    const auto = await caller.mappings.autoMap({ connectionId: connected.id, entity: 'contact', apply: true });
    expect(dry.suggestions).toEqual(expect.arrayContaining([expect.objectContaining({ appField: 'custom.region', remoteField: 'region' })]));
    expect(auto.created.map((m) => m.appField)).not.toContain('custom.region');
    const preview = await caller.mappings.preview({ connectionId: connected.id, entity: 'contact' });
    expect(preview).toHaveLength(5);
    expect(preview[0]!.values).toHaveProperty('email');
    expect(preview[0]!.values).toHaveProperty('custom.region');
    // transforms are data from a fixed set; anything else is refused at the boundary
    const code = await caller.mappings
      .create({ connectionId: connected.id, entity: 'contact', appField: 'lastName', remoteField: 'lastname', direction: 'pull', transform: [{ op: 'eval', code: 'process.exit()' }] as never })
      .catch((e) => e);
    expect(code.code).toBe('BAD_REQUEST');
    const [row] = await database.current.db.select().from(connections).where(eq(connections.id, connected.id));
    expect(row!.remoteFields.contact?.fields.length).toBeGreaterThan(5);
  });
});
