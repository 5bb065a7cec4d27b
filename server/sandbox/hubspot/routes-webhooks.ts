import { json } from '../core/sandbox';
import { DEMO_APP, DEVELOPER_API_KEY } from './constants';
import { hsError, validationError } from './errors';
import { readJson, type Route, type RouteContext } from './http';
import { adminConfigSchema, adminWebhookSchema, subscriptionCreateSchema, subscriptionPatchSchema, webhookSettingsSchema } from './schemas';
import type { AppSubscription } from './webhooks';

/**
 * Two ways to point webhooks at the app:
 * - the real Webhooks v3 management API, `/webhooks/v3/{appId}/settings|subscriptions`
 *   with the developer API key (`?hapikey=`), as `client.webhooks.*` calls it;
 * - sandbox admin routes under `/_hubspot/` (the core owns `/_sandbox/*`):
 *   `POST /_hubspot/webhooks {targetUrl, clientSecret?, eventTypes?}` registers a
 *   target for every event type, plus config knobs and a flush.
 */

const iso = (ms: number) => new Date(ms).toISOString();

function checkDeveloper(ctx: RouteContext): Response | null {
  const key = ctx.url.searchParams.get('hapikey');
  if (key !== DEVELOPER_API_KEY) {
    return hsError(401, 'INVALID_AUTHENTICATION', key ? 'The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/' : 'Authentication credentials not found. This API supports developer API key authentication.');
  }
  if (ctx.params[0] !== String(DEMO_APP.appId)) return hsError(404, 'OBJECT_NOT_FOUND', `App ${ctx.params[0]} not found.`);
  return null;
}

const subscriptionOut = (sub: AppSubscription) => ({
  id: String(sub.id),
  eventType: sub.eventType,
  ...(sub.propertyName ? { propertyName: sub.propertyName } : {}),
  active: sub.active,
  createdAt: iso(sub.createdAt),
  updatedAt: iso(sub.updatedAt),
});

const settingsOut = (ctx: RouteContext) => {
  const s = ctx.store.webhooks.settings!;
  return { targetUrl: s.targetUrl, throttling: s.throttling, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt) };
};

async function getSettings(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  if (!ctx.store.webhooks.settings) return hsError(404, 'OBJECT_NOT_FOUND', `No webhook settings exist for app ${DEMO_APP.appId}.`);
  return json(settingsOut(ctx));
}

async function putSettings(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  const body = await readJson(ctx.request, webhookSettingsSchema);
  if (!body.ok) return body.response;
  const now = Date.now();
  const previous = ctx.store.webhooks.settings;
  ctx.store.webhooks.settings = { targetUrl: body.data.targetUrl, throttling: body.data.throttling, createdAt: previous?.createdAt ?? now, updatedAt: now };
  return json(settingsOut(ctx));
}

async function clearSettings(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  ctx.store.webhooks.settings = null;
  return new Response(null, { status: 204 });
}

async function listSubscriptions(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  return json({ results: [...ctx.store.webhooks.subscriptions.values()].map(subscriptionOut) });
}

async function createSubscription(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  const body = await readJson(ctx.request, subscriptionCreateSchema);
  if (!body.ok) return body.response;
  if (body.data.eventType.endsWith('.propertyChange') && !body.data.propertyName) return validationError('propertyName is required for propertyChange subscriptions.');
  const duplicate = [...ctx.store.webhooks.subscriptions.values()].find((s) => s.eventType === body.data.eventType && s.propertyName === body.data.propertyName);
  if (duplicate) return hsError(409, 'CONFLICT', `A subscription for ${body.data.eventType}${body.data.propertyName ? ` (${body.data.propertyName})` : ''} already exists: ${duplicate.id}.`);
  return json(subscriptionOut(ctx.store.webhooks.createSubscription(body.data)), { status: 201 });
}

function findSubscription(ctx: RouteContext): AppSubscription | Response {
  const sub = ctx.store.webhooks.subscriptions.get(Number(ctx.params[1]));
  return sub ?? hsError(404, 'OBJECT_NOT_FOUND', `Subscription ${ctx.params[1]} not found.`);
}

async function getSubscription(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  const sub = findSubscription(ctx);
  return sub instanceof Response ? sub : json(subscriptionOut(sub));
}

async function patchSubscription(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  const sub = findSubscription(ctx);
  if (sub instanceof Response) return sub;
  const body = await readJson(ctx.request, subscriptionPatchSchema);
  if (!body.ok) return body.response;
  sub.active = body.data.active;
  sub.updatedAt = Date.now();
  return json(subscriptionOut(sub));
}

