import { z } from 'zod';
import { consentPage } from '../core/consent-page';
import { bearerOf } from '../core/oauth';
import { json } from '../core/sandbox';
import { oauthError } from './errors';
import { DEMO_USER, ORG_ID, USER_ID, type SalesforceStore } from './store';

/**
 * The OAuth 2.0 web-server flow of login.salesforce.com: authorize (consent page, PKCE
 * challenge), token (authorization_code, refresh_token, password), revoke, the identity
 * URL and OpenID userinfo. instance_url and the identity URL point back at the sandbox.
 */

const isLoopback = (uri: string) => {
  try {
    const u = new URL(uri);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
};

const authorizeSchema = z.object({
  response_type: z.string().optional(),
  client_id: z.string().optional(),
  redirect_uri: z.string().optional(),
  scope: z.string().optional(),
  state: z.string().optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
  decision: z.enum(['allow', 'deny']).optional(),
});

const tokenSchema = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal('authorization_code'),
    code: z.string().min(1),
    client_id: z.string().min(1),
    client_secret: z.string().optional(),
    redirect_uri: z.string().min(1),
    code_verifier: z.string().optional(),
  }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1), client_id: z.string().min(1), client_secret: z.string().optional() }),
  z.object({ grant_type: z.literal('password'), username: z.string(), password: z.string(), client_id: z.string().min(1), client_secret: z.string().optional() }),
]);

const errorPage = (status: number, error: string, description: string) =>
  new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Salesforce sandbox · error</title></head><body><h1>OAuth error</h1><p>error=${error}&amp;error_description=${description}</p></body></html>`,
    { status, headers: { 'content-type': 'text/html; charset=utf-8' } },
  );

function redirectWith(redirectUri: string, params: Record<string, string | undefined>) {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: url.toString() } });
}

async function formOf(request: Request): Promise<Record<string, string>> {
  const text = await request.text();
  return Object.fromEntries(new URLSearchParams(text));
}

async function authorize(request: Request, url: URL, store: SalesforceStore): Promise<Response> {
  const params = request.method === 'POST' ? await formOf(request) : Object.fromEntries(url.searchParams);
  const parsed = authorizeSchema.safeParse(params);
  if (!parsed.success) return errorPage(400, 'invalid_request', 'malformed request');
  const p = parsed.data;
  const client = p.client_id ? store.oauth.clients.get(p.client_id) : undefined;
  if (!client) return errorPage(400, 'invalid_client_id', 'client identifier invalid');
  if (!p.redirect_uri || !(isLoopback(p.redirect_uri) || client.redirectUris.includes(p.redirect_uri)))
    return errorPage(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
  if (p.response_type !== 'code') return redirectWith(p.redirect_uri, { error: 'unsupported_response_type', error_description: 'response type not supported', state: p.state });
  if (p.code_challenge_method && p.code_challenge_method !== 'S256')
    return redirectWith(p.redirect_uri, { error: 'invalid_request', error_description: 'invalid code_challenge_method', state: p.state });
  if (p.code_challenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge))
    return redirectWith(p.redirect_uri, { error: 'invalid_request', error_description: 'invalid code_challenge', state: p.state });
  if (request.method === 'GET' || !p.decision) {
    const query = new URLSearchParams(Object.entries(params).filter(([k]) => k !== 'decision'));
    return consentPage({ provider: 'Salesforce', clientId: client.clientId, scope: p.scope ?? '', actionPath: '/services/oauth2/authorize', query, accountLabel: `${DEMO_USER.username} (CRM Hub Sandbox org)` });
  }
  if (p.decision === 'deny') return redirectWith(p.redirect_uri, { error: 'access_denied', error_description: 'end-user denied authorization', state: p.state });
  const code = store.oauth.issueCode({
    clientId: client.clientId,
    redirectUri: p.redirect_uri,
    scope: p.scope ?? 'api refresh_token',
    codeChallenge: p.code_challenge ?? null,
    codeChallengeMethod: p.code_challenge ? 'S256' : null,
    subject: USER_ID,
  });
  return redirectWith(p.redirect_uri, { code, state: p.state });
}

async function token(request: Request, store: SalesforceStore, baseUrl: string): Promise<Response> {
  const form = await formOf(request);
  if (!['authorization_code', 'refresh_token', 'password'].includes(form.grant_type ?? '')) return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  if (!form.client_id || !store.oauth.clients.has(form.client_id)) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
  const parsed = tokenSchema.safeParse(form);
  if (!parsed.success) return oauthError(400, 'invalid_request', `missing or malformed parameter: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const p = parsed.data;
  if (p.client_secret !== undefined && store.oauth.checkClient(p.client_id, p.client_secret)) return oauthError(400, 'invalid_client', 'invalid client credentials');
  switch (p.grant_type) {
    case 'authorization_code': {
      if (p.client_secret === undefined && !p.code_verifier) return oauthError(400, 'invalid_client', 'invalid client credentials');
      const result = store.oauth.exchangeCode({ code: p.code, clientId: p.client_id, redirectUri: p.redirect_uri, codeVerifier: p.code_verifier ?? null });
      if ('error' in result) {
        if (result.description.includes('redirect_uri')) return oauthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
        if (result.description.includes('verifier')) return oauthError(400, 'invalid_grant', 'invalid code verifier');
        return oauthError(400, 'invalid_grant', 'expired authorization code');
      }
      return json(store.tokenResponse(result, baseUrl, true));
    }
    case 'refresh_token': {
      const result = store.oauth.refresh({ refreshToken: p.refresh_token, clientId: p.client_id });
      if ('error' in result) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
      return json(store.tokenResponse(result, baseUrl, false));
    }
    case 'password': {
      if (p.client_secret === undefined) return oauthError(400, 'invalid_client', 'invalid client credentials');
      if (p.username !== DEMO_USER.username || p.password !== DEMO_USER.password) return oauthError(400, 'invalid_grant', 'authentication failure');
      const access = store.oauth.issueTokens(p.client_id, 'api', USER_ID);
      return json(store.tokenResponse(access, baseUrl, false));
    }
  }
}

