import { toBracketForm } from './query';
import type { Contact, Lead } from './store';

/**
 * Kommo account webhooks (wire-spec §3.7): a registry of destinations with the events
 * they want, and delivery as `application/x-www-form-urlencoded` with bracket keys:
 * `leads[add][0][id]=…&leads[status][0][old_status_id]=…&account[subdomain]=…`.
 * One POST per API call (or admin op) carrying all its events; no signature (none is
 * documented); no retries (undocumented for account webhooks): the outcome of each
 * delivery is kept in `deliveries` for tests.
 */

export type KommoEvent =
  | { entity: 'leads'; action: 'add' | 'update' | 'delete'; lead: Lead }
  | { entity: 'leads'; action: 'status'; lead: Lead; oldStatusId: number; oldPipelineId: number }
  | { entity: 'leads'; action: 'responsible'; lead: Lead; oldResponsibleUserId: number }
  | { entity: 'contacts'; action: 'add' | 'update' | 'delete'; contact: Contact };

/** Setting names as Kommo's POST /api/v4/webhooks takes them. */
export const WEBHOOK_SETTINGS = [
  'add_lead',
  'update_lead',
  'delete_lead',
  'status_lead',
  'responsible_lead',
  'restore_lead',
  'add_contact',
  'update_contact',
  'delete_contact',
  'responsible_contact',
  'restore_contact',
] as const;
export type WebhookSetting = (typeof WEBHOOK_SETTINGS)[number];

export interface WebhookSubscription {
  id: number;
  destination: string;
  settings: WebhookSetting[];
  createdAt: number;
  disabled: boolean;
}

export interface WebhookDelivery {
  subscriptionId: number;
  destination: string;
  body: string;
  status: number | null;
  error: string | null;
  at: number;
}

const settingOf = (e: KommoEvent): WebhookSetting => `${e.action}_${e.entity === 'leads' ? 'lead' : 'contact'}` as WebhookSetting;

function leadFields(lead: Lead, accountId: number): Record<string, unknown> {
  return {
    id: lead.id,
    name: lead.name,
    status_id: lead.statusId,
    price: lead.price,
    responsible_user_id: lead.responsibleUserId,
    last_modified: lead.updatedAt,
    modified_user_id: lead.updatedBy,
    created_user_id: lead.createdBy,
    date_create: lead.createdAt,
    pipeline_id: lead.pipelineId,
    account_id: accountId,
    ...(lead.tagIds.length ? { tags: lead.tagIds.map((id) => ({ id })) } : {}),
    ...(lead.customFields?.length ? { custom_fields: lead.customFields.map((f) => ({ id: f.field_id, values: f.values.map((v) => ({ value: v.value })) })) } : {}),
    created_at: lead.createdAt,
    updated_at: lead.updatedAt,
  };
}

function contactFields(contact: Contact, accountId: number): Record<string, unknown> {
  const custom = [
    ...(contact.phones.length ? [{ id: 800_101, name: 'Phone', code: 'PHONE', values: contact.phones.map((p) => ({ value: p.value, enum: p.enum_code ?? 'WORK' })) }] : []),
    ...(contact.emails.length ? [{ id: 800_102, name: 'Email', code: 'EMAIL', values: contact.emails.map((p) => ({ value: p.value, enum: p.enum_code ?? 'WORK' })) }] : []),
  ];
  return {
    id: contact.id,
    name: contact.name,
    responsible_user_id: contact.responsibleUserId,
    date_create: contact.createdAt,
    last_modified: contact.updatedAt,
    created_user_id: contact.createdBy,
    modified_user_id: contact.updatedBy,
    account_id: accountId,
    ...(custom.length ? { custom_fields: custom } : {}),
    created_at: contact.createdAt,
    updated_at: contact.updatedAt,
    type: 'contact',
  };
}

/** The nested payload of a batch of events (before form encoding). */
export function webhookPayload(events: KommoEvent[], account: { id: number; subdomain: string; origin: string }): Record<string, unknown> {
  const payload: Record<string, Record<string, Record<string, unknown>[]>> = {};
  for (const e of events) {
    const section = ((payload[e.entity] ??= {})[e.action] ??= []);
    if (e.entity === 'contacts') {
      section.push(e.action === 'delete' ? { id: e.contact.id, type: 'contact' } : contactFields(e.contact, account.id));
    } else if (e.action === 'delete') {
      section.push({ id: e.lead.id, status_id: e.lead.statusId, pipeline_id: e.lead.pipelineId });
    } else if (e.action === 'status') {
      section.push({ ...leadFields(e.lead, account.id), old_status_id: e.oldStatusId, old_pipeline_id: e.oldPipelineId });
    } else if (e.action === 'responsible') {
      section.push({ ...leadFields(e.lead, account.id), old_responsible_user_id: e.oldResponsibleUserId });
    } else {
      section.push(leadFields(e.lead, account.id));
    }
  }
  return { ...payload, account: { id: account.id, subdomain: account.subdomain, _links: { self: account.origin } } };
}

export class WebhookRegistry {
  readonly subscriptions: WebhookSubscription[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  private pending = new Set<Promise<void>>();
  private nextId = 1;
  /** Per-delivery timeout. */
  timeoutMs = 5_000;

  subscribe(destination: string, settings: readonly WebhookSetting[] = WEBHOOK_SETTINGS): WebhookSubscription {
    const existing = this.subscriptions.find((s) => s.destination === destination);
    if (existing) {
      existing.settings = [...settings];
      existing.disabled = false;
      return existing;
    }
    const sub = { id: this.nextId++, destination, settings: [...settings], createdAt: Math.floor(Date.now() / 1000), disabled: false };
    this.subscriptions.push(sub);
    return sub;
  }

  unsubscribe(destination?: string): number {
    const before = this.subscriptions.length;
    for (let i = this.subscriptions.length - 1; i >= 0; i--) if (destination === undefined || this.subscriptions[i]!.destination === destination) this.subscriptions.splice(i, 1);
    return before - this.subscriptions.length;
  }

  deliver(events: KommoEvent[], account: { id: number; subdomain: string; origin: string }): void {
    for (const sub of this.subscriptions) {
      if (sub.disabled) continue;
      const wanted = events.filter((e) => sub.settings.includes(settingOf(e)));
      if (!wanted.length) continue;
      const body = toBracketForm(webhookPayload(wanted, account)).toString();
      const record: WebhookDelivery = { subscriptionId: sub.id, destination: sub.destination, body, status: null, error: null, at: Date.now() };
      this.deliveries.push(record);
      if (this.deliveries.length > 1_000) this.deliveries.splice(0, this.deliveries.length - 1_000);
      const job = fetch(sub.destination, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'amoCRM-Webhooks/3.0' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
        .then(async (res) => {
          record.status = res.status;
          await res.arrayBuffer().catch(() => undefined);
        })
        .catch((error: unknown) => {
          record.error = String(error);
        })
        .finally(() => this.pending.delete(job));
      this.pending.add(job);
    }
  }

  /** Resolves when every delivery under way has finished. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
