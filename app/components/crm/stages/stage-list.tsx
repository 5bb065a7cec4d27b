import { closestCenter, DndContext } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { GripButton, useSortableList } from '../sortable';
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
  const ids = stages.map((s) => s.id);
  const sortable = useSortableList({ ids, nameOf: (id) => stages.find((s) => s.id === id)?.name ?? 'stage', noun: 'stage', onReorder });

  return (
    <DndContext id="stage-order-dnd" sensors={sortable.sensors} collisionDetection={closestCenter} accessibility={sortable.accessibility} onDragEnd={sortable.onDragEnd}>
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
      <GripButton sortable={{ attributes, listeners, setActivatorNodeRef }} label={`Reorder ${stage.name} (position ${position})`} />
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
