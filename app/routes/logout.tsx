import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { callerFor } from '~/lib/trpc.server';

export async function loader() {
  return redirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { caller, headers } = await callerFor(request, context);
  const me = await caller.auth.me();
  if (me.user) await caller.auth.logout();
  return redirect('/login', { headers });
}
