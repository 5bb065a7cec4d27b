import jsforce from 'jsforce';
import type { TokenResponse } from 'jsforce';
import { ReauthorizationNeeded, type OAuthProvider, type TokenSet } from '../types';
import { isNetworkError, SalesforceApiError } from './errors';

/**
 * Salesforce's OAuth 2.0 web-server flow through jsforce's OAuth2 class. The caller owns
 * PKCE: it passes the S256 challenge to `authorizationUrl` and the verifier to
 * `exchangeCode` (jsforce's own `useVerifier` keeps a random verifier inside one OAuth2
 * instance, which does not survive the redirect between two HTTP requests).
 *
 * Salesforce does not say when an access token expires (the session timeout is an org
 * setting), so `expiresAt` is null and expiry is handled reactively: a 401 makes the
 * client refresh once and retry. Refresh tokens normally do not rotate; when the
 * connected app rotates them, the new one is kept.
 */

export interface SalesforceOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** https://login.salesforce.com, https://test.salesforce.com, a My Domain URL, or the sandbox. */
  loginUrl: string;
  /** Default: "api refresh_token". */
  scope?: string;
}

export const DEFAULT_SCOPE = 'api refresh_token';

/** The TokenSet of a token endpoint answer; `previous` supplies what a refresh answer leaves out. */
export function toTokenSet(res: TokenResponse, previous: TokenSet | null): TokenSet {
  if (!res || typeof res.access_token !== 'string' || typeof res.instance_url !== 'string') {
    throw new SalesforceApiError('Salesforce token endpoint returned no access_token/instance_url', { status: 200, errorCode: 'MALFORMED_TOKEN_RESPONSE', retryable: true });
  }
  return {
    accessToken: res.access_token,
    refreshToken: res.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: null,
    instanceUrl: res.instance_url,
    scope: res.scope ?? previous?.scope,
  };
}

/** jsforce's OAuth errors carry the OAuth `error` as `name` (ERROR_HTTP_<status> for non-JSON bodies). */
function oauthFailure(error: unknown, during: string): Error {
  if (isNetworkError(error)) return new SalesforceApiError(`Salesforce ${during}: ${(error as Error).message}`, { status: null, errorCode: 'NETWORK_ERROR', retryable: true, cause: error });
  const e = error as Error;
  const code = e?.name ?? 'Error';
  const status = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const retryable = status ? Number(status[1]) >= 500 || Number(status[1]) === 429 : false;
  return new SalesforceApiError(`Salesforce ${during} failed: ${code}: ${e?.message ?? String(error)}`, {
    status: status ? Number(status[1]) : 400,
    errorCode: code,
    retryable,
    cause: error,
  });
}

export class SalesforceOAuth implements OAuthProvider {
  readonly provider = 'salesforce' as const;

  constructor(readonly config: SalesforceOAuthConfig) {}

  private client(redirectUri?: string) {
    return new jsforce.OAuth2({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, loginUrl: this.config.loginUrl, redirectUri });
  }

  authorizationUrl(input: { state: string; codeChallenge: string; redirectUri: string }): string {
    return this.client(input.redirectUri).getAuthorizationUrl({
      scope: this.config.scope ?? DEFAULT_SCOPE,
      state: input.state,
      code_challenge: input.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async exchangeCode(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet> {
    try {
      return toTokenSet(await this.client(input.redirectUri).requestToken(input.code, { code_verifier: input.codeVerifier }), null);
    } catch (error) {
      if (error instanceof SalesforceApiError) throw error;
      throw oauthFailure(error, 'code exchange');
    }
  }

  /** The raw token answer too (jsforce's refresh callback wants it). */
  async refreshWithResponse(refreshToken: string, current: TokenSet): Promise<{ tokens: TokenSet; response: TokenResponse }> {
    let response: TokenResponse;
    try {
      response = await this.client().refreshToken(refreshToken);
    } catch (error) {
      // invalid_grant: revoked, expired, or the user/app lost access — only a new consent helps
      if ((error as Error)?.name === 'invalid_grant') throw new ReauthorizationNeeded(`Salesforce refused the refresh token: ${(error as Error).message}`);
      throw oauthFailure(error, 'token refresh');
    }
    const tokens = toTokenSet(response, { ...current, refreshToken });
    return { tokens, response };
  }

  async refresh(refreshToken: string, current: TokenSet): Promise<TokenSet> {
    return (await this.refreshWithResponse(refreshToken, current)).tokens;
  }

  /** Revokes the refresh token (which ends its access tokens too), else the access token. Already-invalid tokens count as revoked. */
  async revoke(tokens: TokenSet): Promise<void> {
    const token = tokens.refreshToken ?? tokens.accessToken;
    try {
      await this.client().revokeToken(token);
    } catch (error) {
      if ((error as Error)?.name === 'invalid_token') return;
      throw oauthFailure(error, 'token revocation');
    }
  }
}

export const createSalesforceOAuth = (config: SalesforceOAuthConfig) => new SalesforceOAuth(config);
