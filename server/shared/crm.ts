/**
 * The native CRM's vocabularies, shared by the schema, the services and the screens.
 * Plain constants (no database import), so browser code may use them too.
 */
export const leadSources = ['website', 'cold_call', 'referral', 'event', 'inbound_email', 'other'] as const;
export type LeadSource = (typeof leadSources)[number];

export const leadStatuses = ['new', 'contacted', 'qualified', 'converted', 'lost'] as const;
export type LeadStatus = (typeof leadStatuses)[number];

/** `system` entries are the lead timeline written by the services (changes, merges, conversion). */
export const activityKinds = ['call', 'meeting', 'email', 'task', 'note', 'system'] as const;
export type ActivityKind = (typeof activityKinds)[number];
export const userActivityKinds = ['call', 'meeting', 'email', 'task', 'note'] as const;

export const customFieldEntities = ['lead', 'contact', 'account'] as const;
export type CustomFieldEntity = (typeof customFieldEntities)[number];

export const customFieldTypes = ['text', 'number', 'date', 'select'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];

/** Custom-field values of one record, keyed by the definition's key. */
export type CustomValues = Record<string, string | number>;

/**
 * The five stages every tenant starts with. Migration 0004 backfills the same list
 * for tenants that existed before the CRM; keep the two in step.
 */
export const defaultLeadStages = [
  { name: 'New', color: '#64748b', isQualified: false, isWon: false, isLost: false },
  { name: 'Contacted', color: '#0ea5e9', isQualified: false, isWon: false, isLost: false },
  { name: 'Qualified', color: '#8b5cf6', isQualified: true, isWon: false, isLost: false },
  { name: 'Won', color: '#16a34a', isQualified: true, isWon: true, isLost: false },
  { name: 'Lost', color: '#dc2626', isQualified: false, isWon: false, isLost: true },
] as const;
