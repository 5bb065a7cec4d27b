import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { useReportProgress } from '~/components/reports/checkpoints';
import { Figures } from '~/components/reports/figures';
import { Badge, formatDateTime, runStatusLabels, typeLabels } from '~/components/reports/format';
import { Narrative } from '~/components/reports/narrative';
import { Alert, PageHeader } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import { roleCan } from '../../server/security/rbac';

export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('reports.read')(args);
  const id = z.string().uuid().safeParse(args.params.reportId);
  if (!id.success) throw new Response('Report not found.', { status: 404 });
  const report = await orThrowResponse(caller.reports.byId({ id: id.data }));
  return { report, canDiscuss: roleCan(tenant.role, 'reports.discuss'), canRun: roleCan(tenant.role, 'reports.run') };
}

const uuid = z.string().uuid();
const body = z.string().trim().min(1, 'Write something first.').max(5000, 'At most 5,000 characters.');
const actionForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('comment'), body }),
  z.object({ intent: z.literal('editComment'), id: uuid, body }),
  z.object({ intent: z.literal('deleteComment'), id: uuid }),
  z.object({ intent: z.literal('ask'), question: z.string().trim().min(3, 'Ask a question of at least 3 characters.').max(2000, 'At most 2,000 characters.') }),
]);

type ActionResult = { ok: boolean; intent: string; message?: string; id?: string };

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, tenant } = await sectionLoader('reports.read')(args);
  if (!roleCan(tenant.role, 'reports.discuss')) throw new Response('Your role cannot comment or ask.', { status: 403 });
  const reportId = z.string().uuid().parse(args.params.reportId);
  const parsed = actionForm.safeParse(Object.fromEntries(await args.request.formData()));
  if (!parsed.success) return data<ActionResult>({ ok: false, intent: 'form', message: parsed.error.issues[0]?.message }, { status: 400, headers });
  const input = parsed.data;
  const result =
    input.intent === 'comment'
      ? await formResult(caller.reports.comments.add({ reportId, body: input.body }))
      : input.intent === 'editComment'
        ? await formResult(caller.reports.comments.update({ id: input.id, body: input.body }))
        : input.intent === 'deleteComment'
          ? await formResult(caller.reports.comments.delete({ id: input.id }))
          : await formResult(caller.reports.ask({ reportId, question: input.question }));
  if (!result.ok) return data<ActionResult>({ ok: false, intent: input.intent, message: result.message, ...('id' in input ? { id: input.id } : {}) }, { status: result.status, headers });
  return data<ActionResult>({ ok: true, intent: input.intent }, { headers });
}

export default function ReportPage() {
  const { report, canDiscuss, canRun } = useLoaderData<typeof loader>();
  const running = report.latestRun && (report.latestRun.status === 'queued' || report.latestRun.status === 'running');
  useReportProgress(report.latestRun ? [report.latestRun.id] : null, Boolean(running));
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link to="/reports" className="text-brand-700 hover:underline">
          ← Reports
        </Link>
      </nav>
      <PageHeader
        title={report.title}
        description={`${typeLabels[report.type]} · ${report.timeZone} · published ${formatDateTime(report.publishedAt, report.timeZone)}${report.model ? ` · ${report.model}` : ''}${report.tokens ? ` · ${report.tokens.prompt.toLocaleString('en-US')} + ${(report.tokens.output ?? 0).toLocaleString('en-US')} tokens` : ''}`}
        actions={<Badge status={report.status} />}
      />
      <div className="space-y-8">
        {report.latestRun && report.latestRun.status !== 'succeeded' ? (
          <Alert tone={report.latestRun.status === 'failed' ? 'error' : 'info'}>
            Latest run: {runStatusLabels[report.latestRun.status]}
            {report.latestRun.error ? ` — ${report.latestRun.error}` : ''}{' '}
            <Link to={`/reports/runs/${report.latestRun.id}`} className="font-medium underline">
              {canRun && report.latestRun.status === 'failed' ? 'See the checkpoints and resume' : 'See the checkpoints'}
            </Link>
          </Alert>
        ) : null}
        {report.analysisNote ? <Alert tone="info">{report.analysisNote}</Alert> : null}
        {report.trimmedNote ? <Alert tone="info">{report.trimmedNote}</Alert> : null}
        {report.narrative ? (
          <section aria-labelledby="narrative-title" className="rounded-lg border border-slate-200 bg-white p-4">
            <h2 id="narrative-title" className="mb-2 text-lg font-semibold">
              Analysis
            </h2>
            <Narrative text={report.narrative} />
          </section>
        ) : report.narrativeError ? (
          <Alert>{report.narrativeError}</Alert>
        ) : null}
        {report.figures ? <Figures figures={report.figures} /> : null}
        <FollowUps questions={report.questions} left={report.followUpsLeft} canAsk={canDiscuss && report.status === 'published'} />
        <Comments comments={report.comments} canComment={canDiscuss} />
      </div>
    </>
  );
}

