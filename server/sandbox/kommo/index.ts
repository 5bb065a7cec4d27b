import { z } from 'zod';
import { bearerOf } from '../core/oauth';
import { json, type SandboxDefinition } from '../core/sandbox';
import { problem } from './errors';
import { checkRateLimit, tooManyRequests } from './limits';
import type { KommoRequest } from './list';
import { accessToken, accountSubdomain, authorize } from './oauth';
import { KOMMO_USERS } from './people';
import { account, customFields, lossReasons, pipeline, pipelines, user, users, webhooksApi } from './routes-account';
import { contactLinks, createContacts, getCompany, getContact, listContacts, patchContacts } from './routes-contacts';
import { createLeads, createLeadsComplex, createTags, getLead, leadLinks, listLeads, listTags, patchLeads } from './routes-leads';
import { adminCountSchema, sandboxLimitsSchema, sandboxWebhookSchema } from './schemas';
import { ACCOUNT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_LONG_LIVED_TOKEN, KommoStore, PIPELINES, WON, LOST, type LeadPatchFields } from './store';
import { WEBHOOK_SETTINGS, type WebhookSetting } from './webhooks';

/**
 * Kommo (amoCRM) API v4 sandbox — wire-spec §3.
 *
 * Point the app's account base URL at the sandbox origin (in place of
 * https://{subdomain}.kommo.com). Demo credentials (fixed):
 *   OAuth client id     6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b
 *   OAuth client secret kommo-sandbox-secret-0123456789abcdefghijklmnopqrstuv
 *   redirect URI        any http(s) URL on 127.0.0.1 / localhost
 *   long-lived token    kommo-sandbox-long-lived-token (valid 5 years; more from POST /_sandbox/long-lived-token)
 * Account: id 31905001, subdomain "crmhubsandbox"; six users (ids 10450001..10450006).
 *
 * Data: `records` leads and `records` contacts (people from core/generator with the same
 * parameters as the Radist sandbox, so phones match), 15% of leads share a contact.
 *
 * Sandbox admin paths answered here (besides the core's):
 *   POST   /_sandbox/webhooks {url, settings?}  register a webhook destination (all events by default)
 *   GET    /_sandbox/webhooks                   subscriptions and the last deliveries
 *   DELETE /_sandbox/webhooks                   remove every subscription
 *   POST   /_sandbox/long-lived-token {days?}   mint a long-lived token
 *   POST   /_sandbox/limits {perSecond?, violationsToBlock?, violationWindowSeconds?, blockSeconds?, enabled?}
 *   POST   /_sandbox/limits/reset               clear the rate-limit window, violations and any block
 *   POST   /_sandbox/contacts/modify {count}    change N contacts (fires contacts[update] webhooks)
 * Admin ops: records/delete and records/modify act on leads (leads[delete] / leads[update]
 * and, for every third modified lead, a status change with leads[status]).
 */

const pathId = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);

