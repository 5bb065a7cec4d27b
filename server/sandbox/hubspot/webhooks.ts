import { createHash, createHmac, randomUUID } from 'node:crypto';

/**
 * Webhooks (sandbox → app), as HubSpot's Webhooks v3 delivers them: a JSON array of
 * events per POST, signed with `X-HubSpot-Signature-v3` (base64 HMAC-SHA256 over
 * method + URI + body + timestamp, keyed with the app's client secret) plus the v1
 * signature, batched per target, retried with backoff when the target fails.
 *
 * Targets come from two places: the app's settings + subscriptions (the real
 * `/webhooks/v3/{appId}/…` API) and sandbox registrations (`POST /_hubspot/webhooks`
 * or `store.webhooks.register(...)`), which receive every event type.
 */

export type ChangeSource = 'API' | 'CRM_UI' | 'IMPORT' | 'INTEGRATION';

/** What the CRM reports; the dispatcher adds ids, portal/app and attempt numbers. */
export interface CrmEvent {
  subscriptionType: string;
  objectId: number;
  occurredAt: number;
  changeSource: ChangeSource;
  sourceId?: string;
  changeFlag?: 'CREATED' | 'DELETED';
  propertyName?: string;
  propertyValue?: string;
}

export interface WebhookEvent extends CrmEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  attemptNumber: number;
}

export interface SandboxTarget {
  id: string;
  targetUrl: string;
  clientSecret: string;
  /** null = every event type. */
  eventTypes: string[] | null;
  subscriptionId: number;
}

