import * as Dialog from '@radix-ui/react-dialog';
import { Form, Link, useNavigation, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { Alert, EmptyState } from '../ui/alert';
import { Button } from '../ui/button';
import { DialogActions } from './dialog-actions';

/**
 * The two steps of a merge screen, shared by leads, contacts and accounts
 * (/crm/<kind>/<id>/merge): pick the other record, then choose per differing field which
 * value the survivor keeps, see what moves, confirm. Rows come from mergeRows
 * (merge-rows.ts); the page's action reads the radios back with mergeChoices.
 */

export type MergeSide = 'survivor' | 'merged';

export interface MergeRow {
  /** `field.<name>` or `custom.<key>`: the radio group's name, read back by mergeChoices. */
  key: string;
  label: string;
  survivor: string | null;
  merged: string | null;
  same: boolean;
  preferred: MergeSide;
}

export interface MergeCandidate {
  id: string;
  title: string;
  detail: string;
  meta?: string;
}

interface Noun {
  /** "lead", "contact", "account" */
  one: string;
  many: string;
  /** "/crm/leads" */
  basePath: string;
}

export function MergeHeader({ noun, survivor }: { noun: Noun; survivor: { id: string; name: string } }) {
  return (
    <>
      <p className="text-sm">
        <Link to={`${noun.basePath}/${survivor.id}`} className="font-medium text-brand-700 hover:underline">
          ← {survivor.name}
        </Link>
      </p>
      <h2 className="text-xl font-semibold">
        Merge {noun.one === 'account' ? 'an' : 'a'} {noun.one} into {survivor.name}
      </h2>
    </>
  );
}

export function MergePicker({ noun, survivorId, q, candidates, movesHint }: { noun: Noun; survivorId: string; q: string; candidates: MergeCandidate[]; movesHint: string }) {
  const [params] = useSearchParams();
  const capitalized = noun.many[0]!.toUpperCase() + noun.many.slice(1);
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        Step 1 of 2: choose the duplicate. It is merged <em>into</em> this {noun.one}: {movesHint}
      </p>
      <Form method="get" role="search" className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor="merge-q" className="block text-sm font-medium">
            Find {noun.one === 'account' ? 'an' : 'a'} {noun.one}
          </label>
          <input id="merge-q" name="q" type="search" defaultValue={params.get('q') ?? q} className="mt-1 block w-72 max-w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
        </div>
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </Form>
      {candidates.length === 0 ? (
        <EmptyState title={`No other ${noun.one} matches`}>Search by name, e-mail{noun.one === 'account' ? ' or domain' : ' or phone'}.</EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" aria-label={`${capitalized} to merge`}>
          {candidates.map((c) => (
            <li key={c.id} className="flex flex-wrap items-center gap-3 px-4 py-3 text-sm">
              <div className="min-w-0 flex-1">
                <div className="break-words font-medium">{c.title}</div>
                <div className="break-words text-slate-700">{c.detail || '—'}</div>
                {c.meta ? <div className="text-xs text-slate-600">{c.meta}</div> : null}
              </div>
              <Link to={`?with=${c.id}`} className="inline-flex min-h-10 items-center rounded-md border border-slate-300 bg-white px-3 py-2 font-medium hover:bg-slate-50">
                Choose<span className="sr-only"> {c.title}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      <p className="text-sm">
        <Link to={`${noun.basePath}/${survivorId}`} className="font-medium text-brand-700 hover:underline">
          Cancel
        </Link>
      </p>
    </div>
  );
}

export function MergeCompare({
  noun,
  survivor,
  other,
  rows,
  blocked,
  moves,
  children,
}: {
  noun: Noun;
  survivor: { id: string; name: string };
  other: { id: string; name: string };
  rows: MergeRow[];
  blocked?: string | null;
  /** One sentence on what moves, for the intro and the confirmation. */
  moves: string;
  /** The "what moves" details, shown between the fields and the merge button. */
  children?: React.ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const differing = rows.filter((r) => !r.same);
  const same = rows.filter((r) => r.same);
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        Step 2 of 2: for each field that differs, choose the value to keep. <strong>{other.name}</strong> is merged into <strong>{survivor.name}</strong>; {moves}{' '}
        <Link to={`${noun.basePath}/${other.id}/merge?with=${survivor.id}`} className="font-medium text-brand-700 hover:underline">
          Keep {other.name} instead
        </Link>
        {' · '}
        <Link to="?" className="font-medium text-brand-700 hover:underline">
          Choose another {noun.one}
        </Link>
      </p>
      {blocked ? <Alert>{blocked}</Alert> : null}
      <Form method="post" id="merge-form" className="space-y-4">
        <input type="hidden" name="mergedId" value={other.id} />
        {differing.length === 0 ? (
          <Alert tone="info">Every field holds the same value in both {noun.many}.</Alert>
        ) : (
          <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Fields that differ">
            <table className="min-w-full text-sm">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-3 py-2">Field</th>
                  <th className="px-3 py-2">Keep: {survivor.name}</th>
                  <th className="px-3 py-2">Merged: {other.name}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {differing.map((r) => (
                  <tr key={r.key}>
                    <th scope="row" className="px-3 py-2 text-left font-medium">
                      {r.label}
                    </th>
                    {(['survivor', 'merged'] as const).map((sideName) => (
                      <td key={sideName} className="px-3 py-2">
                        <label className="flex items-start gap-2">
                          <input type="radio" name={r.key} value={sideName} defaultChecked={r.preferred === sideName} className="mt-0.5 h-4 w-4" />
                          <span className={r[sideName] === null ? 'break-words text-slate-600' : 'break-words'}>
                            {r[sideName] ?? '(empty)'}
                            <span className="sr-only"> for {r.label}</span>
                          </span>
                        </label>
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {same.length ? <p className="text-xs text-slate-600">Same in both: {same.map((r) => r.label).join(', ')}.</p> : null}
        {children}
        <Dialog.Root open={open} onOpenChange={setOpen}>
          <Dialog.Trigger asChild>
            <Button type="button" disabled={!!blocked || busy}>
              {busy ? 'Merging…' : `Merge ${noun.many}…`}
            </Button>
          </Dialog.Trigger>
          <Dialog.Portal>
            <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
            <Dialog.Content className="fixed left-1/2 top-1/2 z-50 w-[min(92vw,28rem)] -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-6 shadow-xl">
              <Dialog.Title className="text-lg font-semibold">
                Merge {other.name} into {survivor.name}?
              </Dialog.Title>
              <Dialog.Description className="mt-2 text-sm text-slate-700">
                {survivor.name} keeps the values you chose; values not taken are kept on its timeline. {other.name} is removed. This cannot be undone from the screen.
              </Dialog.Description>
              <DialogActions className="mt-4 flex justify-end gap-2">
                {/* outside the <form> in the DOM (portal), tied to it by the form attribute */}
                <Button type="submit" form="merge-form" name="intent" value="merge" onClick={() => setTimeout(() => setOpen(false), 0)}>
                  Merge
                </Button>
              </DialogActions>
            </Dialog.Content>
          </Dialog.Portal>
        </Dialog.Root>
      </Form>
    </div>
  );
}

export interface MergeMovesData {
  activities: number;
  /** contact and account merges only */
  convertedLeads?: number;
  earlierMerges: number;
  /** account merges only */
  contacts?: { id: string; firstName: string; lastName: string; email: string | null }[];
  moreContacts?: boolean;
  /** lead merges: the merged lead's custom values, taken (the survivor has none) or kept as the survivor's by default */
  customValues?: { key: string; outcome: 'taken' | 'kept' }[];
  links: { provider: string; remoteId: string; outcome: 'moved' | 'dropped' }[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What a lead, contact or account merge moves to the survivor (crm.<kind>.mergePreview). */
export function MergeMoves({ moves, otherName, survivorName, providerLabel }: { moves: MergeMovesData; otherName: string; survivorName: string; providerLabel: (p: string) => string }) {
  const customNote = 'Custom-field values: as chosen above (a value only one record has is kept).';
  return (
    <section aria-labelledby="merge-moves" className="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="merge-moves">
      <h3 id="merge-moves" className="font-semibold">
        What moves from {otherName} to {survivorName}
      </h3>
      <ul className="mt-2 list-disc space-y-1 pl-5 text-slate-800">
        <li>Timeline: {plural(moves.activities, 'activity', 'activities')}.</li>
        {moves.contacts?.length ? (
          <li>
            Contacts: {plural(moves.contacts.length, 'contact')}
            {moves.moreContacts ? ' (and more)' : ''} —{' '}
            {moves.contacts
              .slice(0, 10)
              .map((c) => `${c.firstName} ${c.lastName}`.trim() || c.email || 'unnamed')
              .join(', ')}
            {moves.contacts.length > 10 ? ', …' : ''}.
          </li>
        ) : null}
        {moves.convertedLeads === undefined ? null : <li>Leads converted into it: {moves.convertedLeads.toLocaleString('en-US')}.</li>}
        {moves.earlierMerges ? <li>Records merged into it earlier: {moves.earlierMerges.toLocaleString('en-US')} (their history follows).</li> : null}
        <li>
          {moves.customValues === undefined
            ? customNote
            : moves.customValues.length === 0
              ? `Custom-field values: ${otherName} has none.`
              : `Custom-field values of ${otherName} (unless chosen otherwise above): ${moves.customValues
                  .map((c) => `${c.key} ${c.outcome === 'taken' ? `taken, ${survivorName} has none` : `not taken, ${survivorName} keeps its own`}`)
                  .join('; ')}.`}
        </li>
        <li>
          Links to connected CRMs:{' '}
          {moves.links.length === 0
            ? 'none.'
            : moves.links
                .map((l) => `${providerLabel(l.provider)} ${l.remoteId} (${l.outcome === 'moved' ? 'moves over, so the next sync updates rather than re-creates it' : `dropped: ${survivorName} is already linked there`})`)
                .join('; ')}
        </li>
        <li>The audit trail stays reachable from {survivorName}.</li>
      </ul>
    </section>
  );
}

export type MergeLoaderData =
  | { step: 'pick'; survivor: { id: string; name: string }; q: string; candidates: MergeCandidate[] }
  | { step: 'compare'; survivor: { id: string; name: string }; other: { id: string; name: string }; rows: MergeRow[]; blocked?: string | null; moves?: MergeMovesData };

/** A whole merge screen: step 1 (pick) or step 2 (compare and confirm), per the loader's `step`. */
export function MergePage({ noun, loaded, result, moves, providerLabel }: { noun: Noun; loaded: MergeLoaderData; result?: { message: string }; moves: string; providerLabel?: (p: string) => string }) {
  return (
    <div className="space-y-4">
      <MergeHeader noun={noun} survivor={loaded.survivor} />
      {result ? <Alert>{result.message}</Alert> : null}
      {loaded.step === 'pick' ? (
        <MergePicker noun={noun} survivorId={loaded.survivor.id} q={loaded.q} candidates={loaded.candidates} movesHint={`${moves} move here and it is removed afterwards.`} />
      ) : (
        <MergeCompare noun={noun} survivor={loaded.survivor} other={loaded.other} rows={loaded.rows} blocked={loaded.blocked} moves={`${moves} move over and it is removed.`}>
          {loaded.moves ? <MergeMoves moves={loaded.moves} otherName={loaded.other.name} survivorName={loaded.survivor.name} providerLabel={providerLabel ?? ((p) => p)} /> : null}
        </MergeCompare>
      )}
    </div>
  );
}
