import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';
import { ProviderRateLimited, ReauthorizationNeeded } from '../providers/types';
import type { TenantPermission } from '../security/rbac';
import { ApiBudgetExhausted, SyncError } from '../services/sync/errors';
import type { SyncDeps } from '../services/sync/tokens';
import { middleware, tenantProcedure, type Context } from '../trpc';

/**
 * Plumbing shared by the connections, mappings, sync and conflicts routers: the sync
 * services' errors become tRPC errors (field errors as zod field errors, like the CRM's),
 * provider failures never leak their internals, and the services get their dependencies.
 */

const withSyncErrors = middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof SyncError) {
    switch (cause.kind) {
      case 'not_found':
        throw new TRPCError({ code: 'NOT_FOUND', message: cause.message });
      case 'conflict':
        throw new TRPCError({ code: 'CONFLICT', message: cause.message });
      case 'plan_limit':
        throw new TRPCError({ code: 'PAYMENT_REQUIRED', message: cause.message });
      case 'not_configured':
      case 'bad_state':
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: cause.message });
      case 'provider':
      case 'invalid': {
        const issues = Object.entries(cause.fieldErrors).flatMap(([field, messages]) => messages.map((message) => ({ code: 'custom' as const, path: [field], message, input: undefined })));
        throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause: issues.length ? new ZodRealError(issues) : undefined });
      }
    }
  }
  if (cause instanceof ReauthorizationNeeded) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'The CRM needs to be authorized again (re-authorization needed).' });
  if (cause instanceof ProviderRateLimited) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'The CRM asks us to slow down; try again in a minute.' });
  if (cause instanceof ApiBudgetExhausted) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message });
  if (result.error.code === 'INTERNAL_SERVER_ERROR') throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The sync service could not complete that request.', cause });
  return result;
});

export const syncProcedure = (permission: TenantPermission) => tenantProcedure(permission).use(withSyncErrors);

export const syncDepsOf = (ctx: Context): SyncDeps => ({ db: ctx.db, sql: ctx.app.sql, keyring: ctx.app.keyring, env: ctx.app.env });
