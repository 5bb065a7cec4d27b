import { bearerOf } from '../core/oauth';
import { json, type SandboxDefinition } from '../core/sandbox';
import { DEMO_APP, DEVELOPER_API_KEY, PORTAL, PRIVATE_APP_TOKEN } from './constants';
import { expiredToken, hsError, missingScopes, MISSING_CREDENTIALS_MESSAGE, rateLimitBody } from './errors';
import type { Route, RouteContext } from './http';
import { associationRoutes } from './routes-associations';
import { objectRoutes } from './routes-objects';
import { oauthRoutes } from './routes-oauth';
import { propertyRoutes } from './routes-properties';
import { adminRoutes, webhookApiRoutes } from './routes-webhooks';
import { searchRoutes } from './search';
import { HubSpotStore, type Caller } from './store';

/**
 * HubSpot sandbox: CRM v3 objects (contacts, companies), search, properties,
 * associations v4, OAuth v1, rate limits with HubSpot's headers and 429 bodies, and
 * signed Webhooks v3 — the wire protocol @hubspot/api-client 14 speaks, served at
 * the root of its own port: `new Client({ accessToken, basePath: sandbox.url })`.
 *
 * Fixed credentials (server/sandbox/hubspot/constants.ts):
 * - OAuth app: client_id `5a4db0c8-6b1e-4c0e-9d3a-0b5f1c2d3e4f`,
 *   client_secret `c0ffee00-5a4d-4b0c-8e1f-sandbox00001` (also the webhook signing
 *   secret), app id 4102001; any http://localhost or 127.0.0.1 redirect URI.
 *   Authorize at `GET {url}/oauth/authorize?client_id&redirect_uri&scope&state`
 *   (client.oauth.getAuthorizationUrl() hard-codes app.hubspot.com: build it yourself).
 * - Portal 20260001 (sandbox-demo.example.com), user sandbox-admin@example.com.
 * - Private-app token `pat-na1-5a4db0c8-0000-4000-8000-000000000001` (never expires).
 * - Developer API key `dev-hapikey-5a4db0c8-sandbox` for /webhooks/v3/4102001/….
 *
 * Sandbox-only routes live under `/_hubspot/` (`/_sandbox/` belongs to the core):
 * `POST /_hubspot/webhooks {targetUrl, clientSecret?, eventTypes?}`, `GET /_hubspot/webhooks`,
 * `DELETE /_hubspot/webhooks/{id}`, `POST /_hubspot/webhooks/flush`,
 * `GET|POST /_hubspot/config` (rate limits, webhook batching/retries), `POST /_hubspot/tokens`.
 */

export type { HubSpotStore } from './store';
export { DEMO_APP, DEVELOPER_API_KEY, PORTAL, PRIVATE_APP_TOKEN };

const apiRoutes: Route[] = [...searchRoutes, ...objectRoutes, ...propertyRoutes, ...associationRoutes];
const searchSet = new Set(searchRoutes);

type Match = { route: Route; params: string[] } | 'method-not-allowed' | null;

function match(routes: Route[], method: string, path: string): Match {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      pathMatched = true;
      continue;
    }
    return { route, params: m.slice(1) };
  }
  return pathMatched ? 'method-not-allowed' : null;
}

const routeNotFound = (path: string) => hsError(404, 'OBJECT_NOT_FOUND', `No route found for ${path}.`);
const methodNotAllowed = (method: string) => hsError(405, 'METHOD_NOT_ALLOWED', `HTTP method ${method} is not supported by this resource.`);

function dispatch(routes: Route[], ctx: RouteContext): Promise<Response> | Response {
  const found = match(routes, ctx.request.method, ctx.url.pathname);
  if (found === null) return routeNotFound(ctx.url.pathname);
  if (found === 'method-not-allowed') return methodNotAllowed(ctx.request.method);
  return found.route.handle({ ...ctx, params: found.params });
}

