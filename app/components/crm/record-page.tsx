import type { ReactNode } from 'react';
import { Link } from '@remix-run/react';
import { ConfirmAction } from './confirm-action';
import type { TimelineItem } from './timeline';
import { ActivityForm, Timeline } from './timeline';

const outlineLink = 'inline-flex min-h-10 items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50';

/** The title block's "← list" link above a record's name. */
export function BackLink({ to, label }: { to: string; label: string }) {
  return (
    <p className="text-sm">
      <Link to={to} className="font-medium text-brand-700 hover:underline">
        {`← ${label}`}
      </Link>
    </p>
  );
}

/** Edit, Merge… (when allowed) and a confirmed Delete, on a record's detail page (`path` is the record's URL). */
export function RecordActions({
  path,
  name,
  canMerge,
  deleteDescription,
  deleteLabel,
}: {
  path: string;
  name: string;
  canMerge: boolean;
  deleteDescription: string;
  deleteLabel: string;
}) {
  return (
    <div className="flex flex-wrap gap-2">
      <Link to={`${path}/edit`} className={outlineLink}>
        Edit
      </Link>
      {canMerge ? (
        <Link to={`${path}/merge`} className={outlineLink}>
          Merge…
        </Link>
      ) : null}
      <ConfirmAction label="Delete" title={`Delete ${name}?`} description={deleteDescription} confirmLabel={deleteLabel} intent="delete" triggerVariant="ghost" />
    </div>
  );
}

/**
 * The top of a record's detail page: "← list" link, the record's name (`testId` on it), `children`
 * under it, and for writers the Edit / Merge… / Delete buttons (`actions`).
 */
export function RecordHeader({
  back,
  name,
  testId,
  actions,
  children,
}: {
  back: { to: string; label: string };
  name: string;
  testId: string;
  actions: Parameters<typeof RecordActions>[0] | null;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0">
        <BackLink to={back.to} label={back.label} />
        <h2 className="mt-1 break-words text-xl font-semibold" data-testid={testId}>
          {name}
        </h2>
        {children}
      </div>
      {actions ? <RecordActions {...actions} /> : null}
    </div>
  );
}

type ActionResult = { ok: true; intent: string; at: number } | { ok: false; intent: string; fieldErrors?: Record<string, string[]> };

/** A record's timeline section: the "log activity" form (for writers, reset after each add) above the paged timeline. */
export function RecordTimeline({
  id,
  className,
  items,
  nextCursor,
  canWrite,
  result,
}: {
  id: string;
  className: string;
  items: TimelineItem[];
  nextCursor: string | null;
  canWrite: boolean;
  result: ActionResult | undefined;
}) {
  const activityErrors = result && !result.ok && result.intent === 'addActivity' ? result.fieldErrors : undefined;
  return (
    <section aria-labelledby={id} className={className}>
      <h3 id={id} className="font-semibold">
        Timeline
      </h3>
      {canWrite ? <ActivityForm errors={activityErrors} resetKey={result?.ok && result.intent === 'addActivity' ? result.at : 0} /> : null}
      <Timeline items={items} nextCursor={nextCursor} canEdit={canWrite} />
    </section>
  );
}
