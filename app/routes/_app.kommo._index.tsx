import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { formatAmount, formatDateTime } from '~/components/crm/format';
import { Pager, SearchBox } from '~/components/pager';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { callerFor, formResult, orThrowResponse } from '~/lib/trpc.server';

const PAGE_SIZE = 25;

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('kommo.read')(args);
  const url = new URL(args.request.url);
  const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
  const q = url.searchParams.get('q')?.trim() || undefined;
  const list = await orThrowResponse(caller.kommo.leads.list({ q, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE, includeDeleted: false }));
  return { ...list, page, q: q ?? '' };
}

const refreshSchema = z.object({ intent: z.literal('refresh'), id: z.string().uuid() });

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = refreshSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ ok: false as const, message: 'Unknown request.' }, { status: 400 });
  const { caller, headers } = await callerFor(request, context);
  const result = await formResult(caller.kommo.leads.refresh({ id: parsed.data.id }));
  const message = result.ok ? (result.value.result === 'deleted' ? 'Kommo no longer has this lead; it is marked deleted.' : 'Refreshed from Kommo.') : result.message;
  return data({ ok: result.ok, message, id: parsed.data.id }, { status: result.ok ? 200 : result.status, headers });
}

export default function KommoLeads() {
  const { connected, items, total, page, q } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const refreshing = navigation.state !== 'idle' ? navigation.formData?.get('id') : null;
  if (!connected) {
    return (
      <EmptyState title="Kommo is not connected">
        An admin can connect Kommo under <Link to="/kommo/connection" className="font-medium text-brand-700 hover:underline">Connection</Link>; its leads then arrive here through Kommo’s webhooks.
      </EmptyState>
    );
  }
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <SearchBox label="Name, phone or e-mail" />
      </div>
      {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      {items.length === 0 ? (
        <EmptyState title={q ? 'No Kommo lead matches' : 'No Kommo leads yet'}>{q ? 'Try another name, phone or e-mail.' : 'Leads appear here as Kommo reports changes through its webhooks.'}</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Kommo leads">
          <table className="min-w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th className="px-4 py-3">Lead</th>
                <th className="px-4 py-3">Pipeline · status</th>
                <th className="px-4 py-3">Responsible</th>
                <th className="px-4 py-3">Contacts</th>
                <th className="px-4 py-3">Last event</th>
                <th className="px-4 py-3">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((lead) => (
                <tr key={lead.id}>
                  <td className="px-4 py-3">
                    <a href={lead.url} target="_blank" rel="noreferrer noopener" className="font-medium text-brand-700 hover:underline">
                      {lead.name || `#${lead.kommoId}`}
                      <span className="sr-only"> (opens Kommo)</span>
                    </a>
                    <div className="text-slate-600">{formatAmount(lead.price)}</div>
                  </td>
                  <td className="px-4 py-3">
                    <div>{lead.pipelineName ?? '—'}</div>
                    <div className="text-slate-600">{lead.statusName ?? '—'}</div>
                  </td>
                  <td className="px-4 py-3">{lead.responsibleName ?? '—'}</td>
                  <td className="px-4 py-3">
                    {lead.contacts.length === 0 ? '—' : null}
                    <ul className="space-y-1">
                      {lead.contacts.map((c) => (
                        <li key={c.kommoId}>
                          <span className="font-medium">{c.name}</span>
                          {c.phones.length ? <span className="block text-slate-600">{c.phones.join(', ')}</span> : null}
                          {c.emails.length ? <span className="block text-slate-600">{c.emails.join(', ')}</span> : null}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="whitespace-nowrap px-4 py-3 text-slate-700">{formatDateTime(lead.lastEventAt ?? lead.fetchedAt)}</td>
                  <td className="px-4 py-3 text-right">
                    <Form method="post">
                      <input type="hidden" name="id" value={lead.id} />
                      <Button type="submit" name="intent" value="refresh" variant="ghost" disabled={refreshing === lead.id} aria-label={`Refresh ${lead.name || lead.kommoId} from Kommo`}>
                        {refreshing === lead.id ? 'Refreshing…' : 'Refresh'}
                      </Button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={page} total={total} pageSize={PAGE_SIZE} />
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Kommo leads · CRM Hub' }];
