import { faker as fakerDe } from '@faker-js/faker/locale/de';
import { faker as fakerEn } from '@faker-js/faker/locale/en_US';
import { faker as fakerEs } from '@faker-js/faker/locale/es';
import { faker as fakerFr } from '@faker-js/faker/locale/fr';
import { faker as fakerGb } from '@faker-js/faker/locale/en_GB';
import { faker as fakerRu } from '@faker-js/faker/locale/ru';
import { getExampleNumber, isValidPhoneNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { seededRandom } from './random';

/**
 * Deterministic, realistic people and companies for the sandboxes. Faker (seeded)
 * fills pools of names once; records are then combined from the pools with a fast
 * seeded PRNG, so 100k records take well under a second and 1M fit in memory.
 * Phone numbers are real-format mobile numbers of several countries, checked with
 * libphonenumber-js.
 */

export interface GeneratedCompany {
  index: number;
  name: string;
  domain: string;
  industry: string;
  phone: string;
  city: string;
  country: CountryCode;
  createdAt: number;
  updatedAt: number;
}

export interface GeneratedPerson {
  index: number;
  firstName: string;
  lastName: string;
  email: string;
  /** E.164 */
  phone: string;
  country: CountryCode;
  title: string;
  companyIndex: number;
  leadSource: string;
  createdAt: number;
  updatedAt: number;
}

const COUNTRIES: { code: CountryCode; faker: typeof fakerEn }[] = [
  { code: 'US', faker: fakerEn },
  { code: 'GB', faker: fakerGb },
  { code: 'DE', faker: fakerDe },
  { code: 'FR', faker: fakerFr },
  { code: 'ES', faker: fakerEs },
  { code: 'RU', faker: fakerRu },
];
const INDUSTRIES = ['Software', 'Manufacturing', 'Retail', 'Finance', 'Healthcare', 'Logistics', 'Education', 'Energy', 'Media', 'Real Estate'];
const TITLES = ['CEO', 'CTO', 'Head of Sales', 'Sales Manager', 'Account Executive', 'Procurement Lead', 'Office Manager', 'Marketing Director', 'Operations Manager', 'Founder'];
const SOURCES = ['website', 'cold call', 'referral', 'event', 'inbound e-mail', 'other'];
const POOL = 400;

interface CountryPool {
  code: CountryCode;
  firstNames: string[];
  lastNames: string[];
  cities: string[];
  companies: string[];
  /** National significant number without its last 4 digits, with the calling code. */
  phonePrefixes: { callingCode: string; head: string }[];
}

let pools: CountryPool[] | null = null;

const ascii = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

function buildPools(): CountryPool[] {
  return COUNTRIES.map(({ code, faker }, i) => {
    faker.seed(1000 + i);
    const example = getExampleNumber(code, examples)!;
    const national = example.nationalNumber;
    const heads = new Set<string>();
    const random = seededRandom(77 + i);
    // vary the digits after the operator prefix; keep only heads whose numbers validate
    for (let attempt = 0; attempt < 200 && heads.size < 40; attempt++) {
      const keep = Math.min(3, national.length - 5);
      let head = national.slice(0, keep);
      while (head.length < national.length - 4) head += String(random.int(0, 9));
      if (isValidPhoneNumber(`+${example.countryCallingCode}${head}0000`) && isValidPhoneNumber(`+${example.countryCallingCode}${head}9999`)) heads.add(head);
    }
    if (heads.size === 0) heads.add(national.slice(0, national.length - 4));
    return {
      code,
      firstNames: Array.from({ length: POOL }, () => faker.person.firstName()),
      lastNames: Array.from({ length: POOL }, () => faker.person.lastName()),
      cities: Array.from({ length: 60 }, () => faker.location.city()),
      companies: Array.from({ length: POOL }, () => faker.company.name()),
      phonePrefixes: [...heads].map((head) => ({ callingCode: String(example.countryCallingCode), head })),
    };
  });
}

const DAY = 86_400_000;

export interface GeneratorOptions {
  seed: number;
  /** Newest modification time; records spread over the year before it. */
  now?: number;
}

export function generateCompanies(count: number, options: GeneratorOptions): GeneratedCompany[] {
  pools ??= buildPools();
  const random = seededRandom(options.seed * 31 + 7);
  const now = options.now ?? Date.UTC(2026, 10, 1);
  const out = new Array<GeneratedCompany>(count);
  for (let i = 0; i < count; i++) {
    const pool = pools[random.int(0, pools.length - 1)]!;
    const base = random.pick(pool.companies);
    const name = i < pool.companies.length ? base : `${base} ${random.pick(['Group', 'Holding', 'Labs', 'Partners', 'Solutions'])} ${i}`;
    const phone = random.pick(pool.phonePrefixes);
    const createdAt = now - random.int(30, 365) * DAY - random.int(0, DAY);
    out[i] = {
      index: i,
      name,
      domain: `${ascii(base).slice(0, 24) || 'company'}${i}.example.com`,
      industry: random.pick(INDUSTRIES),
      phone: `+${phone.callingCode}${phone.head}${String(random.int(0, 9999)).padStart(4, '0')}`,
      city: random.pick(pool.cities),
      country: pool.code,
      createdAt,
      updatedAt: createdAt + random.int(0, now - createdAt),
    };
  }
  return out;
}

export function generatePeople(count: number, options: GeneratorOptions & { companies: number }): GeneratedPerson[] {
  pools ??= buildPools();
  const random = seededRandom(options.seed * 131 + 3);
  const now = options.now ?? Date.UTC(2026, 10, 1);
  const out = new Array<GeneratedPerson>(count);
  for (let i = 0; i < count; i++) {
    const pool = pools[random.int(0, pools.length - 1)]!;
    const firstName = random.pick(pool.firstNames);
    const lastName = random.pick(pool.lastNames);
    const phone = random.pick(pool.phonePrefixes);
    const createdAt = now - random.int(1, 365) * DAY - random.int(0, DAY);
    out[i] = {
      index: i,
      firstName,
      lastName,
      // the index keeps every e-mail unique, as a CRM's dedupe rules expect
      email: `${ascii(firstName).slice(0, 12) || 'user'}.${ascii(lastName).slice(0, 16) || 'x'}.${i}@example.${pool.code.toLowerCase()}`,
      phone: `+${phone.callingCode}${phone.head}${String(random.int(0, 9999)).padStart(4, '0')}`,
      country: pool.code,
      title: random.pick(TITLES),
      companyIndex: options.companies > 0 ? random.int(0, options.companies - 1) : -1,
      leadSource: random.pick(SOURCES),
      createdAt,
      updatedAt: createdAt + random.int(0, now - createdAt),
    };
  }
  return out;
}
