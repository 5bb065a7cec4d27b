import { createHash, randomBytes } from 'node:crypto';
import { and, count, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import { connections, oauthStates, organizations, recordLinks } from '../../../db/schema';
import { acceptedInstanceUrl, crmClient, oauthProvider, ProviderNotConfigured, providerSetup, redirectUri, setupOfConnection } from '../../providers/registry';
import type { SyncProvider, TokenSet } from '../../providers/types';
import { decryptSecret, encryptSecret } from '../../security/crypto';
import { maxConnectionsByPlan, type PlanTier } from '../../shared/plans';
import { syncEntities, syncProviders, type ConflictStrategy, type ConnectionFilters, type OutboundPolicy, type SyncDirection, type SyncEntity, type SyncFrequency } from '../../shared/sync';
import type { Executor } from '../crm/context';
import { SyncClient } from './client';
import { badAuthorization, SyncError, syncNotFound } from './errors';
import { defaultMappings, ensureDefaultMappings, listMappings } from './mappings';
import { nextSyncAt } from './schedule';
import { openTokens, sealTokens, type SyncDeps } from './tokens';

/**
 * Connections: the OAuth round trip (authorization code + PKCE S256 + state), plan
 * limits, settings, test, pause/resume and disconnect. Credentials never leave this
 * module and the token service in clear; views carry no secret.
 */

export type Connection = typeof connections.$inferSelect;

export interface Actor {
  organizationId: string;
  userId: string;
}

export const STATE_TTL_MS = 10 * 60_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const verifierBinding = (id: string) => ({ table: 'oauth_states', rowId: id, field: 'code_verifier' });
const providerLabel = (p: SyncProvider) => (p === 'salesforce' ? 'Salesforce' : 'HubSpot');

/** What a screen may see of a connection (never the credentials). */
export function connectionView(c: Connection) {
  return {
    id: c.id,
    provider: c.provider,
    status: c.status,
    statusReason: c.statusReason,
    connectedAs: c.connectedAs,
    instanceUrl: c.instanceUrl,
    usesSandbox: c.usesSandbox,
    direction: c.direction,
    frequency: c.frequency,
    entities: c.entities,
    filters: c.filters,
    conflictStrategy: c.conflictStrategy,
    outboundPolicy: c.outboundPolicy,
    createMissing: c.createMissing,
    propagateDeletes: c.propagateDeletes,
    dailyApiBudgetPercent: c.dailyApiBudgetPercent,
    apiCallsToday: c.apiCallsDay === new Date().toISOString().slice(0, 10) ? c.apiCallsCount : 0,
    hasCredentials: c.credentials !== null,
    connectedAt: c.connectedAt,
    lastSyncAt: c.lastSyncAt,
    nextSyncAt: c.nextSyncAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
export type ConnectionView = ReturnType<typeof connectionView>;

/**
 * The engine's connections: Salesforce and HubSpot. The `connections` table also holds
 * Kommo's (decision 007, its own router and rules); those are not this module's to touch.
 */
const engineProvider = inArray(connections.provider, [...syncProviders]);

export async function connectionById(db: Executor, organizationId: string, id: string): Promise<Connection> {
  const [row] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.id, id), eq(connections.organizationId, organizationId), engineProvider));
  if (!row) throw syncNotFound('Connection');
  return row;
}

export async function listConnections(db: Executor, organizationId: string): Promise<Connection[]> {
  return db
    .select()
    .from(connections)
    .where(and(eq(connections.organizationId, organizationId), engineProvider))
    .orderBy(desc(connections.createdAt));
}

/** Records each connection keeps linked to its CRM (accounts + contacts), for the Integrations cards. */
export async function linkedRecordCounts(db: Executor, organizationId: string): Promise<{ connectionId: string; accounts: number; contacts: number }[]> {
  const rows = await db
    .select({ connectionId: recordLinks.connectionId, entity: recordLinks.entity, n: count() })
    .from(recordLinks)
    .where(eq(recordLinks.organizationId, organizationId))
    .groupBy(recordLinks.connectionId, recordLinks.entity);
  const byConnection = new Map<string, { connectionId: string; accounts: number; contacts: number }>();
  for (const r of rows) {
    const entry = byConnection.get(r.connectionId) ?? { connectionId: r.connectionId, accounts: 0, contacts: 0 };
    entry[r.entity === 'account' ? 'accounts' : 'contacts'] += r.n;
    byConnection.set(r.connectionId, entry);
  }
  return [...byConnection.values()];
}

