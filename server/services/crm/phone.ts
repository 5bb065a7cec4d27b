import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { eq } from 'drizzle-orm';
import { organizations } from '../../../db/schema';
import type { Executor } from './context';
import { fieldError } from './errors';

/** The tenant's default country: numbers typed without a country code are read as this country's. */
export async function tenantCountry(db: Executor, organizationId: string): Promise<CountryCode> {
  const [row] = await db.select({ country: organizations.defaultCountry }).from(organizations).where(eq(organizations.id, organizationId));
  const country = row?.country ?? 'US';
  return isSupportedCountry(country) ? country : 'US';
}

export type PhoneResult = { ok: true; value: string | null } | { ok: false };

/** E.164 (+14155550123) with libphonenumber-js's full metadata; empty → null; not a real number → not ok. */
export function normalizePhone(raw: string | null | undefined, country: CountryCode): PhoneResult {
  const text = raw?.trim();
  if (!text) return { ok: true, value: null };
  const parsed = parsePhoneNumberFromString(text, country);
  if (!parsed || !parsed.isValid()) return { ok: false };
  return { ok: true, value: parsed.number };
}

/** normalizePhone for a form field: an invalid number is a field error. `undefined` stays "not given". */
export function phoneField(raw: string | null | undefined, country: CountryCode, field = 'phone'): string | null | undefined {
  if (raw === undefined) return undefined;
  const result = normalizePhone(raw, country);
  if (!result.ok) throw fieldError(field, 'Not a valid phone number.');
  return result.value;
}

/** The digits of a search term that looks like a phone number (3+ digits), else null. */
export function phoneSearchDigits(term: string): string | null {
  if (!/^[\d\s()+\-.]+$/.test(term)) return null;
  const digits = term.replace(/\D/g, '');
  return digits.length >= 3 ? digits : null;
}
