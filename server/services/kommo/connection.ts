import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, count, eq, ne, sql } from 'drizzle-orm';
import { connections, organizations } from '../../../db/schema';
import { kommoAccounts, kommoOauthStates } from '../../../db/schema/kommo';
import { isProduction, type Env } from '../../config/env';
import { accountBaseUrl, hostPolicy, parseAccountAddress, type HostPolicy, type KommoDomain } from '../../providers/kommo/hosts';
import { authorizationUrl, exchangeCode, refreshTokens as refreshKommoTokens } from '../../providers/kommo/oauth';
import { KommoReadClient } from '../../providers/kommo/read';
import { KommoTransport } from '../../providers/kommo/transport';
import { KommoAccessBlocked } from '../../providers/kommo/errors';
import { ReauthorizationNeeded, type TokenSet } from '../../providers/types';
import { publishEvent } from '../../realtime/channel';
import { writeAudit } from '../../security/audit';
import { decryptSecret, encryptSecret } from '../../security/crypto';
import { maxConnectionsByPlan } from '../../shared/plans';
import { KommoError, type KommoDeps } from './deps';
import { PostgresPacer } from './rate-limit';
import { publicOrigin, requirePublicOrigin } from '../../config/public-url';

/**
 * A tenant's Kommo connection (decision 007): a row of the sync engine's `connections`
 * (provider kommo, direction pull, frequency manual, outbound policy manual_only — the
 * scheduler never picks it, and a trigger keeps the policy from being switched) plus its
 * `kommo_accounts` row (account host, the tenant's OAuth app, webhook secret, alert).
 *
 * Credentials: the TokenSet JSON in connections.credentials, AES-GCM bound to
 * (connections, id, credentials) — the same format the sync engine uses. OAuth refresh
 * tokens are single-use and rotate: a refresh runs under the connection row's lock and
 * the new pair is committed before the new access token is used, so two workers never
 * spend the same refresh token and a refreshed pair is never lost to a later failure.
 */

/** 'kommo' in the sync engine's provider column (its TypeScript list may not name it yet). */
export const KOMMO_PROVIDER = 'kommo' as unknown as (typeof connections.$inferInsert)['provider'];

const REFRESH_AHEAD_MS = 5 * 60_000;
const STATE_TTL_MS = 10 * 60_000;
/** A rotated webhook URL keeps working this long, so Kommo's settings can be updated calmly. */
export const WEBHOOK_SECRET_GRACE_MS = 24 * 3_600_000;
/** When Kommo's 403 names no retry time. */
const DEFAULT_BLOCK_MS = 15 * 60_000;

export type KommoAccountRow = typeof kommoAccounts.$inferSelect;
export type ConnectionRow = typeof connections.$inferSelect;
export interface KommoConnection {
  conn: ConnectionRow;
  account: KommoAccountRow;
}

const credentialsBinding = (connectionId: string) => ({ table: 'connections', rowId: connectionId, field: 'credentials' });
const accountBinding = (connectionId: string, field: 'oauth_client_secret' | 'webhook_secret') => ({ table: 'kommo_accounts', rowId: connectionId, field });
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function sealTokens(deps: Pick<KommoDeps, 'keyring'>, connectionId: string, tokens: TokenSet) {
  return {
    credentials: encryptSecret(deps.keyring, JSON.stringify(tokens), credentialsBinding(connectionId)),
    credentialsKeyId: deps.keyring.primaryKid,
    tokenExpiresAt: tokens.expiresAt ? new Date(tokens.expiresAt) : null,
  };
}

function openTokens(deps: Pick<KommoDeps, 'keyring'>, connectionId: string, credentials: string): TokenSet {
  return JSON.parse(decryptSecret(deps.keyring, credentials, credentialsBinding(connectionId))) as TokenSet;
}

/** A fresh webhook secret: 256 random bits, URL-safe. */
export function newWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function redirectUriFor(env: Env, slug: string): string {
  return `${requirePublicOrigin(env)}/integrations/kommo/callback/${encodeURIComponent(slug)}`;
}

export function webhookUrlFor(env: Env, slug: string, secret: string): string {
  return `${publicOrigin(env) ?? `http://localhost:${env.PORT}`}/webhooks/kommo/${encodeURIComponent(slug)}/${secret}`;
}

