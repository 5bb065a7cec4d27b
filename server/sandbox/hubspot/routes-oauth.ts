import { consentPage } from '../core/consent-page';
import { json } from '../core/sandbox';
import { ACCESS_TOKEN_TTL_SECONDS, DEMO_APP, PORTAL } from './constants';
import { hsError, oauthError, type OAuthStatus } from './errors';
import { readForm, type Route, type RouteContext } from './http';
import { authorizeQuerySchema, tokenFormSchema } from './schemas';
import type { HubSpotStore } from './store';

/**
 * OAuth v1: the authorize page (app.hubspot.com/oauth/authorize in real life; here
 * on the same port), the form-encoded token endpoint (authorization_code and
 * refresh_token grants; refresh tokens are not rotated), access-token and
 * refresh-token introspection, and refresh-token deletion. PKCE is honoured when
 * the authorize request carried a code_challenge.
 */

const isLoopback = (raw: string) => {
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function errorPage(message: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>HubSpot sandbox · authorization failed</title><link rel="icon" href="data:,"></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto"><h1>Authorization failed</h1><p>${escapeHtml(message)}</p></body></html>`;
  return new Response(html, { status: 400, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** Checks an authorize request (query on GET, form on POST); the parsed parameters or an error page. */
function checkAuthorize(store: HubSpotStore, params: URLSearchParams) {
  const parsed = authorizeQuerySchema.safeParse(Object.fromEntries(params));
  if (!parsed.success) return errorPage(`Invalid authorization request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const q = parsed.data;
  const client = store.oauth.clients.get(q.client_id);
  if (!client) return errorPage(`Authorization failed because this application is misconfigured: unknown client_id ${q.client_id}.`);
  if (!isLoopback(q.redirect_uri) && !client.redirectUris.includes(q.redirect_uri)) {
    return errorPage(`Authorization failed because the redirect URL ${q.redirect_uri} does not match the app's redirect URLs (any http://localhost or 127.0.0.1 URL in the sandbox).`);
  }
  return q;
}

function redirect(to: string, params: Record<string, string | undefined>): Response {
  const url = new URL(to);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: url.toString() } });
}

async function authorizePage(ctx: RouteContext): Promise<Response> {
  const q = checkAuthorize(ctx.store, ctx.url.searchParams);
  if (q instanceof Response) return q;
  const scope = [q.scope, q.optional_scope].filter(Boolean).join(' ');
  return consentPage({
    provider: 'HubSpot',
    clientId: q.client_id,
    scope,
    actionPath: '/oauth/authorize',
    query: ctx.url.searchParams,
    accountLabel: `portal ${PORTAL.hubId} (${PORTAL.hubDomain}) as ${PORTAL.user}`,
  });
}

async function authorizeDecision(ctx: RouteContext): Promise<Response> {
  const form = await readForm(ctx.request);
  const decision = form.get('decision');
  form.delete('decision');
  const q = checkAuthorize(ctx.store, form);
  if (q instanceof Response) return q;
  if (decision !== 'allow') return redirect(q.redirect_uri, { error: 'access_denied', error_description: 'The user denied the authorization request.', state: q.state });
  const code = ctx.store.oauth.issueCode({
    clientId: q.client_id,
    redirectUri: q.redirect_uri,
    scope: [q.scope, q.optional_scope].filter(Boolean).join(' '),
    codeChallenge: q.code_challenge ?? null,
    codeChallengeMethod: q.code_challenge ? (q.code_challenge_method ?? 'plain') : null,
    subject: PORTAL.user,
  });
  return redirect(q.redirect_uri, { code, state: q.state });
}

const CODE_ERRORS: Record<string, OAuthStatus> = {
  'redirect_uri mismatch': 'BAD_REDIRECT_URI',
  'code_verifier required': 'BAD_CODE_VERIFIER',
  'invalid code verifier': 'BAD_CODE_VERIFIER',
};

async function token(ctx: RouteContext): Promise<Response> {
  const parsed = tokenFormSchema.safeParse(Object.fromEntries(await readForm(ctx.request)));
  if (!parsed.success) return oauthError('BAD_GRANT_TYPE');
  const form = parsed.data;
  if (form.grant_type !== 'authorization_code' && form.grant_type !== 'refresh_token') return oauthError('BAD_GRANT_TYPE');
  if (!form.client_id || !ctx.store.oauth.clients.has(form.client_id)) return oauthError('BAD_CLIENT_ID');
  if (ctx.store.oauth.checkClient(form.client_id, form.client_secret ?? '')) return oauthError('BAD_CLIENT_SECRET');
  const store = ctx.store;
  let result;
  if (form.grant_type === 'authorization_code') {
    if (!form.code) return oauthError('BAD_AUTH_CODE');
    result = store.oauth.exchangeCode({ code: form.code, clientId: form.client_id, redirectUri: form.redirect_uri ?? '', codeVerifier: form.code_verifier ?? null });
    if ('error' in result) return oauthError(CODE_ERRORS[result.description] ?? 'BAD_AUTH_CODE');
  } else {
    const meta = form.refresh_token ? store.refreshTokens.get(form.refresh_token) : undefined;
    if (!form.refresh_token || !meta || meta.revoked) return oauthError('BAD_REFRESH_TOKEN');
    result = store.oauth.refresh({ refreshToken: form.refresh_token, clientId: form.client_id });
    if ('error' in result) return oauthError('BAD_REFRESH_TOKEN');
  }
  const access = store.remember(result);
  return json({
    token_type: 'bearer',
    refresh_token: access.refreshToken,
    access_token: access.token,
    expires_in: Math.max(0, Math.round((access.expiresAt - Date.now()) / 1000)) || ACCESS_TOKEN_TTL_SECONDS,
    hub_id: PORTAL.hubId,
    scopes: access.scope.split(/\s+/).filter(Boolean),
    token_use: 'access_token',
  });
}

const tokenNotFound = (what: string) => hsError(404, 'OBJECT_NOT_FOUND', `${what} not found, expired or revoked.`);

async function accessTokenInfo(ctx: RouteContext): Promise<Response> {
  const value = decodeURIComponent(ctx.params[0]!);
  const access = ctx.store.accessTokens.get(value);
  if (!access || access.expiresAt <= Date.now()) return tokenNotFound('Access token');
  return json({
    token: access.token,
    user: PORTAL.user,
    hub_domain: PORTAL.hubDomain,
    scopes: access.scope.split(/\s+/).filter(Boolean),
    hub_id: PORTAL.hubId,
    app_id: DEMO_APP.appId,
    expires_in: Math.round((access.expiresAt - Date.now()) / 1000),
    user_id: PORTAL.userId,
    token_type: 'access',
    is_private_distribution: false,
  });
}

async function refreshTokenInfo(ctx: RouteContext): Promise<Response> {
  const value = decodeURIComponent(ctx.params[0]!);
  const meta = ctx.store.refreshTokens.get(value);
  if (!meta || meta.revoked) return tokenNotFound('Refresh token');
  return json({
    token: value,
    user: PORTAL.user,
    hub_domain: PORTAL.hubDomain,
    scopes: meta.scope.split(/\s+/).filter(Boolean),
    hub_id: PORTAL.hubId,
    client_id: meta.clientId,
    user_id: PORTAL.userId,
    token_type: 'refresh',
  });
}

/** Deletes only the refresh token: access tokens issued from it keep working until they expire (as HubSpot documents). */
async function deleteRefreshToken(ctx: RouteContext): Promise<Response> {
  const value = decodeURIComponent(ctx.params[0]!);
  const meta = ctx.store.refreshTokens.get(value);
  if (!meta || meta.revoked) return tokenNotFound('Refresh token');
  meta.revoked = true;
  return new Response(null, { status: 204 });
}

export const oauthRoutes: Route[] = [
  { method: 'GET', pattern: /^\/oauth\/authorize$/, handle: authorizePage },
  { method: 'POST', pattern: /^\/oauth\/authorize$/, handle: authorizeDecision },
  { method: 'POST', pattern: /^\/oauth\/v1\/token$/, handle: token },
  { method: 'GET', pattern: /^\/oauth\/v1\/access-tokens\/([^/]+)$/, handle: accessTokenInfo },
  { method: 'GET', pattern: /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/, handle: refreshTokenInfo },
  { method: 'DELETE', pattern: /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/, handle: deleteRefreshToken },
];
