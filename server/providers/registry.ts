import { isProduction, type Env } from '../config/env';
import { createHubSpotClient, createHubSpotOAuth } from './hubspot';
import { createSalesforceClient, createSalesforceOAuth } from './salesforce';
import type { CrmClient, OAuthProvider, SyncProvider, TokenSet } from './types';
import { requirePublicOrigin } from '../config/public-url';

/**
 * Where each CRM provider lives and which connected app we use there (decision 006).
 *
 * - Production: the connected app comes from the environment (SALESFORCE_CLIENT_ID/SECRET,
 *   HUBSPOT_CLIENT_ID/SECRET) and the endpoints are the vendors' own.
 * - Demo and test (never production): the local sandboxes (AppServices.sandboxes) with
 *   their fixed, published demo apps — see the headers of server/sandbox/salesforce/index.ts
 *   and server/sandbox/hubspot/index.ts (a test keeps these copies in step).
 *
 * A connection row stores the endpoints it was authorized against (auth_url, instance_url,
 * uses_sandbox), so a worker on another machine — which runs no sandbox — reaches the
 * same place; the URLs come from this registry or, for a Salesforce instance URL, from the
 * token endpoint through the allow-list below, never from a browser request.
 */

export const SANDBOX_APPS: Record<SyncProvider, { clientId: string; clientSecret: string }> = {
  salesforce: { clientId: '3MVG9CRMHubSandbox.DemoConnectedApp.ConsumerKey', clientSecret: 'CRMHUB0SANDBOX0DEMO0CONSUMER0SECRET' },
  hubspot: { clientId: '5a4db0c8-6b1e-4c0e-9d3a-0b5f1c2d3e4f', clientSecret: 'c0ffee00-5a4d-4b0c-8e1f-sandbox00001' },
};

const SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';
const HUBSPOT_API_BASE = 'https://api.hubapi.com';
/** Salesforce instance hosts we accept from a token answer (My Domain, instances, sandboxes). */
const SALESFORCE_HOST = /^(?:[a-z0-9-]+\.)+salesforce\.com$/i;

/** Daily API allocation assumed when the provider has not told us yet (Salesforce: org edition-dependent; HubSpot: Professional). */
export const DEFAULT_DAILY_ALLOCATION: Record<SyncProvider, number> = { salesforce: 100_000, hubspot: 250_000 };

export class ProviderNotConfigured extends Error {
  constructor(readonly provider: SyncProvider) {
    super(`${provider === 'salesforce' ? 'Salesforce' : 'HubSpot'} is not configured on this server.`);
    this.name = 'ProviderNotConfigured';
  }
}

export interface ProviderSetup {
  provider: SyncProvider;
  clientId: string;
  clientSecret: string;
  /** Salesforce: the login URL (OAuth server); HubSpot: the API base (which also serves /oauth/v1/token). */
  authUrl: string;
  /** The API base known before authorization (HubSpot); Salesforce's comes from the token answer. */
  apiBaseUrl: string | null;
  usesSandbox: boolean;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function envApp(env: Env, provider: SyncProvider): { clientId: string; clientSecret: string } | null {
  const [id, secret] = provider === 'salesforce' ? [env.SALESFORCE_CLIENT_ID, env.SALESFORCE_CLIENT_SECRET] : [env.HUBSPOT_CLIENT_ID, env.HUBSPOT_CLIENT_SECRET];
  return id && secret ? { clientId: id, clientSecret: secret } : null;
}

/** The setup for a new connection; the sandbox only outside production and only when one runs. */
export function providerSetup(provider: SyncProvider, options: { env: Env; sandboxes: Record<string, string> | null }): ProviderSetup {
  const sandbox = isProduction(options.env) ? undefined : options.sandboxes?.[provider];
  if (sandbox) {
    const url = trimSlash(sandbox);
    return { provider, ...SANDBOX_APPS[provider], authUrl: url, apiBaseUrl: provider === 'hubspot' ? url : null, usesSandbox: true };
  }
  const app = envApp(options.env, provider);
  if (!app) throw new ProviderNotConfigured(provider);
  return provider === 'salesforce'
    ? { provider, ...app, authUrl: trimSlash(options.env.SALESFORCE_LOGIN_URL ?? SALESFORCE_LOGIN_URL), apiBaseUrl: null, usesSandbox: false }
    : { provider, ...app, authUrl: HUBSPOT_API_BASE, apiBaseUrl: HUBSPOT_API_BASE, usesSandbox: false };
}

/** The setup an existing connection was authorized with (what a worker uses). */
export function setupOfConnection(row: { provider: SyncProvider; authUrl: string; instanceUrl: string | null; usesSandbox: boolean }, env: Env): ProviderSetup {
  if (row.usesSandbox) {
    if (isProduction(env)) throw new ProviderNotConfigured(row.provider);
    return { provider: row.provider, ...SANDBOX_APPS[row.provider], authUrl: row.authUrl, apiBaseUrl: row.instanceUrl, usesSandbox: true };
  }
  const app = envApp(env, row.provider);
  if (!app) throw new ProviderNotConfigured(row.provider);
  return { provider: row.provider, ...app, authUrl: row.authUrl, apiBaseUrl: row.instanceUrl, usesSandbox: false };
}

/** The fixed callback URL of a provider: APP_URL (or http://localhost:PORT outside production) + /integrations/<provider>/callback. */
export function redirectUri(env: Env, provider: SyncProvider): string {
  return `${requirePublicOrigin(env)}/integrations/${provider}/callback`;
}

/**
 * A Salesforce instance URL from a token answer, accepted only when it is https on a
 * Salesforce host — or exactly the sandbox's origin for a sandbox connection. Returns the
 * origin to store, or null when refused.
 */
export function acceptedInstanceUrl(setup: ProviderSetup, raw: string | undefined | null): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (setup.usesSandbox) return url.origin === new URL(setup.authUrl).origin ? url.origin : null;
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return null;
  return SALESFORCE_HOST.test(url.hostname) ? url.origin : null;
}

