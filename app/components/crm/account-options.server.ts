import type { callerFor } from '~/lib/trpc.server';
import { orThrowResponse } from '~/lib/trpc.server';

type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];

/**
 * Accounts offered in a contact's account select: the first 200 by name (crm.accounts.lookup,
 * ids and names only), plus the current one if it is further down.
 */
export async function accountOptions(caller: Caller, currentId?: string | null) {
  const list = await orThrowResponse(caller.crm.accounts.lookup({ limit: 200 }));
  const options = list.map((a) => ({ id: a.id, name: a.name }));
  if (currentId && !options.some((a) => a.id === currentId)) {
    const current = await caller.crm.accounts.byId({ id: currentId }).catch(() => null);
    if (current) options.unshift({ id: current.id, name: current.name });
  }
  return options;
}
