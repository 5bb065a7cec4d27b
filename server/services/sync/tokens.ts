import { eq } from 'drizzle-orm';
import type { Db, Sql } from '../../../db/client';
import { connections } from '../../../db/schema';
import type { Env } from '../../config/env';
import { acceptedInstanceUrl, oauthProvider, setupOfConnection } from '../../providers/registry';
import { ReauthorizationNeeded, type TokenSet } from '../../providers/types';
import { publishEvent } from '../../realtime/channel';
import { writeAudit } from '../../security/audit';
import { decryptSecret, encryptSecret, type Keyring } from '../../security/crypto';
import type { Executor } from '../crm/context';

/**
 * A connection's OAuth tokens: encrypted at rest (AES-GCM bound to the row and column),
 * refreshed ahead of expiry and after a rejection — once, however many jobs and processes
 * ask at the same time: the refresher holds the connection row lock (`select … for
 * update`), and everyone after it re-reads the row and takes the tokens it stored. A
 * refused refresh token (invalid_grant) turns the connection to `error` ("re-authorization
 * needed"), which stops its schedule; nobody retries it.
 */

export interface SyncDeps {
  db: Db;
  sql: Sql;
  keyring: Keyring;
  env: Env;
}

/** Refresh when the access token has less than this left. */
export const REFRESH_AHEAD_MS = 5 * 60_000;
export const REAUTHORIZATION_NEEDED = 're-authorization needed';

const binding = (connectionId: string) => ({ table: 'connections', rowId: connectionId, field: 'credentials' });

export function sealTokens(keyring: Keyring, connectionId: string, tokens: TokenSet) {
  return {
    credentials: encryptSecret(keyring, JSON.stringify(tokens), binding(connectionId)),
    credentialsKeyId: keyring.primaryKid,
    tokenExpiresAt: tokens.expiresAt ? new Date(tokens.expiresAt) : null,
  };
}

export function openTokens(keyring: Keyring, connectionId: string, credentials: string): TokenSet {
  return JSON.parse(decryptSecret(keyring, credentials, binding(connectionId))) as TokenSet;
}

const expiresSoon = (tokens: TokenSet, now = Date.now()) => tokens.expiresAt !== null && tokens.expiresAt - now < REFRESH_AHEAD_MS;

/** The connection's tokens, refreshed first when they are about to expire. */
export async function currentTokens(deps: SyncDeps, connectionId: string): Promise<TokenSet> {
  const [row] = await deps.db
    .select({ credentials: connections.credentials, status: connections.status, statusReason: connections.statusReason })
    .from(connections)
    .where(eq(connections.id, connectionId));
  if (!row?.credentials || row.status === 'error' || row.status === 'disconnected') throw new ReauthorizationNeeded(row?.statusReason ?? REAUTHORIZATION_NEEDED);
  const tokens = openTokens(deps.keyring, connectionId, row.credentials);
  return expiresSoon(tokens) ? refreshTokens(deps, connectionId, tokens.accessToken) : tokens;
}

/**
 * Replaces `staleAccessToken` (expired, expiring, or rejected by the provider). Under the
 * row lock: when the stored token is no longer the stale one and not expiring, another
 * job refreshed meanwhile and its tokens are returned without calling the provider.
 */
export async function refreshTokens(deps: SyncDeps, connectionId: string, staleAccessToken: string): Promise<TokenSet> {
  const outcome = await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(connections).where(eq(connections.id, connectionId)).for('update');
    if (!row?.credentials || row.status === 'error' || row.status === 'disconnected') return { reauthorize: row?.statusReason ?? REAUTHORIZATION_NEEDED, row: null };
    const tokens = openTokens(deps.keyring, connectionId, row.credentials);
    if (tokens.accessToken !== staleAccessToken && !expiresSoon(tokens)) return { tokens };
    if (!tokens.refreshToken) {
      await markReauthorizationNeeded(tx, connectionId);
      return { reauthorize: REAUTHORIZATION_NEEDED, row };
    }
    const setup = setupOfConnection(row, deps.env);
    let fresh: TokenSet;
    try {
      fresh = await oauthProvider(setup).refresh(tokens.refreshToken, tokens);
    } catch (error) {
      if (!(error instanceof ReauthorizationNeeded)) throw error;
      await markReauthorizationNeeded(tx, connectionId);
      return { reauthorize: REAUTHORIZATION_NEEDED, row };
    }
    // a refresh answer may name the instance again (Salesforce): only an allow-listed one is kept
    const instanceUrl = row.provider === 'salesforce' ? (acceptedInstanceUrl(setup, fresh.instanceUrl) ?? row.instanceUrl) : row.instanceUrl;
    const next: TokenSet = { ...fresh, refreshToken: fresh.refreshToken ?? tokens.refreshToken, instanceUrl: instanceUrl ?? undefined };
    await tx
      .update(connections)
      .set({ ...sealTokens(deps.keyring, connectionId, next), instanceUrl, updatedAt: new Date() })
      .where(eq(connections.id, connectionId));
    return { tokens: next };
  });
  if ('tokens' in outcome && outcome.tokens) return outcome.tokens;
  if (outcome.row) await announceReauthorization(deps, outcome.row.organizationId, connectionId);
  throw new ReauthorizationNeeded(outcome.reauthorize ?? REAUTHORIZATION_NEEDED);
}

/** invalid_grant: the connection waits for a person; its schedule stops (only `connected` connections are due). */
export async function markReauthorizationNeeded(db: Executor, connectionId: string): Promise<void> {
  await db
    .update(connections)
    .set({ status: 'error', statusReason: REAUTHORIZATION_NEEDED, nextSyncAt: null, updatedAt: new Date() })
    .where(eq(connections.id, connectionId));
}

/** The owner learns it on the dashboard (live event) and in the audit log. */
export async function announceReauthorization(deps: Pick<SyncDeps, 'db' | 'sql'>, organizationId: string, connectionId: string): Promise<void> {
  await writeAudit(deps.db, { userId: null, email: 'system' }, null, {
    action: 'system.connection.reauthorization_needed',
    organizationId,
    targetType: 'connection',
    targetId: connectionId,
    outcome: 'failure',
    details: { reason: REAUTHORIZATION_NEEDED },
  });
  await publishEvent(deps.sql, { organizationId, topic: 'sync.connection', data: { connectionId, status: 'error', reason: REAUTHORIZATION_NEEDED } }).catch(() => {});
}