/** Counts live (not disconnected) connections against the plan, under the tenant row's lock. */
async function assertPlanAllowsOneMore(tx: Executor, organizationId: string, exceptId?: string): Promise<void> {
  const [org] = await tx.select({ planTier: organizations.planTier }).from(organizations).where(eq(organizations.id, organizationId)).for('update');
  if (!org) throw syncNotFound('Organization');
  const max = maxConnectionsByPlan[org.planTier as PlanTier];
  if (max === null) return;
  const [row] = await tx
    .select({ n: count() })
    .from(connections)
    .where(and(eq(connections.organizationId, organizationId), ne(connections.status, 'disconnected'), exceptId ? ne(connections.id, exceptId) : undefined));
  if ((row?.n ?? 0) >= max) {
    throw new SyncError(
      'plan_limit',
      max === 0
        ? `The ${org.planTier} plan includes no CRM connections. Upgrade your plan to connect a CRM.`
        : `Your ${org.planTier} plan allows ${max} CRM connection${max === 1 ? '' : 's'}. Upgrade your plan to connect more, or disconnect one first.`,
    );
  }
}

export interface ConnectionSettings {
  direction?: SyncDirection;
  frequency?: SyncFrequency;
  entities?: SyncEntity[];
  filters?: ConnectionFilters;
  conflictStrategy?: ConflictStrategy;
  outboundPolicy?: OutboundPolicy;
  createMissing?: boolean;
  propagateDeletes?: boolean;
  dailyApiBudgetPercent?: number;
}

/**
 * Filters are judged in mapped-field space on both sides, so a rule may only name an app
 * field that a mapping carries (the provider's defaults before the first authorization).
 */
async function assertFilters(db: Executor, connection: { id: string | null; provider: SyncProvider }, filters: ConnectionFilters | undefined): Promise<void> {
  if (!filters) return;
  for (const entity of syncEntities) {
    const rules = filters[entity];
    if (!rules?.length) continue;
    const mapped = connection.id ? (await listMappings(db, connection.id, entity)).filter((m) => m.direction !== 'none').map((m) => m.appField) : [];
    const allowed = new Set(mapped.length ? mapped : defaultMappings(connection.provider, entity).map((d) => d.appField));
    const bad = rules.filter((r) => !allowed.has(r.field)).map((r) => r.field);
    if (bad.length) {
      const message = `Filters can only use mapped fields (${[...allowed].join(', ')}); not: ${bad.join(', ')}.`;
      throw new SyncError('invalid', message, { filters: [message] });
    }
  }
}

/** A new connection waiting for consent, and the URL to send the browser to. */
export async function startConnection(
  deps: SyncDeps,
  actor: Actor,
  sandboxes: Record<string, string> | null,
  input: { provider: SyncProvider } & ConnectionSettings,
): Promise<{ connection: Connection; authorizationUrl: string }> {
  let setup;
  try {
    setup = providerSetup(input.provider, { env: deps.env, sandboxes });
  } catch (error) {
    if (error instanceof ProviderNotConfigured) throw new SyncError('not_configured', error.message);
    throw error;
  }
  const { provider, ...settings } = input;
  await assertFilters(deps.db, { id: null, provider }, settings.filters);
  const connection = await deps.db.transaction(async (tx) => {
    await assertPlanAllowsOneMore(tx, actor.organizationId);
    const [row] = await tx
      .insert(connections)
      .values({
        organizationId: actor.organizationId,
        provider,
        status: 'pending_auth',
        authUrl: setup.authUrl,
        instanceUrl: setup.apiBaseUrl,
        usesSandbox: setup.usesSandbox,
        createdBy: actor.userId,
        ...settings,
      })
      .returning();
    return row!;
  });
  const authorizationUrl = await authorizationUrlFor(deps, actor, connection);
  return { connection, authorizationUrl };
}

