import * as Dialog from '@radix-ui/react-dialog';
import { useFetcher } from '@remix-run/react';
import { useEffect, useState } from 'react';

/** Field errors keyed by input name, as formResult and zod's flattenError give them. */
export type FieldErrors = Record<string, string[] | undefined>;

/** What the settings actions of stages and custom fields answer (one shape for every intent). */
export type SettingsActionResult =
  | { ok: true; intent: string; message: string }
  | { ok: false; intent: string; message: string; status: number; fieldErrors: FieldErrors };

/**
 * A dialog around a fetcher form: closes and reports on success, keeps the errors
 * inside while open. Forgets an earlier error when it opens again. Give a `key` when
 * the success removes the dialog itself (a delete): the page reads the answer through it.
 */
export function useDialogFetcher(onDone: (message: string) => void, key?: string) {
  const fetcher = useFetcher<SettingsActionResult>(key ? { key } : undefined);
  const [open, setOpen] = useState(false);
  const [failure, setFailure] = useState<Extract<SettingsActionResult, { ok: false }> | null>(null);
  useEffect(() => {
    if (fetcher.state !== 'idle' || !fetcher.data) return;
    if (fetcher.data.ok) {
      setOpen(false);
      onDone(fetcher.data.message);
    } else setFailure(fetcher.data);
    // onDone is a fresh closure each render; only a new answer matters here
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fetcher.state, fetcher.data]);
  const onOpenChange = (next: boolean) => {
    setOpen(next);
    if (next) setFailure(null);
  };
  return { fetcher, open, onOpenChange, failure, busy: fetcher.state !== 'idle' };
}

export function DialogFrame({ title, description, children }: { title: string; description: React.ReactNode; children: React.ReactNode }) {
  return (
    <Dialog.Portal>
      <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
      <Dialog.Content
        className="fixed left-1/2 top-1/2 z-50 max-h-[90vh] w-[min(92vw,30rem)] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-lg bg-white p-6 shadow-xl"
      >
        <Dialog.Title className="text-lg font-semibold">{title}</Dialog.Title>
        <Dialog.Description className="mt-2 text-sm text-slate-700">{description}</Dialog.Description>
        {children}
      </Dialog.Content>
    </Dialog.Portal>
  );
}