/** The standard rate-limit headers (search responses carry none, as on HubSpot). */
function rateLimitHeaders(store: HubSpotStore, caller: Caller, remaining: number, dailyRemaining: number | undefined): Record<string, string> {
  const { max, intervalMs } = store.config.rateLimit;
  const secondly = Math.max(1, Math.ceil((max * 1000) / intervalMs));
  const headers: Record<string, string> = {
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(intervalMs),
    'X-HubSpot-RateLimit-Max': String(max),
    'X-HubSpot-RateLimit-Remaining': String(remaining),
    'X-HubSpot-RateLimit-Secondly': String(secondly),
    'X-HubSpot-RateLimit-Secondly-Remaining': String(Math.min(secondly, remaining)),
  };
  if (caller.kind === 'private') {
    headers['X-HubSpot-RateLimit-Daily'] = String(store.config.dailyLimit);
    headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(dailyRemaining ?? store.config.dailyLimit);
  }
  return headers;
}

async function handleApi(ctx: RouteContext): Promise<Response> {
  const { store, request, url } = ctx;
  const auth = store.authenticate(bearerOf(request));
  if ('error' in auth) {
    if (auth.error === 'expired') return expiredToken(auth.expiresAt);
    return hsError(401, 'INVALID_AUTHENTICATION', MISSING_CREDENTIALS_MESSAGE);
  }
  const found = match(apiRoutes, request.method, url.pathname);
  if (found && found !== 'method-not-allowed' && searchSet.has(found.route)) {
    if (!store.takeSearch()) return json(rateLimitBody('SECONDLY', `publicapi:search-secondly:${PORTAL.hubId}`), { status: 429 });
    return run(found, { ...ctx, caller: auth });
  }
  const taken = store.takeGeneral(auth);
  const headers = rateLimitHeaders(store, auth, taken.remaining, taken.dailyRemaining);
  if (!taken.allowed) return json(rateLimitBody(taken.policy ?? 'TEN_SECONDLY_ROLLING', auth.bucket), { status: 429, headers });
  const response =
    found === null ? routeNotFound(url.pathname) : found === 'method-not-allowed' ? methodNotAllowed(request.method) : await run(found, { ...ctx, caller: auth });
  for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
  return response;
}

async function run(found: { route: Route; params: string[] }, ctx: RouteContext): Promise<Response> {
  const needed = found.route.scopes?.(found.params) ?? [];
  if (needed.length && ctx.caller && !needed.some((s) => ctx.caller!.scopes.has(s))) return missingScopes(needed);
  return found.route.handle({ ...ctx, params: found.params });
}

export const definition: SandboxDefinition<HubSpotStore> = {
  provider: 'hubspot',
  createStore: ({ seed, records }) => new HubSpotStore(seed, records),
  async handle(request, sandbox) {
    const url = new URL(request.url);
    const ctx: RouteContext = { request, url, store: sandbox.store, caller: null, baseUrl: sandbox.baseUrl(), params: [] };
    const path = url.pathname;
    if (path.startsWith('/_hubspot/')) return dispatch(adminRoutes, ctx);
    if (path === '/oauth/authorize' || path.startsWith('/oauth/v1/')) return dispatch(oauthRoutes, ctx);
    if (path.startsWith('/webhooks/v3/')) return dispatch(webhookApiRoutes, ctx);
    return handleApi(ctx);
  },
  rateLimited(retryAfterSeconds) {
    return json(rateLimitBody('TEN_SECONDLY_ROLLING', `publicapi:oauth-app-api-calls-ten-secondly:${DEMO_APP.appId}:${PORTAL.hubId}`), {
      status: 429,
      headers: {
        'Retry-After': String(retryAfterSeconds),
        'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
        'X-HubSpot-RateLimit-Max': '100',
        'X-HubSpot-RateLimit-Remaining': '0',
      },
    });
  },
  serverError(status) {
    const message = status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'internal error';
    return hsError(status, 'INTERNAL_ERROR', message);
  },
  deleteRecords: (store, count, random) => store.deleteContacts(count, random),
  modifyRecords: (store, count, random) => store.modifyContacts(count, random),
  expireTokens: (store) => store.expireTokens(),
  revokeRefreshTokens: (store) => store.revokeRefreshTokens(),
  summary: (store) => store.summary(),
};
