/** Display helpers shared by the Integrations pages (cards, connection tabs, history, conflicts). */

export const providerName: Record<string, string> = {
  salesforce: 'Salesforce',
  hubspot: 'HubSpot',
};

export const connectionBadgeStyle: Record<string, string> = {
  connected: 'border-green-300 bg-green-50 text-green-900',
  pending_auth: 'border-amber-300 bg-amber-50 text-amber-900',
  error: 'border-red-300 bg-red-50 text-red-900',
  paused: 'border-slate-300 bg-slate-100 text-slate-800',
  disconnected: 'border-slate-300 bg-slate-100 text-slate-800',
};

export const connectionStatusLabel: Record<string, string> = {
  pending_auth: 'Waiting for authorization',
};

/** "2 hours ago" / "in 5 minutes", relative to the loader's clock so server and browser render alike. */
export function relativeTime(value: string | Date | null | undefined, now: string): string {
  if (!value) return '—';
  const diff = new Date(value).getTime() - new Date(now).getTime();
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  const fmt = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, ms] of units) if (abs >= ms) return fmt.format(Math.round(diff / ms), unit);
  return diff <= 0 ? 'just now' : 'in a moment';
}
