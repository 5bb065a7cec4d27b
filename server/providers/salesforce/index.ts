/**
 * Salesforce for the sync engine: `createSalesforceOAuth` (OAuthProvider) and
 * `createSalesforceClient` (CrmClient) on jsforce 3, plus `isRetryable` to classify errors.
 * See client.ts for the wire choices (keyset SOQL pulls, sObject Collections writes,
 * upsert by External_Id__c, getDeleted) and README.md in this folder for the notes.
 */
export { createSalesforceClient, SalesforceClient, DEFAULT_API_VERSION, DEFAULT_EXTERNAL_ID_FIELD, type RateLimitInfo, type SalesforceClientOptions } from './client';
export { createSalesforceOAuth, SalesforceOAuth, DEFAULT_SCOPE, type SalesforceOAuthConfig } from './oauth';
export { isRetryable, isNetworkError, SalesforceApiError } from './errors';
export { domainOf } from './mapping';
