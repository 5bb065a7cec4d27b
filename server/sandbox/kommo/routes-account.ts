import { z } from 'zod';
import { hal, noContent, problem, validationProblem, zodProblem } from './errors';
import { pageLinks, pageOf, type KommoRequest } from './list';
import { KOMMO_USERS, type KommoUser } from './people';
import { badJson, INVALID_JSON, jsonBody } from './routes-leads';
import { webhookCreateSchema } from './schemas';
import { ACCOUNT, CONTACT_FIELDS, LEAD_FIELDS, LOSS_REASONS, PIPELINES, type Pipeline, type Status } from './store';
import { WEBHOOK_SETTINGS, type WebhookSetting } from './webhooks';

/** /api/v4/account, users, pipelines with statuses, custom fields, loss reasons, webhooks. */

const pageQuery = z.object({ page: z.coerce.number().int().min(1).default(1), limit: z.coerce.number().int().min(1).max(250).default(50) });

export function account(k: KommoRequest): Response {
  const withParts = (k.url.searchParams.get('with') ?? '').split(',');
  return hal({
    id: ACCOUNT.id,
    name: ACCOUNT.name,
    subdomain: ACCOUNT.subdomain,
    created_at: 1_700_000_000,
    created_by: KOMMO_USERS[0]!.id,
    updated_at: 1_760_000_000,
    updated_by: KOMMO_USERS[0]!.id,
    current_user_id: k.userId,
    country: 'US',
    currency: 'USD',
    currency_symbol: '$',
    customers_mode: 'disabled',
    is_unsorted_on: true,
    is_loss_reason_enabled: true,
    is_helpbot_enabled: false,
    is_technical_account: false,
    contact_name_display_order: 1,
    ...(withParts.includes('amojo_id') ? { amojo_id: 'f3a2c9d1-sandbox-amojo' } : {}),
    _links: { self: { href: `${k.origin}/api/v4/account` } },
  });
}

function serializeUser(user: KommoUser, origin: string) {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    lang: user.lang,
    rights: {
      leads: { view: 'A', edit: 'A', add: 'A', delete: user.isAdmin ? 'A' : 'M', export: user.isAdmin ? 'A' : 'D' },
      contacts: { view: 'A', edit: 'A', add: 'A', delete: user.isAdmin ? 'A' : 'M', export: user.isAdmin ? 'A' : 'D' },
      companies: { view: 'A', edit: 'A', add: 'A', delete: user.isAdmin ? 'A' : 'M', export: user.isAdmin ? 'A' : 'D' },
      tasks: { edit: 'A', delete: 'A' },
      mail_access: true,
      catalog_access: true,
      is_admin: user.isAdmin,
      is_free: false,
      is_active: true,
      group_id: null,
      role_id: null,
    },
    _links: { self: { href: `${origin}/api/v4/users/${user.id}` } },
  };
}

export function users(k: KommoRequest): Response {
  const parsed = pageQuery.safeParse(Object.fromEntries(k.url.searchParams));
  if (!parsed.success) return zodProblem(parsed.error, false);
  const { page, limit } = parsed.data;
  const result = pageOf(KOMMO_USERS, 0, KOMMO_USERS.length, false, null, (page - 1) * limit, limit);
  if (!result.items.length) return noContent();
  return hal({
    _total_items: KOMMO_USERS.length,
    _page: page,
    _page_count: Math.ceil(KOMMO_USERS.length / limit),
    _links: pageLinks(k, page, limit, result.hasNext),
    _embedded: { users: result.items.map((u) => serializeUser(u, k.origin)) },
  });
}

export function user(k: KommoRequest, id: number): Response {
  const found = KOMMO_USERS.find((u) => u.id === id);
  return found ? hal(serializeUser(found, k.origin)) : noContent();
}

function serializeStatus(s: Status, pipelineId: number, origin: string) {
  return {
    id: s.id,
    name: s.name,
    sort: s.sort,
    is_editable: s.isEditable,
    pipeline_id: pipelineId,
    color: s.color,
    type: s.type,
    account_id: ACCOUNT.id,
    _links: { self: { href: `${origin}/api/v4/leads/pipelines/${pipelineId}/statuses/${s.id}` } },
  };
}

function serializePipeline(p: Pipeline, origin: string) {
  return {
    id: p.id,
    name: p.name,
    sort: p.sort,
    is_main: p.isMain,
    is_unsorted_on: true,
    is_archive: false,
    account_id: ACCOUNT.id,
    _links: { self: { href: `${origin}/api/v4/leads/pipelines/${p.id}` } },
    _embedded: { statuses: p.statuses.map((s) => serializeStatus(s, p.id, origin)) },
  };
}

