import { Client } from '@hubspot/api-client';

/**
 * Building @hubspot/api-client 14 safely.
 *
 * The client's retry and limiter decorators live in a process-wide singleton
 * (`ApiDecoratorService`): every `new Client()` replaces them, and they are applied
 * to an API object only when its discovery (`client.crm.contacts`, `client.oauth`...)
 * is first touched — lazily. So a Client whose discoveries are touched after some
 * other Client was constructed gets *that* Client's retries/limiter.
 *
 * We therefore (1) always construct with the same settings (`SDK_SETTINGS`) and
 * (2) touch every API we use synchronously right after `new Client()`, keeping the
 * API objects (not the Client) — nothing can run in between, so our decorators are
 * ours whatever other code in the process does. We never call `client.apiRequest()`
 * or `setAccessToken()` (both read the singleton at call time); a token refresh
 * builds a new set of APIs instead.
 *
 * No `limiterOptions`: throttling is the engine's `beforeCall` hook plus our own
 * search gate (throttle.ts). Retries: 3 attempts in total (the client counts
 * attempts, not retries): 5xx after 200/400 ms, a SECONDLY 429 after 1/2 s, a
 * TEN_SECONDLY_ROLLING 429 after 10/20 s; other 429s (DAILY, unknown bodies) and
 * transport errors are not retried by the client.
 */
export const SDK_SETTINGS = { numberOfApiCallRetries: 3 } as const;

export const DEFAULT_API_BASE = 'https://api.hubapi.com';

export interface SdkMiddleware {
  pre(context: SdkRequestContext): Promise<SdkRequestContext>;
  post(context: SdkResponseContext): Promise<SdkResponseContext>;
}
/** The parts of the generated RequestContext/ResponseContext we touch. */
export interface SdkRequestContext {
  getUrl(): string;
  getBody(): unknown;
}
export interface SdkResponseContext {
  httpStatusCode: number;
  headers: Record<string, string>;
}

/**
 * `attempts` overrides SDK_SETTINGS for this Client's APIs only (they are touched right
 * away, see above): the engine's clients use 1 — a 429 surfaces at once so the shared pacer
 * honours its Retry-After for every process, and the client retries 5xx itself.
 */
export function buildSdk(input: { basePath: string; accessToken?: string; middleware?: SdkMiddleware[]; attempts?: number }) {
  const client = new Client({
    ...SDK_SETTINGS,
    ...(input.attempts ? { numberOfApiCallRetries: Math.max(1, input.attempts) } : {}),
    basePath: input.basePath.replace(/\/+$/, ''),
    ...(input.accessToken ? { accessToken: input.accessToken } : {}),
    ...(input.middleware?.length ? { middleware: input.middleware as never } : {}),
  });
  // touch everything now, while the decorator singleton holds this Client's settings
  const crm = client.crm;
  const contacts = crm.contacts;
  const companies = crm.companies;
  const oauth = client.oauth;
  return {
    contacts: { basic: contacts.basicApi, batch: contacts.batchApi, search: contacts.searchApi },
    companies: { basic: companies.basicApi, batch: companies.batchApi, search: companies.searchApi },
    properties: crm.properties.coreApi,
    associations: crm.associations.v4.batchApi,
    oauth: { tokens: oauth.tokensApi, accessTokens: oauth.accessTokensApi, refreshTokens: oauth.refreshTokensApi },
  };
}

export type Sdk = ReturnType<typeof buildSdk>;
export type ObjectApis = Sdk['contacts'];