async function route(k: KommoRequest): Promise<Response> {
  const { pathname } = k.url;
  const method = k.request.method;
  if (pathname === '/oauth' || pathname === '/oauth/') return method === 'GET' || method === 'POST' ? authorize(k) : problem(405, 'Method not allowed');
  if (pathname === '/oauth2/access_token') return method === 'POST' ? accessToken(k) : problem(405, 'Method not allowed');
  if (pathname === '/oauth2/account/subdomain') return accountSubdomain(k);
  if (pathname.startsWith('/_sandbox/')) return admin(k);
  if (!pathname.startsWith('/api/v4/')) return problem(404, 'Not found');

  const limited = checkRateLimit(k.store);
  if (limited) return limited;
  const who = k.store.authenticate(bearerOf(k.request));
  if (typeof who === 'string') return problem(401, who === 'expired' ? 'The access token has expired' : who === 'missing' ? 'Authorization header is missing' : 'The access token is invalid');
  k.userId = who.userId;

  const parts = pathname.slice('/api/v4/'.length).replace(/\/$/, '').split('/');
  const [entity, second, third] = parts;
  const id = pathId(second);
  const is = (m: string) => method === m;
  switch (entity) {
    case 'account':
      if (parts.length === 1 && is('GET')) return account(k);
      break;
    case 'users':
      if (parts.length === 1 && is('GET')) return users(k);
      if (parts.length === 2 && id !== null && is('GET')) return user(k, id);
      break;
    case 'webhooks':
      if (parts.length === 1) return webhooksApi(k);
      break;
    case 'companies':
      if (parts.length === 2 && id !== null && is('GET')) return getCompany(k, id);
      break;
    case 'leads':
      if (parts.length === 1) {
        if (is('GET')) return listLeads(k);
        if (is('POST')) return createLeads(k);
        if (is('PATCH')) return patchLeads(k, null);
      }
      if (second === 'complex' && parts.length === 2 && is('POST')) return createLeadsComplex(k);
      if (second === 'tags' && parts.length === 2) {
        if (is('GET')) return listTags(k);
        if (is('POST')) return createTags(k);
      }
      if (second === 'custom_fields' && parts.length === 2 && is('GET')) return customFields(k, 'leads');
      if (second === 'loss_reasons' && parts.length === 2 && is('GET')) return lossReasons(k);
      if (second === 'pipelines') {
        if (parts.length === 2 && is('GET')) return pipelines(k);
        const pid = pathId(third);
        if (pid !== null && parts.length === 3 && is('GET')) return pipeline(k, pid, false);
        if (pid !== null && parts.length === 4 && parts[3] === 'statuses' && is('GET')) return pipeline(k, pid, true);
      }
      if (id !== null && parts.length === 2) {
        if (is('GET')) return getLead(k, id);
        if (is('PATCH')) return patchLeads(k, id);
      }
      if (id !== null && third === 'links' && parts.length === 3 && is('GET')) return leadLinks(k, id);
      break;
    case 'contacts':
      if (parts.length === 1) {
        if (is('GET')) return listContacts(k);
        if (is('POST')) return createContacts(k);
        if (is('PATCH')) return patchContacts(k, null);
      }
      if (second === 'custom_fields' && parts.length === 2 && is('GET')) return customFields(k, 'contacts');
      if (id !== null && parts.length === 2) {
        if (is('GET')) return getContact(k, id);
        if (is('PATCH')) return patchContacts(k, id);
      }
      if (id !== null && third === 'links' && parts.length === 3 && is('GET')) return contactLinks(k, id);
      break;
  }
  return problem(404, `Unknown API method ${method} ${pathname}`);
}

async function admin(k: KommoRequest): Promise<Response> {
  const { pathname } = k.url;
  const method = k.request.method;
  const body = method === 'POST' || method === 'DELETE' ? await k.request.json().catch(() => ({})) : {};
  const store = k.store;
  if (pathname === '/_sandbox/webhooks') {
    if (method === 'GET') return json({ subscriptions: store.webhooks.subscriptions, deliveries: store.webhooks.deliveries.slice(-100) });
    if (method === 'DELETE') {
      const url = z.object({ url: z.string().url().optional() }).safeParse(body);
      return json({ removed: store.webhooks.unsubscribe(url.success ? url.data.url : undefined) });
    }
    if (method === 'POST') {
      const parsed = sandboxWebhookSchema.safeParse(body);
      if (!parsed.success) return json({ error: parsed.error.issues }, { status: 400 });
      const settings = (parsed.data.settings ?? WEBHOOK_SETTINGS).filter((s): s is WebhookSetting => (WEBHOOK_SETTINGS as readonly string[]).includes(s));
      return json(store.webhooks.subscribe(parsed.data.url, settings), { status: 201 });
    }
  }
  if (pathname === '/_sandbox/long-lived-token' && method === 'POST') {
    const days = z.object({ days: z.number().int().min(1).max(1825).default(365) }).safeParse(body);
    if (!days.success) return json({ error: days.error.issues }, { status: 400 });
    const minted = store.mintLongLivedToken(days.data.days);
    return json({ token: minted.token, expires_at: minted.expiresAt });
  }
  if (pathname === '/_sandbox/limits' && method === 'POST') {
    const parsed = sandboxLimitsSchema.safeParse(body);
    if (!parsed.success) return json({ error: parsed.error.issues }, { status: 400 });
    Object.assign(store.limits, Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)));
    return json({ ...store.limits, blockedUntil: store.blockedUntil });
  }
  if (pathname === '/_sandbox/limits/reset' && method === 'POST') {
    store.limiter.reset();
    store.violations = [];
    store.blockedUntil = 0;
    return json(store.limits);
  }
  if (pathname === '/_sandbox/contacts/modify' && method === 'POST') {
    const parsed = adminCountSchema.safeParse(body);
    if (!parsed.success) return json({ error: parsed.error.issues }, { status: 400 });
    return json({ ids: store.modifyContacts(parsed.data.count, k.random).map(String) });
  }
  return json({ error: 'unknown sandbox admin path' }, { status: 404 });
}

