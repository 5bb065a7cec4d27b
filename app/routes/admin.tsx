import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { AppShell } from '~/components/app-shell';
import { requirePlatformUser } from '~/lib/platform.server';

export async function loader(args: LoaderFunctionArgs) {
  const { user, platformRole } = await requirePlatformUser(args);
  return { email: user.email, platformRole };
}

export default function AdminLayout() {
  const { email, platformRole } = useLoaderData<typeof loader>();
  return (
    <AppShell
      nav={[
        { label: 'Tenants', href: '/admin' },
        { label: 'Users', href: '/admin/users' },
        { label: 'Audit', href: '/admin/audit' },
      ]}
      userEmail={email}
      context={`Platform · ${platformRole === 'super_admin' ? 'super admin' : 'admin lite'}`}
    >
      <Outlet />
    </AppShell>
  );
}
