import type { Sql } from '../../db/client';
import { REALTIME_CHANNEL, realtimeEventSchema, type RealtimeEvent } from './channel';

type Listener = (event: RealtimeEvent) => void;

/**
 * One LISTEN connection per web process, fanned out in memory to the browsers
 * connected to this process. Subscribers only ever get their own tenant's events.
 */
export class RealtimeHub {
  private listeners = new Map<string, Set<Listener>>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly sql: Sql) {}

  async start(): Promise<void> {
    const sub = await this.sql.listen(REALTIME_CHANNEL, (payload) => this.dispatch(payload));
    this.unlisten = sub.unlisten;
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.listeners.clear();
  }

  subscribe(organizationId: string, listener: Listener): () => void {
    const set = this.listeners.get(organizationId) ?? new Set();
    set.add(listener);
    this.listeners.set(organizationId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(organizationId);
    };
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private dispatch(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    const event = realtimeEventSchema.safeParse(parsed);
    if (!event.success) return;
    for (const listener of this.listeners.get(event.data.organizationId) ?? []) listener(event.data);
  }
}
