import { Link } from '@remix-run/react';
import { Button } from '../ui/button';
import { TextAreaInput } from './fields';

export interface DuplicateMatchView {
  id: string | null;
  visible: boolean;
  name: string | null;
  email: string | null;
  phone: string | null;
  matchedOn: ('email' | 'phone')[];
}

/**
 * What the API flagged as possible duplicates of the record being saved. Rendered
 * inside the record's form, so "Save anyway" re-submits everything typed plus a reason.
 * `mergeInto(id)` renders the per-match merge control (managers only).
 */
export function DuplicateMatches({
  matches,
  kind,
  basePath,
  mergeInto,
  reasonError,
  busy,
}: {
  matches: DuplicateMatchView[];
  kind: 'lead' | 'contact';
  basePath: string;
  mergeInto?: (match: DuplicateMatchView & { id: string }) => React.ReactNode;
  reasonError?: string[];
  busy?: boolean;
}) {
  const hiddenCount = matches.filter((m) => !m.visible || !m.id).length;
  return (
    <section aria-labelledby="duplicates-title" className="space-y-4 rounded-lg border border-amber-300 bg-amber-50 p-4" data-testid="duplicates">
      <div role="alert">
        <h2 id="duplicates-title" className="font-semibold text-amber-950">
          Possible duplicate{matches.length === 1 ? '' : 's'} found
        </h2>
        <p className="mt-1 text-sm text-amber-950">
          {matches.length === 1 ? `Another ${kind} has` : `${matches.length} other ${kind}s have`} the same e-mail or phone. Open one, merge, or save anyway with a reason.
        </p>
      </div>
      <ul className="divide-y divide-amber-200 rounded-md border border-amber-200 bg-white">
        {matches.map((m, i) =>
          m.visible && m.id ? (
            <li key={m.id} className="flex flex-wrap items-center gap-3 px-3 py-2 text-sm" data-testid="duplicate-match">
              <div className="min-w-0 flex-1">
                <div className="font-medium">{m.name || '(no name)'}</div>
                <div className="text-slate-700">
                  {[m.email, m.phone].filter(Boolean).join(' · ')} — same {m.matchedOn.map((on) => (on === 'email' ? 'e-mail' : 'phone')).join(' and ')}
                </div>
              </div>
              <Link to={`${basePath}/${m.id}`} className="font-medium text-brand-700 hover:underline">
                Open<span className="sr-only"> {m.name}</span>
              </Link>
              {mergeInto ? mergeInto({ ...m, id: m.id }) : null}
            </li>
          ) : (
            <li key={`hidden-${i}`} className="px-3 py-2 text-sm text-slate-700">
              A {kind} you cannot open (assigned to a colleague) has the same {m.matchedOn.map((on) => (on === 'email' ? 'e-mail' : 'phone')).join(' and ')}.
            </li>
          ),
        )}
      </ul>
      {hiddenCount > 0 ? <p className="text-xs text-amber-950">Ask a manager to look at {kind}s you cannot open.</p> : null}
      <div className="space-y-2">
        <TextAreaInput label="Reason to save anyway" name="reason" minLength={3} maxLength={500} error={reasonError} hint="Kept on the timeline and in the audit log." />
        <Button type="submit" name="intent" value="saveAnyway" variant="secondary" disabled={busy}>
          Save anyway
        </Button>
      </div>
    </section>
  );
}