export function pipelines(k: KommoRequest): Response {
  return hal({
    _total_items: PIPELINES.length,
    _links: { self: { href: `${k.origin}/api/v4/leads/pipelines` } },
    _embedded: { pipelines: PIPELINES.map((p) => serializePipeline(p, k.origin)) },
  });
}

export function pipeline(k: KommoRequest, id: number, statusesOnly: boolean): Response {
  const p = PIPELINES.find((x) => x.id === id);
  if (!p) return noContent();
  if (!statusesOnly) return hal(serializePipeline(p, k.origin));
  return hal({
    _total_items: p.statuses.length,
    _links: { self: { href: `${k.origin}/api/v4/leads/pipelines/${id}/statuses` } },
    _embedded: { statuses: p.statuses.map((s) => serializeStatus(s, p.id, k.origin)) },
  });
}

export function customFields(k: KommoRequest, entity: 'leads' | 'contacts'): Response {
  const fields =
    entity === 'leads'
      ? LEAD_FIELDS.map((f, i) => ({ id: f.id, name: f.name, type: f.type, code: f.code, sort: 500 + i, is_api_only: false, enums: null }))
      : Object.values(CONTACT_FIELDS).map((f, i) => ({
          id: f.id,
          name: f.name,
          type: f.type,
          code: f.code,
          sort: 4 + i,
          is_api_only: false,
          enums: Object.keys(f.enums).length ? Object.entries(f.enums).map(([value, id], j) => ({ id, value, sort: 2 * (j + 1) })) : null,
        }));
  return hal({
    _total_items: fields.length,
    _page: 1,
    _page_count: 1,
    _links: { self: { href: `${k.origin}/api/v4/${entity}/custom_fields` } },
    _embedded: { custom_fields: fields.map((f) => ({ ...f, entity_type: entity, account_id: ACCOUNT.id, _links: { self: { href: `${k.origin}/api/v4/${entity}/custom_fields/${f.id}` } } })) },
  });
}

export function lossReasons(k: KommoRequest): Response {
  return hal({
    _total_items: LOSS_REASONS.length,
    _links: { self: { href: `${k.origin}/api/v4/leads/loss_reasons` } },
    _embedded: { loss_reasons: LOSS_REASONS.map((r, i) => ({ id: r.id, name: r.name, sort: (i + 1) * 10, created_at: 1_700_000_000, updated_at: 1_700_000_000, _links: { self: { href: `${k.origin}/api/v4/leads/loss_reasons/${r.id}` } } })) },
  });
}

const serializeWebhook = (w: { id: number; destination: string; settings: string[]; createdAt: number; disabled: boolean }) => ({
  id: w.id,
  destination: w.destination,
  created_at: w.createdAt,
  updated_at: w.createdAt,
  account_id: ACCOUNT.id,
  created_by: KOMMO_USERS[0]!.id,
  sort: 1,
  disabled: w.disabled,
  settings: w.settings,
});

export async function webhooksApi(k: KommoRequest): Promise<Response> {
  const registry = k.store.webhooks;
  if (k.request.method === 'GET') {
    if (!registry.subscriptions.length) return noContent();
    return hal({ _total_items: registry.subscriptions.length, _links: { self: { href: `${k.origin}/api/v4/webhooks` } }, _embedded: { webhooks: registry.subscriptions.map(serializeWebhook) } });
  }
  const body = await jsonBody(k);
  if (body === INVALID_JSON) return badJson();
  if (k.request.method === 'POST') {
    const parsed = webhookCreateSchema.safeParse(body);
    if (!parsed.success) return zodProblem(parsed.error, false);
    const unknown = parsed.data.settings.findIndex((s) => !(WEBHOOK_SETTINGS as readonly string[]).includes(s));
    if (unknown >= 0) return validationProblem([{ requestId: '0', code: 'NotSupportedChoice', path: `settings.${unknown}`, detail: 'The value you selected is not a valid choice.' }]);
    return hal(serializeWebhook(registry.subscribe(parsed.data.destination, parsed.data.settings as WebhookSetting[])), 201);
  }
  if (k.request.method === 'DELETE') {
    const parsed = z.object({ destination: z.string().url() }).safeParse(body);
    if (!parsed.success) return zodProblem(parsed.error, false);
    return registry.unsubscribe(parsed.data.destination) ? noContent() : problem(404, 'Webhook not found');
  }
  return problem(405, 'Method not allowed');
}
