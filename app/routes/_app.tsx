import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { AppShell } from '~/components/app-shell';
import { requireTenantUser } from '~/lib/guards.server';
import { navigation, tenantRoleCan } from '../../server/security/rbac';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, tenant } = await requireTenantUser(request, context);
  return {
    email: user.email,
    tenantName: tenant.organizationName,
    role: tenant.role,
    nav: navigation.filter((item) => tenantRoleCan(tenant.role, item.permission)).map(({ label, href }) => ({ label, href })),
  };
}

export default function TenantLayout() {
  const data = useLoaderData<typeof loader>();
  return (
    <AppShell nav={data.nav} userEmail={data.email} context={`${data.tenantName} · ${data.role}`}>
      <Outlet />
    </AppShell>
  );
}