function FollowUps({ questions, left, canAsk }: { questions: { id: string; position: number; question: string; answer: string | null; askedBy: string | null; createdAt: string | Date }[]; left: number; canAsk: boolean }) {
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const form = useRef<HTMLFormElement>(null);
  const asking = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'ask';
  useEffect(() => {
    if (result?.ok && result.intent === 'ask') form.current?.reset();
  }, [result]);
  return (
    <section aria-labelledby="qa-title" className="space-y-3">
      <h2 id="qa-title" className="text-lg font-semibold">
        Follow-up questions
      </h2>
      {questions.length === 0 ? <p className="text-sm text-slate-700">Ask the model about this report: it sees the same dialogs and its own analysis.</p> : null}
      <ol className="space-y-3">
        {questions.map((q) => (
          <li key={q.id} className="rounded-lg border border-slate-200 bg-white p-4" data-testid="follow-up">
            <p className="text-sm font-medium">
              Q{q.position}: {q.question}
            </p>
            <p className="text-xs text-slate-600">
              {q.askedBy ?? 'Someone'} · {formatDateTime(q.createdAt)}
            </p>
            {q.answer ? (
              <div className="mt-2 border-t border-slate-100 pt-2">
                <Narrative text={q.answer} />
              </div>
            ) : null}
          </li>
        ))}
      </ol>
      {left > 0 && canAsk ? (
        <Form method="post" ref={form} className="space-y-2" aria-label="Ask a follow-up question">
          <input type="hidden" name="intent" value="ask" />
          <label htmlFor="question" className="block text-sm font-medium">
            Your question ({left} left)
          </label>
          <textarea id="question" name="question" required minLength={3} maxLength={2000} rows={3} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
          {result && !result.ok && (result.intent === 'ask' || result.intent === 'form') ? <Alert>{result.message}</Alert> : null}
          <Button type="submit" disabled={asking}>
            {asking ? 'Asking the model…' : 'Ask'}
          </Button>
        </Form>
      ) : left === 0 ? (
        <p className="rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm" data-testid="follow-ups-exhausted">
          This report has had its two follow-up questions. Contact your administrator.
        </p>
      ) : null}
    </section>
  );
}

function Comments({ comments, canComment }: { comments: { id: string; body: string; author: string | null; createdAt: string | Date; editedAt: string | Date | null; own: boolean }[]; canComment: boolean }) {
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const form = useRef<HTMLFormElement>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const posting = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'comment';
  useEffect(() => {
    if (result?.ok && result.intent === 'comment') form.current?.reset();
    if (result?.ok && result.intent === 'editComment') setEditing(null);
  }, [result]);
  return (
    <section aria-labelledby="comments-title" className="space-y-3">
      <h2 id="comments-title" className="text-lg font-semibold">
        Comments ({comments.length})
      </h2>
      <ul className="space-y-3">
        {comments.map((c) => (
          <li key={c.id} className="rounded-lg border border-slate-200 bg-white p-3" data-testid="comment">
            <p className="text-xs text-slate-600">
              <span className="font-medium text-slate-800">{c.author ?? 'Former member'}</span> · {formatDateTime(c.createdAt)}
              {c.editedAt ? ' · edited' : ''}
            </p>
            {editing === c.id ? (
              <Form method="post" className="mt-2 space-y-2">
                <input type="hidden" name="intent" value="editComment" />
                <input type="hidden" name="id" value={c.id} />
                <label htmlFor={`edit-${c.id}`} className="sr-only">
                  Edit your comment
                </label>
                <textarea id={`edit-${c.id}`} name="body" defaultValue={c.body} required maxLength={5000} rows={3} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
                <div className="flex gap-2">
                  <Button type="submit">Save</Button>
                  <Button type="button" variant="secondary" onClick={() => setEditing(null)}>
                    Cancel
                  </Button>
                </div>
              </Form>
            ) : (
              <p className="mt-1 whitespace-pre-wrap text-sm">{c.body}</p>
            )}
            {c.own && editing !== c.id ? (
              <div className="mt-2 flex gap-3 text-sm">
                <button type="button" className="font-medium text-brand-700 hover:underline" onClick={() => setEditing(c.id)}>
                  Edit
                </button>
                <Form method="post" onSubmit={(e) => (!window.confirm('Delete this comment?') ? e.preventDefault() : undefined)}>
                  <input type="hidden" name="intent" value="deleteComment" />
                  <input type="hidden" name="id" value={c.id} />
                  <button type="submit" className="font-medium text-red-700 hover:underline">
                    Delete
                  </button>
                </Form>
              </div>
            ) : null}
            {result && !result.ok && result.id === c.id ? <Alert>{result.message}</Alert> : null}
          </li>
        ))}
      </ul>
      {canComment ? (
        <Form method="post" ref={form} className="space-y-2" aria-label="Add a comment">
          <input type="hidden" name="intent" value="comment" />
          <label htmlFor="comment" className="block text-sm font-medium">
            Add a comment
          </label>
          <textarea id="comment" name="body" required maxLength={5000} rows={3} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
          {result && !result.ok && result.intent === 'comment' ? <Alert>{result.message}</Alert> : null}
          <Button type="submit" disabled={posting}>
            {posting ? 'Posting…' : 'Comment'}
          </Button>
        </Form>
      ) : null}
    </section>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.report.title ?? 'Report'} · CRM Hub` }];
