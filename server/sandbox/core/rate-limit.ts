/** A sliding-window counter per key, as providers count requests per token or account. */
export class SlidingWindowLimiter {
  private hits = new Map<string, number[]>();

  constructor(
    public limit: number,
    public readonly windowMs: number,
  ) {}

  take(key: string, now = Date.now()): { allowed: boolean; remaining: number; retryAfterMs: number } {
    const since = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length >= this.limit) {
      this.hits.set(key, list);
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, list[0]! + this.windowMs - now) };
    }
    list.push(now);
    this.hits.set(key, list);
    return { allowed: true, remaining: this.limit - list.length, retryAfterMs: 0 };
  }

  reset(): void {
    this.hits.clear();
  }
}
