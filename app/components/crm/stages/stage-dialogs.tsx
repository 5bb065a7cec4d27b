import * as Dialog from '@radix-ui/react-dialog';
import { useId } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { DialogActions } from '../dialog-actions';
import { DialogFrame, useDialogFetcher } from './fetcher-dialog';
import { StageFields, type StageValues } from './stage-fields';

export interface StageRow extends StageValues {
  id: string;
  leadCount: number;
}

export function EditStageDialog({ stage, onDone }: { stage: StageRow; onDone: (message: string) => void }) {
  const { fetcher, open, onOpenChange, failure, busy } = useDialogFetcher(onDone);
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger asChild>
        <Button variant="secondary" className="min-h-9 px-3 py-1">
          Edit<span className="sr-only"> {stage.name}</span>
        </Button>
      </Dialog.Trigger>
      <DialogFrame title={`Edit stage “${stage.name}”`} description="Rename it, change its color, or what a lead in it means.">
        <fetcher.Form method="post" className="mt-4 space-y-4">
          <input type="hidden" name="intent" value="update" />
          <input type="hidden" name="id" value={stage.id} />
          {failure ? <Alert>{failure.message}</Alert> : null}
          <StageFields values={stage} errors={failure?.fieldErrors} />
          <DialogActions>
            <Button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save stage'}
            </Button>
          </DialogActions>
        </fetcher.Form>
      </DialogFrame>
    </Dialog.Root>
  );
}

/** The deleted stage's row (and its dialog) is gone when the answer lands: the page reads it by this key. */
export const DELETE_STAGE_FETCHER = 'delete-stage';

/**
 * Deleting a stage that holds leads asks where they go; the server moves them and
 * deletes the stage in one transaction. The last stage cannot be deleted.
 */
export function DeleteStageDialog({ stage, others, onDone }: { stage: StageRow; others: { id: string; name: string }[]; onDone: (message: string) => void }) {
  const { fetcher, open, onOpenChange, failure, busy } = useDialogFetcher(onDone, DELETE_STAGE_FETCHER);
  const selectId = useId();
  // the server also counts archived (deleted or merged) leads: its 409 asks for a target even when none show
  const needsTarget = stage.leadCount > 0 || failure?.status === 409;
  const plural = stage.leadCount === 1 ? 'lead' : 'leads';
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger asChild>
        <Button variant="ghost" className="min-h-9 px-3 py-1 text-red-800 hover:bg-red-50" disabled={others.length === 0} title={others.length === 0 ? 'A pipeline keeps at least one stage.' : undefined}>
          Delete<span className="sr-only"> {stage.name}</span>
        </Button>
      </Dialog.Trigger>
      <DialogFrame
        title={`Delete stage “${stage.name}”?`}
        description={
          stage.leadCount > 0
            ? `It holds ${stage.leadCount} ${plural}. Choose the stage they move to; their timelines record the move.`
            : 'It holds no leads. The pipeline loses this column.'
        }
      >
        <fetcher.Form method="post" className="mt-4 space-y-4">
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="id" value={stage.id} />
          {failure ? <Alert>{failure.message}</Alert> : null}
          {needsTarget ? (
            <div className="space-y-1">
              <label htmlFor={selectId} className="block text-sm font-medium text-slate-800">
                Move its leads to
              </label>
              <select id={selectId} name="moveToStageId" required defaultValue="" className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
                <option value="" disabled>
                  Choose a stage…
                </option>
                {others.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <DialogActions>
            <Button type="submit" variant="danger" disabled={busy}>
              {busy ? 'Deleting…' : needsTarget ? 'Move leads and delete' : 'Delete stage'}
            </Button>
          </DialogActions>
        </fetcher.Form>
      </DialogFrame>
    </Dialog.Root>
  );
}