/** Where this connection may send requests: its account host, or its sandbox outside production. */
export function policyOf(deps: Pick<KommoDeps, 'env'>, account: Pick<KommoAccountRow, 'baseUrl' | 'usesSandbox'>): HostPolicy {
  const sandboxOrigin = account.usesSandbox && !isProduction(deps.env) ? account.baseUrl : null;
  if (account.usesSandbox && !sandboxOrigin) throw new KommoError('not_connected', 'This Kommo connection points at a sandbox, which production does not use.');
  return hostPolicy(account.baseUrl, { sandboxOrigin });
}

export async function kommoConnectionOf(db: KommoDeps['db'], organizationId: string): Promise<KommoConnection | null> {
  const [row] = await db
    .select({ conn: connections, account: kommoAccounts })
    .from(kommoAccounts)
    .innerJoin(connections, eq(connections.id, kommoAccounts.connectionId))
    .where(eq(kommoAccounts.organizationId, organizationId));
  return row ?? null;
}

export async function kommoConnectionById(db: KommoDeps['db'], connectionId: string): Promise<KommoConnection | null> {
  const [row] = await db
    .select({ conn: connections, account: kommoAccounts })
    .from(kommoAccounts)
    .innerJoin(connections, eq(connections.id, kommoAccounts.connectionId))
    .where(eq(kommoAccounts.connectionId, connectionId));
  return row ?? null;
}

export async function requireKommoConnection(db: KommoDeps['db'], organizationId: string): Promise<KommoConnection> {
  const found = await kommoConnectionOf(db, organizationId);
  if (!found) throw new KommoError('not_connected', 'Kommo is not connected for this workspace. An admin can connect it under Kommo → Connection.');
  return found;
}

// ---------------------------------------------------------------- setting up

export interface ConnectInput {
  subdomain: string;
  authMode: 'oauth' | 'long_lived';
  clientId?: string;
  clientSecret?: string;
}

/**
 * Creates the tenant's Kommo connection, or re-points the existing one (keeping its
 * webhook secret and mirror). The account host comes from the typed subdomain — or,
 * in demo/test, the running sandbox — never from anything else in the request.
 */
export async function prepareKommoConnection(deps: KommoDeps, actor: { organizationId: string; userId: string }, input: ConnectInput): Promise<KommoConnection> {
  const address = parseAccountAddress(input.subdomain);
  if (!address) throw new KommoError('invalid', 'Enter the Kommo account address, e.g. "acme" or acme.kommo.com.', { subdomain: ['Not a Kommo account address (letters, digits and dashes; .kommo.com, .amocrm.ru or .amocrm.com).'] });
  const sandbox = !isProduction(deps.env) && deps.sandboxOrigin ? new URL(deps.sandboxOrigin).origin : null;
  const baseUrl = sandbox ?? accountBaseUrl(address.subdomain, address.domain);
  if (input.authMode === 'oauth' && !input.clientId) throw new KommoError('invalid', 'The integration id is required.', { clientId: ['Required for OAuth.'] });

  return deps.db.transaction(async (tx) => {
    const [org] = await tx.select({ planTier: organizations.planTier }).from(organizations).where(eq(organizations.id, actor.organizationId)).for('update');
    if (!org) throw new KommoError('not_found', 'Workspace not found.');
    const [existing] = await tx.select().from(kommoAccounts).where(eq(kommoAccounts.organizationId, actor.organizationId));
    let connectionId: string;
    if (existing) {
      connectionId = existing.connectionId;
    } else {
      const max = maxConnectionsByPlan[org.planTier];
      const [used] = await tx.select({ n: count() }).from(connections).where(and(eq(connections.organizationId, actor.organizationId), ne(connections.status, 'disconnected')));
      if (max !== null && (used?.n ?? 0) >= max) throw new KommoError('forbidden', `Your plan allows ${max} connection${max === 1 ? '' : 's'}; disconnect one or upgrade to add Kommo.`);
      const [created] = await tx
        .insert(connections)
        .values({
          organizationId: actor.organizationId,
          provider: KOMMO_PROVIDER,
          status: 'pending_auth',
          authUrl: baseUrl,
          instanceUrl: baseUrl,
          usesSandbox: sandbox !== null,
          direction: 'pull',
          frequency: 'manual',
          entities: [],
          outboundPolicy: 'manual_only',
          createMissing: false,
          createdBy: actor.userId,
        })
        .returning({ id: connections.id });
      connectionId = created!.id;
    }
    const secretFields =
      input.authMode === 'oauth' && input.clientSecret
        ? { oauthClientId: input.clientId!, oauthClientSecret: encryptSecret(deps.keyring, input.clientSecret, accountBinding(connectionId, 'oauth_client_secret')) }
        : input.authMode === 'oauth'
          ? { oauthClientId: input.clientId! }
          : { oauthClientId: null, oauthClientSecret: null };
    if (input.authMode === 'oauth' && !input.clientSecret && !existing?.oauthClientSecret) {
      throw new KommoError('invalid', 'The integration secret is required.', { clientSecret: ['Required for OAuth.'] });
    }
    const common = { subdomain: address.subdomain, domain: address.domain, baseUrl, usesSandbox: sandbox !== null, authMode: input.authMode, ...secretFields, updatedAt: new Date() };
    if (existing) {
      await tx.update(kommoAccounts).set(common).where(eq(kommoAccounts.connectionId, connectionId));
      const [current] = await tx.select({ status: connections.status }).from(connections).where(eq(connections.id, connectionId));
      await tx
        .update(connections)
        .set({
          authUrl: baseUrl,
          instanceUrl: baseUrl,
          usesSandbox: sandbox !== null,
          outboundPolicy: 'manual_only',
          ...(current?.status === 'disconnected' || current?.status === 'error' ? { status: 'pending_auth' as const, statusReason: null } : {}),
          updatedAt: new Date(),
        })
        .where(eq(connections.id, connectionId));
    } else {
      const secret = newWebhookSecret();
      await tx.insert(kommoAccounts).values({
        connectionId,
        organizationId: actor.organizationId,
        ...common,
        webhookSecret: encryptSecret(deps.keyring, secret, accountBinding(connectionId, 'webhook_secret')),
        webhookSecretHash: sha256(secret),
      });
    }
    const [conn] = await tx.select().from(connections).where(eq(connections.id, connectionId));
    const [account] = await tx.select().from(kommoAccounts).where(eq(kommoAccounts.connectionId, connectionId));
    return { conn: conn!, account: account! };
  });
}

