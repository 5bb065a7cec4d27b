import type { callerFor } from '~/lib/trpc.server';
import { orThrowResponse } from '~/lib/trpc.server';

type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];

/**
 * Accounts offered in a contact's account select: the first 200 by name, plus the
 * current one if it is further down. (A searchable picker needs a lighter lookup
 * procedure; see the report.)
 */
export async function accountOptions(caller: Caller, currentId?: string | null) {
  const list = await orThrowResponse(caller.crm.accounts.list({ offset: 0, limit: 200, sort: 'name', direction: 'asc' }));
  const options = list.items.map((a) => ({ id: a.id, name: a.name }));
  if (currentId && !options.some((a) => a.id === currentId)) {
    const current = await caller.crm.accounts.byId({ id: currentId }).catch(() => null);
    if (current) options.unshift({ id: current.id, name: current.name });
  }
  return options;
}
