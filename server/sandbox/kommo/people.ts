import { generatePeople, type GeneratedPerson } from '../core/generator';

/**
 * The people behind the Kommo contacts, shared with the Radist sandbox: with the same
 * seed and record count both sandboxes see the same names and phones, and the same
 * manager owns a person's lead (Kommo) and answers their chat (Radist).
 */

export const GENERATOR_ANCHOR = Date.UTC(2026, 10, 1);

export interface KommoUser {
  id: number;
  name: string;
  email: string;
  lang: 'en' | 'ru' | 'es';
  isAdmin: boolean;
}

/** Sales managers of the sandbox account; the first one is the admin the OAuth tokens belong to. */
export const KOMMO_USERS: readonly KommoUser[] = [
  { id: 10_450_001, name: 'Anna Smirnova', email: 'anna.smirnova@crmhub-sandbox.example', lang: 'ru', isAdmin: true },
  { id: 10_450_002, name: 'Maxim Petrov', email: 'maxim.petrov@crmhub-sandbox.example', lang: 'ru', isAdmin: false },
  { id: 10_450_003, name: 'Olivia Carter', email: 'olivia.carter@crmhub-sandbox.example', lang: 'en', isAdmin: false },
  { id: 10_450_004, name: 'Lukas Becker', email: 'lukas.becker@crmhub-sandbox.example', lang: 'en', isAdmin: false },
  { id: 10_450_005, name: 'Sofia Garcia', email: 'sofia.garcia@crmhub-sandbox.example', lang: 'es', isAdmin: false },
  { id: 10_450_006, name: 'James Wilson', email: 'james.wilson@crmhub-sandbox.example', lang: 'en', isAdmin: false },
];

/** Same parameters in both sandboxes, so the generated people (and phones) match. */
export function peopleFor(seed: number, records: number): GeneratedPerson[] {
  return generatePeople(records, { seed, companies: Math.max(1, Math.floor(records / 5)), now: GENERATOR_ANCHOR });
}

/** A small integer hash (deterministic, well spread) of a seed and an index. */
export function mix(seed: number, index: number, salt = 0): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(salt + 1, 0x27d4eb2f)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The manager responsible for a person (their contact, their leads, their chats). */
export function managerOf(seed: number, personIndex: number): KommoUser {
  return KOMMO_USERS[mix(seed, personIndex, 11) % KOMMO_USERS.length]!;
}

export const digitsOf = (value: string) => value.replace(/\D+/g, '');
