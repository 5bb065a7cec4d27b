import type { LoaderFunctionArgs } from '@remix-run/node';
import { sectionLoader } from '~/lib/section.server';
import { orThrowResponse } from '~/lib/trpc.server';
import { tenantRoleCan } from '../../../server/security/rbac';

/** A CRM page's session: the CRM section's guard plus what the signed-in role may do there. */
export async function crmSession(args: Pick<LoaderFunctionArgs, 'request' | 'context' | 'params'>) {
  const session = await sectionLoader('crm.access')(args as LoaderFunctionArgs);
  const role = session.tenant.role;
  return {
    ...session,
    can: {
      write: tenantRoleCan(role, 'crm.write'),
      /** every lead of the tenant, assigning, bulk changes, merges, imports */
      manage: tenantRoleCan(role, 'crm.manage_all'),
    },
  };
}

type Caller = Awaited<ReturnType<typeof crmSession>>['caller'];

/**
 * Members a lead can be assigned to (active, in roles that work the CRM: crm.assignees).
 * Only managers assign; for anyone else this is null and the page hides assignee pickers.
 */
export async function assignableMembers(caller: Caller, canManage: boolean) {
  if (!canManage) return null;
  const members = await orThrowResponse(caller.crm.assignees());
  return members.map((m) => ({ userId: m.userId, name: m.name, email: m.email }));
}

export async function customFieldDefs(caller: Caller, entity: 'lead' | 'contact' | 'account') {
  const defs = await orThrowResponse(caller.crm.customFields.list({ entity }));
  return defs.map(({ key, label, type, options, required }) => ({ key, label, type, options, required }));
}

export async function stageOptions(caller: Caller) {
  const stages = await orThrowResponse(caller.crm.stages.list());
  return stages.map(({ id, name, color }) => ({ id, name, color }));
}
