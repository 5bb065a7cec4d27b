/**
 * Display helpers for the CRM screens. Times are shown in UTC with a fixed format so
 * the server render and the browser agree (no hydration mismatch on locale or zone).
 */

type DateLike = string | Date | null | undefined;

const toDate = (value: DateLike) => (value == null ? null : value instanceof Date ? value : new Date(value));

export function formatDateTime(value: DateLike): string {
  const d = toDate(value);
  return d && !Number.isNaN(d.getTime()) ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—';
}

export function formatDate(value: DateLike): string {
  const d = toDate(value);
  return d && !Number.isNaN(d.getTime()) ? d.toISOString().slice(0, 10) : '—';
}

const amountFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });

export function formatAmount(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? amountFormat.format(n) : '—';
}

/** "cold_call" → "Cold call". */
export function humanize(value: string | null | undefined): string {
  if (!value) return '—';
  const text = value.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function personName(person: { name?: string | null; email?: string | null } | null | undefined): string {
  if (!person) return 'Unassigned';
  return person.name || person.email || 'Unknown';
}

export const statusStyle: Record<string, string> = {
  new: 'bg-slate-100 text-slate-800',
  contacted: 'bg-sky-100 text-sky-900',
  qualified: 'bg-violet-100 text-violet-900',
  converted: 'bg-green-100 text-green-900',
  lost: 'bg-red-100 text-red-900',
};

/** A UUID in a URL; anything else is "not found" before any query runs. */
export const isUuid = (value: string | undefined): value is string =>
  !!value && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
