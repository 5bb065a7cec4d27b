/**
 * Client-side gate for HubSpot's CRM search endpoints, which have their own limit
 * (a few requests per second per account, answered with a SECONDLY 429) besides the
 * ten-secondly limit the engine's `beforeCall` hook handles.
 *
 * It is a sliding window counted on *completion* times: a request counts as "now"
 * while in flight and at its completion time afterwards. HubSpot counts arrivals,
 * which lie before completions, so at most `perSecond` requests ever arrive in any
 * one-second window — independent of network jitter. Gates are shared per key (the
 * connection), so several clients of one connection stay under the limit together.
 */
export class SearchGate {
  private inFlight = 0;
  private completed: number[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    readonly perSecond: number,
    private readonly windowMs = 1_000,
    private readonly marginMs = 30,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private prune(now: number): void {
    const since = now - this.windowMs - this.marginMs;
    while (this.completed.length && this.completed[0]! <= since) this.completed.shift();
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.prune(now);
      if (this.inFlight + this.completed.length < this.perSecond) {
        this.inFlight += 1;
        return;
      }
      if (this.completed.length === 0) {
        // everything counted is still in flight: wait for a release
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      const wait = this.completed[0]! + this.windowMs + this.marginMs - now + 1;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
  }

  private release(): void {
    this.inFlight -= 1;
    this.completed.push(Date.now());
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

const gates = new Map<string, SearchGate>();

/** The gate of one connection (created on first use; `perSecond` of the first caller wins). */
export function searchGate(key: string, perSecond: number): SearchGate {
  let gate = gates.get(key);
  if (!gate) {
    gate = new SearchGate(perSecond);
    gates.set(key, gate);
    if (gates.size > 10_000) gates.delete(gates.keys().next().value!);
  }
  return gate;
}
