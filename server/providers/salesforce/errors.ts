import { ProviderRateLimited, ReauthorizationNeeded } from '../types';

/**
 * Salesforce errors as the sync engine sees them. jsforce throws `HttpApiError`s that
 * carry `errorCode` but neither the HTTP status nor the headers; the client records the
 * last response of each call (see client.ts) and turns the pair into one of:
 *   - ReauthorizationNeeded (refresh token revoked/expired: invalid_grant),
 *   - ProviderRateLimited (429 after jsforce's own retries, or 403 REQUEST_LIMIT_EXCEEDED),
 *   - SalesforceApiError with `retryable` set (5xx, dropped connections, timeouts,
 *     truncated bodies → true; validation and other 4xx → false).
 */

export class SalesforceApiError extends Error {
  readonly status: number | null;
  readonly errorCode: string;
  readonly retryable: boolean;

  constructor(message: string, options: { status: number | null; errorCode: string; retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SalesforceApiError';
    this.status = options.status;
    this.errorCode = options.errorCode;
    this.retryable = options.retryable;
  }
}

/** REST error codes worth another try as they are (Salesforce "Status Codes and Error Responses"). */
const RETRYABLE_ERROR_CODES = new Set([
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
  'UNABLE_TO_LOCK_ROW',
  'INVALID_QUERY_LOCATOR',
]);

/** Per-record save errors (`statusCode` in collection results) that a retry can cure. */
export const RETRYABLE_SAVE_CODES = new Set([
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_RUNNING_TOO_LONG',
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'TXN_SECURITY_METERING_ERROR',
]);

export const retryableErrorCode = (code: string | undefined | null) => !!code && RETRYABLE_ERROR_CODES.has(code);

/** undici / Node network error codes (a dropped or refused connection, DNS, timeouts). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** A transport failure: no HTTP answer at all (dropped socket, refused, DNS, timeout/abort). */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  if (causeCodes(error).some((c) => NETWORK_CODES.has(c))) return true;
  // undici: TypeError('fetch failed') with the socket error as cause
  return error instanceof TypeError && /fetch failed|terminated|other side closed/i.test(error.message);
}

/**
 * Whether the engine may simply try the same call again later (after `retryAfterMs` for
 * ProviderRateLimited). Re-authorization, validation errors and other 4xx are final.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ReauthorizationNeeded) return false;
  if (error instanceof ProviderRateLimited) return true;
  if (error instanceof SalesforceApiError) return error.retryable;
  if (!(error instanceof Error)) return false;
  if (isNetworkError(error)) return true;
  // a raw jsforce HttpApiError that did not pass through the client's translation
  const code = (error as { errorCode?: unknown }).errorCode;
  if (typeof code === 'string') return retryableErrorCode(code) || /^ERROR_HTTP_5\d\d$/.test(code);
  return false;
}