async function deleteSubscription(ctx: RouteContext): Promise<Response> {
  const denied = checkDeveloper(ctx);
  if (denied) return denied;
  const sub = findSubscription(ctx);
  if (sub instanceof Response) return sub;
  ctx.store.webhooks.subscriptions.delete(sub.id);
  return new Response(null, { status: 204 });
}

export const webhookApiRoutes: Route[] = [
  { method: 'GET', pattern: /^\/webhooks\/v3\/(\d+)\/settings$/, handle: getSettings },
  { method: 'PUT', pattern: /^\/webhooks\/v3\/(\d+)\/settings$/, handle: putSettings },
  { method: 'DELETE', pattern: /^\/webhooks\/v3\/(\d+)\/settings$/, handle: clearSettings },
  { method: 'GET', pattern: /^\/webhooks\/v3\/(\d+)\/subscriptions$/, handle: listSubscriptions },
  { method: 'POST', pattern: /^\/webhooks\/v3\/(\d+)\/subscriptions$/, handle: createSubscription },
  { method: 'GET', pattern: /^\/webhooks\/v3\/(\d+)\/subscriptions\/(\d+)$/, handle: getSubscription },
  { method: 'PATCH', pattern: /^\/webhooks\/v3\/(\d+)\/subscriptions\/(\d+)$/, handle: patchSubscription },
  { method: 'DELETE', pattern: /^\/webhooks\/v3\/(\d+)\/subscriptions\/(\d+)$/, handle: deleteSubscription },
];

// ---- sandbox admin (/_hubspot/...) -----------------------------------------

async function registerTarget(ctx: RouteContext): Promise<Response> {
  const body = await readJson(ctx.request, adminWebhookSchema);
  if (!body.ok) return body.response;
  return json(ctx.store.webhooks.register(body.data), { status: 201 });
}

async function listTargets(ctx: RouteContext): Promise<Response> {
  const w = ctx.store.webhooks;
  return json({ targets: w.targets.map(({ clientSecret: _secret, ...t }) => t), settings: w.settings, deliveries: w.deliveries.slice(-200) });
}

async function removeTarget(ctx: RouteContext): Promise<Response> {
  return ctx.store.webhooks.unregister(ctx.params[0]!) ? new Response(null, { status: 204 }) : json({ error: 'unknown webhook target' }, { status: 404 });
}

async function flush(ctx: RouteContext): Promise<Response> {
  await ctx.store.webhooks.flush();
  return json({ deliveries: ctx.store.webhooks.deliveries.slice(-200) });
}

async function getConfig(ctx: RouteContext): Promise<Response> {
  return json({ ...ctx.store.config, webhooks: ctx.store.webhooks.config });
}

async function patchConfig(ctx: RouteContext): Promise<Response> {
  const body = await readJson(ctx.request, adminConfigSchema);
  if (!body.ok) return body.response;
  const { rateLimit, searchPerSecond, dailyLimit, webhooks, resetRateLimits } = body.data;
  const config = ctx.store.config;
  if (rateLimit) config.rateLimit = { ...config.rateLimit, ...rateLimit };
  if (searchPerSecond !== undefined) config.searchPerSecond = searchPerSecond;
  if (dailyLimit !== undefined) config.dailyLimit = dailyLimit;
  if (webhooks) Object.assign(ctx.store.webhooks.config, webhooks);
  if (resetRateLimits) ctx.store.resetRateLimits();
  return getConfig(ctx);
}

/** Demo/test helper: an access + refresh token pair for the demo app without the browser round trip. */
async function mintTokens(ctx: RouteContext): Promise<Response> {
  const access = ctx.store.issueTokens();
  return json({ token_type: 'bearer', access_token: access.token, refresh_token: access.refreshToken, expires_in: Math.round((access.expiresAt - Date.now()) / 1000) }, { status: 201 });
}

export const adminRoutes: Route[] = [
  { method: 'POST', pattern: /^\/_hubspot\/webhooks$/, handle: registerTarget },
  { method: 'GET', pattern: /^\/_hubspot\/webhooks$/, handle: listTargets },
  { method: 'POST', pattern: /^\/_hubspot\/webhooks\/flush$/, handle: flush },
  { method: 'DELETE', pattern: /^\/_hubspot\/webhooks\/([^/]+)$/, handle: removeTarget },
  { method: 'GET', pattern: /^\/_hubspot\/config$/, handle: getConfig },
  { method: 'POST', pattern: /^\/_hubspot\/config$/, handle: patchConfig },
  { method: 'POST', pattern: /^\/_hubspot\/tokens$/, handle: mintTokens },
];
