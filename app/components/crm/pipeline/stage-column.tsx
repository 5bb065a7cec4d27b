import { useDroppable } from '@dnd-kit/core';
import { memo, useEffect, useRef } from 'react';
import { formatAmount } from '../format';
import { LeadCard } from './lead-card';
import type { PipelineColumn } from './model';

/**
 * One stage of the board: header with count and amount total, its cards, and the
 * next page on demand — a "Load more" button, also pressed for you when the end of
 * the column scrolls into view.
 */
export const StageColumn = memo(function StageColumn({
  column,
  pendingIds,
  loading,
  loadError,
  onLoadMore,
}: {
  column: PipelineColumn;
  pendingIds: ReadonlySet<string>;
  loading: boolean;
  loadError: string | null;
  onLoadMore: (stageId: string) => void;
}) {
  const { stage } = column;
  const { setNodeRef, isOver } = useDroppable({ id: stage.id, data: { stage } });
  const listRef = useRef<HTMLUListElement>(null);
  const endRef = useRef<HTMLLIElement>(null);
  const hasMore = column.nextCursor !== null;
  const headingId = `stage-heading-${stage.id}`;

  useEffect(() => {
    const end = endRef.current;
    if (!hasMore || loading || loadError || !end || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onLoadMore(stage.id), {
      root: listRef.current,
      rootMargin: '0px 0px 240px 0px',
    });
    observer.observe(end);
    return () => observer.disconnect();
  }, [hasMore, loading, loadError, onLoadMore, stage.id]);

  const flags = [stage.isQualified ? 'Qualified' : null, stage.isWon ? 'Won' : null, stage.isLost ? 'Lost' : null].filter(Boolean);
  return (
    <section
      ref={setNodeRef}
      aria-labelledby={headingId}
      data-testid="stage-column"
      data-stage-id={stage.id}
      className={`relative flex w-72 shrink-0 flex-col rounded-lg border bg-slate-100 ${isOver ? 'border-brand-600 ring-2 ring-brand-600' : 'border-slate-200'}`}
    >
      <header className="rounded-t-lg border-t-4 bg-white px-3 py-2" style={{ borderTopColor: stage.color }}>
        <div className="flex items-center justify-between gap-2">
          <h3 id={headingId} className="truncate text-sm font-semibold text-slate-900">
            {stage.name}
          </h3>
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-800" data-testid="stage-count">
            {column.count}
            <span className="sr-only"> {column.count === 1 ? 'lead' : 'leads'}</span>
          </span>
        </div>
        <p className="mt-0.5 flex flex-wrap gap-x-2 text-xs text-slate-700">
          <span data-testid="stage-total">Total {formatAmount(column.total)}</span>
          {flags.length ? <span>· {flags.join(', ')}</span> : null}
        </p>
      </header>
      <ul ref={listRef} className="max-h-[65vh] min-h-24 flex-1 space-y-2 overflow-y-auto p-2">
        {column.cards.map((card) => (
          <LeadCard key={card.id} card={card} stageId={stage.id} pending={pendingIds.has(card.id)} />
        ))}
        {column.cards.length === 0 && !hasMore ? <li className="px-2 py-6 text-center text-sm text-slate-700">No leads in this stage</li> : null}
        {hasMore ? <li ref={endRef} aria-hidden="true" className="h-px" /> : null}
      </ul>
      {hasMore || loadError ? (
        <div className="space-y-2 border-t border-slate-200 p-2">
          {loadError ? (
            <p role="alert" className="text-xs text-red-800">
              {loadError}
            </p>
          ) : null}
          {hasMore ? (
            <>
              <p className="text-center text-xs text-slate-700">
                Showing {column.cards.length} of {column.count}
              </p>
              <button
                type="button"
                onClick={() => onLoadMore(stage.id)}
                disabled={loading}
                className="w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-50 disabled:cursor-wait disabled:text-slate-600"
              >
                {loading ? 'Loading…' : 'Load more'}
                <span className="sr-only"> leads in {stage.name}</span>
              </button>
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
});
