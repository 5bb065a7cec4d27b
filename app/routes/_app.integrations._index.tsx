import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { formatDateTime, humanize } from '~/components/crm/format';
import { Alert, EmptyState, PageHeader } from '~/components/ui/alert';
import { Button, buttonClass } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { DataTable } from '~/components/ui/data-table';
import { connectionBadgeStyle, connectionStatusLabel, providerName, relativeTime } from '~/components/integrations/format';
import { sectionLoader } from '~/lib/section.server';
import { tenantRoleCan } from '../../server/security/rbac';
import { formResult, orThrowResponse } from '~/lib/trpc.server';

/** Runs shown per connection card; the full history belongs to the sync history screen. */
const RUNS_PER_CONNECTION = 5;

export async function loader(args: LoaderFunctionArgs) {
  // managers read (history, conflicts); owners and admins also change (server/security/rbac.ts)
  const { caller, tenant } = await sectionLoader('integrations.read')(args);
  const canManage = tenantRoleCan(tenant.role, 'integrations.manage');
  const all = await orThrowResponse(caller.connections.list());
  const engine = all.filter((c) => c.provider !== ('kommo' as string));
  const [runs, linked] = await Promise.all([
    Promise.all(engine.map((c) => orThrowResponse(caller.sync.runs({ connectionId: c.id, limit: RUNS_PER_CONNECTION })))),
    orThrowResponse(caller.connections.linkedCounts()),
  ]);
  const connections = engine.map((c, i) => ({
    id: c.id,
    provider: c.provider,
    status: c.status,
    statusReason: c.statusReason,
    connectedAs: c.connectedAs,
    usesSandbox: c.usesSandbox,
    frequency: c.frequency,
    direction: c.direction,
    lastSyncAt: c.lastSyncAt,
    nextSyncAt: c.nextSyncAt,
    linked: linked.find((l) => l.connectionId === c.id) ?? { accounts: 0, contacts: 0 },
    runs: runs[i]!.items.map((r) => ({
      id: r.id,
      startedAt: r.startedAt,
      direction: r.direction,
      entity: r.entity,
      status: r.status,
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      failed: r.failed,
      conflicts: r.conflicts,
    })),
  }));
  return { connections, canManage, now: new Date().toISOString() };
}

const id = z.string().uuid();
const actionSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('create'),
    provider: z.enum(['salesforce', 'hubspot']),
  }),
  z.object({
    intent: z.enum(['authorize', 'syncNow', 'pause', 'resume', 'disconnect']),
    id,
  }),
]);

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('integrations.manage')(args);
  const parsed = actionSchema.safeParse(Object.fromEntries(await args.request.formData()));
  if (!parsed.success)
    return data(
      {
        ok: false as const,
        message: 'Unknown request.',
        id: null as string | null,
      },
      { status: 400, headers }
    );
  const input = parsed.data;
  const answer = (result: Awaited<ReturnType<typeof formResult>>, message: string, forId: string | null) =>
    data(
      {
        ok: result.ok,
        message: result.ok ? message : result.message,
        id: forId,
      },
      { status: result.ok ? 200 : result.status, headers }
    );
  switch (input.intent) {
    case 'create': {
      const result = await formResult(caller.connections.create({ provider: input.provider }));
      if (result.ok) throw redirect(result.value.authorizationUrl, { headers });
      return answer(result, '', null);
    }
    case 'authorize': {
      const result = await formResult(caller.connections.authorize({ id: input.id }));
      if (result.ok) throw redirect(result.value.authorizationUrl, { headers });
      return answer(result, '', input.id);
    }
    case 'syncNow': {
      const result = await formResult(caller.connections.syncNow({ id: input.id }));
      if (!result.ok) return answer(result, '', input.id);
      const r = result.value;
      const message =
        r.status === 'queued'
          ? 'Sync queued. It starts in a moment.'
          : r.status === 'already_running'
          ? `A sync is already running (${humanize(r.entity)}, started ${formatDateTime(r.startedAt)}).`
          : 'A sync is already queued for this connection.';
      return answer(result, message, input.id);
    }
    case 'pause':
      return answer(await formResult(caller.connections.pause({ id: input.id })), 'Sync paused. Scheduled syncs stop until you resume.', input.id);
    case 'resume':
      return answer(await formResult(caller.connections.resume({ id: input.id })), 'Sync resumed.', input.id);
    case 'disconnect':
      return answer(await formResult(caller.connections.disconnect({ id: input.id })), 'Disconnected. Credentials were deleted and schedules stopped.', input.id);
  }
}

