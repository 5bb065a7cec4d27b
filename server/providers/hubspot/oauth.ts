import { ReauthorizationNeeded, type OAuthProvider, type TokenSet } from '../types';
import { bodyOf, isApiException, translateError } from './errors';
import { buildSdk, DEFAULT_API_BASE, type SdkMiddleware } from './sdk';

/**
 * HubSpot OAuth v1 (authorization code + PKCE S256) through @hubspot/api-client's
 * oauth APIs, pointed at `baseUrl` (the API host: https://api.hubapi.com, or a
 * sandbox). Quirks handled here:
 * - `client.oauth.getAuthorizationUrl()` is hard-coded to app.hubspot.com, so the
 *   authorize URL is built here: `authorizeUrl` option, else app.hubspot.com for the
 *   real API host, else `{baseUrl}/oauth/authorize` (the sandbox serves it there).
 * - `tokensApi.create()` has no `code_verifier` parameter: a per-call middleware
 *   appends it to the form body.
 * - Refresh tokens are not rotated; the response still carries one (kept as is).
 * - A refused refresh (`400 BAD_REFRESH_TOKEN`, `error: invalid_grant`) becomes
 *   ReauthorizationNeeded. Revocation deletes the refresh token; HubSpot keeps the
 *   last access token valid until it expires (≤ 30 min).
 */

export interface HubSpotOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** API host; default https://api.hubapi.com. No trailing slash needed. */
  baseUrl?: string;
  /** Where the browser goes; see above for the default. */
  authorizeUrl?: string;
  scopes?: string[];
  optionalScopes?: string[];
}

export const DEFAULT_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.contacts.read',
  'crm.schemas.companies.read',
  // to create our unique crmhub_id property (idempotent creates of records without e-mail/domain)
  'crm.schemas.contacts.write',
  'crm.schemas.companies.write',
];

export function authorizeEndpoint(options: Pick<HubSpotOAuthOptions, 'baseUrl' | 'authorizeUrl'>): string {
  if (options.authorizeUrl) return options.authorizeUrl;
  const base = (options.baseUrl ?? DEFAULT_API_BASE).replace(/\/+$/, '');
  return base === DEFAULT_API_BASE ? 'https://app.hubspot.com/oauth/authorize' : `${base}/oauth/authorize`;
}

const formAppend = (name: string, value: string): SdkMiddleware => ({
  async pre(context) {
    const body = context.getBody();
    if (body instanceof URLSearchParams) body.append(name, value);
    return context;
  },
  async post(context) {
    return context;
  },
});

function tokenSet(response: { accessToken: string; refreshToken?: string; expiresIn?: number }, previous?: TokenSet): TokenSet {
  return {
    accessToken: response.accessToken,
    refreshToken: response.refreshToken || previous?.refreshToken || null,
    expiresAt: typeof response.expiresIn === 'number' && response.expiresIn > 0 ? Date.now() + response.expiresIn * 1000 : null,
    ...(previous?.scope ? { scope: previous.scope } : {}),
  };
}

const isInvalidGrant = (error: unknown) => {
  if (!isApiException(error) || (error.code !== 400 && error.code !== 401)) return false;
  const body = bodyOf(error);
  return body?.error === 'invalid_grant' || body?.status === 'BAD_REFRESH_TOKEN';
};

export function createHubSpotOAuth(options: HubSpotOAuthOptions): OAuthProvider & { readonly scopes: string[] } {
  const baseUrl = (options.baseUrl ?? DEFAULT_API_BASE).replace(/\/+$/, '');
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  // a fresh set of APIs per call: cheap, and immune to other Clients' decorator settings
  const oauth = () => buildSdk({ basePath: baseUrl }).oauth;

  return {
    provider: 'hubspot',
    scopes,

    authorizationUrl({ state, codeChallenge, redirectUri }) {
      const url = new URL(authorizeEndpoint(options));
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', scopes.join(' '));
      if (options.optionalScopes?.length) url.searchParams.set('optional_scope', options.optionalScopes.join(' '));
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      return url.toString();
    },

    async exchangeCode({ code, codeVerifier, redirectUri }) {
      try {
        const response = await oauth().tokens.create('authorization_code', code, redirectUri, options.clientId, options.clientSecret, undefined, {
          middleware: [formAppend('code_verifier', codeVerifier) as never],
          middlewareMergeStrategy: 'append',
        });
        return { ...tokenSet(response), scope: scopes.join(' ') };
      } catch (error) {
        throw translateError(error);
      }
    },

    async refresh(refreshToken, current) {
      try {
        const response = await oauth().tokens.create('refresh_token', undefined, undefined, options.clientId, options.clientSecret, refreshToken);
        return tokenSet(response, { ...current, refreshToken });
      } catch (error) {
        if (isInvalidGrant(error)) throw new ReauthorizationNeeded(`HubSpot refused the refresh token: ${bodyOf(error as never)?.message ?? 'invalid_grant'}`);
        throw translateError(error);
      }
    },

    async revoke(tokens) {
      if (!tokens.refreshToken) return;
      try {
        await oauth().refreshTokens.archive(tokens.refreshToken);
      } catch (error) {
        // already deleted or unknown: nothing left to revoke
        if (isApiException(error) && (error.code === 404 || error.code === 400)) return;
        throw translateError(error);
      }
    },
  };
}