export function oauthProvider(setup: ProviderSetup): OAuthProvider {
  if (setup.provider === 'salesforce') return createSalesforceOAuth({ clientId: setup.clientId, clientSecret: setup.clientSecret, loginUrl: setup.authUrl });
  return createHubSpotOAuth({ clientId: setup.clientId, clientSecret: setup.clientSecret, baseUrl: setup.authUrl });
}

export interface ClientHooks {
  /** Stable per connection: clients with the same key share throttles. */
  connectionId: string;
  /** Awaited before every HTTP request to the CRM; `search` for HubSpot's search endpoints (their own limit). It paces search too, so the client's in-process search gate is off. */
  beforeCall?: (kind?: 'api' | 'search') => Promise<void>;
  /** Per HTTP request timeout (default: the client's own). */
  requestTimeoutMs?: number;
  onRateLimitInfo?: (info: { remaining?: number; limit?: number; windowMs?: number; dailyUsed?: number; dailyLimit?: number }) => void;
}

/**
 * A CrmClient for one access token. The refresh token is deliberately NOT handed to the
 * client: an expired token surfaces as ReauthorizationNeeded and the engine refreshes
 * through its row lock (server/services/sync/tokens.ts), so concurrent jobs in any number
 * of processes refresh once.
 */
export function crmClient(setup: ProviderSetup, tokens: TokenSet, hooks: ClientHooks): CrmClient {
  const accessOnly: TokenSet = { ...tokens, refreshToken: null };
  const noRefresh = async () => {};
  if (setup.provider === 'salesforce') {
    return createSalesforceClient({
      tokens: accessOnly,
      oauth: { clientId: setup.clientId, clientSecret: setup.clientSecret, loginUrl: setup.authUrl },
      onTokensRefreshed: noRefresh,
      beforeCall: hooks.beforeCall,
      onRateLimitInfo: hooks.onRateLimitInfo,
      ...(hooks.requestTimeoutMs ? { requestTimeoutMs: hooks.requestTimeoutMs } : {}),
    });
  }
  return createHubSpotClient({
    tokens: accessOnly,
    oauth: { clientId: setup.clientId, clientSecret: setup.clientSecret, baseUrl: setup.authUrl },
    baseUrl: setup.apiBaseUrl ?? setup.authUrl,
    onTokensRefreshed: noRefresh,
    beforeCall: hooks.beforeCall,
    onRateLimitInfo: hooks.onRateLimitInfo,
    throttleKey: hooks.connectionId,
    searchGate: !hooks.beforeCall,
    engineRetries: !!hooks.beforeCall,
    ...(hooks.requestTimeoutMs ? { requestTimeoutMs: hooks.requestTimeoutMs } : {}),
  });
}
