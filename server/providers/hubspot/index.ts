/**
 * HubSpot provider for the sync engine: OAuth v1 with PKCE (oauth.ts) and a
 * CrmClient over @hubspot/api-client 14 (client.ts, writes.ts). Quirks of HubSpot
 * and of the official client stay in this folder; see the header of each file.
 */
export { createHubSpotClient, HubSpotCrmClient, PAGE_SIZE, BATCH_SIZE, type HubSpotClientOptions, type RateLimitInfo } from './client';
export { createHubSpotOAuth, authorizeEndpoint, DEFAULT_SCOPES, type HubSpotOAuthOptions } from './oauth';
export { isRetryable, HubSpotApiError, HubSpotTransportError } from './errors';
export { DEFAULT_API_BASE, SDK_SETTINGS } from './sdk';
