import { consentPage } from '../core/consent-page';
import { bearerOf } from '../core/oauth';
import { problem } from './errors';
import type { KommoRequest } from './list';
import { KOMMO_USERS } from './people';
import { consentSchema, tokenRequestSchema } from './schemas';
import { ACCOUNT } from './store';

/**
 * Kommo OAuth 2.0 (wire-spec §3.2): `GET /oauth?client_id&state&mode&redirect_uri` shows
 * the consent page; Allow redirects to the redirect URI with `code`, `state`,
 * `referer` (the account host: here the sandbox's host:port), `subdomain`, `platform=2`
 * and `client_id`; Deny with `error=access_denied`. `POST /oauth2/access_token` takes JSON
 * (form bodies are accepted too) for `authorization_code` and `refresh_token`; every
 * refresh returns a new refresh token and the old one stops working.
 * OAuth errors use the problem+json shape with `hint` that Kommo's OAuth server sends
 * (shape recalled from real answers; UNCONFIRMED in the corpus).
 */

const isLoopback = (uri: string) => {
  try {
    const u = new URL(uri);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
};

const oauthProblem = (status: 400 | 401, hint: string) =>
  new Response(
    JSON.stringify({ hint, title: status === 401 ? 'Unauthorized' : 'Invalid request', type: 'https://developers.kommo.com/v3/errors/OAuthProblemJson', status, detail: 'https://tools.ietf.org/html/rfc6749#section-5.2' }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  );

export async function authorize(k: KommoRequest): Promise<Response> {
  const params = k.request.method === 'POST' ? new URLSearchParams(await k.request.text()) : k.url.searchParams;
  const form = consentSchema.safeParse(Object.fromEntries(params));
  if (!form.success) return problem(400, `Invalid authorization request: ${form.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const clientId = form.data.client_id;
  if (!k.store.oauth.clients.has(clientId)) return problem(400, 'Integration not found (unknown client_id)');
  const redirectUri = form.data.redirect_uri;
  if (!isLoopback(redirectUri)) return problem(400, 'redirect_uri must be an http(s) URL on 127.0.0.1 or localhost in the sandbox');
  if (k.request.method === 'GET') {
    const query = new URLSearchParams(params);
    query.delete('decision');
    return consentPage({ provider: 'Kommo', clientId, scope: '', actionPath: '/oauth', query, accountLabel: `${ACCOUNT.name} (${ACCOUNT.subdomain})` });
  }
  const target = new URL(redirectUri);
  const state = form.data.state ?? null;
  if (form.data.decision !== 'allow') {
    target.searchParams.set('error', 'access_denied');
    if (state !== null) target.searchParams.set('state', state);
    target.searchParams.set('client_id', clientId);
    return new Response(null, { status: 302, headers: { location: target.toString() } });
  }
  const code = k.store.oauth.issueCode({ clientId, redirectUri, scope: '', codeChallenge: null, codeChallengeMethod: null, subject: String(KOMMO_USERS[0]!.id) });
  target.searchParams.set('code', code);
  if (state !== null) target.searchParams.set('state', state);
  target.searchParams.set('referer', new URL(k.origin).host);
  target.searchParams.set('subdomain', ACCOUNT.subdomain);
  target.searchParams.set('platform', '2');
  target.searchParams.set('client_id', clientId);
  return new Response(null, { status: 302, headers: { location: target.toString() } });
}

export async function accessToken(k: KommoRequest): Promise<Response> {
  const text = await k.request.text();
  let raw: unknown;
  if ((k.request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) raw = Object.fromEntries(new URLSearchParams(text));
  else {
    try {
      raw = JSON.parse(text);
    } catch {
      return oauthProblem(400, 'The request body is not valid JSON');
    }
  }
  const parsed = tokenRequestSchema.safeParse(raw);
  if (!parsed.success) return oauthProblem(400, `Check the ${parsed.error.issues[0]?.path.join('.') || 'grant_type'} parameter`);
  const body = parsed.data;
  if (k.store.oauth.checkClient(body.client_id, body.client_secret)) return oauthProblem(401, 'Client authentication failed');
  const result =
    body.grant_type === 'authorization_code'
      ? k.store.oauth.exchangeCode({ code: body.code, clientId: body.client_id, redirectUri: body.redirect_uri, codeVerifier: null })
      : k.store.oauth.refresh({ refreshToken: body.refresh_token, clientId: body.client_id });
  if ('error' in result) return oauthProblem(400, body.grant_type === 'authorization_code' ? 'Authorization code has been revoked' : 'Token has been revoked');
  return new Response(
    JSON.stringify({ token_type: 'Bearer', expires_in: Math.round((result.expiresAt - result.issuedAt) / 1000), server_time: Math.floor(Date.now() / 1000), access_token: result.token, refresh_token: result.refreshToken }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  );
}

/** GET /oauth2/account/subdomain with a Bearer token. */
export function accountSubdomain(k: KommoRequest): Response {
  const who = k.store.authenticate(bearerOf(k.request));
  if (typeof who === 'string') return problem(401, 'Unauthorized');
  return new Response(JSON.stringify({ id: ACCOUNT.id, subdomain: ACCOUNT.subdomain, domain: new URL(k.origin).host, top_level_domain: 'com' }), { headers: { 'content-type': 'application/json' } });
}
