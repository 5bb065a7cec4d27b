import { Form, Link, useNavigation, useSearchParams } from '@remix-run/react';
import { Button } from '../ui/button';
import { EmptyState } from '../ui/alert';
import { formatDate, formatDateTime, humanize, personName } from './format';

export interface TimelineItem {
  id: string;
  kind: string;
  title: string;
  description: string | null;
  dueAt: string | Date | null;
  completedAt: string | Date | null;
  createdAt: string | Date;
  author: { id: string; name: string | null; email: string } | null;
}

const kindStyle: Record<string, string> = {
  call: 'bg-sky-100 text-sky-900',
  meeting: 'bg-violet-100 text-violet-900',
  email: 'bg-amber-100 text-amber-900',
  task: 'bg-green-100 text-green-900',
  note: 'bg-slate-100 text-slate-800',
  system: 'bg-slate-200 text-slate-800',
};

const kindLabel = (kind: string) => (kind === 'email' ? 'E-mail' : kind === 'system' ? 'Event' : humanize(kind));

/**
 * A record's timeline, newest first: activities people logged and the entries the
 * services write (stage moves, merges, conversion). Open activities can be marked
 * complete when `canEdit`. Older entries page with `?activities=<cursor>`.
 */
export function Timeline({ items, nextCursor, canEdit }: { items: TimelineItem[]; nextCursor: string | null; canEdit: boolean }) {
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const pendingId = navigation.state === 'submitting' ? navigation.formData?.get('activityId') : null;
  const newest = new URLSearchParams(params);
  newest.delete('activities');
  const older = new URLSearchParams(newest);
  if (nextCursor) older.set('activities', nextCursor);
  const now = Date.now();
  return (
    <div className="space-y-3">
      {items.length === 0 ? (
        <EmptyState title="Nothing on the timeline yet">Log a call, meeting, e-mail, task or note above.</EmptyState>
      ) : (
        <ol className="space-y-3" data-testid="timeline">
          {items.map((a) => {
            const overdue = a.kind !== 'system' && !a.completedAt && a.dueAt && new Date(a.dueAt).getTime() < now;
            return (
              <li key={a.id} className="rounded-lg border border-slate-200 bg-white p-3" data-testid="timeline-item">
                <div className="flex flex-wrap items-center gap-2">
                  <span className={`rounded px-2 py-0.5 text-xs font-medium ${kindStyle[a.kind] ?? kindStyle.note}`}>{kindLabel(a.kind)}</span>
                  <span className={`font-medium ${a.completedAt && a.kind !== 'system' ? 'text-slate-600 line-through' : ''}`}>{a.title}</span>
                  {a.completedAt && a.kind !== 'system' ? <span className="rounded bg-green-100 px-2 py-0.5 text-xs font-medium text-green-900">Done</span> : null}
                  {overdue ? <span className="rounded bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900">Overdue</span> : null}
                </div>
                {a.description ? <p className="mt-1 whitespace-pre-line break-words text-sm text-slate-800">{a.description}</p> : null}
                <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-600">
                  <span>
                    {personName(a.author)} · <time dateTime={new Date(a.createdAt).toISOString()}>{formatDateTime(a.createdAt)}</time>
                  </span>
                  {a.dueAt ? <span>Due {formatDate(a.dueAt)}</span> : null}
                  {a.completedAt && a.kind !== 'system' ? <span>Completed {formatDateTime(a.completedAt)}</span> : null}
                  {canEdit && a.kind !== 'system' ? (
                    <Form method="post" className="ml-auto">
                      <input type="hidden" name="activityId" value={a.id} />
                      <Button
                        type="submit"
                        name="intent"
                        value={a.completedAt ? 'reopenActivity' : 'completeActivity'}
                        variant="ghost"
                        className="min-h-8 px-2 py-1 text-xs"
                        disabled={pendingId === a.id}
                      >
                        {a.completedAt ? 'Reopen' : 'Mark complete'}
                        <span className="sr-only">: {a.title}</span>
                      </Button>
                    </Form>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
      )}
      <div className="flex justify-between text-sm">
        {params.get('activities') ? (
          <Link to={`?${newest}`} preventScrollReset className="font-medium text-brand-700 hover:underline">
            ← Newest entries
          </Link>
        ) : (
          <span />
        )}
        {nextCursor ? (
          <Link to={`?${older}`} preventScrollReset className="font-medium text-brand-700 hover:underline">
            Older entries →
          </Link>
        ) : null}
      </div>
    </div>
  );
}

/** The "log an activity" form (call, meeting, e-mail, task, note; due date; done). */
export function ActivityForm({ errors, resetKey }: { errors?: Record<string, string[]>; resetKey?: number }) {
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'addActivity';
  return (
    <Form method="post" key={resetKey} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="log-activity">
      <h3 id="log-activity" className="font-semibold">
        Log an activity
      </h3>
      <input type="hidden" name="intent" value="addActivity" />
      <div className="grid gap-3 sm:grid-cols-[10rem_1fr]">
        <div className="space-y-1">
          <label htmlFor="activity-kind" className="block text-sm font-medium text-slate-800">
            Type
          </label>
          <select id="activity-kind" name="kind" defaultValue="call" className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
            <option value="call">Call</option>
            <option value="meeting">Meeting</option>
            <option value="email">E-mail</option>
            <option value="task">Task</option>
            <option value="note">Note</option>
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="activity-title" className="block text-sm font-medium text-slate-800">
            Summary
          </label>
          <input
            id="activity-title"
            name="title"
            required
            maxLength={300}
            aria-invalid={errors?.title?.length ? true : undefined}
            aria-describedby={errors?.title?.length ? 'activity-title-error' : undefined}
            className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm aria-[invalid]:border-red-600"
          />
          {errors?.title?.length ? (
            <p id="activity-title-error" className="text-sm text-red-700">
              {errors.title.join(' ')}
            </p>
          ) : null}
        </div>
      </div>
      <div className="space-y-1">
        <label htmlFor="activity-description" className="block text-sm font-medium text-slate-800">
          Details <span className="font-normal text-slate-600">(optional)</span>
        </label>
        <textarea id="activity-description" name="description" rows={2} maxLength={10000} className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm" />
      </div>
      <div className="flex flex-wrap items-end gap-4">
        <div className="space-y-1">
          <label htmlFor="activity-due" className="block text-sm font-medium text-slate-800">
            Due date <span className="font-normal text-slate-600">(optional)</span>
          </label>
          <input id="activity-due" name="dueAt" type="date" className="block rounded-md border border-slate-300 bg-white px-3 py-2 text-sm" />
        </div>
        <label className="flex min-h-10 items-center gap-2 text-sm">
          <input type="checkbox" name="completed" value="1" className="h-4 w-4" />
          Already done
        </label>
        <Button type="submit" disabled={busy} className="ml-auto">
          {busy ? 'Saving…' : 'Add activity'}
        </Button>
      </div>
    </Form>
  );
}
