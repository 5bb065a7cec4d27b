/**
 * What the Kommo clients throw. Expired or refused credentials surface as the shared
 * ReauthorizationNeeded, and a 429 that survives our back-off as ProviderRateLimited
 * (server/providers/types.ts); the rest are Kommo's own.
 */

/** A Kommo answer we cannot use: problem+json detail and validation errors kept for the log. */
export class KommoApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly validationErrors: { path: string; detail: string; code?: string }[] = [],
  ) {
    super(`Kommo answered ${status}: ${detail}`);
    this.name = 'KommoApiError';
  }

  /** 5xx and dropped connections are worth a retry; 4xx are not. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 0;
  }
}

/**
 * 403: Kommo blocked this account or IP (usually after repeated 429s). Nothing is
 * retried; the connection goes into an alert state until the block is over and a
 * person has looked (services/kommo/client.ts).
 */
export class KommoAccessBlocked extends Error {
  constructor(
    readonly detail: string,
    readonly retryAfterMs: number | null,
  ) {
    super(`Kommo blocked API access for this account: ${detail}`);
    this.name = 'KommoAccessBlocked';
  }
}

/** A response body that does not have the shape Kommo documents. */
export class KommoBadResponse extends Error {
  constructor(
    readonly path: string,
    readonly issues: string,
  ) {
    super(`Kommo's answer to ${path} has an unexpected shape: ${issues}`);
    this.name = 'KommoBadResponse';
  }
}

export function isRetryableKommoError(error: unknown): boolean {
  if (error instanceof KommoApiError) return error.retryable;
  if (error instanceof KommoAccessBlocked || error instanceof KommoBadResponse) return false;
  const name = (error as { name?: string } | null)?.name;
  return name === 'TypeError' || name === 'AbortError' || name === 'TimeoutError';
}