type ConnectionItem = ReturnType<typeof useLoaderData<typeof loader>>['connections'][number];

function ConnectButtons({ busy }: { busy: boolean }) {
  return (
    <Form method="post" className="flex flex-wrap justify-center gap-2">
      <input type="hidden" name="intent" value="create" />
      <Button type="submit" name="provider" value="salesforce" disabled={busy}>
        Connect Salesforce
      </Button>
      <Button type="submit" name="provider" value="hubspot" disabled={busy}>
        Connect HubSpot
      </Button>
    </Form>
  );
}

function IntentButton({ intent, id, label, variant = 'secondary', busy }: { intent: string; id: string; label: string; variant?: 'primary' | 'secondary'; busy: boolean }) {
  return (
    <Form method="post">
      <input type="hidden" name="id" value={id} />
      <Button type="submit" name="intent" value={intent} variant={variant} disabled={busy}>
        {label}
      </Button>
    </Form>
  );
}

function ConnectionCard({ c, now, canManage, result }: { c: ConnectionItem; now: string; canManage: boolean; result: { ok: boolean; message: string } | null }) {
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formData?.get('id') === c.id;
  const name = providerName[c.provider] ?? humanize(c.provider);
  const headingId = `connection-${c.id}`;
  const number = new Intl.NumberFormat('en');
  return (
    <section aria-labelledby={headingId} data-testid={`connection-${c.provider}`} className="min-w-0 space-y-4 rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={headingId} className="text-base font-semibold">
          {name}
          {c.usesSandbox ? <span className="ml-2 text-sm font-normal text-slate-600">(sandbox)</span> : null}
        </h2>
        <span data-testid="connection-status" className={`rounded-full border px-2 py-0.5 text-xs font-medium ${connectionBadgeStyle[c.status] ?? connectionBadgeStyle.paused}`}>
          {connectionStatusLabel[c.status] ?? humanize(c.status)}
        </span>
      </div>
      {c.status === 'error' && c.statusReason ? <p className="text-sm text-red-800">Error: {c.statusReason}</p> : null}
      {result?.message ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-6 gap-y-1 text-sm [&>dd]:break-words">
        <dt className="text-slate-600">Connected as</dt>
        <dd>{c.connectedAs ?? '—'}</dd>
        <dt className="text-slate-600">Last sync</dt>
        <dd>
          {c.lastSyncAt ? (
            <time dateTime={new Date(c.lastSyncAt).toISOString()} title={formatDateTime(c.lastSyncAt)}>
              {relativeTime(c.lastSyncAt, now)}
            </time>
          ) : (
            'Never'
          )}
        </dd>
        <dt className="text-slate-600">Next sync</dt>
        <dd>
          {c.status !== 'connected' ? (
            '—'
          ) : c.nextSyncAt ? (
            <time dateTime={new Date(c.nextSyncAt).toISOString()} title={formatDateTime(c.nextSyncAt)}>
              {new Date(c.nextSyncAt) <= new Date(now) ? 'due now' : relativeTime(c.nextSyncAt, now)}
            </time>
          ) : (
            `${humanize(c.frequency)}`
          )}
        </dd>
        <dt className="text-slate-600">Records synced</dt>
        <dd>
          <span data-testid="records-synced">{number.format(c.linked.accounts + c.linked.contacts)}</span>{' '}
          <span className="text-slate-600">
            ({number.format(c.linked.accounts)} {c.linked.accounts === 1 ? 'account' : 'accounts'}, {number.format(c.linked.contacts)} {c.linked.contacts === 1 ? 'contact' : 'contacts'} linked)
          </span>
        </dd>
      </dl>
      <div className="flex flex-wrap gap-2">
        {c.status !== 'pending_auth' ? (
          <Link to={`/integrations/${c.id}`} className={buttonClass('secondary')} aria-label={`${canManage ? 'Configure' : 'Open'} ${name}`}>
            {canManage ? 'Configure' : 'Open'}
          </Link>
        ) : null}
        {canManage ? (
          <>
            {c.status === 'connected' ? <IntentButton intent="syncNow" id={c.id} label="Sync now" variant="primary" busy={busy} /> : null}
            {c.status === 'pending_auth' || c.status === 'disconnected' ? <IntentButton intent="authorize" id={c.id} label="Connect" variant="primary" busy={busy} /> : null}
            {c.status === 'error' || c.status === 'connected' || c.status === 'paused' ? <IntentButton intent="authorize" id={c.id} label="Re-authorize" busy={busy} /> : null}
            {c.status === 'connected' ? <IntentButton intent="pause" id={c.id} label="Pause" busy={busy} /> : null}
            {c.status === 'paused' ? <IntentButton intent="resume" id={c.id} label="Resume" variant="primary" busy={busy} /> : null}
            {c.status !== 'disconnected' ? (
              <ConfirmDialog
                trigger={<Button variant="danger">Disconnect</Button>}
                title={`Disconnect ${name}?`}
                description="The token is revoked at the CRM where possible, the stored credentials are deleted and scheduled syncs stop. Records already synced stay in the app."
                confirmLabel="Disconnect"
                intent="disconnect"
                hidden={{ id: c.id }}
              />
            ) : null}
          </>
        ) : null}
      </div>
      <div className="space-y-2">
        <h3 className="text-sm font-semibold">Recent sync runs</h3>
        {c.runs.length === 0 ? (
          <p className="text-sm text-slate-600">No sync has run yet.</p>
        ) : (
          <DataTable label={`Recent sync runs of ${name}`} columns={['Started', 'Direction', 'Entity', 'Created', 'Updated', 'Deleted', 'Failed', 'Conflicts', 'Status']}>
            {c.runs.map((r) => (
              <tr key={r.id} data-testid="sync-run">
                <td className="whitespace-nowrap px-3 py-2">{formatDateTime(r.startedAt)}</td>
                <td className="px-3 py-2">{humanize(r.direction)}</td>
                <td className="px-3 py-2">{humanize(r.entity)}</td>
                <td className="px-3 py-2">{r.created}</td>
                <td className="px-3 py-2">{r.updated}</td>
                <td className="px-3 py-2">{r.deleted}</td>
                <td className="px-3 py-2">{r.failed}</td>
                <td className="px-3 py-2">{r.conflicts}</td>
                <td className="px-3 py-2">{humanize(r.status)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </section>
  );
}

export default function IntegrationsPage() {
  const { connections, canManage, now } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const creating = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'create';
  return (
    <>
      <PageHeader title="Integrations" description="Keep accounts and contacts in sync with Salesforce and HubSpot. Kommo has its own pages." />
      <div className="space-y-6">
        {result && !result.id && result.message ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
        {connections.length === 0 ? (
          <EmptyState title="No connections yet">
            {canManage ? (
              <>
                <p className="mb-4">Connect a CRM to sync its accounts and contacts with CRM Hub.</p>
                <ConnectButtons busy={creating} />
              </>
            ) : (
              <p>An owner or admin of your workspace can connect Salesforce or HubSpot.</p>
            )}
          </EmptyState>
        ) : (
          <>
            <div className="grid gap-4 lg:grid-cols-2">
              {connections.map((c) => (
                <ConnectionCard key={c.id} c={c} now={now} canManage={canManage} result={result && result.id === c.id ? result : null} />
              ))}
            </div>
            {canManage ? (
              <section aria-labelledby="add-connection" className="space-y-2">
                <h2 id="add-connection" className="text-base font-semibold">
                  Add a connection
                </h2>
                <Form method="post" className="flex flex-wrap gap-2">
                  <input type="hidden" name="intent" value="create" />
                  <Button type="submit" name="provider" value="salesforce" variant="secondary" disabled={creating}>
                    Connect Salesforce
                  </Button>
                  <Button type="submit" name="provider" value="hubspot" variant="secondary" disabled={creating}>
                    Connect HubSpot
                  </Button>
                </Form>
              </section>
            ) : null}
          </>
        )}
      </div>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Integrations · CRM Hub' }];
