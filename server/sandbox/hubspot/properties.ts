import type { PropertyValueError } from './errors';
import type { ObjectType } from './constants';

/**
 * Property definitions (the CRM v3 Properties API) and the value rules writes are
 * checked against: unknown property, read-only value, enumeration option, e-mail,
 * number, bool, date and datetime formats.
 */

export type PropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';

export interface OptionDef {
  label: string;
  value: string;
  description?: string;
  displayOrder: number;
  hidden: boolean;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: OptionDef[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  externalOptions: boolean;
  readOnlyValue: boolean;
  readOnlyDefinition: boolean;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt: number | null;
}

const options = (pairs: [string, string][]): OptionDef[] => pairs.map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false }));

export const LIFECYCLE_STAGES = options([
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
]);
export const LEAD_STATUSES = options([
  ['NEW', 'New'],
  ['OPEN', 'Open'],
  ['IN_PROGRESS', 'In Progress'],
  ['OPEN_DEAL', 'Open Deal'],
  ['UNQUALIFIED', 'Unqualified'],
  ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
  ['CONNECTED', 'Connected'],
  ['BAD_TIMING', 'Bad Timing'],
]);
export const ANALYTICS_SOURCES = options([
  ['ORGANIC_SEARCH', 'Organic Search'],
  ['PAID_SEARCH', 'Paid Search'],
  ['EMAIL_MARKETING', 'Email Marketing'],
  ['SOCIAL_MEDIA', 'Organic Social'],
  ['REFERRALS', 'Referrals'],
  ['OTHER_CAMPAIGNS', 'Other Campaigns'],
  ['DIRECT_TRAFFIC', 'Direct Traffic'],
  ['OFFLINE', 'Offline Sources'],
  ['PAID_SOCIAL', 'Paid Social'],
]);
export const REGIONS = options([
  ['NA', 'North America'],
  ['EMEA', 'Europe, Middle East & Africa'],
  ['APAC', 'Asia Pacific'],
  ['LATAM', 'Latin America'],
]);
export const TIERS = options([
  ['tier_1', 'Tier 1'],
  ['tier_2', 'Tier 2'],
  ['tier_3', 'Tier 3'],
]);
export const INDUSTRIES = options([
  ['COMPUTER_SOFTWARE', 'Computer Software'],
  ['INDUSTRIAL_AUTOMATION', 'Industrial Automation'],
  ['RETAIL', 'Retail'],
  ['FINANCIAL_SERVICES', 'Financial Services'],
  ['HOSPITAL_HEALTH_CARE', 'Hospital & Health Care'],
  ['LOGISTICS_AND_SUPPLY_CHAIN', 'Logistics and Supply Chain'],
  ['EDUCATION_MANAGEMENT', 'Education Management'],
  ['OIL_ENERGY', 'Oil & Energy'],
  ['MEDIA_PRODUCTION', 'Media Production'],
  ['REAL_ESTATE', 'Real Estate'],
]);

type Seed = Partial<PropertyDef> & Pick<PropertyDef, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'>;

const CREATED = Date.UTC(2019, 0, 15, 9, 0, 0);

function define(seed: Seed, displayOrder: number): PropertyDef {
  return {
    description: '',
    options: [],
    displayOrder,
    hasUniqueValue: false,
    hidden: false,
    formField: seed.readOnlyValue ? false : true,
    hubspotDefined: true,
    calculated: false,
    externalOptions: false,
    readOnlyValue: false,
    readOnlyDefinition: seed.hubspotDefined !== false,
    createdAt: CREATED,
    updatedAt: CREATED,
    archived: false,
    archivedAt: null,
    ...seed,
  };
}

const CUSTOM_CREATED = Date.UTC(2025, 2, 3, 12, 0, 0);
const custom = (seed: Seed): Seed => ({ hubspotDefined: false, readOnlyDefinition: false, createdAt: CUSTOM_CREATED, updatedAt: CUSTOM_CREATED, ...seed });

