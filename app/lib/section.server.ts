import type { LoaderFunctionArgs } from '@remix-run/node';
import type { TenantPermission } from '../../server/security/rbac';
import { requirePermission, requireTenantUser } from './guards.server';

/** Loader of a dashboard section: signed-in tenant user holding the section's permission, else 403. */
export const sectionLoader =
  (permission: TenantPermission) =>
  async ({ request, context }: LoaderFunctionArgs) => {
    const session = await requireTenantUser(request, context);
    requirePermission(session.tenant.role, permission);
    return session;
  };
