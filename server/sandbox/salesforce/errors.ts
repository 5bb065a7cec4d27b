import { json } from '../core/sandbox';

/** One entry of Salesforce's REST error array. */
export interface ApiError {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** The REST error envelope: a JSON array of `{message, errorCode, fields?}`. */
export const apiErrors = (status: number, errors: ApiError[], headers?: HeadersInit) => json(errors, { status, headers });

export const apiError = (status: number, errorCode: string, message: string, fields?: string[]) =>
  apiErrors(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);

export const notFound = () => apiError(404, 'NOT_FOUND', 'The requested resource does not exist');

export const methodNotAllowed = (method: string, allowed: string[]) =>
  apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`);

export const invalidSession = () => apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export const requestLimitExceeded = () => apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');

/** Reads a JSON body: the value, or Salesforce's JSON_PARSER_ERROR answer. */
export async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const text = await request.text();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, response: apiError(400, 'JSON_PARSER_ERROR', `Unexpected character in request body: ${detail}`) };
  }
}

/** The OAuth endpoints' error shape (not an array): `{error, error_description}`. */
export const oauthError = (status: number, error: string, description: string) => json({ error, error_description: description }, { status });