/** The tenant's OAuth app (client id and decrypted secret). */
function oauthAppOf(deps: KommoDeps, account: KommoAccountRow) {
  if (!account.oauthClientId || !account.oauthClientSecret) throw new KommoError('invalid', 'This Kommo connection has no OAuth integration configured.');
  return { clientId: account.oauthClientId, clientSecret: decryptSecret(deps.keyring, account.oauthClientSecret, accountBinding(account.connectionId, 'oauth_client_secret')) };
}

/** Starts the OAuth round trip: a single-use state (hash kept) bound to user, tenant and connection. */
export async function startKommoOAuth(deps: KommoDeps, actor: { organizationId: string; userId: string; slug: string }, found: KommoConnection): Promise<{ authorizationUrl: string; redirectUri: string }> {
  const state = randomBytes(32).toString('base64url');
  await deps.db.delete(kommoOauthStates).where(sql`${kommoOauthStates.expiresAt} < now()`);
  await deps.db.insert(kommoOauthStates).values({
    stateHash: sha256(state),
    organizationId: actor.organizationId,
    userId: actor.userId,
    connectionId: found.conn.id,
    expiresAt: new Date(Date.now() + STATE_TTL_MS),
  });
  const redirectUri = redirectUriFor(deps.env, actor.slug);
  const app = oauthAppOf(deps, found.account);
  return {
    authorizationUrl: authorizationUrl({ policy: policyOf(deps, found.account), domain: found.account.domain as KommoDomain, clientId: app.clientId, state, redirectUri }),
    redirectUri,
  };
}

const badAuthorization = () => new KommoError('invalid', 'This authorization link is invalid or has expired. Please start connecting Kommo again.');

/**
 * The OAuth callback: the state must be ours, unused, fresh and issued to this user in
 * this tenant; Kommo's `referer` (the account host) must be the connection's host. The
 * code is exchanged at that host and the tokens stored before anything uses them.
 */
