import { Link, useActionData, useLocation, useSearchParams } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { humanize } from '~/components/crm/format';
import { Alert } from '~/components/ui/alert';

/** Display pieces of the sync history screens (list and run detail). */

export const runStatusStyle: Record<string, string> = {
  queued: 'border-slate-300 bg-slate-100 text-slate-800',
  running: 'border-brand-100 bg-brand-50 text-brand-900',
  succeeded: 'border-green-300 bg-green-50 text-green-900',
  partial: 'border-amber-300 bg-amber-50 text-amber-900',
  failed: 'border-red-300 bg-red-50 text-red-900',
  interrupted: 'border-amber-300 bg-amber-50 text-amber-900',
};

export function RunStatusBadge({ status }: { status: string }) {
  return (
    <span data-testid="run-status" className={`inline-block whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium ${runStatusStyle[status] ?? runStatusStyle.queued}`}>
      {humanize(status)}
    </span>
  );
}

/** 850 ms → "0.9 s", 75 s → "1 min 15 s", null (still running) → "—". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || ms < 0) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** What a run moved: created + updated + deleted. */
export const syncedOf = (r: { created: number; updated: number; deleted: number }) => r.created + r.updated + r.deleted;

export const directionLabel: Record<string, string> = {
  push: 'App → CRM',
  pull: 'CRM → App',
  bidirectional: 'Both ways',
};

/**
 * The action's answer, kept while the page stays where it is. A live revalidation (the
 * progress events reload the loaders) would otherwise drop it, as React Router clears
 * action data on every load that is not the action's own; a real navigation still does.
 */
export function useActionResult<T>(): T | undefined {
  const current = useActionData() as T | undefined;
  const location = useLocation();
  const [kept, setKept] = useState<{ value: T; key: string } | null>(null);
  useEffect(() => {
    if (current !== undefined) setKept({ value: current, key: location.key });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current]);
  if (current !== undefined) return current;
  return kept && kept.key === location.key ? kept.value : undefined;
}

/** An action's answer; "already running" answers link to the running run. */
export function ActionAlert({ result, runHref }: { result: { ok: boolean; message: string; runningRunId: string | null } | undefined; runHref: (runId: string) => string }) {
  if (!result?.message) return null;
  return (
    <Alert tone={result.ok ? 'success' : 'error'}>
      {result.message}
      {result.runningRunId ? (
        <>
          {' '}
          <Link to={runHref(result.runningRunId)} className="font-medium underline">
            See the running sync
          </Link>
        </>
      ) : null}
    </Alert>
  );
}

/** Keyset pages: back to the first page, on to the next cursor; the cursor lives in the URL under `param`. */
export function CursorPager({ param, nextCursor, firstLabel, nextLabel, label = 'Pagination' }: { param: string; nextCursor: string | null; firstLabel: string; nextLabel: string; label?: string }) {
  const [params] = useSearchParams();
  const to = (cursor: string | null) => {
    const next = new URLSearchParams(params);
    next.delete('settled');
    if (cursor) next.set(param, cursor);
    else next.delete(param);
    return `?${next}`;
  };
  return (
    <nav aria-label={label} className="flex items-center justify-between text-sm">
      {params.has(param) ? (
        <Link to={to(null)} className="font-medium text-brand-700 hover:underline">
          ← {firstLabel}
        </Link>
      ) : (
        <span />
      )}
      {nextCursor ? (
        <Link to={to(nextCursor)} className="font-medium text-brand-700 hover:underline">
          {nextLabel} →
        </Link>
      ) : null}
    </nav>
  );
}

/** A route's uuid params, or a 404 naming what is not there. */
export function uuidParams<K extends string>(params: Record<string, string | undefined>, names: K[], what: string): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const name of names) {
    const value = params[name];
    if (!value || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new Response(`There is no ${what} at this address.`, { status: 404 });
    out[name] = value;
  }
  return out;
}
