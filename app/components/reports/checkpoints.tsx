import { useLiveRevalidate } from '~/lib/live';

/**
 * The eight checkpoints of a run as circles: empty (pending), pulsing (running),
 * filled green (done), grey (skipped), red (failed). `useReportProgress` reloads the
 * page's data when the live channel says a step moved (NOTIFY → SSE), so what is shown
 * always comes from the server's plain-words view.
 */

export interface Checkpoint {
  step: number;
  label: string;
  status: string;
  attempts: number;
  durationMs: number | null;
  error: string | null;
}

const circle: Record<string, string> = {
  pending: 'border-slate-300 bg-white',
  running: 'border-brand-600 bg-brand-100 animate-pulse',
  succeeded: 'border-green-700 bg-green-600',
  skipped: 'border-slate-400 bg-slate-300',
  failed: 'border-red-700 bg-red-600',
};
const words: Record<string, string> = { pending: 'waiting', running: 'running', succeeded: 'done', skipped: 'skipped', failed: 'failed' };

export function Checkpoints({ steps }: { steps: Checkpoint[] }) {
  return (
    <ol className="grid gap-3 sm:grid-cols-4 lg:grid-cols-8" aria-label="Run checkpoints">
      {steps.map((s) => (
        <li key={s.step} className="flex flex-col items-center gap-2 text-center" data-testid={`checkpoint-${s.step}`} data-status={s.status}>
          <span className={`flex h-10 w-10 items-center justify-center rounded-full border-4 text-xs font-bold ${circle[s.status] ?? circle.pending} ${s.status === 'succeeded' || s.status === 'failed' ? 'text-white' : 'text-slate-700'}`} aria-hidden="true">
            {s.step}
          </span>
          <span className="text-xs font-medium">{s.label}</span>
          <span className="text-xs text-slate-600">
            {words[s.status] ?? s.status}
            {s.attempts > 1 ? ` · ${s.attempts} tries` : ''}
            {s.durationMs !== null && s.status !== 'running' ? ` · ${s.durationMs < 1000 ? `${s.durationMs} ms` : `${(s.durationMs / 1000).toFixed(1)} s`}` : ''}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** Reloads the loader data when a `report.progress` event for these runs (or any, when none given) arrives. */
export function useReportProgress(runIds: string[] | null, enabled = true) {
  return useLiveRevalidate('report.progress', {
    enabled,
    key: runIds?.join(',') ?? '*',
    accept: (body) => !runIds || (typeof body.runId === 'string' && runIds.includes(body.runId)),
  });
}
