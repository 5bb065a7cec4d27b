/**
 * What the sync services throw when a request cannot be served; the connections router
 * maps each kind to a tRPC code (like CrmError for the CRM), so services stay free of tRPC.
 */
export class SyncError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'conflict' | 'plan_limit' | 'not_configured' | 'provider' | 'bad_state',
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

export const syncNotFound = (what: string) => new SyncError('not_found', `${what} not found.`);
export const invalidState = (message: string) => new SyncError('bad_state', message);

/** The answer to every unusable OAuth callback (tampered, replayed, expired, someone else's): one message, nothing stored. */
export const badAuthorization = () => new SyncError('invalid', 'This authorization link is invalid or has expired. Please start connecting again.');

/** The per-connection daily API budget is spent: the run stops before going over it. */
export class ApiBudgetExhausted extends Error {
  constructor(readonly budget: number) {
    super(`The daily API budget of this connection (${budget} calls) is used up; the sync continues tomorrow.`);
    this.name = 'ApiBudgetExhausted';
  }
}
