/** Labels and formatting shared by the report screens (browser-safe: no server imports beyond shared vocabulary). */

export const typeLabels: Record<string, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly', manual: 'Manual' };
export const statusLabels: Record<string, string> = { pending: 'Pending', running: 'Running', published: 'Published', failed: 'Failed' };
export const runStatusLabels: Record<string, string> = { queued: 'Queued', running: 'Running', succeeded: 'Done', partial: 'Done without analysis', failed: 'Failed' };

export const statusStyles: Record<string, string> = {
  published: 'bg-green-100 text-green-900',
  running: 'bg-brand-50 text-brand-900',
  pending: 'bg-slate-100 text-slate-800',
  failed: 'bg-red-100 text-red-900',
  queued: 'bg-slate-100 text-slate-800',
  succeeded: 'bg-green-100 text-green-900',
  partial: 'bg-amber-100 text-amber-900',
};

export function formatDateTime(value: string | Date | null | undefined, timeZone?: string): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(new Date(value));
}

export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return '—';
  if (minutes < 60) return `${Math.round(minutes)} min`;
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

export function Badge({ status, label }: { status: string; label?: string }) {
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${statusStyles[status] ?? 'bg-slate-100 text-slate-800'}`}>{label ?? statusLabels[status] ?? runStatusLabels[status] ?? status}</span>;
}
