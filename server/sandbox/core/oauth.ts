import { createHash, randomBytes } from 'node:crypto';

/**
 * The OAuth 2.0 state every provider sandbox shares: authorization codes (with PKCE),
 * access tokens with expiry, refresh tokens (rotating or not), revocation. Each
 * provider wraps it in its own wire format.
 */

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  expiresAt: number;
  subject: string;
}

export interface AccessToken {
  token: string;
  clientId: string;
  scope: string;
  subject: string;
  issuedAt: number;
  expiresAt: number;
  refreshToken: string | null;
}

interface RefreshGrant {
  clientId: string;
  scope: string;
  subject: string;
  revoked: boolean;
  used: boolean;
}

export type OAuthError = { error: 'invalid_grant' | 'invalid_client' | 'invalid_request' | 'unsupported_grant_type'; description: string };

const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export class OAuthTokenStore {
  readonly clients = new Map<string, OAuthClient>();
  private codes = new Map<string, CodeGrant>();
  private accessTokens = new Map<string, AccessToken>();
  private refreshTokens = new Map<string, RefreshGrant>();
  /** Counts for assertions ("exactly one refresh"). */
  readonly counters = { codeExchanges: 0, refreshes: 0, revocations: 0 };

  constructor(
    private readonly options: {
      accessTokenTtlSeconds: number;
      /** Kommo and HubSpot-style: every refresh returns a new refresh token and kills the old one. */
      rotateRefreshTokens: boolean;
      tokenPrefix?: string;
    },
  ) {}

  registerClient(client: OAuthClient): void {
    this.clients.set(client.clientId, client);
  }

  checkClient(clientId: string, clientSecret: string | null): OAuthError | null {
    const client = this.clients.get(clientId);
    if (!client) return { error: 'invalid_client', description: 'unknown client' };
    if (clientSecret !== null && client.clientSecret !== clientSecret) return { error: 'invalid_client', description: 'invalid client credentials' };
    return null;
  }

  issueCode(grant: Omit<CodeGrant, 'expiresAt'>, now = Date.now()): string {
    const code = token('code_');
    this.codes.set(code, { ...grant, expiresAt: now + 10 * 60_000 });
    return code;
  }

  /** Exchanges a code once; PKCE is checked when the code was issued with a challenge. */
  exchangeCode(input: { code: string; clientId: string; redirectUri: string; codeVerifier: string | null }, now = Date.now()): AccessToken | OAuthError {
    const grant = this.codes.get(input.code);
    this.codes.delete(input.code);
    if (!grant || grant.expiresAt < now) return { error: 'invalid_grant', description: 'authorization code is invalid or expired' };
    if (grant.clientId !== input.clientId) return { error: 'invalid_grant', description: 'code was issued to another client' };
    if (grant.redirectUri !== input.redirectUri) return { error: 'invalid_grant', description: 'redirect_uri mismatch' };
    if (grant.codeChallenge) {
      if (!input.codeVerifier) return { error: 'invalid_grant', description: 'code_verifier required' };
      const computed = grant.codeChallengeMethod === 'plain' ? input.codeVerifier : pkceChallenge(input.codeVerifier);
      if (computed !== grant.codeChallenge) return { error: 'invalid_grant', description: 'invalid code verifier' };
    }
    this.counters.codeExchanges += 1;
    return this.issueTokens(grant.clientId, grant.scope, grant.subject, now);
  }

  issueTokens(clientId: string, scope: string, subject: string, now = Date.now()): AccessToken {
    const refresh = token('rt_');
    this.refreshTokens.set(refresh, { clientId, scope, subject, revoked: false, used: false });
    const access: AccessToken = {
      token: token(this.options.tokenPrefix ?? 'at_'),
      clientId,
      scope,
      subject,
      issuedAt: now,
      expiresAt: now + this.options.accessTokenTtlSeconds * 1000,
      refreshToken: refresh,
    };
    this.accessTokens.set(access.token, access);
    return access;
  }

  refresh(input: { refreshToken: string; clientId: string }, now = Date.now()): AccessToken | OAuthError {
    const grant = this.refreshTokens.get(input.refreshToken);
    if (!grant || grant.revoked || grant.used) return { error: 'invalid_grant', description: 'refresh token is invalid, expired or revoked' };
    if (grant.clientId !== input.clientId) return { error: 'invalid_grant', description: 'refresh token was issued to another client' };
    this.counters.refreshes += 1;
    if (this.options.rotateRefreshTokens) {
      grant.used = true;
      return this.issueTokens(grant.clientId, grant.scope, grant.subject, now);
    }
    const access: AccessToken = {
      token: token(this.options.tokenPrefix ?? 'at_'),
      clientId: grant.clientId,
      scope: grant.scope,
      subject: grant.subject,
      issuedAt: now,
      expiresAt: now + this.options.accessTokenTtlSeconds * 1000,
      refreshToken: input.refreshToken,
    };
    this.accessTokens.set(access.token, access);
    return access;
  }

  /** Validates a bearer token: the token, or why not. */
  validate(accessToken: string | null, now = Date.now()): AccessToken | 'missing' | 'invalid' | 'expired' {
    if (!accessToken) return 'missing';
    const found = this.accessTokens.get(accessToken);
    if (!found) return 'invalid';
    if (found.expiresAt <= now) return 'expired';
    return found;
  }

  /** Revokes an access or a refresh token (and, for a refresh token, its access tokens). */
  revoke(tokenValue: string): boolean {
    this.counters.revocations += 1;
    const refresh = this.refreshTokens.get(tokenValue);
    if (refresh) {
      refresh.revoked = true;
      for (const [key, access] of this.accessTokens) if (access.refreshToken === tokenValue) this.accessTokens.delete(key);
      return true;
    }
    return this.accessTokens.delete(tokenValue);
  }

  /** Long-lived tokens (Kommo) and test fixtures: a token valid for `ttlSeconds`. */
  mintAccessToken(clientId: string, subject: string, ttlSeconds: number, now = Date.now()): AccessToken {
    const access: AccessToken = { token: token(this.options.tokenPrefix ?? 'at_'), clientId, scope: '', subject, issuedAt: now, expiresAt: now + ttlSeconds * 1000, refreshToken: null };
    this.accessTokens.set(access.token, access);
    return access;
  }

  /** Fault knob: every access token expires now. */
  expireAllAccessTokens(now = Date.now()): number {
    let n = 0;
    for (const access of this.accessTokens.values()) {
      access.expiresAt = Math.min(access.expiresAt, now - 1);
      n += 1;
    }
    return n;
  }

  /** Fault knob: every refresh token is revoked (the next refresh gets invalid_grant). */
  revokeAllRefreshTokens(): number {
    let n = 0;
    for (const grant of this.refreshTokens.values()) {
      grant.revoked = true;
      n += 1;
    }
    return n;
  }
}

export const bearerOf = (request: Request) => {
  const header = request.headers.get('authorization');
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match ? match[1]!.trim() : null;
};