export interface AppSubscription {
  id: number;
  eventType: string;
  propertyName?: string;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface AppSettings {
  targetUrl: string;
  throttling: { maxConcurrentRequests: number; period?: string };
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryRecord {
  at: number;
  targetUrl: string;
  events: number;
  attempt: number;
  status: number | null;
  error?: string;
  /** Whether another attempt is scheduled. */
  willRetry: boolean;
}

export interface WebhookConfig {
  /** Events are collected this long before a batch is sent. */
  batchDelayMs: number;
  /** At most this many events per POST (HubSpot sends up to 100). */
  maxBatchSize: number;
  /** Delay before each retry; its length is the number of retries (HubSpot: 10). */
  retryDelaysMs: number[];
  /** A delivery slower than this counts as failed. */
  timeoutMs: number;
}

export const defaultWebhookConfig = (): WebhookConfig => ({
  batchDelayMs: 100,
  maxBatchSize: 100,
  retryDelaysMs: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000],
  timeoutMs: 5_000,
});

/** Statuses HubSpot does not retry (its docs: any other failure is retried). */
const NO_RETRY = new Set([400, 401, 403, 404, 405]);

/** The v3 signature exactly as HubSpot documents it (and @hubspot/api-client's Signature.isValid checks it). */
export function signatureV3(clientSecret: string, method: string, uri: string, body: string, timestamp: number): string {
  return createHmac('sha256', clientSecret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

export function signatureV1(clientSecret: string, body: string): string {
  return createHash('sha256').update(clientSecret + body).digest('hex');
}

interface Queue {
  targetUrl: string;
  clientSecret: string;
  events: WebhookEvent[];
  timer: NodeJS.Timeout | null;
}

export class WebhookDispatcher {
  readonly config: WebhookConfig = defaultWebhookConfig();
  readonly targets: SandboxTarget[] = [];
  settings: AppSettings | null = null;
  readonly subscriptions = new Map<number, AppSubscription>();
  readonly deliveries: DeliveryRecord[] = [];
  private readonly queues = new Map<string, Queue>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryTimers = new Map<NodeJS.Timeout, () => void>();
  private nextEventId = 100_000_001;
  private nextSubscriptionId = 1001;
  private stopped = false;

  constructor(private readonly app: { appId: number; portalId: number; clientSecret: string }) {}

  /** A sandbox registration: every event (or the listed types) goes to targetUrl, signed with clientSecret. */
  register(input: { targetUrl: string; clientSecret?: string; eventTypes?: string[] | null }): SandboxTarget {
    const target: SandboxTarget = {
      id: randomUUID(),
      targetUrl: input.targetUrl,
      clientSecret: input.clientSecret ?? this.app.clientSecret,
      eventTypes: input.eventTypes ?? null,
      subscriptionId: this.nextSubscriptionId++,
    };
    this.targets.push(target);
    return target;
  }

  unregister(id: string): boolean {
    const at = this.targets.findIndex((t) => t.id === id);
    if (at < 0) return false;
    this.targets.splice(at, 1);
    return true;
  }

  createSubscription(input: { eventType: string; propertyName?: string; active?: boolean }, now = Date.now()): AppSubscription {
    const sub: AppSubscription = { id: this.nextSubscriptionId++, eventType: input.eventType, propertyName: input.propertyName, active: input.active ?? false, createdAt: now, updatedAt: now };
    this.subscriptions.set(sub.id, sub);
    return sub;
  }

  get hasTargets(): boolean {
    return this.targets.length > 0 || (this.settings !== null && this.subscriptions.size > 0);
  }

  /** Routes CRM events to every matching target and schedules their delivery. */
  emit(events: CrmEvent[]): void {
    if (this.stopped || events.length === 0 || !this.hasTargets) return;
    for (const event of events) {
      for (const target of this.targets) {
        if (target.eventTypes && !target.eventTypes.includes(event.subscriptionType)) continue;
        this.enqueue(target.targetUrl, target.clientSecret, event, target.subscriptionId);
      }
      if (!this.settings) continue;
      for (const sub of this.subscriptions.values()) {
        if (!sub.active || sub.eventType !== event.subscriptionType) continue;
        if (sub.propertyName && sub.propertyName !== event.propertyName) continue;
        this.enqueue(this.settings.targetUrl, this.app.clientSecret, event, sub.id);
      }
    }
  }

  private enqueue(targetUrl: string, clientSecret: string, event: CrmEvent, subscriptionId: number): void {
    const key = `${targetUrl}\n${clientSecret}`;
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { targetUrl, clientSecret, events: [], timer: null }));
    queue.events.push({ ...event, eventId: this.nextEventId++, subscriptionId, portalId: this.app.portalId, appId: this.app.appId, attemptNumber: 0 });
    if (queue.events.length >= this.config.maxBatchSize) this.flushQueue(queue);
    else if (!queue.timer) {
      const q = queue;
      q.timer = setTimeout(() => this.flushQueue(q), this.config.batchDelayMs);
      q.timer.unref();
    }
  }

  private flushQueue(queue: Queue): void {
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = null;
    while (queue.events.length) {
      const batch = queue.events.splice(0, this.config.maxBatchSize);
      this.track(this.deliver(queue.targetUrl, queue.clientSecret, batch, 0));
    }
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async deliver(targetUrl: string, clientSecret: string, events: WebhookEvent[], retry: number): Promise<void> {
    if (this.stopped) return;
    const body = JSON.stringify(events.map((e) => ({ ...e, attemptNumber: retry })));
    const timestamp = Date.now();
    let status: number | null = null;
    let error: string | undefined;
    try {
      const response = await fetch(targetUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon',
          'x-hubspot-signature': signatureV1(clientSecret, body),
          'x-hubspot-signature-version': 'v1',
          'x-hubspot-signature-v3': signatureV3(clientSecret, 'POST', targetUrl, body, timestamp),
          'x-hubspot-request-timestamp': String(timestamp),
        },
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const ok = status !== null && status >= 200 && status < 300;
    const retryable = !ok && (status === null || !NO_RETRY.has(status));
    const delay = this.config.retryDelaysMs[retry];
    const willRetry = retryable && delay !== undefined && !this.stopped;
    this.deliveries.push({ at: timestamp, targetUrl, events: events.length, attempt: retry, status, error, willRetry });
    if (this.deliveries.length > 10_000) this.deliveries.splice(0, this.deliveries.length - 10_000);
    if (!willRetry) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        resolve();
      }, delay);
      timer.unref();
      this.retryTimers.set(timer, resolve);
    });
    await this.deliver(targetUrl, clientSecret, events, retry + 1);
  }

  /** Sends every queued batch now and waits for all deliveries and their retries. */
  async flush(): Promise<void> {
    for (const queue of this.queues.values()) this.flushQueue(queue);
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Drops queued events and pending retries (sandbox shutdown, tests). */
  stop(): void {
    this.stopped = true;
    for (const queue of this.queues.values()) if (queue.timer) clearTimeout(queue.timer);
    for (const [timer, resolve] of this.retryTimers) {
      clearTimeout(timer);
      resolve();
    }
    this.retryTimers.clear();
    this.queues.clear();
  }
}
