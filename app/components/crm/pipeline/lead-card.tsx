import { useDraggable } from '@dnd-kit/core';
import { Link } from '@remix-run/react';
import { memo } from 'react';
import { formatAmount } from '../format';
import type { PipelineCard } from './model';
import { GripIcon } from '../sortable';

/** Element Timing (Chromium): the browser reports when a card's name is painted; tests/bench/kanban.ts reads it. */
const paintTiming = { elementtiming: 'lead-card' } as Record<string, string>;

/** What dnd-kit carries for a dragged card. */
export interface CardDragData {
  card: PipelineCard;
  stageId: string;
}

/**
 * A lead on the board. The whole card drags with a mouse (after a few pixels, so a
 * click still opens the lead); the grip button is the keyboard and touch handle:
 * focus it, Space picks the card up, arrows choose a column, Space drops it.
 */
export const LeadCard = memo(function LeadCard({ card, stageId, pending }: { card: PipelineCard; stageId: string; pending: boolean }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, isDragging } = useDraggable({
    id: card.id,
    data: { card, stageId } satisfies CardDragData,
    disabled: pending,
    attributes: { roleDescription: 'draggable lead' },
  });
  return (
    <li
      ref={setNodeRef}
      {...listeners}
      data-testid="lead-card"
      data-lead-id={card.id}
      aria-busy={pending || undefined}
      className={`rounded-md border border-slate-200 bg-white p-2 shadow-sm focus-within:ring-2 focus-within:ring-brand-600 ${isDragging ? 'opacity-40' : ''} ${pending ? 'animate-pulse' : ''}`}
    >
      <CardContent
        card={card}
        pending={pending}
        handle={
          <button
            ref={setActivatorNodeRef}
            {...attributes}
            type="button"
            aria-label={`Move ${card.name}`}
            className="flex h-8 w-8 shrink-0 cursor-grab touch-none items-center justify-center rounded text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-disabled:cursor-wait"
          >
            <GripIcon />
          </button>
        }
        title={
          <Link to={`/crm/leads/${card.id}`} className="block truncate font-medium text-slate-900 hover:text-brand-700 hover:underline" {...paintTiming}>
            {card.name}
          </Link>
        }
      />
    </li>
  );
});

/** The copy that follows the pointer while dragging (not interactive). */
export function LeadCardPreview({ card }: { card: PipelineCard }) {
  return (
    <div className="w-64 cursor-grabbing rounded-md border border-brand-600 bg-white p-2 shadow-lg ring-2 ring-brand-600">
      <CardContent
        card={card}
        pending={false}
        handle={
          <span className="flex h-8 w-8 shrink-0 items-center justify-center text-slate-600">
            <GripIcon />
          </span>
        }
        title={<span className="block truncate font-medium text-slate-900">{card.name}</span>}
      />
    </div>
  );
}

function CardContent({ card, handle, title, pending }: { card: PipelineCard; handle: React.ReactNode; title: React.ReactNode; pending: boolean }) {
  return (
    <div className="flex items-start gap-1">
      {handle}
      <div className="min-w-0 flex-1 py-1 text-sm">
        {title}
        {card.company ? <p className="truncate text-slate-700">{card.company}</p> : null}
        <p className="mt-1 flex items-center justify-between gap-2 text-xs text-slate-700">
          <span className="truncate">
            <span className="sr-only">Assignee: </span>
            {card.assignee ?? 'Unassigned'}
          </span>
          {card.amount !== null ? (
            <span className="shrink-0 font-medium text-slate-900">
              <span className="sr-only">Amount: </span>
              {formatAmount(card.amount)}
            </span>
          ) : null}
        </p>
        {pending ? <p className="mt-1 text-xs text-slate-700">Saving…</p> : null}
      </div>
    </div>
  );
}
