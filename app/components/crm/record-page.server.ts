import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import type { callerFor } from '~/lib/trpc.server';
import { pageFrom } from '~/lib/platform.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import type { ActivitySubject } from './activity-actions.server';
import { activityAction } from './activity-actions.server';
import { isUuid } from './format';
import { crmSession } from './session.server';

type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];

/** The record id from the route param; a malformed one reads "not found", like another tenant's record. */
export function recordId(args: Pick<LoaderFunctionArgs, 'params'>, param: string, notFound: string): string {
  const id = args.params[param];
  if (!isUuid(id)) throw new Response(notFound, { status: 404 });
  return id;
}

/** One page of a record's timeline (`?activities=<cursor>` pages on), trimmed to what the Timeline renders. */
export async function timelinePage(caller: Caller, subject: ActivitySubject, request: Request, limit = 20) {
  const cursorParam = new URL(request.url).searchParams.get('activities') ?? undefined;
  const timeline = await orThrowResponse(caller.crm.activities.list({ ...subject, cursor: isUuid(cursorParam) ? cursorParam : undefined, limit }));
  return {
    timeline: timeline.items.map(({ id, kind, title, description, dueAt, completedAt, createdAt, author }) => ({ id, kind, title, description, dueAt, completedAt, createdAt, author })),
    nextCursor: timeline.nextCursor,
  };
}

const customerRecords = {
  account: { param: 'accountId', notFound: 'Account not found.', deleted: '/crm/accounts?notice=account-deleted' },
  contact: { param: 'contactId', notFound: 'Contact not found.', deleted: '/crm/contacts?notice=contact-deleted' },
} as const;

/** The account and contact detail pages' action: the timeline intents, and `delete` (back to the list with a notice). */
export async function customerRecordAction(args: ActionFunctionArgs, entity: keyof typeof customerRecords) {
  const { caller, headers } = await crmSession(args);
  const record = customerRecords[entity];
  const id = recordId(args, record.param, record.notFound);
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  const at = Date.now();
  const activity = await activityAction(caller, intent, form, entity === 'account' ? { accountId: id } : { contactId: id });
  if (activity) return data({ ...activity, at }, { status: activity.ok ? 200 : activity.status, headers });
  if (intent === 'delete') {
    const result = await formResult(entity === 'account' ? caller.crm.accounts.delete({ id }) : caller.crm.contacts.delete({ id }));
    if (result.ok) return redirect(record.deleted, { headers });
    return data({ ok: false as const, intent, at, message: result.message, fieldErrors: {} }, { status: result.status, headers });
  }
  return data({ ok: false as const, intent, at, message: 'Unknown action.', fieldErrors: {} }, { status: 400, headers });
}

/** A record list page's query (`?q=` search, `?page=`) run through `list`, with what the list frame needs besides the rows. */
export async function recordListPage<T>(
  args: Pick<LoaderFunctionArgs, 'request' | 'context' | 'params'>,
  pageSize: number,
  list: (caller: Caller, query: { q: string | undefined; offset: number; limit: number }) => Promise<{ items: T[]; total: number }>,
) {
  const { caller, can } = await crmSession(args);
  const { page, offset, limit, search } = pageFrom(new URL(args.request.url), pageSize);
  const result = await orThrowResponse(list(caller, { q: search, offset, limit }));
  return { items: result.items, frame: { total: result.total, page, pageSize, search: search ?? null, canWrite: can.write } };
}
