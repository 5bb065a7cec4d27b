import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { Button } from '../ui/button';

/** A dialog's button row: Cancel (closes the dialog), then `children` (the confirming button). */
export function DialogActions({ className = 'flex justify-end gap-2', children }: { className?: string; children: ReactNode }) {
  return (
    <div className={className}>
      <Dialog.Close asChild>
        <Button type="button" variant="secondary">
          Cancel
        </Button>
      </Dialog.Close>
      {children}
    </div>
  );
}
