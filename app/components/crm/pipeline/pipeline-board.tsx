import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert } from '~/components/ui/alert';
import { browserTrpc, errorMessage } from './api';
import { columnKeyboardCoordinates } from './keyboard';
import { LeadCardPreview, type CardDragData } from './lead-card';
import {
  appendPage,
  applyMove,
  locate,
  PIPELINE_PAGE_SIZE,
  pipelineSort,
  revertMove,
  toCard,
  type Board,
  type Move,
  type PipelineCard,
  type PipelineColumn,
  type PipelineFilter,
} from './model';
import { StageColumn } from './stage-column';

/** The pointer decides while there is one; keyboard drags (no pointer) go by the card's overlap with a column. */
const collisionDetection: CollisionDetection = (args) => {
  if (args.pointerCoordinates) {
    const within = pointerWithin(args);
    if (within.length) return within;
  }
  return rectIntersection(args);
};

const screenReaderInstructions = {
  draggable:
    'To move this lead to another stage, press Space or Enter to pick it up, then the Left and Right arrow keys to choose a stage, and Space or Enter to drop it there. Escape cancels.',
};

/**
 * The kanban. It owns the board state after the first render: a move changes it at
 * once and is sent to crm.leads.update; if the server refuses (a lead the user may
 * not touch, a stage deleted meanwhile…) the card goes back and the reason shows.
 */
