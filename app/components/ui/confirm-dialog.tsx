import * as Dialog from '@radix-ui/react-dialog';
import { Form } from '@remix-run/react';
import { useState } from 'react';
import { Button } from './button';

/**
 * Confirmation before a destructive action; optionally asks the user to type a word
 * back (the tenant slug) before the button enables.
 */
export function ConfirmDialog({
  trigger,
  title,
  description,
  confirmLabel,
  intent,
  hidden,
  typeToConfirm,
}: {
  trigger: React.ReactNode;
  title: string;
  description: string;
  confirmLabel: string;
  intent: string;
  hidden: Record<string, string>;
  typeToConfirm?: string;
}) {
  const [typed, setTyped] = useState('');
  const [open, setOpen] = useState(false);
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        setTyped('');
      }}
    >
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 bg-slate-900/50" />
        <Dialog.Content className="fixed left-1/2 top-1/2 w-[min(92vw,28rem)] -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-6 shadow-xl">
          <Dialog.Title className="text-lg font-semibold">{title}</Dialog.Title>
          <Dialog.Description className="mt-2 text-sm text-slate-700">{description}</Dialog.Description>
          {/* closes on submit: the page behind (its answer, its alerts) must not stay hidden under the dialog */}
          <Form method="post" className="mt-4 space-y-4" onSubmit={() => setOpen(false)}>
            <input type="hidden" name="intent" value={intent} />
            {Object.entries(hidden).map(([k, v]) => (
              <input key={k} type="hidden" name={k} value={v} />
            ))}
            {typeToConfirm ? (
              <label className="block text-sm">
                Type <strong>{typeToConfirm}</strong> to confirm
                <input
                  name="confirm"
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  autoComplete="off"
                  className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"
                />
              </label>
            ) : null}
            <div className="flex justify-end gap-2">
              <Dialog.Close asChild>
                <Button type="button" variant="secondary">
                  Cancel
                </Button>
              </Dialog.Close>
              <Button type="submit" variant="danger" disabled={typeToConfirm ? typed !== typeToConfirm : false}>
                {confirmLabel}
              </Button>
            </div>
          </Form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
