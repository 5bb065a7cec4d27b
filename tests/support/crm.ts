import { TRPCError } from '@trpc/server';
import { ZodError, z } from 'zod';
import type { Database } from '../../db/client';
import { callerAs, makeTenant, makeUser } from './factories';

/** A tenant with one user per CRM-relevant role (two sales users, to test "a colleague's lead") and a caller for each. */
export async function crmTenant(database: Database) {
  const tenant = await makeTenant(database);
  const users = {
    owner: await makeUser(database, 'owner', tenant.id),
    admin: await makeUser(database, 'admin', tenant.id),
    manager: await makeUser(database, 'manager', tenant.id),
    sales: await makeUser(database, 'sales', tenant.id),
    colleague: await makeUser(database, 'sales', tenant.id),
    viewer: await makeUser(database, 'viewer', tenant.id),
  };
  const as = async (user: { id: string; organizationId: string | null }) => (await callerAs(database, user)).caller;
  const callers = {
    owner: await as(users.owner),
    admin: await as(users.admin),
    manager: await as(users.manager),
    sales: await as(users.sales),
    colleague: await as(users.colleague),
    viewer: await as(users.viewer),
  };
  return { tenant, users, callers };
}
export type CrmTenant = Awaited<ReturnType<typeof crmTenant>>;

/** The saved record of a create/update answer; fails the test on a duplicates answer. */
export function saved<T extends { status: string }>(result: T): Extract<T, { status: 'saved' }> {
  if (result.status !== 'saved') throw new Error(`expected a save, got ${JSON.stringify(result)}`);
  return result as Extract<T, { status: 'saved' }>;
}

/** 'OK' or the tRPC error code. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

/** The field errors a BAD_REQUEST carries to the client (what the error formatter exposes). */
export async function fieldErrorsOf(promise: Promise<unknown>): Promise<Record<string, string[] | undefined>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError && error.code === 'BAD_REQUEST' && error.cause instanceof ZodError) {
      return z.flattenError(error.cause).fieldErrors as Record<string, string[] | undefined>;
    }
    throw error;
  }
  throw new Error('expected BAD_REQUEST with field errors, got success');
}