export function PipelineBoard({ columns, filter }: { columns: PipelineColumn[]; filter: PipelineFilter }) {
  const order = useMemo(() => columns.map((c) => c.stage.id), [columns]);
  const [board, setBoard] = useState<Board>(() => Object.fromEntries(columns.map((c) => [c.stage.id, c])));
  const boardRef = useRef(board);
  boardRef.current = board;
  const [pendingIds, setPendingIds] = useState<ReadonlySet<string>>(() => new Set());
  const [loading, setLoading] = useState<ReadonlySet<string>>(() => new Set());
  const loadingRef = useRef(new Set<string>());
  const [loadErrors, setLoadErrors] = useState<Record<string, string | null>>({});
  const [moveError, setMoveError] = useState<string | null>(null);
  const [dragged, setDragged] = useState<PipelineCard | null>(null);

  // the board can be dragged from here on (hydrated); tests/bench/kanban.ts reads the mark
  useEffect(() => {
    performance.mark('pipeline:interactive');
  }, []);

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(KeyboardSensor, { coordinateGetter: columnKeyboardCoordinates }),
  );

  const stageName = (id: unknown) => boardRef.current[String(id)]?.stage.name ?? 'a stage';
  const cardOf = (data: unknown) => (data as CardDragData | undefined)?.card;

  // the column last announced: dnd-kit reports the card's own column right after pick-up, which would drown "Picked up"
  const announcedOver = useRef<string | null>(null);
  const announcements: Announcements = {
    onDragStart: ({ active }) => {
      announcedOver.current = (active.data.current as CardDragData).stageId;
      return `Picked up lead ${cardOf(active.data.current)?.name}, in stage ${stageName(announcedOver.current)}.`;
    },
    onDragOver: ({ active, over }) => {
      const overId = over ? String(over.id) : null;
      if (overId === announcedOver.current) return undefined;
      announcedOver.current = overId;
      const name = cardOf(active.data.current)?.name;
      return over ? `Lead ${name} is over stage ${stageName(over.id)}.` : `Lead ${name} is not over a stage.`;
    },
    onDragEnd: ({ active, over }) => {
      const from = (active.data.current as CardDragData).stageId;
      const name = cardOf(active.data.current)?.name;
      return over && String(over.id) !== from ? `Lead ${name} was moved to stage ${stageName(over.id)}.` : `Lead ${name} stays in stage ${stageName(from)}.`;
    },
    onDragCancel: ({ active }) => `Moving cancelled. Lead ${cardOf(active.data.current)?.name} stays in stage ${stageName((active.data.current as CardDragData).stageId)}.`,
  };

  const setIn = (set: ReadonlySet<string>, id: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  };

  const loadMore = useCallback(
    async (stageId: string) => {
      const cursor = boardRef.current[stageId]?.nextCursor;
      if (!cursor || loadingRef.current.has(stageId)) return;
      loadingRef.current.add(stageId);
      setLoading((s) => setIn(s, stageId, true));
      setLoadErrors((e) => ({ ...e, [stageId]: null }));
      try {
        const page = await browserTrpc().crm.leads.list.query({ ...filter, ...pipelineSort, stageIds: [stageId], cursor, limit: PIPELINE_PAGE_SIZE });
        setBoard((b) => appendPage(b, stageId, { cards: page.items.map(toCard), nextCursor: page.nextCursor }));
      } catch (error) {
        setLoadErrors((e) => ({ ...e, [stageId]: `More leads could not be loaded: ${errorMessage(error)}` }));
      } finally {
        loadingRef.current.delete(stageId);
        setLoading((s) => setIn(s, stageId, false));
      }
    },
    [filter],
  );

  const moveCard = (move: Move) => {
    setBoard((b) => applyMove(b, move));
    setPendingIds((s) => setIn(s, move.card.id, true));
    setMoveError(null);
    browserTrpc()
      .crm.leads.update.mutate({ id: move.card.id, stageId: move.to })
      .then((result) => {
        if (result.status !== 'saved') throw new Error('The lead was not saved.');
        const fresh = toCard(result.lead);
        setBoard((b) => {
          const column = b[move.to];
          return column ? { ...b, [move.to]: { ...column, cards: column.cards.map((c) => (c.id === fresh.id ? fresh : c)) } } : b;
        });
      })
      .catch((error: unknown) => {
        setBoard((b) => revertMove(b, move));
        setMoveError(`“${move.card.name}” could not be moved to ${stageName(move.to)}: ${errorMessage(error)} It is back in ${stageName(move.from)}.`);
      })
      .finally(() => setPendingIds((s) => setIn(s, move.card.id, false)));
  };

  const onDragStart = ({ active }: DragStartEvent) => setDragged(cardOf(active.data.current) ?? null);

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    setDragged(null);
    const card = cardOf(active.data.current);
    const from = locate(boardRef.current, String(active.id));
    if (!card || !from || !over || String(over.id) === from.stageId || !boardRef.current[String(over.id)]) return;
    moveCard({ card, from: from.stageId, to: String(over.id), index: from.index });
  };

  return (
    <div className="space-y-3">
      {moveError ? (
        <div className="flex items-start gap-2">
          <div className="flex-1">
            <Alert>{moveError}</Alert>
          </div>
          <button type="button" onClick={() => setMoveError(null)} className="rounded-md px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
            Dismiss
          </button>
        </div>
      ) : null}
      <DndContext
        id="pipeline-dnd"
        sensors={sensors}
        collisionDetection={collisionDetection}
        accessibility={{ announcements, screenReaderInstructions }}
        onDragStart={onDragStart}
        onDragEnd={onDragEnd}
        onDragCancel={() => setDragged(null)}
      >
        <div role="region" aria-label="Pipeline board" tabIndex={0} className="relative flex items-start gap-3 overflow-x-auto pb-3" data-testid="pipeline-board">
          {order.map((stageId) => {
            const column = board[stageId];
            return column ? (
              <StageColumn
                key={stageId}
                column={column}
                pendingIds={pendingIds}
                loading={loading.has(stageId)}
                loadError={loadErrors[stageId] ?? null}
                onLoadMore={loadMore}
              />
            ) : null;
          })}
        </div>
        <DragOverlay dropAnimation={null}>{dragged ? <LeadCardPreview card={dragged} /> : null}</DragOverlay>
      </DndContext>
    </div>
  );
}
