import { generateCompanies, generatePeople, type GeneratedCompany, type GeneratedPerson } from '../core/generator';
import { ANALYTICS_SOURCES, INDUSTRIES, LEAD_STATUSES, LIFECYCLE_STAGES, TIERS } from './properties';
import type { GeneratedValue } from './records';

/**
 * The seeded data set of the HubSpot sandbox (core/generator.ts people and companies)
 * and how its rows read as HubSpot property values.
 */

export interface GeneratedData {
  people: GeneratedPerson[];
  companies: GeneratedCompany[];
}

/** Records of each type: `records` contacts and a quarter as many companies (at least one). */
export function generateData(seed: number, records: number): GeneratedData {
  const now = Math.min(Date.UTC(2026, 10, 1), Date.now());
  const companies = generateCompanies(Math.max(1, Math.ceil(records / 4)), { seed, now });
  const people = generatePeople(records, { seed, companies: companies.length, now });
  return { people, companies };
}

const COUNTRY_NAMES: Record<string, string> = { US: 'United States', GB: 'United Kingdom', DE: 'Germany', FR: 'France', ES: 'Spain', RU: 'Russia' };
const REGION_OF: Record<string, string> = { US: 'NA', GB: 'EMEA', DE: 'EMEA', FR: 'EMEA', ES: 'EMEA', RU: 'EMEA' };
const INDUSTRY_VALUE: Record<string, string> = {
  Software: 'COMPUTER_SOFTWARE',
  Manufacturing: 'INDUSTRIAL_AUTOMATION',
  Retail: 'RETAIL',
  Finance: 'FINANCIAL_SERVICES',
  Healthcare: 'HOSPITAL_HEALTH_CARE',
  Logistics: 'LOGISTICS_AND_SUPPLY_CHAIN',
  Education: 'EDUCATION_MANAGEMENT',
  Energy: 'OIL_ENERGY',
  Media: 'MEDIA_PRODUCTION',
  'Real Estate': 'REAL_ESTATE',
};
const SOURCE_VALUE: Record<string, string> = {
  website: 'ORGANIC_SEARCH',
  'cold call': 'OFFLINE',
  referral: 'REFERRALS',
  event: 'OFFLINE',
  'inbound e-mail': 'EMAIL_MARKETING',
  other: 'OTHER_CAMPAIGNS',
};
const EMPLOYEES = [4, 12, 25, 48, 120, 260, 800, 2_400, 11_000];

/** A stable pseudo-random number per (row, salt): derived values need no extra storage. */
function hash(row: number, salt: number): number {
  let h = Math.imul(row + 1, 0x9e3779b1) ^ salt;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const pickValue = (values: { value: string }[], row: number, salt: number, take = values.length) => values[hash(row, salt) % take]!.value;

export function contactValues(data: GeneratedData): GeneratedValue {
  return (row, name) => {
    const p = data.people[row];
    if (!p) return undefined;
    switch (name) {
      case 'email':
        return p.email;
      case 'firstname':
        return p.firstName;
      case 'lastname':
        return p.lastName;
      case 'phone':
        return p.phone;
      case 'jobtitle':
        return p.title;
      case 'company':
        return data.companies[p.companyIndex]?.name ?? null;
      case 'city':
        return data.companies[p.companyIndex]?.city ?? null;
      case 'country':
        return COUNTRY_NAMES[p.country] ?? p.country;
      case 'lifecyclestage':
        return pickValue(LIFECYCLE_STAGES, row, 11, 6);
      case 'hs_lead_status':
        return pickValue(LEAD_STATUSES, row, 12);
      case 'hs_analytics_source':
        return SOURCE_VALUE[p.leadSource] ?? ANALYTICS_SOURCES[0]!.value;
      case 'region':
        return REGION_OF[p.country] ?? null;
      case 'tier':
        return pickValue(TIERS, row, 13);
      default:
        return undefined;
    }
  };
}

export function companyValues(data: GeneratedData): GeneratedValue {
  return (row, name) => {
    const c = data.companies[row];
    if (!c) return undefined;
    switch (name) {
      case 'name':
        return c.name;
      case 'domain':
        return c.domain;
      case 'industry':
        return INDUSTRY_VALUE[c.industry] ?? INDUSTRIES[0]!.value;
      case 'phone':
        return c.phone;
      case 'city':
        return c.city;
      case 'country':
        return COUNTRY_NAMES[c.country] ?? c.country;
      case 'numberofemployees':
        return String(EMPLOYEES[hash(row, 21) % EMPLOYEES.length]);
      case 'annualrevenue':
        return String(EMPLOYEES[hash(row, 21) % EMPLOYEES.length]! * (80_000 + (hash(row, 22) % 120) * 1_000));
      case 'lifecyclestage':
        return pickValue(LIFECYCLE_STAGES, row, 23, 6);
      case 'region':
        return REGION_OF[c.country] ?? null;
      case 'tier':
        return pickValue(TIERS, row, 24);
      default:
        return undefined;
    }
  };
}

/** Values admin "modify N records" writes: a new job title and lead status, as a salesperson would. */
export const MODIFY_TITLES = ['VP Sales', 'Head of Procurement', 'Operations Director', 'Chief Revenue Officer', 'Account Manager', 'IT Manager'];