export async function completeKommoOAuth(deps: KommoDeps, actor: { organizationId: string; userId: string; slug: string }, input: { state: string; code: string; referer?: string | null }): Promise<KommoConnection> {
  const [claimed] = await deps.db.delete(kommoOauthStates).where(eq(kommoOauthStates.stateHash, sha256(input.state))).returning();
  if (!claimed || claimed.expiresAt.getTime() < Date.now() || claimed.organizationId !== actor.organizationId || claimed.userId !== actor.userId) throw badAuthorization();
  const found = await kommoConnectionById(deps.db, claimed.connectionId);
  if (!found || found.account.organizationId !== actor.organizationId) throw badAuthorization();
  const policy = policyOf(deps, found.account);
  if (input.referer) {
    const host = input.referer.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
    if (host !== new URL(policy.baseUrl).host) throw badAuthorization();
  }
  let tokens: TokenSet;
  try {
    tokens = await exchangeCode(policy, oauthAppOf(deps, found.account), { code: input.code, redirectUri: redirectUriFor(deps.env, actor.slug) });
  } catch (error) {
    if (error instanceof ReauthorizationNeeded) throw badAuthorization();
    throw error;
  }
  await deps.db.update(connections).set({ ...sealTokens(deps, found.conn.id, tokens), updatedAt: new Date() }).where(eq(connections.id, found.conn.id));
  return verifyKommoConnection(deps, found.conn.id, actor.userId);
}

/** Stores a long-lived token (no refresh token; Kommo issues them for 1 day to 5 years). */
export async function storeLongLivedToken(deps: KommoDeps, connectionId: string, token: string, userId: string): Promise<KommoConnection> {
  const expiresAt = jwtExpiry(token);
  await deps.db
    .update(connections)
    .set({ ...sealTokens(deps, connectionId, { accessToken: token, refreshToken: null, expiresAt }), updatedAt: new Date() })
    .where(eq(connections.id, connectionId));
  return verifyKommoConnection(deps, connectionId, userId);
}

/** Long-lived tokens are JWTs; their `exp` (when readable) is the expiry, else unknown. */
function jwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && exp > 0 ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * "Test connection": reads the account and the token's user. A first success marks the
 * connection connected and records the Kommo account id webhooks must carry; a token
 * for ANOTHER account than the one recorded is refused (webhooks would not match).
 */
export async function verifyKommoConnection(deps: KommoDeps, connectionId: string, userId: string | null): Promise<KommoConnection> {
  const { reader, found } = await openKommoReader(deps, connectionId, { allowPending: true });
  let account;
  try {
    account = await reader.account();
  } catch (error) {
    if (error instanceof ReauthorizationNeeded) {
      await deps.db.update(connections).set({ status: 'error', statusReason: 'Kommo refused the token: connect again.', updatedAt: new Date() }).where(eq(connections.id, connectionId));
      throw new KommoError('reauthorize', 'Kommo refused the token. Check it and connect again.');
    }
    throw error;
  }
  if (found.account.kommoAccountId && found.account.kommoAccountId !== account.id) {
    throw new KommoError('conflict', `This token belongs to Kommo account ${account.subdomain} (${account.id}), not to the connected account; disconnect first to switch accounts.`);
  }
  const user = account.current_user_id ? await reader.user(account.current_user_id) : null;
  await deps.db.transaction(async (tx) => {
    await tx
      .update(kommoAccounts)
      .set({ kommoAccountId: account.id, accountName: account.name, updatedAt: new Date() })
      .where(eq(kommoAccounts.connectionId, connectionId));
    await tx
      .update(connections)
      .set({
        status: 'connected',
        statusReason: null,
        remoteAccountId: String(account.id),
        connectedAs: user ? `${user.name}${user.email ? ` <${user.email}>` : ''}` : null,
        connectedAt: found.conn.connectedAt ?? new Date(),
        nextSyncAt: null,
        updatedAt: new Date(),
        ...(userId && !found.conn.createdBy ? { createdBy: userId } : {}),
      })
      .where(eq(connections.id, connectionId));
  });
  return (await kommoConnectionById(deps.db, connectionId))!;
}

// ---------------------------------------------------------------- tokens

async function currentToken(deps: KommoDeps, connectionId: string): Promise<TokenSet> {
  const [row] = await deps.db.select({ credentials: connections.credentials, status: connections.status }).from(connections).where(eq(connections.id, connectionId));
  if (!row?.credentials || row.status === 'disconnected') throw new ReauthorizationNeeded('Kommo is not authorized');
  const tokens = openTokens(deps, connectionId, row.credentials);
  return tokens.refreshToken && tokens.expiresAt !== null && tokens.expiresAt - Date.now() < REFRESH_AHEAD_MS ? refreshConnectionTokens(deps, connectionId, tokens.accessToken) : tokens;
}

