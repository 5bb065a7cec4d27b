import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { accounts, connections, contacts, recordLinks } from '../../db/schema';
import type { AppServices } from '../../server/app-services';
import { crmClient, providerSetup } from '../../server/providers/registry';
import type { CrmClient, CrmEntity, RemoteRecord, SyncProvider, TokenSet } from '../../server/providers/types';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import { PRIVATE_APP_TOKEN } from '../../server/sandbox/hubspot/constants';
import type { SalesforceStore } from '../../server/sandbox/salesforce/store';
import { completeAuthorization, startConnection, type ConnectionSettings } from '../../server/services/sync/connections';
import { runConnectionSync, type SyncOptions } from '../../server/services/sync/engine';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { makeTenant, makeUser, servicesFor } from './factories';

/** jsforce sends even loopback traffic through a proxy when these are set (wire-spec §0.4). */
export function withoutProxy() {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
}

export interface Sandboxes {
  salesforce: RunningSandbox<SalesforceStore>;
  hubspot: RunningSandbox<any>;
  urls: Record<string, string>;
  close: () => Promise<void>;
}

export async function startSyncSandboxes(options: { seed?: number; records?: number } = {}): Promise<Sandboxes> {
  withoutProxy();
  const salesforce = await startSandbox<SalesforceStore>('salesforce', { seed: options.seed ?? 7, records: options.records ?? 40, latencyMs: 0 });
  const hubspot = await startSandbox('hubspot', { seed: options.seed ?? 7, records: options.records ?? 40, latencyMs: 0 });
  return {
    salesforce,
    hubspot,
    urls: { salesforce: salesforce.url, hubspot: hubspot.url },
    close: async () => {
      await salesforce.close();
      await hubspot.close();
    },
  };
}

export function syncServices(database: Database, sandboxes: Sandboxes | null): { services: AppServices; deps: SyncDeps } {
  const services = { ...servicesFor(database), sandboxes: sandboxes?.urls ?? null };
  return { services, deps: { db: database.db, sql: database.sql, keyring: services.keyring, env: services.env } };
}

/** Clicks "Allow" on a sandbox consent page: the callback's code and state. */
export async function consent(authorizationUrl: string, decision: 'allow' | 'deny' = 'allow'): Promise<{ code: string; state: string }> {
  const url = new URL(authorizationUrl);
  const form = new URLSearchParams(url.searchParams);
  form.set('decision', decision);
  const answer = await fetch(`${url.origin}${url.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
  const location = answer.headers.get('location');
  if (!location) throw new Error(`consent page answered ${answer.status}: ${await answer.text()}`);
  const back = new URL(location);
  return { code: back.searchParams.get('code') ?? '', state: back.searchParams.get('state') ?? '' };
}

export interface SyncTenant {
  organizationId: string;
  userId: string;
  userEmail: string;
}

export async function syncTenant(database: Database, planTier: 'free' | 'professional' = 'professional'): Promise<SyncTenant> {
  const tenant = await makeTenant(database, { planTier });
  const owner = await makeUser(database, 'owner', tenant.id);
  return { organizationId: tenant.id, userId: owner.id, userEmail: owner.email };
}

/** A connection authorized through the real OAuth round trip against a sandbox. */
export async function connectProvider(deps: SyncDeps, tenant: SyncTenant, sandboxes: Sandboxes, provider: SyncProvider, settings: ConnectionSettings = {}) {
  const actor = { organizationId: tenant.organizationId, userId: tenant.userId };
  const started = await startConnection(deps, actor, sandboxes.urls, { provider, frequency: 'manual', ...settings });
  const { code, state } = await consent(started.authorizationUrl);
  return completeAuthorization(deps, actor, { provider, state, code });
}

/** A client on the CRM side, as "someone editing in Salesforce/HubSpot" (its own session). */
export function remoteEditor(sandboxes: Sandboxes, provider: SyncProvider): CrmClient {
  const setup = providerSetup(provider, { env: { NODE_ENV: 'test' } as never, sandboxes: sandboxes.urls });
  let tokens: TokenSet;
  if (provider === 'salesforce') {
    const s = sandboxes.salesforce.store.issueSession(sandboxes.salesforce.url);
    tokens = { accessToken: s.access_token, refreshToken: null, expiresAt: null, instanceUrl: s.instance_url };
  } else tokens = { accessToken: PRIVATE_APP_TOKEN, refreshToken: null, expiresAt: null };
  return crmClient({ ...setup, apiBaseUrl: setup.apiBaseUrl ?? sandboxes.urls[provider]! }, tokens, { connectionId: `editor-${provider}` });
}

/** Every live CRM record of an entity (a full pull from the start). */
export async function allRemote(client: CrmClient, entity: CrmEntity, fields: string[]): Promise<RemoteRecord[]> {
  const out = new Map<string, RemoteRecord>();
  let cursor = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await client.pullChanges(entity, cursor, { fields });
    for (const r of page.records) out.set(r.id, r);
    if (!page.hasMore || !page.cursor) break;
    cursor = page.cursor;
  }
  return [...out.values()];
}

export const sync = (deps: SyncDeps, connectionId: string, options: Partial<SyncOptions> = {}) => runConnectionSync(deps, connectionId, { trigger: 'manual', ...options });

export async function appContacts(database: Database, organizationId: string) {
  return database.db.select().from(contacts).where(and(eq(contacts.organizationId, organizationId), isNull(contacts.deletedAt)));
}
export async function appAccounts(database: Database, organizationId: string) {
  return database.db.select().from(accounts).where(and(eq(accounts.organizationId, organizationId), isNull(accounts.deletedAt)));
}
export async function linksOf(database: Database, connectionId: string, entity: CrmEntity) {
  return database.db.select().from(recordLinks).where(and(eq(recordLinks.connectionId, connectionId), eq(recordLinks.entity, entity)));
}
export async function connectionRow(database: Database, id: string) {
  const [row] = await database.db.select().from(connections).where(eq(connections.id, id));
  return row!;
}
