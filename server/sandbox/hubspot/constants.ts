/**
 * Fixed identities of the HubSpot sandbox: the demo OAuth app, the portal it is
 * installed in, the private-app token and the developer API key. Documented in
 * index.ts; tests and demo mode use them as they are.
 */
export const DEMO_APP = {
  appId: 4102001,
  clientId: '5a4db0c8-6b1e-4c0e-9d3a-0b5f1c2d3e4f',
  clientSecret: 'c0ffee00-5a4d-4b0c-8e1f-sandbox00001',
} as const;

export const PORTAL = {
  hubId: 20260001,
  hubDomain: 'sandbox-demo.example.com',
  user: 'sandbox-admin@example.com',
  userId: 1000001,
} as const;

/** A private-app token: never expires, every scope, daily-limit headers (as HubSpot sends them for private apps). */
export const PRIVATE_APP_TOKEN = 'pat-na1-5a4db0c8-0000-4000-8000-000000000001';

/** Developer API key (`hapikey`) for the Webhooks management API. */
export const DEVELOPER_API_KEY = 'dev-hapikey-5a4db0c8-sandbox';

export const ACCESS_TOKEN_TTL_SECONDS = 1800;

export const ALL_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
];

export type ObjectType = 'contacts' | 'companies';

export const OBJECT_TYPE_IDS: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2' };
/** Singular names, as webhook subscription types (`contact.creation`) and v3 association types use them. */
export const SINGULAR: Record<ObjectType, string> = { contacts: 'contact', companies: 'company' };

/** Path segments HubSpot accepts for an object type. */
export function parseObjectType(segment: string): ObjectType | null {
  switch (segment.toLowerCase()) {
    case 'contacts':
    case 'contact':
    case '0-1':
      return 'contacts';
    case 'companies':
    case 'company':
    case '0-2':
      return 'companies';
    default:
      return null;
  }
}

/**
 * HubSpot-defined association types between contacts and companies: the unlabeled
 * default and the "Primary" label, one id per direction.
 */
export const ASSOCIATION_TYPES = {
  contactToCompany: { unlabeled: 279, primary: 1 },
  companyToContact: { unlabeled: 280, primary: 2 },
} as const;

/** The id of the first generated record of each type (ids are numeric and sequential). */
export const ID_BASE: Record<ObjectType, number> = { contacts: 1001, companies: 9_000_001 };

/** Search API limits (HubSpot "Search the CRM" guide). */
export const SEARCH_LIMITS = { maxLimit: 200, maxResults: 10_000, maxFilterGroups: 5, maxFiltersPerGroup: 6, maxFilters: 18 } as const;
export const LIST_MAX_LIMIT = 100;
export const BATCH_MAX_INPUTS = 100;
export const ASSOCIATIONS_MAX_LIMIT = 500;
