import { ReauthorizationNeeded, type TokenSet } from '../types';
import { KommoApiError, KommoBadResponse } from './errors';
import { allowedUrl, type HostPolicy, type KommoDomain } from './hosts';
import { problemSchema, tokenResponseSchema } from './schemas';

/**
 * Kommo OAuth 2.0 (wire-spec §3.2) with the tenant's own integration (client id and
 * secret of the customer's Kommo integration, not ours):
 *
 * - the browser goes to `https://www.<domain>/oauth?client_id&state&mode=post_message`
 *   (the sandbox serves the same page at its own `/oauth`);
 * - the code is exchanged at the account host's `/oauth2/access_token` (JSON body);
 * - every refresh returns a NEW refresh token and kills the old one, so the caller
 *   must store the answer before it uses the new access token (services/kommo/tokens.ts
 *   does both under the connection's row lock).
 *
 * No PKCE: Kommo documents none. The state is single-use and bound to user and tenant.
 */

export interface KommoOAuthApp {
  clientId: string;
  clientSecret: string;
}

const AUTHORIZE_HOST: Record<KommoDomain, string> = {
  'kommo.com': 'https://www.kommo.com',
  'amocrm.ru': 'https://www.amocrm.ru',
  'amocrm.com': 'https://www.amocrm.com',
};

export function authorizationUrl(input: { policy: HostPolicy; domain: KommoDomain; clientId: string; state: string; redirectUri: string }): string {
  const url = new URL('/oauth', input.policy.sandbox ? input.policy.baseUrl : AUTHORIZE_HOST[input.domain]);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('state', input.state);
  url.searchParams.set('mode', 'post_message');
  url.searchParams.set('redirect_uri', input.redirectUri);
  return url.toString();
}

function tokenSetOf(body: { access_token: string; refresh_token: string; expires_in: number }): TokenSet {
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: Date.now() + body.expires_in * 1000 };
}

async function tokenRequest(policy: HostPolicy, payload: Record<string, string>, fetchImpl: typeof fetch = fetch): Promise<TokenSet> {
  const url = allowedUrl(policy, '/oauth2/access_token');
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(payload),
    redirect: 'manual',
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (res.ok) {
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new KommoBadResponse('/oauth2/access_token', parsed.error.issues.map((i) => i.path.join('.')).join(', '));
    return tokenSetOf(parsed.data);
  }
  const problem = problemSchema.safeParse(body);
  const detail = problem.success ? (problem.data.hint ?? problem.data.detail ?? problem.data.title ?? `HTTP ${res.status}`) : `HTTP ${res.status}`;
  // a refused code or refresh token (400) and bad client credentials (401) both need a person
  if (res.status === 400 || res.status === 401) throw new ReauthorizationNeeded(`Kommo refused the authorization: ${detail}`);
  throw new KommoApiError(res.status, detail);
}

export function exchangeCode(policy: HostPolicy, app: KommoOAuthApp, input: { code: string; redirectUri: string }, fetchImpl?: typeof fetch): Promise<TokenSet> {
  return tokenRequest(policy, { client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri }, fetchImpl);
}

/** Uses up `refreshToken`: store the answer before anything else. */
export function refreshTokens(policy: HostPolicy, app: KommoOAuthApp, input: { refreshToken: string; redirectUri: string }, fetchImpl?: typeof fetch): Promise<TokenSet> {
  return tokenRequest(policy, { client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: input.refreshToken, redirect_uri: input.redirectUri }, fetchImpl);
}
