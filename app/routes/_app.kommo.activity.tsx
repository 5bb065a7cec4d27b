import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { formatDateTime } from '~/components/crm/format';
import { EmptyState } from '~/components/ui/alert';
import { sectionLoader } from '~/lib/section.server';
import { orThrowResponse } from '~/lib/trpc.server';
import { DataTable } from '~/components/ui/data-table';

const PERIODS = [7, 14, 30, 90];

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('kommo.activity.read')(args);
  const requested = Number(new URL(args.request.url).searchParams.get('days'));
  const days = PERIODS.includes(requested) ? requested : 14;
  return orThrowResponse(caller.kommo.activity({ days }));
}


export default function KommoActivity() {
  const { days, perDay, bursts, recent, webhooks } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <Form method="get" className="flex items-center gap-2 text-sm">
        <label htmlFor="days">Period</label>
        <select id="days" name="days" defaultValue={days} className="rounded-md border border-slate-300 px-2 py-1">
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              Last {p} days
            </option>
          ))}
        </select>
        <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1 font-medium hover:bg-slate-50">
          Show
        </button>
      </Form>
      <p className="text-sm text-slate-700">
        Every row below is a person’s click on one record. Inbound: {webhooks.processed ?? 0} webhook events processed, {webhooks.failed ?? 0} failing, {webhooks.malformed ?? 0} malformed, {webhooks.rejected ?? 0} rejected.
      </p>

      <section aria-labelledby="per-day" className="space-y-2">
        <h2 id="per-day" className="text-base font-semibold">
          Sent to Kommo per user and day
        </h2>
        {perDay.length === 0 ? (
          <EmptyState title="Nothing was sent to Kommo in this period" />
        ) : (
          <DataTable label="Sent to Kommo per user and day" columns={['Day (UTC)', 'User', 'Syncs', 'Created', 'Found existing', 'Failed', 'Refused (burst)']}>
            {perDay.map((r) => (
              <tr key={`${r.day}-${r.userId}`} className={r.refused > 0 ? 'bg-amber-50' : undefined}>
                <td className="px-4 py-2">{r.day}</td>
                <td className="px-4 py-2">{r.userEmail ?? '—'}</td>
                <td className="px-4 py-2">{r.total}</td>
                <td className="px-4 py-2">{r.created}</td>
                <td className="px-4 py-2">{r.found}</td>
                <td className="px-4 py-2">{r.failed}</td>
                <td className="px-4 py-2">{r.refused}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <section aria-labelledby="bursts" className="space-y-2">
        <h2 id="bursts" className="text-base font-semibold">
          Bursts (5 or more in one minute, or refused by the guard)
        </h2>
        {bursts.length === 0 ? (
          <p className="text-sm text-slate-600">No bursts: nobody sent records in quick succession.</p>
        ) : (
          <DataTable label="Bursts" columns={['Minute (UTC)', 'User', 'Syncs', 'Refused']}>
            {bursts.map((b) => (
              <tr key={`${b.minute}-${b.userEmail}`} className="bg-amber-50">
                <td className="px-4 py-2">{b.minute}</td>
                <td className="px-4 py-2">{b.userEmail ?? '—'}</td>
                <td className="px-4 py-2 font-semibold">{b.syncs}</td>
                <td className="px-4 py-2">{b.refused}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <section aria-labelledby="recent" className="space-y-2">
        <h2 id="recent" className="text-base font-semibold">
          Latest syncs
        </h2>
        {recent.length === 0 ? null : (
          <DataTable label="Latest syncs" columns={['When', 'User', 'Record', 'Outcome', 'Kommo lead']}>
            {recent.map((r) => (
              <tr key={r.id}>
                <td className="whitespace-nowrap px-4 py-2">{formatDateTime(r.startedAt)}</td>
                <td className="px-4 py-2">{r.userEmail ?? '—'}</td>
                <td className="px-4 py-2">
                  {r.profileType} {r.profileId.slice(0, 8)}
                </td>
                <td className="px-4 py-2">
                  {r.status}
                  {r.error ? <span className="block text-xs text-slate-600">{r.error}</span> : null}
                </td>
                <td className="px-4 py-2">{r.kommoLeadId ?? '—'}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Kommo activity · CRM Hub' }];
