import { humanize } from '~/components/crm/format';

/** Display pieces of the conflicts screens. */

/** The mapping key of a contact's account association (server/services/sync/mapping-set.ts ACCOUNT_KEY). */
export const ACCOUNT_FIELD = '@account';

const fieldNames: Record<string, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  email: 'E-mail',
  phone: 'Phone',
  position: 'Position',
  name: 'Name',
  domain: 'Domain',
  website: 'Website',
  industry: 'Industry',
  [ACCOUNT_FIELD]: 'Account (association)',
  accountId: 'Account (association)',
};

/** "firstName" → "First name", "custom.tier" → "Tier (custom)". */
export function fieldLabel(appField: string): string {
  if (fieldNames[appField]) return fieldNames[appField]!;
  if (appField.startsWith('custom.')) return `${humanize(appField.slice(7))} (custom)`;
  return humanize(appField.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
}

/** A value as the comparison shows it: empty values are named, not left blank. */
export function ValueText({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined || value === '') return <span className="italic text-slate-600">empty</span>;
  return <span className="break-words">{value}</span>;
}

export const conflictStatusStyle: Record<string, string> = {
  open: 'border-amber-300 bg-amber-50 text-amber-900',
  resolved: 'border-green-300 bg-green-50 text-green-900',
  ignored: 'border-slate-300 bg-slate-100 text-slate-800',
};
