import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from './guards.server';

/** Platform staff only; a tenant user gets 403. */
export async function requirePlatformUser({ request, context }: Pick<LoaderFunctionArgs, 'request' | 'context'>) {
  const session = await requireUser(request, context);
  if (session.user.platformRole === 'none') throw new Response('The admin panel is for platform staff.', { status: 403 });
  return { ...session, platformRole: session.user.platformRole };
}

export function pageFrom(url: URL, pageSize = 25) {
  const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
  return { page, offset: (page - 1) * pageSize, limit: pageSize, search: url.searchParams.get('q')?.trim() || undefined };
}
