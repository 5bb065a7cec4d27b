import { ProviderRateLimited, ReauthorizationNeeded } from '../types';

/**
 * HubSpot's failures as the sync engine sees them. The official client throws an
 * `ApiException` (one class per generated module, so it is recognised by shape, not
 * by `instanceof`) with `code`, the parsed JSON `body` and lower-cased `headers`;
 * transport failures come from Node's fetch as `TypeError('fetch failed')` with a
 * `cause`. Everything is turned into one of:
 * - `ProviderRateLimited` (a 429 that survived the client's own retries),
 * - `ReauthorizationNeeded` (the refresh token is gone),
 * - `HubSpotApiError` (any other HTTP status; `retryable` for 5xx/408),
 * - `HubSpotTransportError` (dropped connection, timeout, cut-off body; always retryable).
 */

export interface HubSpotErrorBody {
  status?: string;
  message?: string;
  category?: string;
  subCategory?: string;
  correlationId?: string;
  policyName?: string;
  errorType?: string;
  error?: string;
  error_description?: string;
  context?: Record<string, string[]>;
  errors?: { message?: string; context?: Record<string, unknown> }[];
}

export class HubSpotApiError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    readonly body: HubSpotErrorBody | undefined,
    message?: string,
  ) {
    super(message ?? `HubSpot API error ${status}${body?.category ? ` ${body.category}` : ''}: ${body?.message ?? 'no message'}`);
    this.name = 'HubSpotApiError';
    this.retryable = status >= 500 || status === 408 || status === 429;
  }
  get category(): string | undefined {
    return this.body?.category;
  }
}

export class HubSpotTransportError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HubSpotTransportError';
  }
}

export interface ApiExceptionLike {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

export function isApiException(error: unknown): error is ApiExceptionLike {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number' && 'body' in error && 'headers' in error;
}

export const bodyOf = (error: ApiExceptionLike): HubSpotErrorBody | undefined =>
  typeof error.body === 'object' && error.body !== null ? (error.body as HubSpotErrorBody) : undefined;

const header = (headers: Record<string, string> | undefined, name: string): string | undefined => {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
};

/** How long HubSpot wants us to wait: Retry-After, else the policy's window. */
export function retryAfterMs(error: ApiExceptionLike, now = Date.now()): number {
  const retryAfter = header(error.headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const policy = bodyOf(error)?.policyName;
  if (policy === 'SECONDLY') return 1_000;
  if (policy === 'DAILY') {
    const midnight = new Date(now);
    midnight.setUTCHours(24, 0, 0, 0);
    return midnight.getTime() - now;
  }
  const interval = Number(header(error.headers, 'x-hubspot-ratelimit-interval-milliseconds'));
  return Number.isFinite(interval) && interval > 0 ? interval : 10_000;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function isTransport(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof SyntaxError) return true; // a body cut off mid-way
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  if (error instanceof TypeError && /fetch failed|terminated|socket/i.test(error.message)) return true;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/** Maps whatever the official client threw to the errors above (a 401 is handled by the caller first). */
export function translateError(error: unknown): unknown {
  if (error instanceof ProviderRateLimited || error instanceof ReauthorizationNeeded || error instanceof HubSpotApiError || error instanceof HubSpotTransportError) return error;
  if (isApiException(error)) {
    const body = bodyOf(error);
    if (error.code === 429) return new ProviderRateLimited(retryAfterMs(error), `HubSpot rate limit (${body?.policyName ?? 'unknown policy'}): ${body?.message ?? ''}`.trim());
    return new HubSpotApiError(error.code, body);
  }
  if (isTransport(error)) {
    const cause = error instanceof Error ? error.cause : undefined;
    const detail = cause instanceof Error ? `${(error as Error).message}: ${cause.message}` : (error as Error).message;
    return new HubSpotTransportError(`HubSpot request failed: ${detail}`, { cause: error });
  }
  return error;
}

/**
 * Whether the engine may retry what failed (later, or after `retryAfterMs` for
 * ProviderRateLimited): 429, 5xx, 408, dropped connections, timeouts, cut-off bodies.
 * Not: 4xx validation/not-found/scope errors, ReauthorizationNeeded.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ProviderRateLimited) return true;
  if (error instanceof ReauthorizationNeeded) return false;
  if (error instanceof HubSpotApiError || error instanceof HubSpotTransportError) return error.retryable;
  if (isApiException(error)) return error.code >= 500 || error.code === 429 || error.code === 408;
  return isTransport(error);
}

/** One line for a failed write result: `CATEGORY: message`. */
export function describeError(error: unknown): string {
  if (error instanceof HubSpotApiError) return `${error.body?.category ?? `HTTP ${error.status}`}: ${error.body?.message ?? error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