const CONTACT_PROPERTIES: Seed[] = [
  { name: 'email', label: 'Email', type: 'string', fieldType: 'text', groupName: 'contactinformation', description: "A contact's email address" },
  { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text', groupName: 'contactinformation', description: "A contact's first name" },
  { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text', groupName: 'contactinformation', description: "A contact's last name" },
  { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber', groupName: 'contactinformation', description: "A contact's primary phone number" },
  { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text', groupName: 'contactinformation', description: "A contact's job title" },
  { name: 'company', label: 'Company Name', type: 'string', fieldType: 'text', groupName: 'contactinformation', description: 'Name of the contact\'s company' },
  { name: 'city', label: 'City', type: 'string', fieldType: 'text', groupName: 'contactinformation', description: "A contact's city of residence" },
  { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text', groupName: 'contactinformation', description: "The contact's country/region of residence" },
  { name: 'lifecyclestage', label: 'Lifecycle Stage', type: 'enumeration', fieldType: 'radio', groupName: 'contactinformation', options: LIFECYCLE_STAGES, description: 'The qualification of contacts to sales readiness' },
  { name: 'hs_lead_status', label: 'Lead Status', type: 'enumeration', fieldType: 'radio', groupName: 'sales_properties', options: LEAD_STATUSES, description: "The contact's sales, prospecting or outreach status" },
  { name: 'hs_analytics_source', label: 'Original Traffic Source', type: 'enumeration', fieldType: 'select', groupName: 'analyticsinformation', options: ANALYTICS_SOURCES, readOnlyValue: true, description: 'First known source the contact used to find your website' },
  { name: 'associatedcompanyid', label: 'Primary Associated Company ID', type: 'number', fieldType: 'number', groupName: 'contactinformation', readOnlyValue: true, calculated: true, description: 'HubSpot defined ID of a contact\'s primary associated company' },
  custom({ name: 'region', label: 'Region', type: 'enumeration', fieldType: 'select', groupName: 'contactinformation', options: REGIONS, description: 'Sales region (custom property)' }),
  custom({ name: 'tier', label: 'Tier', type: 'enumeration', fieldType: 'radio', groupName: 'contactinformation', options: TIERS, description: 'Account tier (custom property)' }),
  { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', groupName: 'contactinformation', readOnlyValue: true, description: 'The unique ID for this record. This value is automatically set by HubSpot.' },
  { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', groupName: 'contactinformation', readOnlyValue: true, description: 'The date that a contact entered the system' },
  { name: 'lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date', groupName: 'contactinformation', readOnlyValue: true, description: 'Most recent timestamp of any property update for a contact.' },
  { name: 'hs_lastmodifieddate', label: 'Object last modified date/time', type: 'datetime', fieldType: 'date', groupName: 'contactinformation', readOnlyValue: true, hidden: true, description: 'Most recent timestamp of any property update for this object.' },
];

const COMPANY_PROPERTIES: Seed[] = [
  { name: 'name', label: 'Company name', type: 'string', fieldType: 'text', groupName: 'companyinformation', description: 'The name of the company or organization.' },
  { name: 'domain', label: 'Company Domain Name', type: 'string', fieldType: 'text', groupName: 'companyinformation', description: "The domain name of the company or organization" },
  { name: 'industry', label: 'Industry', type: 'enumeration', fieldType: 'select', groupName: 'companyinformation', options: INDUSTRIES, description: 'The type of business the company performs.' },
  { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber', groupName: 'companyinformation', description: "A company's primary phone number." },
  { name: 'city', label: 'City', type: 'string', fieldType: 'text', groupName: 'companyinformation', description: "The city where the company is located." },
  { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text', groupName: 'companyinformation', description: 'The country/region in which the company or organization is located.' },
  { name: 'numberofemployees', label: 'Number of Employees', type: 'number', fieldType: 'number', groupName: 'companyinformation', description: 'The total number of employees who work for the company or organization.' },
  { name: 'annualrevenue', label: 'Annual Revenue', type: 'number', fieldType: 'number', groupName: 'companyinformation', description: 'The actual or estimated annual revenue of the company.' },
  { name: 'lifecyclestage', label: 'Lifecycle Stage', type: 'enumeration', fieldType: 'radio', groupName: 'companyinformation', options: LIFECYCLE_STAGES, description: 'The qualification of companies to sales readiness.' },
  custom({ name: 'region', label: 'Region', type: 'enumeration', fieldType: 'select', groupName: 'companyinformation', options: REGIONS, description: 'Sales region (custom property)' }),
  custom({ name: 'tier', label: 'Tier', type: 'enumeration', fieldType: 'radio', groupName: 'companyinformation', options: TIERS, description: 'Account tier (custom property)' }),
  { name: 'num_associated_contacts', label: 'Number of Associated Contacts', type: 'number', fieldType: 'number', groupName: 'companyinformation', readOnlyValue: true, calculated: true, description: 'The number of contacts associated with this company' },
  { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', groupName: 'companyinformation', readOnlyValue: true, description: 'The unique ID for this record. This value is automatically set by HubSpot.' },
  { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', groupName: 'companyinformation', readOnlyValue: true, description: 'The date the company or organization was added to the database' },
  { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date', groupName: 'companyinformation', readOnlyValue: true, description: 'Most recent timestamp of any property update for this company.' },
];

export class PropertyRegistry {
  private readonly byType: Record<ObjectType, Map<string, PropertyDef>>;

  constructor() {
    const build = (seeds: Seed[]) => new Map(seeds.map((seed, i) => [seed.name, define(seed, i)] as const));
    this.byType = { contacts: build(CONTACT_PROPERTIES), companies: build(COMPANY_PROPERTIES) };
  }

  /** A live (not archived) property, or undefined. */
  get(type: ObjectType, name: string): PropertyDef | undefined {
    const def = this.byType[type].get(name);
    return def && !def.archived ? def : undefined;
  }

  /** Any property, archived ones included. */
  getAny(type: ObjectType, name: string): PropertyDef | undefined {
    return this.byType[type].get(name);
  }

  list(type: ObjectType, archived = false): PropertyDef[] {
    return [...this.byType[type].values()].filter((d) => d.archived === archived);
  }

  names(type: ObjectType): string[] {
    return this.list(type).map((d) => d.name);
  }

  add(type: ObjectType, def: PropertyDef): void {
    this.byType[type].set(def.name, def);
  }

  /** Properties usable as `idProperty`: the record id, the e-mail/domain keys and unique custom properties. */
  isIdProperty(type: ObjectType, name: string): boolean {
    if (name === 'hs_object_id') return true;
    if (type === 'contacts' && name === 'email') return true;
    if (type === 'companies' && name === 'domain') return true;
    return this.get(type, name)?.hasUniqueValue === true;
  }
}

export function serializeProperty(def: PropertyDef) {
  return {
    name: def.name,
    label: def.label,
    type: def.type,
    fieldType: def.fieldType,
    description: def.description,
    groupName: def.groupName,
    options: def.options.map((o) => ({ label: o.label, value: o.value, description: o.description ?? '', displayOrder: o.displayOrder, hidden: o.hidden })),
    displayOrder: def.displayOrder,
    calculated: def.calculated,
    externalOptions: def.externalOptions,
    hasUniqueValue: def.hasUniqueValue,
    hidden: def.hidden,
    hubspotDefined: def.hubspotDefined,
    modificationMetadata: { archivable: !def.hubspotDefined, readOnlyDefinition: def.readOnlyDefinition, readOnlyValue: def.readOnlyValue },
    formField: def.formField,
    createdAt: new Date(def.createdAt).toISOString(),
    updatedAt: new Date(def.updatedAt).toISOString(),
    archived: def.archived,
    ...(def.archivedAt ? { archivedAt: new Date(def.archivedAt).toISOString() } : {}),
    ...(def.hubspotDefined ? {} : { createdUserId: '1000001', updatedUserId: '1000001' }),
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const invalid = (name: string, error: string, message: string): PropertyValueError => ({ isValid: false, message, error, name, localizedErrorMessage: message });

/** Parses a date/datetime filter or write value: epoch milliseconds or an ISO-8601 string. */
export function parseTimestamp(raw: string): number | null {
  const trimmed = raw.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  const parsed = Date.parse(trimmed);
  return Number.isFinite(parsed) ? parsed : null;
}

/**
 * Checks and normalises one written value. `''` and null clear the property.
 * Returns the value to store, or the error HubSpot reports for it.
 */
export function normalizeValue(def: PropertyDef | undefined, name: string, raw: string | number | boolean | null): { value: string | null } | PropertyValueError {
  if (!def) return invalid(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
  if (def.readOnlyValue) return invalid(name, 'READ_ONLY_VALUE', `Property "${name}" is a read only property; its value cannot be set.`);
  if (raw === null || raw === '') return { value: null };
  const text = String(raw).trim();
  switch (def.type) {
    case 'number':
      return Number.isFinite(Number(text)) ? { value: text } : invalid(name, 'INVALID_INTEGER', `${text} was not a valid number.`);
    case 'bool': {
      const lower = text.toLowerCase();
      return lower === 'true' || lower === 'false' ? { value: lower } : invalid(name, 'INVALID_BOOLEAN', `${text} was not a valid boolean.`);
    }
    case 'datetime': {
      const ms = parseTimestamp(text);
      return ms === null ? invalid(name, 'INVALID_DATE', `${text} was not a valid date/time.`) : { value: new Date(ms).toISOString() };
    }
    case 'date': {
      const ms = parseTimestamp(text);
      if (ms === null) return invalid(name, 'INVALID_DATE', `${text} was not a valid date.`);
      if (new Date(ms).getUTCHours() !== 0 || ms % 86_400_000 !== 0) return invalid(name, 'INVALID_DATE', `${text} is not midnight UTC.`);
      return { value: new Date(ms).toISOString().slice(0, 10) };
    }
    case 'enumeration': {
      const allowed = def.options.filter((o) => !o.hidden);
      const parts = def.fieldType === 'checkbox' ? text.split(';').filter(Boolean) : [text];
      const canonical: string[] = [];
      for (const part of parts) {
        const match = allowed.find((o) => o.value === part) ?? allowed.find((o) => o.value.toLowerCase() === part.toLowerCase());
        if (!match) return invalid(name, 'INVALID_OPTION', `${part} was not one of the allowed options: [${allowed.map((o) => o.value).join(', ')}]`);
        canonical.push(match.value);
      }
      return { value: canonical.join(';') };
    }
    default:
      if (name === 'email' && !EMAIL.test(text)) return invalid(name, 'INVALID_EMAIL', `Email address ${text} is invalid`);
      return { value: name === 'email' || name === 'domain' ? text.toLowerCase() : text };
  }
}
