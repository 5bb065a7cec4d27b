import { z } from 'zod';

/**
 * Fault knobs of one sandbox, settable at run time from tests (`sandbox.faults.set`)
 * and in demo mode through `POST /_sandbox/faults` on the sandbox's own port.
 */
export const faultsSchema = z.object({
  /** Added to every request, on top of the latency model. */
  extraLatencyMs: z.number().int().min(0).max(120_000).default(0),
  /** The next N requests answer the provider's 429 with Retry-After. */
  rateLimitStorm: z.object({ requests: z.number().int().min(0), retryAfterSeconds: z.number().int().min(0).default(1) }).nullable().default(null),
  /** Share (0..1) of requests that answer 500/502/503. */
  serverErrorRate: z.number().min(0).max(1).default(0),
  /** The next N requests never answer (a client timeout is the only way out). */
  hangRequests: z.number().int().min(0).default(0),
  /** The next N JSON responses are cut in half. */
  malformedJson: z.number().int().min(0).default(0),
  /** The next N requests have their connection destroyed without an answer. */
  dropConnections: z.number().int().min(0).default(0),
});
export type Faults = z.infer<typeof faultsSchema>;
export const faultsPatchSchema = faultsSchema.partial();

export const noFaults = (): Faults => faultsSchema.parse({});

/** What the fault layer decided for one request. */
export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'server-error'; status: 500 | 502 | 503 }
  | { kind: 'hang' }
  | { kind: 'drop' }
  | { kind: 'malformed' };

export class FaultState {
  private current: Faults = noFaults();

  constructor(private readonly random: () => number) {}

  get(): Faults {
    return structuredClone(this.current);
  }

  set(patch: z.input<typeof faultsPatchSchema>): Faults {
    this.current = faultsSchema.parse({ ...this.current, ...faultsPatchSchema.parse(patch) });
    return this.get();
  }

  reset(): void {
    this.current = noFaults();
  }

  /** Consumes one request's worth of the counters, in a fixed order of precedence. */
  decide(): FaultDecision {
    const f = this.current;
    if (f.dropConnections > 0) {
      f.dropConnections -= 1;
      return { kind: 'drop' };
    }
    if (f.hangRequests > 0) {
      f.hangRequests -= 1;
      return { kind: 'hang' };
    }
    if (f.rateLimitStorm && f.rateLimitStorm.requests > 0) {
      f.rateLimitStorm.requests -= 1;
      return { kind: 'rate-limit', retryAfterSeconds: f.rateLimitStorm.retryAfterSeconds };
    }
    if (f.serverErrorRate > 0 && this.random() < f.serverErrorRate) {
      const statuses = [500, 502, 503] as const;
      return { kind: 'server-error', status: statuses[Math.floor(this.random() * 3)]! };
    }
    if (f.malformedJson > 0) {
      f.malformedJson -= 1;
      return { kind: 'malformed' };
    }
    return { kind: 'none' };
  }
}
