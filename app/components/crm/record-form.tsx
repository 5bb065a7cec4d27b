import type { ReactNode } from 'react';
import { Form, Link } from '@remix-run/react';
import { Alert } from '../ui/alert';
import { Button } from '../ui/button';
import type { DuplicateMatchView } from './duplicate-matches';
import { DuplicateMatches } from './duplicate-matches';

/**
 * The page and form around a record's fields on the new/edit screens: an optional "← record"
 * link, the title (also the form's label), the action's message (unless it flagged duplicates,
 * which `after` shows below the buttons), Cancel and the submit button (`intent="save"` when
 * `saveIntent`).
 */
export function RecordForm({
  title,
  back,
  cancelTo,
  submitLabel,
  saveIntent = false,
  busy,
  result,
  after,
  children,
}: {
  title: string;
  back?: { to: string; name: string };
  cancelTo: string;
  submitLabel: string;
  saveIntent?: boolean;
  busy: boolean;
  result: { message: string; matches?: unknown } | undefined;
  after?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      {back ? (
        <p className="text-sm">
          <Link to={back.to} className="font-medium text-brand-700 hover:underline">
            ← {back.name}
          </Link>
        </p>
      ) : null}
      <h2 className="text-xl font-semibold">{title}</h2>
      <Form method="post" className="space-y-6 rounded-lg border border-slate-200 bg-white p-5" aria-label={title}>
        {result && !result.matches ? <Alert>{result.message}</Alert> : null}
        {children}
        <div className="flex flex-wrap justify-end gap-2">
          <Link to={cancelTo} className="inline-flex min-h-10 items-center rounded-md px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
            Cancel
          </Link>
          <Button type="submit" {...(saveIntent ? { name: 'intent', value: 'save' } : {})} disabled={busy}>
            {busy ? 'Saving…' : submitLabel}
          </Button>
        </div>
        {after}
      </Form>
    </div>
  );
}

/**
 * The possible duplicates an edit flagged (nothing saved yet), each with, when `canMerge`, a link to
 * the merge screen with the match as the survivor and this record (unsaved edits aside) merged into it.
 */
export function EditDuplicates({
  result,
  kind,
  recordId,
  canMerge,
  busy,
}: {
  result: { matches: DuplicateMatchView[] | null; fieldErrors?: Record<string, string[]> } | undefined;
  kind: 'lead' | 'contact';
  recordId: string;
  canMerge: boolean;
  busy: boolean;
}) {
  if (!result?.matches) return null;
  const basePath = kind === 'lead' ? '/crm/leads' : '/crm/contacts';
  return (
    <DuplicateMatches
      matches={result.matches}
      kind={kind}
      basePath={basePath}
      reasonError={result.fieldErrors?.reason}
      busy={busy}
      mergeInto={
        canMerge
          ? (m) => (
              <Link to={`${basePath}/${m.id}/merge?with=${recordId}`} className="font-medium text-brand-700 hover:underline">
                Merge into it<span className="sr-only"> ({m.name})</span>
              </Link>
            )
          : undefined
      }
    />
  );
}
