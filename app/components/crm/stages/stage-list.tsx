import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
} from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useRef } from 'react';
import { colorName } from './palette';
import { DeleteStageDialog, EditStageDialog, type StageRow } from './stage-dialogs';

/**
 * The pipeline's stages in order, reordered by dragging the grip (mouse, touch, or
 * keyboard: Space, Up/Down, Space). `onReorder` gets the full new order.
 */
export function StageList({
  stages,
  onReorder,
  onDone,
  disabled,
}: {
  stages: StageRow[];
  onReorder: (ids: string[]) => void;
  onDone: (message: string) => void;
  disabled: boolean;
}) {
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const ids = stages.map((s) => s.id);
  const nameOf = (id: unknown) => stages.find((s) => s.id === id)?.name ?? 'stage';
  const positionOf = (id: unknown) => `position ${ids.indexOf(String(id)) + 1} of ${ids.length}`;
  // dnd-kit reports the stage's own place right after pick-up; announcing it would drown "Picked up"
  const announcedOver = useRef<unknown>(null);
  const announcements: Announcements = {
    onDragStart: ({ active }) => {
      announcedOver.current = active.id;
      return `Picked up stage ${nameOf(active.id)}, at ${positionOf(active.id)}.`;
    },
    onDragOver: ({ active, over }) => {
      if (!over || over.id === announcedOver.current) return undefined;
      announcedOver.current = over.id;
      return `Stage ${nameOf(active.id)} would move to ${positionOf(over.id)}.`;
    },
    onDragEnd: ({ active, over }) => (over ? `Stage ${nameOf(active.id)} dropped at ${positionOf(over.id)}.` : `Stage ${nameOf(active.id)} dropped.`),
    onDragCancel: ({ active }) => `Reordering cancelled. Stage ${nameOf(active.id)} stays at ${positionOf(active.id)}.`,
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    onReorder(arrayMove(ids, ids.indexOf(String(active.id)), ids.indexOf(String(over.id))));
  };

  return (
    <DndContext
      id="stage-order-dnd"
      sensors={sensors}
      collisionDetection={closestCenter}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable: 'To reorder, press Space or Enter to pick the stage up, the Up and Down arrow keys to move it, and Space or Enter to drop it. Escape cancels.',
        },
      }}
      onDragEnd={onDragEnd}
    >
      <SortableContext items={ids} strategy={verticalListSortingStrategy} disabled={disabled}>
        <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" aria-label="Stages in pipeline order" data-testid="stage-list">
          {stages.map((stage, index) => (
            <StageItem key={stage.id} stage={stage} position={index + 1} others={stages.filter((s) => s.id !== stage.id)} onDone={onDone} />
          ))}
        </ol>
      </SortableContext>
    </DndContext>
  );
}

function StageItem({ stage, position, others, onDone }: { stage: StageRow; position: number; others: StageRow[]; onDone: (message: string) => void }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id: stage.id,
    attributes: { roleDescription: 'sortable stage' },
  });
  const flags = [stage.isQualified ? 'Qualified' : null, stage.isWon ? 'Won' : null, stage.isLost ? 'Lost' : null].filter((f): f is string => !!f);
  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={`flex flex-wrap items-center gap-x-3 gap-y-2 px-3 py-3 ${isDragging ? 'relative z-10 bg-brand-50 shadow-lg' : 'bg-white'}`}
      data-testid="stage-row"
      data-stage-name={stage.name}
    >
      <button
        ref={setActivatorNodeRef}
        {...attributes}
        {...listeners}
        type="button"
        aria-label={`Reorder ${stage.name} (position ${position})`}
        className="flex h-9 w-9 shrink-0 cursor-grab touch-none items-center justify-center rounded text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:cursor-not-allowed"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
          <circle cx="7" cy="5" r="1.5" />
          <circle cx="13" cy="5" r="1.5" />
          <circle cx="7" cy="10" r="1.5" />
          <circle cx="13" cy="10" r="1.5" />
          <circle cx="7" cy="15" r="1.5" />
          <circle cx="13" cy="15" r="1.5" />
        </svg>
      </button>
      <span aria-hidden="true" className="h-4 w-4 shrink-0 rounded-full" style={{ backgroundColor: stage.color }} title={colorName(stage.color)} />
      <div className="min-w-0 flex-1 basis-40">
        <p className="truncate font-medium" data-testid="stage-name">
          {stage.name}
        </p>
        <p className="text-xs text-slate-700">
          {stage.leadCount} {stage.leadCount === 1 ? 'lead' : 'leads'}
          <span className="sr-only">, color {colorName(stage.color)}</span>
        </p>
      </div>
      <div className="ml-auto flex flex-wrap items-center justify-end gap-1">
        {flags.length ? (
          <ul className="mr-1 flex gap-1" aria-label={`${stage.name} is`}>
            {flags.map((f) => (
              <li key={f} className="rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-800">
                {f}
              </li>
            ))}
          </ul>
        ) : null}
        <EditStageDialog stage={stage} onDone={onDone} />
        <DeleteStageDialog stage={stage} others={others.map((o) => ({ id: o.id, name: o.name }))} onDone={onDone} />
      </div>
    </li>
  );
}
