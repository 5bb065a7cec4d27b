import { KeyboardCode, type KeyboardCoordinateGetter } from '@dnd-kit/core';

/**
 * Keyboard dragging on the kanban: the columns are the drop targets and sit side by
 * side, so Left/Right jump to the previous/next column (dnd-kit's sortable getter
 * does the same between sortable items; our cards have no order to keep within a
 * column, so columns alone are the targets). Up/Down do nothing rather than scroll the page.
 */
export const columnKeyboardCoordinates: KeyboardCoordinateGetter = (event, { context }) => {
  const { collisionRect, droppableRects, droppableContainers, over } = context;
  const horizontal = event.code === KeyboardCode.Left || event.code === KeyboardCode.Right;
  if (!horizontal && event.code !== KeyboardCode.Up && event.code !== KeyboardCode.Down) return undefined;
  event.preventDefault();
  if (!horizontal || !collisionRect) return undefined;

  const columns = droppableContainers
    .getEnabled()
    .map((container) => ({ id: container.id, rect: droppableRects.get(container.id) }))
    .filter((c): c is { id: typeof c.id; rect: NonNullable<typeof c.rect> } => !!c.rect)
    .sort((a, b) => a.rect.left - b.rect.left);
  const center = collisionRect.left + collisionRect.width / 2;
  let current = over ? columns.findIndex((c) => c.id === over.id) : -1;
  if (current === -1) current = columns.findIndex((c) => c.rect.left <= center && center <= c.rect.left + c.rect.width);
  const next = columns[current + (event.code === KeyboardCode.Right ? 1 : -1)];
  if (!next) return undefined;
  // land centred in the next column, at the same height when it fits (no vertical delta lets dnd-kit scroll the board instead)
  const top = Math.min(Math.max(collisionRect.top, next.rect.top), Math.max(next.rect.top, next.rect.top + next.rect.height - collisionRect.height));
  return { x: next.rect.left + (next.rect.width - collisionRect.width) / 2, y: top };
};
