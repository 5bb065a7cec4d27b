import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { PageHeader } from '~/components/ui/alert';
import { requireTenantUser } from '~/lib/guards.server';
import { tenantRoleCan } from '../../server/security/rbac';

/** Kommo: the inbound mirror, the connection (admins) and outbound activity (admins). Each tab checks its own permission. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { tenant } = await requireTenantUser(request, context);
  const can = (p: Parameters<typeof tenantRoleCan>[1]) => tenantRoleCan(tenant.role, p);
  if (!can('kommo.read') && !can('integrations.manage')) throw new Response('Your role does not give access to this page.', { status: 403 });
  return {
    tabs: [
      can('kommo.read') ? { to: '/kommo', label: 'Kommo leads', end: true } : null,
      can('integrations.manage') ? { to: '/kommo/connection', label: 'Connection', end: false } : null,
      can('kommo.activity.read') ? { to: '/kommo/activity', label: 'Kommo activity', end: false } : null,
      can('kommo.activity.read') ? { to: '/kommo/exceptions', label: 'Bulk exceptions', end: false } : null,
    ].filter((t): t is { to: string; label: string; end: boolean } => t !== null),
  };
}

export default function KommoLayout() {
  const { tabs } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Kommo" description="Leads mirrored from Kommo automatically; nothing is sent to Kommo except one lead at a time, by a person." />
      <nav aria-label="Kommo" className="mb-6 flex flex-wrap gap-1 border-b border-slate-200">
        {tabs.map((t) => (
          <NavLink
            key={t.to}
            to={t.to}
            end={t.end}
            className={({ isActive }) => `-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${isActive ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-700 hover:text-slate-900'}`}
          >
            {t.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Kommo · CRM Hub' }];
