import { problem } from './errors';
import type { KommoStore } from './store';

/**
 * Kommo's request limit (wire-spec §3.6): 7 requests per second per account; over it
 * the API answers 429 (empty body, as the PHP client expects a non-JSON 429). Escalation
 * rule of this sandbox (the real one is undocumented): when `violationsToBlock` 429s
 * happen within `violationWindowSeconds`, the account is blocked and every API call
 * answers 403 problem+json for `blockSeconds`; afterwards the counters start afresh.
 */
export function checkRateLimit(store: KommoStore, now = Date.now()): Response | null {
  const limits = store.limits;
  if (!limits.enabled) return null;
  if (store.blockedUntil > now) return blocked(store, now);
  if (store.limiter.limit !== limits.perSecond) store.limiter.limit = limits.perSecond;
  const taken = store.limiter.take('account', now);
  if (taken.allowed) return null;
  store.violations = store.violations.filter((t) => t > now - limits.violationWindowSeconds * 1000);
  store.violations.push(now);
  if (store.violations.length >= limits.violationsToBlock) {
    store.blockedUntil = now + limits.blockSeconds * 1000;
    store.violations = [];
    store.limiter.reset();
    return blocked(store, now);
  }
  return tooManyRequests(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
}

export const tooManyRequests = (retryAfterSeconds: number) => new Response(null, { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } });

function blocked(store: KommoStore, now: number): Response {
  const seconds = Math.max(1, Math.ceil((store.blockedUntil - now) / 1000));
  return problem(403, `Access to the account is temporarily blocked for exceeding the request limit; try again in ${seconds} s`, {}, { 'retry-after': String(seconds) });
}
