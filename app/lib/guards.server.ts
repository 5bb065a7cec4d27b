import type { AppLoadContext } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { roleCan, type Permission } from '../../server/security/rbac';
import { callerFor } from './trpc.server';

/** Guards throw, so a loader's happy path stays flat. */
export async function requireUser(request: Request, context: AppLoadContext) {
  const session = await callerFor(request, context);
  const me = await session.caller.auth.me();
  if (!me.user) {
    const url = new URL(request.url);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`, { headers: session.headers });
  }
  return { ...session, user: me.user, tenant: me.tenant };
}

export async function requireTenantUser(request: Request, context: AppLoadContext) {
  const session = await requireUser(request, context);
  if (!session.tenant) {
    if (session.user.platformRole !== 'none') throw redirect('/admin', { headers: session.headers });
    throw new Response('Your account is not a member of an active tenant.', { status: 403 });
  }
  return { ...session, tenant: session.tenant };
}

export function requirePermission(role: Parameters<typeof roleCan>[0] | 'none', permission: Permission) {
  if (role === 'none' || !roleCan(role, permission)) {
    throw new Response('Your role does not give access to this page.', { status: 403, statusText: 'Forbidden' });
  }
}