/** A fresh state (256 random bits, only its hash stored) and PKCE pair for one round trip. */
export async function authorizationUrlFor(deps: SyncDeps, actor: Actor, connection: Connection): Promise<string> {
  if (connection.status === 'disconnected') {
    await deps.db.transaction((tx) => assertPlanAllowsOneMore(tx, actor.organizationId, connection.id));
  }
  const setup = setupOfConnection(connection, deps.env);
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  await deps.db.delete(oauthStates).where(lt(oauthStates.expiresAt, new Date()));
  const id = crypto.randomUUID();
  await deps.db.insert(oauthStates).values({
    id,
    stateHash: sha256(state),
    organizationId: actor.organizationId,
    userId: actor.userId,
    provider: connection.provider,
    connectionId: connection.id,
    codeVerifier: encryptSecret(deps.keyring, verifier, verifierBinding(id)),
    expiresAt: new Date(Date.now() + STATE_TTL_MS),
  });
  return oauthProvider(setup).authorizationUrl({ state, codeChallenge: challenge, redirectUri: redirectUri(deps.env, connection.provider) });
}

/**
 * The OAuth callback. The state must be one we issued, unused, unexpired, for this
 * provider, to this user in this tenant: it is deleted as it is read (single use), and a
 * state that does not qualify changes nothing — the same answer for every failure.
 */
export async function completeAuthorization(deps: SyncDeps, actor: Actor, input: { provider: SyncProvider; state: string; code: string }): Promise<Connection> {
  if (input.state.length < 20 || input.state.length > 200) throw badAuthorization();
  const [consumed] = await deps.db
    .delete(oauthStates)
    .where(
      and(
        eq(oauthStates.stateHash, sha256(input.state)),
        eq(oauthStates.provider, input.provider),
        eq(oauthStates.userId, actor.userId),
        eq(oauthStates.organizationId, actor.organizationId),
        sql`${oauthStates.expiresAt} > now()`,
      ),
    )
    .returning();
  if (!consumed) throw badAuthorization();
  const connection = await connectionById(deps.db, actor.organizationId, consumed.connectionId);
  const setup = setupOfConnection(connection, deps.env);
  const verifier = decryptSecret(deps.keyring, consumed.codeVerifier, verifierBinding(consumed.id));
  const oauth = oauthProvider(setup);
  let tokens: TokenSet;
  try {
    tokens = await oauth.exchangeCode({ code: input.code, codeVerifier: verifier, redirectUri: redirectUri(deps.env, connection.provider) });
  } catch (error) {
    throw new SyncError('provider', `${providerLabel(connection.provider)} refused the authorization (${error instanceof Error ? error.message.slice(0, 200) : 'error'}). Please try again.`);
  }
  let instanceUrl = connection.instanceUrl;
  if (connection.provider === 'salesforce') {
    instanceUrl = acceptedInstanceUrl(setup, tokens.instanceUrl);
    if (!instanceUrl) {
      await oauth.revoke(tokens).catch(() => {});
      throw new SyncError('provider', 'Salesforce answered with an instance URL outside the allowed Salesforce domains; nothing was stored.');
    }
    tokens = { ...tokens, instanceUrl };
  }
  let connectedAs: string | null = null;
  let remoteAccountId: string | null = null;
  try {
    const identity = await crmClient({ ...setup, apiBaseUrl: instanceUrl }, tokens, { connectionId: connection.id }).identity();
    connectedAs = `${identity.userName} · ${identity.organizationName}`;
    remoteAccountId = identity.accountId ?? null;
  } catch (error) {
    await oauth.revoke(tokens).catch(() => {});
    throw new SyncError('provider', `Connected, but ${providerLabel(connection.provider)} did not tell who we are (${error instanceof Error ? error.message.slice(0, 200) : 'error'}). Please try again.`);
  }
  const now = new Date();
  const [row] = await deps.db
    .update(connections)
    .set({
      ...sealTokens(deps.keyring, connection.id, tokens),
      instanceUrl,
      status: 'connected',
      statusReason: null,
      connectedAs,
      remoteAccountId,
      connectedAt: now,
      // the first sync is due at once (unless manual); later ones follow the frequency
      nextSyncAt: connection.frequency === 'manual' ? null : now,
      updatedAt: now,
    })
    .where(eq(connections.id, connection.id))
    .returning();
  for (const entity of ['account', 'contact'] as const) await ensureDefaultMappings(deps.db, row!, entity);
  return row!;
}

