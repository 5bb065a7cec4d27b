import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useRouteLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { formatDateTime, humanize } from '~/components/crm/format';
import { fieldLabel } from '~/components/integrations/conflict';
import { CursorPager, uuidParams } from '~/components/integrations/history';
import { DataTable } from '~/components/ui/data-table';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { orThrowResponse } from '~/lib/trpc.server';
import { conflictStatuses, syncEntities } from '../../server/shared/sync';
import type { loader as layoutLoader } from './_app.integrations.$connectionId';

/** Records shown per page (a record groups all its conflicting fields). */
const PAGE_SIZE = 20;

const filterSchema = z.object({
  status: z.enum(conflictStatuses).catch('open').default('open'),
  entity: z.enum(syncEntities).optional().catch(undefined),
  cursor: z.string().max(100).optional().catch(undefined),
  /** Set by the detail page after the last open conflict was settled. */
  settled: z.enum(['resolved', 'ignored']).optional().catch(undefined),
});

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('integrations.read')(args);
  const { connectionId } = uuidParams(args.params, ['connectionId'], 'connection');
  const filters = filterSchema.parse(Object.fromEntries(new URL(args.request.url).searchParams));
  // a cursor that is not one of ours (edited by hand) reads as the first page
  const cursor = filters.cursor && /^[0-9 :.+-]+\|[0-9a-f-]{36}$/.test(filters.cursor) ? filters.cursor : undefined;
  const page = await orThrowResponse(caller.conflicts.records({ connectionId, status: filters.status, entity: filters.entity, cursor, limit: PAGE_SIZE }));
  return {
    status: filters.status,
    settled: filters.settled ?? null,
    filtered: Boolean(filters.entity),
    records: page.items.map((g) => ({
      recordLinkId: g.recordLinkId,
      firstId: g.firstId,
      entity: g.entity,
      recordName: g.recordName,
      remoteId: g.remoteId,
      fields: g.fields,
      detectedAt: g.detectedAt,
    })),
    nextCursor: page.nextCursor,
  };
}

const statusLabel: Record<string, string> = { open: 'Open', resolved: 'Resolved', ignored: 'Ignored' };

export default function Conflicts() {
  const { status, settled, filtered, records, nextCursor } = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>('routes/_app.integrations.$connectionId');
  const [params] = useSearchParams();
  const connectionId = layout?.connection.id ?? '';
  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    next.delete('settled');
    for (const [k, v] of Object.entries(changes)) if (v === null) next.delete(k);
    else next.set(k, v);
    return `?${next}`;
  };

  return (
    <div className="space-y-4">
      <div>
        <h2 className="text-lg font-semibold">Conflicts</h2>
        <p className="mt-1 text-sm text-slate-700">
          A conflict is a field changed on both sides to different values since the last sync, parked for you when the connection’s conflict strategy is manual review.
          The rest of the record keeps syncing.
        </p>
      </div>
      {settled ? <Alert tone="success">{settled === 'resolved' ? 'Resolved.' : 'Ignored.'} No open conflicts are left.</Alert> : null}
      <div className="flex flex-wrap items-end justify-between gap-3">
        <nav aria-label="Conflict status">
          <ul className="flex gap-1 rounded-md border border-slate-200 bg-white p-1">
            {conflictStatuses.map((s) => (
              <li key={s}>
                <Link
                  to={withParams({ status: s, cursor: null })}
                  aria-current={s === status ? 'page' : undefined}
                  className={`inline-block rounded px-3 py-1.5 text-sm font-medium ${s === status ? 'bg-brand-600 text-white' : 'text-slate-800 hover:bg-slate-100'}`}
                >
                  {statusLabel[s]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <Form method="get" className="flex items-end gap-2">
          <input type="hidden" name="status" value={status} />
          <label className="text-sm font-medium text-slate-800">
            Entity
            <select name="entity" defaultValue={params.get('entity') ?? ''} className="mt-1 block rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
              <option value="">Accounts and contacts</option>
              {syncEntities.map((e) => (
                <option key={e} value={e}>
                  {humanize(e)}s
                </option>
              ))}
            </select>
          </label>
          <Button type="submit" variant="secondary">
            Apply
          </Button>
        </Form>
      </div>

      {records.length === 0 ? (
        <EmptyState title={`No ${statusLabel[status]!.toLowerCase()} conflicts${filtered ? ' for this entity' : ''}`}>
          {status === 'open' ? (
            <p>
              Nothing waits for you. Conflicts appear here when the conflict strategy in{' '}
              <Link to={`/integrations/${connectionId}/settings`} className="font-medium text-brand-700 underline">
                sync settings
              </Link>{' '}
              is manual review.
            </p>
          ) : null}
        </EmptyState>
      ) : (
        <>
          <DataTable label={`${statusLabel[status]} conflicts`} columns={['Record', 'Entity', 'Fields', 'Detected']}>
            {records.map((g) => (
              <tr key={g.recordLinkId} data-testid="conflict-record">
                <td className="px-3 py-2">
                  <Link to={`/integrations/${connectionId}/conflicts/${g.firstId}`} className="font-medium text-brand-700 underline">
                    {g.recordName ?? `CRM record ${g.remoteId}`}
                  </Link>
                </td>
                <td className="px-3 py-2">{humanize(g.entity)}</td>
                <td className="px-3 py-2">{[...new Set(g.fields)].map(fieldLabel).join(', ')}</td>
                <td className="whitespace-nowrap px-3 py-2">{formatDateTime(g.detectedAt)}</td>
              </tr>
            ))}
          </DataTable>
          <CursorPager param="cursor" nextCursor={nextCursor} firstLabel="Newest" nextLabel="Older" />
        </>
      )}
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Conflicts · Integrations · CRM Hub' }];