/**
 * Replaces `staleAccessToken` under the connection row lock. If another process already
 * refreshed (the stored access token differs and is not expiring), its tokens are used
 * and Kommo is not called. Otherwise the refresh token is spent and the new pair is
 * committed in the same transaction, before it is returned to anyone.
 */
export async function refreshConnectionTokens(deps: KommoDeps, connectionId: string, staleAccessToken: string): Promise<TokenSet> {
  const outcome = await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(connections).where(eq(connections.id, connectionId)).for('update');
    if (!row?.credentials || row.status === 'disconnected') return { reauthorize: 'Kommo is not authorized' };
    const tokens = openTokens(deps, connectionId, row.credentials);
    const expiring = tokens.expiresAt !== null && tokens.expiresAt - Date.now() < REFRESH_AHEAD_MS;
    if (tokens.accessToken !== staleAccessToken && !expiring) return { tokens };
    const [account] = await tx.select().from(kommoAccounts).where(eq(kommoAccounts.connectionId, connectionId));
    if (!tokens.refreshToken || !account) return { reauthorize: 'the long-lived token was refused or has expired' };
    const [org] = await tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, account.organizationId));
    let fresh: TokenSet;
    try {
      fresh = await refreshKommoTokens(policyOf(deps, account), oauthAppOf(deps, account), { refreshToken: tokens.refreshToken, redirectUri: redirectUriFor(deps.env, org!.slug) });
    } catch (error) {
      if (error instanceof ReauthorizationNeeded) return { reauthorize: error.message };
      throw error;
    }
    await tx.update(connections).set({ ...sealTokens(deps, connectionId, fresh), updatedAt: new Date() }).where(eq(connections.id, connectionId));
    return { tokens: fresh };
  });
  if ('tokens' in outcome && outcome.tokens) return outcome.tokens;
  await markNeedsReauthorization(deps, connectionId, outcome.reauthorize ?? 're-authorization needed');
  throw new ReauthorizationNeeded(outcome.reauthorize);
}

async function markNeedsReauthorization(deps: KommoDeps, connectionId: string, reason: string) {
  const [row] = await deps.db
    .update(connections)
    .set({ status: 'error', statusReason: `Re-authorization needed: ${reason}`.slice(0, 300), updatedAt: new Date() })
    .where(and(eq(connections.id, connectionId), ne(connections.status, 'error')))
    .returning({ organizationId: connections.organizationId });
  if (!row) return;
  await writeAudit(deps.db, { userId: null, email: 'system' }, null, {
    action: 'system.kommo.reauthorization_needed',
    organizationId: row.organizationId,
    targetType: 'connection',
    targetId: connectionId,
    outcome: 'failure',
    details: { reason },
  });
  await publishEvent(deps.sql, { organizationId: row.organizationId, topic: 'sync.connection', data: { connectionId, provider: 'kommo', status: 'error' } }).catch(() => {});
}

// ---------------------------------------------------------------- the 403 alert

/** Kommo answered 403: stop calling it until the block is over, and tell a person. */
export async function recordKommoBlock(deps: KommoDeps, connectionId: string, error: KommoAccessBlocked): Promise<void> {
  const until = new Date(Date.now() + (error.retryAfterMs ?? DEFAULT_BLOCK_MS));
  const alert = `Kommo blocked API access (403): ${error.detail}`.slice(0, 500);
  const [row] = await deps.db
    .update(kommoAccounts)
    .set({ blockedUntil: until, alert, alertAt: new Date(), updatedAt: new Date() })
    .where(eq(kommoAccounts.connectionId, connectionId))
    .returning({ organizationId: kommoAccounts.organizationId });
  if (!row) return;
  deps.log?.(`[kommo] connection ${connectionId} blocked by Kommo until ${until.toISOString()}: ${error.detail}`);
  await writeAudit(deps.db, { userId: null, email: 'system' }, null, {
    action: 'system.kommo.blocked',
    organizationId: row.organizationId,
    targetType: 'connection',
    targetId: connectionId,
    outcome: 'failure',
    details: { detail: error.detail, blockedUntil: until.toISOString() },
  });
  await publishEvent(deps.sql, { organizationId: row.organizationId, topic: 'kommo.alert', data: { connectionId, blockedUntil: until.toISOString() } }).catch(() => {});
}

