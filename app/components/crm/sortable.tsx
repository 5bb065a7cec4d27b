import { KeyboardSensor, PointerSensor, useSensor, useSensors, type Announcements, type DragEndEvent } from '@dnd-kit/core';
import { arrayMove, sortableKeyboardCoordinates, type useSortable } from '@dnd-kit/sortable';
import { useRef } from 'react';

/**
 * What a dnd-kit sortable list needs to be keyboard- and screen-reader-friendly (stage
 * order, custom field order): pointer and keyboard sensors, announcements that say where
 * the item would land, and a drop handler that hands over the whole new order.
 */
export function useSortableList({ ids, nameOf, noun, onReorder }: { ids: string[]; nameOf: (id: string) => string; noun: string; onReorder: (ids: string[]) => void }) {
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const name = (id: unknown) => nameOf(String(id));
  const positionOf = (id: unknown) => `position ${ids.indexOf(String(id)) + 1} of ${ids.length}`;
  // dnd-kit reports the item's own place right after pick-up; announcing it would drown "Picked up"
  const announcedOver = useRef<unknown>(null);
  const announcements: Announcements = {
    onDragStart: ({ active }) => {
      announcedOver.current = active.id;
      return `Picked up ${noun} ${name(active.id)}, at ${positionOf(active.id)}.`;
    },
    onDragOver: ({ active, over }) => {
      if (!over || over.id === announcedOver.current) return undefined;
      announcedOver.current = over.id;
      return `${cap(noun)} ${name(active.id)} would move to ${positionOf(over.id)}.`;
    },
    onDragEnd: ({ active, over }) => (over ? `${cap(noun)} ${name(active.id)} dropped at ${positionOf(over.id)}.` : `${cap(noun)} ${name(active.id)} dropped.`),
    onDragCancel: ({ active }) => `Reordering cancelled. ${cap(noun)} ${name(active.id)} stays at ${positionOf(active.id)}.`,
  };
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    onReorder(arrayMove(ids, ids.indexOf(String(active.id)), ids.indexOf(String(over.id))));
  };
  return {
    sensors,
    accessibility: {
      announcements,
      screenReaderInstructions: {
        draggable: `To reorder, press Space or Enter to pick the ${noun} up, the Up and Down arrow keys to move it, and Space or Enter to drop it. Escape cancels.`,
      },
    },
    onDragEnd,
  };
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** The drag handle of a sortable row: a real button, so it takes focus and the keyboard sensor's keys. */
export function GripButton({ sortable, label }: { sortable: Pick<ReturnType<typeof useSortable>, 'attributes' | 'listeners' | 'setActivatorNodeRef'>; label: string }) {
  return (
    <button
      ref={sortable.setActivatorNodeRef}
      {...sortable.attributes}
      {...sortable.listeners}
      type="button"
      aria-label={label}
      className="flex h-9 w-9 shrink-0 cursor-grab touch-none items-center justify-center rounded text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:cursor-not-allowed"
    >
      <GripIcon />
    </button>
  );
}

/** Six dots: the sign of something that can be dragged. */
export function GripIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
      <circle cx="7" cy="5" r="1.5" />
      <circle cx="13" cy="5" r="1.5" />
      <circle cx="7" cy="10" r="1.5" />
      <circle cx="13" cy="10" r="1.5" />
      <circle cx="7" cy="15" r="1.5" />
      <circle cx="13" cy="15" r="1.5" />
    </svg>
  );
}
