import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Kommo account webhooks (wire-spec §3.7): `application/x-www-form-urlencoded` bodies
 * with PHP-style bracket keys, `{entity}[{action}][{index}][{field}]`, plus `account[id]`
 * and `account[subdomain]`:
 *
 *   leads[status][0][id]=23802129&leads[status][0][status_id]=47873533&…
 *   &account[id]=29013640&account[subdomain]=acme
 *
 * One POST can carry several events. The payload is only a hint: the job re-reads the
 * entity through the read client before anything reaches the mirror, so only the ids,
 * the account and a few stamps are validated here.
 */

export const WEBHOOK_ENTITIES = ['leads', 'contacts'] as const;
export const LEAD_ACTIONS = ['add', 'update', 'status', 'delete', 'responsible', 'restore'] as const;
export const CONTACT_ACTIONS = ['add', 'update', 'delete', 'responsible', 'restore'] as const;
export type WebhookEntity = (typeof WEBHOOK_ENTITIES)[number];

export interface WebhookEvent {
  entity: WebhookEntity;
  action: string;
  kommoId: number;
  /** The event's fields as sent (strings), for inspection. */
  fields: Record<string, unknown>;
  /** Identifies this exact event: identical deliveries share it, any change makes a new one. */
  key: string;
}

export type ParsedWebhook =
  | { ok: true; accountId: number; subdomain: string; events: WebhookEvent[] }
  | { ok: false; error: string };

const MAX_KEYS = 5_000;
const MAX_DEPTH = 8;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

type Node = { [key: string]: Node | string } | (Node | string)[];

/**
 * Bracket keys to nested objects/arrays (numeric and empty brackets make arrays). Refuses
 * prototype keys, deep nesting, too many keys and a scalar/object clash on one path.
 */
export function parseBracketForm(body: string): Record<string, unknown> {
  const params = new URLSearchParams(body);
  const root: Record<string, Node | string> = Object.create(null);
  let count = 0;
  for (const [rawKey, value] of params) {
    if (++count > MAX_KEYS) throw new Error('too many fields');
    const match = rawKey.match(/^([^[\]]+)((?:\[[^[\]]*\])*)$/);
    if (!match) throw new Error(`unreadable key "${rawKey.slice(0, 60)}"`);
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (path.length > MAX_DEPTH) throw new Error('nesting too deep');
    if (path.some((p) => FORBIDDEN.has(p))) throw new Error('forbidden key');
    let node: any = root;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const last = i === path.length - 1;
      const isArray = Array.isArray(node);
      const index = isArray ? (segment === '' ? node.length : Number(segment)) : segment;
      if (isArray && (!Number.isInteger(index) || (index as number) < 0 || (index as number) > 10_000)) throw new Error('bad array index');
      if (last) {
        if (node[index] !== undefined && typeof node[index] !== 'string') throw new Error(`field "${rawKey.slice(0, 60)}" clashes with a group`);
        node[index] = value;
        continue;
      }
      const nextIsArray = path[i + 1] === '' || /^\d+$/.test(path[i + 1]!);
      if (node[index] === undefined) node[index] = nextIsArray ? [] : Object.create(null);
      else if (typeof node[index] === 'string') throw new Error(`field "${rawKey.slice(0, 60)}" clashes with a value`);
      else if (Array.isArray(node[index]) !== nextIsArray) throw new Error(`field "${rawKey.slice(0, 60)}" mixes list and group`);
      node = node[index];
    }
  }
  return root;
}

const positiveId = z
  .string()
  .regex(/^\d{1,15}$/, 'not an id')
  .transform(Number)
  .refine((n) => n > 0, 'not an id');
const item = z.object({ id: positiveId }).loose();
const items = z.array(item).min(1).max(500);

const sectionOf = (actions: readonly string[]) => z.object(Object.fromEntries(actions.map((a) => [a, items.optional()]))).loose();

export const webhookSchema = z
  .object({
    account: z.object({ id: positiveId, subdomain: z.string().regex(/^[a-z0-9-]{1,63}$/i, 'not a subdomain') }).loose(),
    leads: sectionOf(LEAD_ACTIONS).optional(),
    contacts: sectionOf(CONTACT_ACTIONS).optional(),
  })
  .loose();

/** A stable JSON text (sorted keys) for hashing. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function eventKey(accountId: number, entity: string, action: string, fields: Record<string, unknown>): string {
  return createHash('sha256').update(`${accountId}|${entity}|${action}|${canonical(fields)}`).digest('hex');
}

/** Parses and validates one delivery; `ok: false` carries a short reason (kept with the raw body). */
export function parseKommoWebhook(body: string, contentType: string | null): ParsedWebhook {
  if (!contentType || !contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return { ok: false, error: `unsupported content type ${contentType ?? '(none)'}` };
  if (!body.trim()) return { ok: false, error: 'empty body' };
  let nested: Record<string, unknown>;
  try {
    nested = parseBracketForm(body);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : 'unreadable body' };
  }
  const parsed = webhookSchema.safeParse(nested);
  if (!parsed.success) {
    return { ok: false, error: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
  }
  const { account } = parsed.data;
  const events: WebhookEvent[] = [];
  for (const entity of WEBHOOK_ENTITIES) {
    const section = parsed.data[entity] as Record<string, { id: number }[] | undefined> | undefined;
    if (!section) continue;
    const actions = entity === 'leads' ? LEAD_ACTIONS : CONTACT_ACTIONS;
    for (const action of actions) {
      for (const entry of section[action] ?? []) {
        const fields = { ...(entry as Record<string, unknown>) };
        events.push({ entity, action, kommoId: entry.id, fields, key: eventKey(account.id, entity, action, fields) });
      }
    }
  }
  return { ok: true, accountId: account.id, subdomain: account.subdomain, events };
}