// ---------------------------------------------------------------- the read client

export interface OpenOptions {
  /** Test connection during setup: the connection may still be pending. */
  allowPending?: boolean;
}

/**
 * The read client of a connection: its host policy, the shared Postgres pacer, tokens
 * refreshed through the row lock, and the 403 hook. Refused while Kommo's block lasts.
 */
export async function openKommoReader(deps: KommoDeps, connectionId: string, options: OpenOptions = {}): Promise<{ reader: KommoReadClient; transport: KommoTransport; found: KommoConnection }> {
  const found = await kommoConnectionById(deps.db, connectionId);
  if (!found) throw new KommoError('not_connected', 'Kommo connection not found.');
  if (found.conn.status === 'disconnected' || (!options.allowPending && found.conn.status === 'pending_auth')) throw new KommoError('not_connected', 'Kommo is not connected for this workspace.');
  if (found.account.blockedUntil && found.account.blockedUntil.getTime() > Date.now()) {
    throw new KommoAccessBlocked(`calls paused until ${found.account.blockedUntil.toISOString()} after Kommo's block`, found.account.blockedUntil.getTime() - Date.now());
  }
  const transport = buildTransport(deps, found);
  return { reader: new KommoReadClient(transport), transport, found };
}

export function buildTransport(deps: KommoDeps, found: KommoConnection): KommoTransport {
  const connectionId = found.conn.id;
  return new KommoTransport({
    policy: policyOf(deps, found.account),
    pacer: new PostgresPacer(deps.sql),
    auth: {
      accessToken: async () => (await currentToken(deps, connectionId)).accessToken,
      refreshed: async (stale) => {
        try {
          return (await refreshConnectionTokens(deps, connectionId, stale)).accessToken;
        } catch (error) {
          if (error instanceof ReauthorizationNeeded) return null;
          throw error;
        }
      },
    },
    onBlocked: (error) => recordKommoBlock(deps, connectionId, error),
  });
}

// ---------------------------------------------------------------- webhook secret

/** Constant-time check of a presented webhook secret against a stored SHA-256 (hex). */
export function secretMatches(presented: string, storedHash: string | null | undefined): boolean {
  const a = Buffer.from(sha256(presented), 'hex');
  const b = Buffer.from(storedHash ?? '0'.repeat(64), 'hex');
  return a.length === b.length && timingSafeEqual(a, b) && !!storedHash;
}

export function webhookSecretOf(deps: Pick<KommoDeps, 'keyring'>, account: KommoAccountRow): string {
  return decryptSecret(deps.keyring, account.webhookSecret, accountBinding(account.connectionId, 'webhook_secret'));
}

/** A new webhook URL; the previous one keeps working for WEBHOOK_SECRET_GRACE_MS. */
export async function rotateWebhookSecret(deps: KommoDeps, found: KommoConnection): Promise<string> {
  const secret = newWebhookSecret();
  await deps.db
    .update(kommoAccounts)
    .set({
      webhookSecret: encryptSecret(deps.keyring, secret, accountBinding(found.conn.id, 'webhook_secret')),
      webhookSecretHash: sha256(secret),
      previousWebhookSecretHash: found.account.webhookSecretHash,
      previousWebhookSecretValidUntil: new Date(Date.now() + WEBHOOK_SECRET_GRACE_MS),
      webhookSecretRotatedAt: new Date(),
      updatedAt: new Date(),
    })
    .where(eq(kommoAccounts.connectionId, found.conn.id));
  return secret;
}

/** Disconnect: tokens and OAuth secret dropped, webhooks refused; the mirror stays readable. */
export async function disconnectKommo(deps: KommoDeps, found: KommoConnection): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await tx
      .update(connections)
      .set({ status: 'disconnected', statusReason: 'Disconnected by an admin', credentials: null, credentialsKeyId: null, tokenExpiresAt: null, nextSyncAt: null, updatedAt: new Date() })
      .where(eq(connections.id, found.conn.id));
    await tx.update(kommoAccounts).set({ oauthClientSecret: null, updatedAt: new Date() }).where(eq(kommoAccounts.connectionId, found.conn.id));
  });
}