async function revoke(request: Request, url: URL, store: SalesforceStore): Promise<Response> {
  const parsed = z.object({ token: z.string().min(1).optional() }).safeParse(request.method === 'POST' ? await formOf(request) : { token: url.searchParams.get('token') ?? undefined });
  const value = parsed.success ? parsed.data.token : undefined;
  const formError = (error: string, description: string) =>
    new Response(new URLSearchParams({ error, error_description: description }).toString(), { status: 400, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (!value) return formError('unsupported_token_type', 'this token type is not supported');
  if (!store.oauth.revoke(value)) return formError('invalid_token', 'invalid token');
  return new Response(null, { status: 200 });
}

function identityBody(baseUrl: string) {
  const id = `${baseUrl}/id/${ORG_ID}/${USER_ID}`;
  const rest = `${baseUrl}/services/data/v{version}/`;
  return {
    id,
    asserted_user: true,
    user_id: USER_ID,
    organization_id: ORG_ID,
    username: DEMO_USER.username,
    nick_name: 'demo.admin',
    display_name: DEMO_USER.displayName,
    email: DEMO_USER.email,
    email_verified: true,
    first_name: 'Demo',
    last_name: 'Admin',
    timezone: 'Etc/UTC',
    photos: { picture: `${baseUrl}/profilephoto/005/F`, thumbnail: `${baseUrl}/profilephoto/005/T` },
    addr_street: null,
    addr_city: null,
    addr_state: null,
    addr_country: null,
    addr_zip: null,
    mobile_phone: null,
    mobile_phone_verified: false,
    is_lightning_login_user: false,
    status: { created_date: null, body: null },
    urls: {
      enterprise: `${baseUrl}/services/Soap/c/{version}/${ORG_ID.slice(0, 15)}`,
      metadata: `${baseUrl}/services/Soap/m/{version}/${ORG_ID.slice(0, 15)}`,
      partner: `${baseUrl}/services/Soap/u/{version}/${ORG_ID.slice(0, 15)}`,
      rest,
      sobjects: `${rest}sobjects/`,
      search: `${rest}search/`,
      query: `${rest}query/`,
      recent: `${rest}recent/`,
      tooling_soap: `${baseUrl}/services/Soap/T/{version}/${ORG_ID.slice(0, 15)}`,
      tooling_rest: `${rest}tooling/`,
      profile: `${baseUrl}/${USER_ID}`,
      feeds: `${rest}chatter/feeds`,
      groups: `${rest}chatter/groups`,
      users: `${rest}chatter/users`,
      feed_items: `${rest}chatter/feed-items`,
      feed_elements: `${rest}chatter/feed-elements`,
      custom_domain: baseUrl,
    },
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    last_modified_date: '2026-01-01T00:00:00Z',
    is_app_installed: true,
  };
}

const badToken = () => new Response('Bad_OAuth_Token', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });

function identity(request: Request, url: URL, store: SalesforceStore, baseUrl: string, orgId: string, userId: string): Response {
  const tokenValue = bearerOf(request) ?? url.searchParams.get('oauth_token');
  const access = store.oauth.validate(tokenValue);
  if (typeof access === 'string') return badToken();
  if (orgId.slice(0, 15) !== ORG_ID.slice(0, 15) || userId.slice(0, 15) !== USER_ID.slice(0, 15)) return new Response('Bad_Id', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return json(identityBody(baseUrl));
}

function userinfo(request: Request, store: SalesforceStore, baseUrl: string): Response {
  const access = store.oauth.validate(bearerOf(request));
  if (typeof access === 'string') return badToken();
  const body = identityBody(baseUrl);
  return json({
    sub: body.id,
    user_id: USER_ID,
    organization_id: ORG_ID,
    preferred_username: DEMO_USER.username,
    nickname: body.nick_name,
    name: DEMO_USER.displayName,
    email: DEMO_USER.email,
    email_verified: true,
    given_name: body.first_name,
    family_name: body.last_name,
    zoneinfo: 'Etc/UTC',
    photos: body.photos,
    profile: body.urls.profile,
    picture: body.photos.picture,
    address: {},
    is_salesforce_integration_user: false,
    urls: body.urls,
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    updated_at: body.last_modified_date,
    is_app_installed: true,
  });
}

/** Handles /services/oauth2/* and /id/*; null when the path is not an OAuth path. */
export async function handleOAuth(request: Request, url: URL, store: SalesforceStore, baseUrl: string): Promise<Response | null> {
  const path = url.pathname.replace(/\/+$/, '');
  const method = request.method;
  if (path === '/services/oauth2/authorize' && (method === 'GET' || method === 'POST')) return authorize(request, url, store);
  if (path === '/services/oauth2/token') return method === 'POST' ? token(request, store, baseUrl) : oauthError(405, 'invalid_request', 'must use HTTP POST');
  if (path === '/services/oauth2/revoke' && (method === 'POST' || method === 'GET')) return revoke(request, url, store);
  if (path === '/services/oauth2/userinfo' && (method === 'GET' || method === 'POST')) return userinfo(request, store, baseUrl);
  const id = /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(path);
  if (id && method === 'GET') return identity(request, url, store, baseUrl, id[1]!, id[2]!);
  return null;
}
