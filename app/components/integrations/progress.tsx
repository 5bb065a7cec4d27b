import { Link, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';
import { humanize } from '~/components/crm/format';
import { RunStatusBadge } from './history';

/**
 * The live progress of a connection's sync: the engine publishes `sync.progress` after every
 * committed page (Postgres NOTIFY → SSE at /api/events), so the bar moves as pages land. The
 * loader's running runs paint first; events then take over. A run that starts or ends
 * reloads the page's data once, so the history table shows the row and its final counts.
 */

export interface LiveRun {
  runId: string;
  entity: string;
  status: string;
  phase: string;
  page: number;
  seen: number;
  /** Records the run will handle, when the engine knows it (it usually does not). */
  total: number | null;
  /** The run's processed count when the current phase began (0 when unknown). */
  phaseStart: number;
  processed: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  conflicts: number;
  error: string | null;
  /** When the worker published this state (ms since epoch), for the page's own latency figures. */
  sentAt: number | null;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** An SSE payload → a LiveRun of this connection (null when it is someone else's or malformed). */
function parseEvent(raw: string, connectionId: string): LiveRun | null {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (body.connectionId !== connectionId || typeof body.runId !== 'string') return null;
  const progress = (body.progress ?? {}) as Record<string, unknown>;
  return {
    runId: body.runId,
    entity: String(body.entity ?? ''),
    status: String(body.status ?? 'running'),
    phase: String(progress.phase ?? 'starting'),
    page: num(progress.page),
    seen: num(progress.seen),
    total: typeof progress.total === 'number' ? progress.total : null,
    phaseStart: num(progress.phaseStart),
    processed: num(body.processed),
    created: num(body.created),
    updated: num(body.updated),
    deleted: num(body.deleted),
    failed: num(body.failed),
    conflicts: num(body.conflicts),
    error: typeof body.error === 'string' ? body.error : null,
    sentAt: typeof body.sentAt === 'number' ? body.sentAt : null,
  };
}

/** Live runs of a connection, seeded by the loader's running runs and moved by SSE events. */
export function useSyncProgress(connectionId: string, initial: LiveRun[]): LiveRun[] {
  const [runs, setRuns] = useState<Map<string, LiveRun>>(() => new Map(initial.map((r) => [r.runId, r])));
  const { revalidate } = useRevalidator();
  const reload = useRef(false);
  // never interrupt a navigation or a submission: a revalidation started during an action's
  // own reload would drop the action's answer (React Router keeps it only for that reload)
  const navigation = useNavigation();
  const busy = useRef(false);
  busy.current = navigation.state !== 'idle';

  // the loader's view of running runs joins in after a revalidation (a run the events missed)
  const initialKey = initial.map((r) => `${r.runId}:${r.processed}`).join(',');
  useEffect(() => {
    setRuns((current) => {
      const next = new Map(current);
      for (const r of initial) if (!next.has(r.runId) || next.get(r.runId)!.status === 'running') next.set(r.runId, { ...r, ...pickNewer(next.get(r.runId), r) });
      return next;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initialKey]);

  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/events?topic=sync.progress');
    source.addEventListener('sync.progress', (event) => {
      const run = parseEvent((event as MessageEvent<string>).data, connectionId);
      if (!run) return;
      setRuns((current) => {
        const before = current.get(run.runId);
        if (!before || run.status !== 'running') reload.current = true; // a new row, or final counts
        const next = new Map(current);
        next.set(run.runId, run);
        // keep the last few: a long session of syncs should not grow the list forever
        while (next.size > 6) next.delete(next.keys().next().value!);
        return next;
      });
    });
    // coalesce a burst of starts/ends into one reload at most every 500 ms
    const timer = setInterval(() => {
      if (reload.current && !busy.current) {
        reload.current = false;
        revalidate();
      }
    }, 500);
    return () => {
      clearInterval(timer);
      source.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [connectionId]);

  return [...runs.values()];
}

/** The loader's snapshot can be older than the last event: keep whichever processed more. */
function pickNewer(live: LiveRun | undefined, loaded: LiveRun): LiveRun {
  return live && live.processed >= loaded.processed ? live : loaded;
}

const phaseLabel: Record<string, string> = {
  starting: 'Starting',
  pull: 'Reading changes from the CRM',
  deletes: 'Checking deletions',
  push: 'Sending app changes to the CRM',
  done: 'Finishing',
};

/** Phase steps for the bar when the total is unknown: the run's place among its phases. */
const phaseShare: Record<string, number> = { starting: 5, pull: 30, deletes: 60, push: 75, done: 100 };

/** This phase's progress when the run's total is known: the records since the phase began, of those expected. */
function phaseSpan(run: LiveRun): { done: number; of: number } | null {
  if (!run.total || run.total <= 0) return null;
  const start = Math.min(run.phaseStart, run.processed);
  if (run.total - start <= 0) return null;
  return { done: run.processed - start, of: run.total - start };
}

function percentOf(run: LiveRun): number {
  if (run.status !== 'running') return 100;
  const span = phaseSpan(run);
  if (span) return Math.min(100, Math.round((span.done / span.of) * 100));
  return phaseShare[run.phase] ?? 5;
}

function describe(run: LiveRun): string {
  const counts = `${run.processed} processed · ${run.created} created · ${run.updated} updated · ${run.deleted} deleted · ${run.failed} failed · ${run.conflicts} conflicts`;
  if (run.status !== 'running') return `${humanize(run.status)}: ${counts}`;
  const span = phaseSpan(run);
  const where = span ? `${span.done} of ${span.of}` : `page ${run.page}`;
  return `${phaseLabel[run.phase] ?? humanize(run.phase)}, ${where}: ${counts}`;
}

export function SyncProgress({ runs, runHref }: { runs: LiveRun[]; runHref: (runId: string) => string }) {
  if (runs.length === 0) return null;
  return (
    <section aria-labelledby="live-sync" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="live-sync" className="text-base font-semibold">
        Live sync
      </h2>
      <ul className="space-y-4">
        {runs.map((run) => {
          const percent = percentOf(run);
          const label = `${humanize(run.entity)} sync progress`;
          return (
            <li key={run.runId} data-testid="live-run" data-status={run.status} data-sent-at={run.sentAt ?? undefined} className="space-y-1">
              <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
                <span className="font-medium">
                  {humanize(run.entity)}s{' '}
                  <Link to={runHref(run.runId)} className="ml-1 font-normal text-brand-700 underline">
                    Run details
                  </Link>
                </span>
                <RunStatusBadge status={run.status} />
              </div>
              <div
                role="progressbar"
                aria-label={label}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent}
                aria-valuetext={describe(run)}
                className="h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
              >
                <div
                  className={`h-full rounded-full transition-[width] duration-300 motion-reduce:transition-none ${run.status === 'failed' ? 'bg-red-600' : run.status === 'running' ? 'bg-brand-600' : run.failed > 0 ? 'bg-amber-600' : 'bg-green-600'}`}
                  style={{ width: `${percent}%` }}
                />
              </div>
              <p className="text-sm text-slate-700" data-testid="live-run-counts" aria-live="polite">
                {describe(run)}
              </p>
              {run.error ? <p className="text-sm text-red-800">{run.error}</p> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
