import { json, type SandboxDefinition } from '../core/sandbox';
import { apiError, notFound } from './errors';
import { handleOAuth } from './oauth';
import { handleRest } from './rest';
import { SalesforceStore } from './store';

/**
 * Salesforce sandbox: the REST API as jsforce 3 uses it, served at the root of its own
 * port (the port is both login URL and instance URL).
 *
 * Demo connected app (registered in every store):
 *   consumer key    3MVG9CRMHubSandbox.DemoConnectedApp.ConsumerKey
 *   consumer secret CRMHUB0SANDBOX0DEMO0CONSUMER0SECRET
 *   redirect URIs   any http(s) URI on 127.0.0.1 / localhost
 *   user            demo.admin@crmhub-sandbox.example / sandbox-password (password grant)
 *
 *   const oauth2 = new jsforce.OAuth2({ clientId, clientSecret, redirectUri, loginUrl: sandbox.url, useVerifier: true });
 *   const conn = new jsforce.Connection({ oauth2, version: '62.0' });
 *
 * Data: `records` Contacts, records/2 Leads, records/10 Accounts (at least 1), from the
 * seeded generator; Contacts link to Accounts through AccountId.
 *
 * Served: OAuth web-server flow with PKCE (authorize + consent page, token for
 * authorization_code / refresh_token / password, revoke, /id identity URL, userinfo);
 * /services/data versions and resources; limits; describeGlobal and describe; sObject
 * CRUD; upsert by external id; getUpdated / getDeleted; SOQL query, queryMore, queryAll
 * and explain (soql.ts lists the subset); sObject Collections; Bulk API 2.0 ingest and
 * query. Every /services/data answer carries Sforce-Limit-Info; the daily allocation
 * (store.settings.dailyApiLimit) ends in 403 REQUEST_LIMIT_EXCEEDED; expired or unknown
 * tokens answer 401 INVALID_SESSION_ID so jsforce refreshes by itself.
 *
 * Tests reach the store through `sandbox.store` (SalesforceStore): issueSession(),
 * settings, apiUsage, collections.
 */
export const definition: SandboxDefinition<SalesforceStore> = {
  provider: 'salesforce',
  createStore: ({ seed, records }) => new SalesforceStore({ seed, records }),
  async handle(request, ctx) {
    const url = new URL(request.url);
    const baseUrl = ctx.baseUrl();
    const oauth = await handleOAuth(request, url, ctx.store, baseUrl);
    if (oauth) return oauth;
    const rest = await handleRest(request, url, ctx.store, baseUrl);
    if (rest) return rest;
    return notFound();
  },
  // Throttling (a burst beyond what the org's edge allows): 429 with Retry-After and
  // Salesforce's error array. jsforce retries 429 for GET/PUT/DELETE on its own.
  rateLimited: (retryAfterSeconds) =>
    json([{ message: `Too many requests. Retry after ${retryAfterSeconds} seconds.`, errorCode: 'REQUEST_LIMIT_EXCEEDED' }], {
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  serverError: (status) =>
    status === 503
      ? apiError(503, 'SERVER_UNAVAILABLE', 'Server unavailable: the service is temporarily unavailable, try again later')
      : apiError(status, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1923478561-38201 (-1183477522)'),
  deleteRecords: (store, count, random) => store.deleteRandom(count, random),
  modifyRecords: (store, count, random) => store.modifyRandom(count, random),
  expireTokens: (store) => store.oauth.expireAllAccessTokens(),
  revokeRefreshTokens: (store) => store.oauth.revokeAllRefreshTokens(),
  summary: (store) => store.summary(),
};
