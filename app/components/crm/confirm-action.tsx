import * as Dialog from '@radix-ui/react-dialog';
import { Form, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { Button } from '../ui/button';
import { DialogActions } from './dialog-actions';

/**
 * A button that opens a confirmation dialog whose form posts `intent` (and the hidden
 * fields) to the current route. Unlike the shared ConfirmDialog it closes itself on
 * submit, so the page's answer (success or error) is what the user sees next.
 */
export function ConfirmAction({
  label,
  title,
  description,
  confirmLabel,
  intent,
  hidden = {},
  tone = 'danger',
  triggerVariant,
  children,
  disabled,
}: {
  label: string;
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  intent: string;
  hidden?: Record<string, string>;
  tone?: 'danger' | 'primary';
  triggerVariant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  children?: React.ReactNode;
  disabled?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting' && navigation.formData?.get('intent') === intent;
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild>
        <Button type="button" variant={triggerVariant ?? (tone === 'danger' ? 'danger' : 'primary')} disabled={disabled || busy}>
          {busy ? `${label}…` : label}
        </Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
        <Dialog.Content className="fixed left-1/2 top-1/2 z-50 max-h-[90vh] w-[min(92vw,30rem)] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-lg bg-white p-6 shadow-xl">
          <Dialog.Title className="text-lg font-semibold">{title}</Dialog.Title>
          <Dialog.Description asChild>
            <div className="mt-2 text-sm text-slate-700">{description}</div>
          </Dialog.Description>
          <Form method="post" className="mt-4 space-y-4" onSubmit={() => setOpen(false)}>
            <input type="hidden" name="intent" value={intent} />
            {Object.entries(hidden).map(([k, v]) => (
              <input key={k} type="hidden" name={k} value={v} />
            ))}
            {children}
            <DialogActions>
              <Button type="submit" variant={tone === 'danger' ? 'danger' : 'primary'}>
                {confirmLabel}
              </Button>
            </DialogActions>
          </Form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
