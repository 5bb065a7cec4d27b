import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { humanize } from '~/components/crm/format';
import { connectionBadgeStyle, connectionStatusLabel, providerName } from '~/components/integrations/format';
import { PageHeader } from '~/components/ui/alert';
import { sectionLoader } from '~/lib/section.server';
import { orThrowResponse } from '~/lib/trpc.server';
import { tenantRoleCan } from '../../server/security/rbac';

/**
 * One Salesforce/HubSpot connection: a header with its status and the tabs of its screens
 * (field mappings, sync settings, sync history, conflicts). Managers read; owners and admins change.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { caller, tenant } = await sectionLoader('integrations.read')(args);
  const id = z.string().uuid().safeParse(args.params.connectionId);
  if (!id.success) throw new Response('There is no connection at this address.', { status: 404 });
  const [c, conflicts] = await Promise.all([orThrowResponse(caller.connections.byId({ id: id.data })), orThrowResponse(caller.conflicts.count({ connectionId: id.data }))]);
  return {
    openConflicts: conflicts.records,
    connection: { id: c.id, provider: c.provider, status: c.status, statusReason: c.statusReason, connectedAs: c.connectedAs, usesSandbox: c.usesSandbox },
    canManage: tenantRoleCan(tenant.role, 'integrations.manage'),
  };
}

const tabs = [
  { to: 'mappings', label: 'Field mappings' },
  { to: 'settings', label: 'Sync settings' },
  { to: 'history', label: 'Sync history' },
  { to: 'conflicts', label: 'Conflicts' },
] as const;

export default function ConnectionLayout() {
  const { connection: c, openConflicts } = useLoaderData<typeof loader>();
  const name = providerName[c.provider] ?? humanize(c.provider);
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/integrations" className="text-brand-700 underline">
          ← Integrations
        </Link>
      </p>
      <PageHeader
        title={`${name}${c.usesSandbox ? ' (sandbox)' : ''}`}
        description={c.connectedAs ? `Connected as ${c.connectedAs}` : undefined}
        actions={
          <span data-testid="connection-status" className={`rounded-full border px-2 py-0.5 text-xs font-medium ${connectionBadgeStyle[c.status] ?? connectionBadgeStyle.paused}`}>
            {connectionStatusLabel[c.status] ?? humanize(c.status)}
          </span>
        }
      />
      {c.status === 'error' && c.statusReason ? <p className="mb-4 text-sm text-red-800">Error: {c.statusReason}</p> : null}
      <nav aria-label="Connection" className="mb-6 overflow-x-auto border-b border-slate-200">
        <ul className="flex min-w-max gap-1">
          {tabs.map((t) => (
            <li key={t.to}>
              <NavLink
                to={t.to}
                prefetch="intent"
                className={({ isActive }) =>
                  `inline-block border-b-2 px-3 py-2 text-sm font-medium ${isActive ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-700 hover:text-slate-900'}`
                }
              >
                {t.label}
                {t.to === 'conflicts' && openConflicts > 0 ? (
                  <span data-testid="open-conflicts" className="relative ml-1.5 rounded-full bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-900">
                    {openConflicts}
                    <span className="sr-only"> open</span>
                  </span>
                ) : null}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data ? (providerName[data.connection.provider] ?? data.connection.provider) : 'Connection'} · Integrations · CRM Hub` },
];
