/**
 * What CRM services throw when a request cannot be served. The CRM router turns each
 * kind into the matching tRPC error (NOT_FOUND, CONFLICT, FORBIDDEN, BAD_REQUEST
 * with field errors), so services stay free of tRPC.
 */
export class CrmError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid' | 'forbidden',
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'CrmError';
  }
}

/** Missing, another tenant's, or (for a sales user) a colleague's record: one answer for all. */
export const notFoundError = (what: string) => new CrmError('not_found', `${what} not found.`);

export const conflictError = (message: string) => new CrmError('conflict', message);

export const forbiddenError = (message: string) => new CrmError('forbidden', message);

export function fieldError(field: string, message: string): CrmError {
  return new CrmError('invalid', message, { [field]: [message] });
}

export function fieldErrors(errors: Record<string, string[]>): CrmError {
  const first = Object.values(errors)[0]?.[0] ?? 'Invalid input.';
  return new CrmError('invalid', first, errors);
}