export async function updateSettings(db: Executor, connection: Connection, settings: ConnectionSettings): Promise<Connection> {
  await assertFilters(db, connection, settings.filters);
  const [org] = await db.select({ timezone: organizations.timezone, hour: organizations.dayBoundaryHour }).from(organizations).where(eq(organizations.id, connection.organizationId));
  const frequency = settings.frequency ?? connection.frequency;
  const reschedule = settings.frequency && settings.frequency !== connection.frequency && connection.status === 'connected';
  const [row] = await db
    .update(connections)
    .set({
      ...settings,
      ...(reschedule ? { nextSyncAt: nextSyncAt(frequency, connection.lastSyncAt ?? new Date(), org?.timezone ?? 'UTC', org?.hour ?? 0) } : {}),
      updatedAt: new Date(),
    })
    .where(eq(connections.id, connection.id))
    .returning();
  return row!;
}

export async function testConnection(deps: SyncDeps, connection: Connection): Promise<{ ok: true; connectedAs: string } | { ok: false; error: string }> {
  if (!connection.credentials) return { ok: false, error: 'Not authorized yet.' };
  try {
    const client = await SyncClient.open(deps, connection.id);
    const identity = await client.identity();
    await client.flushUsage(deps.db);
    const connectedAs = `${identity.userName} · ${identity.organizationName}`;
    // the portal/org id also fills in for connections authorized before it was stored (webhooks are routed by it)
    await deps.db
      .update(connections)
      .set({ connectedAs, ...(identity.accountId ? { remoteAccountId: identity.accountId } : {}), updatedAt: new Date() })
      .where(eq(connections.id, connection.id));
    return { ok: true, connectedAs };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.slice(0, 300) : 'The CRM did not answer.' };
  }
}

export async function pauseConnection(db: Executor, connection: Connection, reason: string): Promise<Connection> {
  if (connection.status !== 'connected') throw new SyncError('bad_state', `A ${connection.status.replace('_', ' ')} connection cannot be paused.`);
  const [row] = await db
    .update(connections)
    .set({ status: 'paused', statusReason: reason, nextSyncAt: null, updatedAt: new Date() })
    .where(eq(connections.id, connection.id))
    .returning();
  return row!;
}

export async function resumeConnection(db: Executor, connection: Connection): Promise<Connection> {
  if (connection.status !== 'paused') throw new SyncError('bad_state', 'Only a paused connection can be resumed.');
  const [row] = await db
    .update(connections)
    .set({ status: 'connected', statusReason: null, nextSyncAt: connection.frequency === 'manual' ? null : new Date(), updatedAt: new Date() })
    .where(eq(connections.id, connection.id))
    .returning();
  return row!;
}

/**
 * Revokes the tokens at the provider (best effort: an unreachable provider does not keep
 * the credentials here), deletes them, stops the schedule. Links and history stay, so a
 * later re-connection to the same CRM does not create duplicates.
 */
export async function disconnectConnection(deps: SyncDeps, connection: Connection): Promise<{ connection: Connection; revoked: boolean }> {
  let revoked = false;
  if (connection.credentials) {
    try {
      const tokens = openTokens(deps.keyring, connection.id, connection.credentials);
      await oauthProvider(setupOfConnection(connection, deps.env)).revoke(tokens);
      revoked = true;
    } catch {
      revoked = false;
    }
  }
  const [row] = await deps.db
    .update(connections)
    .set({ status: 'disconnected', statusReason: 'disconnected by a user', credentials: null, credentialsKeyId: null, tokenExpiresAt: null, nextSyncAt: null, updatedAt: new Date() })
    .where(eq(connections.id, connection.id))
    .returning();
  await deps.db.delete(oauthStates).where(eq(oauthStates.connectionId, connection.id));
  return { connection: row!, revoked };
}