export const definition: SandboxDefinition<KommoStore> = {
  provider: 'kommo',
  createStore: ({ seed, records }) => new KommoStore(seed, records),
  adminPaths: ['/_sandbox/webhooks', '/_sandbox/long-lived-token', '/_sandbox/limits', '/_sandbox/contacts'],
  handle: async (request, ctx) => {
    const origin = ctx.baseUrl();
    ctx.store.origin = origin;
    return route({ request, url: new URL(request.url), store: ctx.store, origin, userId: 0, random: ctx.random.next });
  },
  rateLimited: (retryAfterSeconds) => tooManyRequests(retryAfterSeconds),
  serverError: (status) => problem(status, status === 503 ? 'Service temporarily unavailable' : 'Internal server error'),
  deleteRecords: (store, count, random) => {
    const leads = store.randomLiveLeads(count, random.next);
    const events = store.deleteLeads(leads);
    store.emit(events);
    return leads.map((l) => String(l.id));
  },
  modifyRecords: (store, count, random) => {
    const leads = store.randomLiveLeads(count, random.next);
    const batch = leads.map((lead, i) => {
      const patch: LeadPatchFields = { price: lead.price + random.int(1, 50) * 100 };
      if (i % 3 === 0) {
        const statuses = PIPELINES.find((p) => p.id === lead.pipelineId)!.statuses.filter((s) => s.id !== lead.statusId);
        const next = random.pick(statuses).id;
        patch.statusId = next;
        if (next === LOST) patch.lossReasonId = 5_001;
      }
      return { lead, patch, userId: KOMMO_USERS[0]!.id };
    });
    const events = store.updateLeads(batch);
    store.emit(events);
    return leads.map((l) => String(l.id));
  },
  expireTokens: (store) => store.expireAllTokens(),
  revokeRefreshTokens: (store) => store.oauth.revokeAllRefreshTokens(),
  summary: (store) => ({
    account: { id: ACCOUNT.id, subdomain: ACCOUNT.subdomain },
    leads: store.leadsById.length,
    deletedLeads: store.deletedCount,
    contacts: store.contactsById.length,
    companies: store.companies.size,
    tags: store.tags.size,
    won: store.leadsById.filter((l) => l.statusId === WON).length,
    oauth: { ...store.oauth.counters, demoClientId: DEMO_CLIENT_ID, demoClientSecret: DEMO_CLIENT_SECRET, demoLongLivedToken: DEMO_LONG_LIVED_TOKEN },
    limits: { ...store.limits, blockedUntil: store.blockedUntil },
    webhooks: { subscriptions: store.webhooks.subscriptions.length, deliveries: store.webhooks.deliveries.length },
  }),
};

export { KommoStore } from './store';
