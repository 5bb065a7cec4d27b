import { randomUUID } from 'node:crypto';
import { json } from '../core/sandbox';

/**
 * HubSpot's error bodies. Regular API errors share one envelope:
 * `{status:"error", message, correlationId, category, subCategory?, errors?, context?, links?}`;
 * the OAuth token endpoint has its own (`{status:"BAD_…", message, error, error_description}`).
 */

export type ErrorCategory =
  | 'VALIDATION_ERROR'
  | 'OBJECT_NOT_FOUND'
  | 'CONFLICT'
  | 'OBJECT_ALREADY_EXISTS'
  | 'INVALID_AUTHENTICATION'
  | 'EXPIRED_AUTHENTICATION'
  | 'MISSING_SCOPES'
  | 'RATE_LIMITS'
  | 'BAD_REQUEST'
  | 'INTERNAL_ERROR'
  | 'METHOD_NOT_ALLOWED';

export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: ErrorCategory;
  subCategory?: string;
  errors?: { message: string; code?: string; in?: string; context?: Record<string, unknown> }[];
  context?: Record<string, string[]>;
  links?: Record<string, string>;
}

export const correlationId = () => randomUUID();

export function hsError(status: number, category: ErrorCategory, message: string, extra: Partial<HubSpotErrorBody> = {}, headers?: HeadersInit): Response {
  const body: HubSpotErrorBody = { status: 'error', message, correlationId: correlationId(), category, ...extra };
  return json(body, { status, headers });
}

export const notFound = (message = 'Object not found.  objectId are usually numeric.') => hsError(404, 'OBJECT_NOT_FOUND', message);

export const validationError = (message: string, errors?: HubSpotErrorBody['errors']) => hsError(400, 'VALIDATION_ERROR', message, errors ? { errors } : {});

/** One invalid property value, as HubSpot lists them inside "Property values were not valid: [...]". */
export interface PropertyValueError {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

export function propertyValuesError(errors: PropertyValueError[]): Response {
  return validationError(`Property values were not valid: ${JSON.stringify(errors)}`);
}

export const MISSING_CREDENTIALS_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export function expiredToken(expiresAt: number, now = Date.now()): Response {
  const ago = Math.max(0, now - expiresAt);
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  const [size, unit] = units.find(([ms]) => ago >= ms) ?? [1_000, 'second'];
  return hsError(401, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${Math.floor(ago / size)} ${unit}(s) ago.`, {
    context: { 'expire time': [new Date(expiresAt).toISOString()] },
  });
}

export function missingScopes(required: string[]): Response {
  return hsError(
    403,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: required } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  );
}

export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

/** The 429 body; `policyName`/`message` are exactly what @hubspot/api-client's RetryDecorator keys on. */
export function rateLimitBody(policy: RateLimitPolicy, groupName: string) {
  const message =
    policy === 'TEN_SECONDLY_ROLLING'
      ? 'You have reached your ten_secondly_rolling limit.'
      : policy === 'SECONDLY'
        ? 'You have reached your secondly limit.'
        : 'You have reached your daily limit.';
  return { status: 'error', message, errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: policy, groupName, requestId: randomUUID() };
}

/** Errors of POST /oauth/v1/token: HubSpot status + message, plus the RFC 6749 pair it added later. */
export type OAuthStatus = 'BAD_AUTH_CODE' | 'BAD_CODE_VERIFIER' | 'BAD_REDIRECT_URI' | 'BAD_CLIENT_ID' | 'BAD_CLIENT_SECRET' | 'BAD_REFRESH_TOKEN' | 'BAD_GRANT_TYPE';

const OAUTH_ERRORS: Record<OAuthStatus, { error: string; message: string }> = {
  BAD_AUTH_CODE: { error: 'invalid_grant', message: 'missing or unknown auth code' },
  BAD_CODE_VERIFIER: { error: 'invalid_grant', message: 'code_verifier does not match the code_challenge of the auth code' },
  BAD_REDIRECT_URI: { error: 'invalid_grant', message: 'redirect_uri does not match the redirect_uri of the auth code' },
  BAD_CLIENT_ID: { error: 'invalid_client', message: 'missing or unknown client id' },
  BAD_CLIENT_SECRET: { error: 'invalid_client', message: 'missing or invalid client secret' },
  BAD_REFRESH_TOKEN: { error: 'invalid_grant', message: 'refresh token is invalid, expired or revoked' },
  BAD_GRANT_TYPE: { error: 'unsupported_grant_type', message: 'grant_type must be authorization_code or refresh_token' },
};

export function oauthError(status: OAuthStatus): Response {
  const { error, message } = OAUTH_ERRORS[status];
  return json({ status, message, correlationId: correlationId(), error, error_description: message }, { status: 400 });
}
