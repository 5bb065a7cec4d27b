import { initTRPC, TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { z, ZodError } from 'zod';
import { memberships, organizations, users } from '../db/schema';
import type { AppServices } from './app-services';
import { clearedSessionCookie, readSessionToken, sessionCookie } from './auth/cookie';
import { validateSessionToken, type ValidSession } from './auth/session';
import { writeAudit, type AuditEntry, type RequestMeta } from './security/audit';
import {
  platformRoleCan,
  tenantRoleCan,
  type PlatformPermission,
  type PlatformRole,
  type TenantPermission,
  type TenantRole,
} from './security/rbac';

// ---------------------------------------------------------------- context

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  platformRole: PlatformRole | 'none';
}

export interface TenantScope {
  organizationId: string;
  organizationName: string;
  organizationSlug: string;
  role: TenantRole;
}

export interface Context {
  app: AppServices;
  db: AppServices['db'];
  request: Request;
  /** Headers the caller must copy onto its response (Set-Cookie). */
  responseHeaders: Headers;
  meta: RequestMeta;
  session: ValidSession | null;
  user: SessionUser | null;
  tenant: TenantScope | null;
}

export function requestMetaOf(request: Request): RequestMeta {
  return {
    ip: request.headers.get('x-crmhub-client-ip'),
    userAgent: request.headers.get('user-agent'),
    requestId: request.headers.get('x-request-id') ?? crypto.randomUUID(),
  };
}

export async function createContext(opts: { app: AppServices; request: Request; responseHeaders?: Headers }): Promise<Context> {
  const { app, request } = opts;
  const responseHeaders = opts.responseHeaders ?? new Headers();
  const base: Context = {
    app,
    db: app.db,
    request,
    responseHeaders,
    meta: requestMetaOf(request),
    session: null,
    user: null,
    tenant: null,
  };
  const token = readSessionToken(request);
  if (!token) return base;
  const session = await validateSessionToken(app.db, token);
  if (!session) {
    responseHeaders.append('Set-Cookie', clearedSessionCookie(request));
    return base;
  }
  if (session.refreshed) responseHeaders.append('Set-Cookie', sessionCookie(request, token, session.expiresAt));
  const [user] = await app.db
    .select({ id: users.id, email: users.email, name: users.name, platformRole: users.platformRole })
    .from(users)
    .where(eq(users.id, session.userId));
  if (!user) return base;
  let tenant: TenantScope | null = null;
  if (session.activeOrganizationId) {
    const [row] = await app.db
      .select({
        organizationId: organizations.id,
        organizationName: organizations.name,
        organizationSlug: organizations.slug,
        status: organizations.status,
        role: memberships.role,
      })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
      .where(and(eq(memberships.userId, user.id), eq(memberships.organizationId, session.activeOrganizationId)));
    if (row && row.status === 'active') {
      tenant = { organizationId: row.organizationId, organizationName: row.organizationName, organizationSlug: row.organizationSlug, role: row.role };
    }
  }
  return { ...base, session, user, tenant };
}

// ---------------------------------------------------------------- init

/**
 * Every procedure declares what it needs: 'public', 'authenticated', or a permission
 * of the matrix in security/rbac.ts. A test fails when one does not.
 */
export interface ProcedureMeta {
  permission: 'public' | 'authenticated' | TenantPermission | PlatformPermission;
  /** The audit action a successful mutation records when the handler records none. */
  auditAction?: string;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      // an unexpected error's message can hold SQL and its parameters: never send it
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      return {
        ...shape,
        message: internal ? 'Internal server error.' : shape.message,
        data: {
          ...shape.data,
          stack: undefined,
          fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : undefined,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

// ---------------------------------------------------------------- middlewares

/**
 * Every mutation leaves an audit row: the handler records a precise one through
 * ctx.audit(); when it records none, this writes a generic one; a refused or failed
 * mutation is recorded with its outcome.
 */
const withAudit = t.middleware(async ({ ctx, type, path, meta, next }) => {
  if (type !== 'mutation') return next({ ctx: { audit: async (_entry: AuditEntry) => {} } });
  let recorded = false;
  const actor = () => ({ userId: ctx.user?.id ?? null, email: ctx.user?.email ?? null });
  const audit = async (entry: AuditEntry) => {
    recorded = true;
    await writeAudit(ctx.db, actor(), ctx.meta, { organizationId: ctx.tenant?.organizationId ?? null, ...entry });
  };
  const result = await next({ ctx: { audit } });
  if (!recorded) {
    const outcome = result.ok
      ? 'success'
      : ['FORBIDDEN', 'UNAUTHORIZED', 'TOO_MANY_REQUESTS'].includes(result.error.code)
        ? 'denied'
        : 'failure';
    await writeAudit(ctx.db, actor(), ctx.meta, {
      action: meta?.auditAction ?? path,
      organizationId: ctx.tenant?.organizationId ?? null,
      outcome,
      details: result.ok ? {} : { code: result.error.code },
    });
  }
  return result;
});

const withUser = t.middleware(({ ctx, next }) => {
  if (!ctx.user || !ctx.session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Please log in.' });
  return next({ ctx: { user: ctx.user, session: ctx.session } });
});

function withTenantPermission(permission: TenantPermission) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.tenant || !tenantRoleCan(ctx.tenant.role, permission)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Your role does not allow this.' });
    }
    return next({ ctx: { tenant: ctx.tenant } });
  });
}

function withPlatformPermission(permission: PlatformPermission) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.user || !platformRoleCan(ctx.user.platformRole, permission)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Platform staff only.' });
    }
    return next();
  });
}

// ---------------------------------------------------------------- procedures

export const publicProcedure = t.procedure.meta({ permission: 'public' }).use(withAudit);
export const authedProcedure = t.procedure.meta({ permission: 'authenticated' }).use(withAudit).use(withUser);

export const tenantProcedure = (permission: TenantPermission) =>
  t.procedure.meta({ permission }).use(withAudit).use(withUser).use(withTenantPermission(permission));

export const platformProcedure = (permission: PlatformPermission) =>
  t.procedure.meta({ permission }).use(withAudit).use(withUser).use(withPlatformPermission(permission));

/** NOT_FOUND for a missing row and for another tenant's row alike. */
export function notFound(what = 'Record'): never {
  throw new TRPCError({ code: 'NOT_FOUND', message: `${what} not found.` });
}
