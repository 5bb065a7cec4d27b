import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { timezoneSchema } from '../shared/validation';
import { planTiers } from '../shared/plans';
import { passwordPolicy } from '../auth/password';
import { platformRoles, tenantRoles } from '../security/rbac';
import { createTenant, deleteTenant, listTenants, setTenantStatus } from '../services/admin/tenants';
import { addMembership, createUser, deleteUser, findUser, listUsers, setUserStatus } from '../services/admin/users';
import { notFound, platformProcedure, router } from '../trpc';
import { platformAuditRouter } from './audit';

const page = { search: z.string().trim().max(100).optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(100).default(25) };
const slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'Lower-case letters, digits and dashes; 1–48 characters.');
const timezone = timezoneSchema;

export const adminRouter = router({
  tenants: router({
    list: platformProcedure('platform.tenants.read').input(z.object(page)).query(({ ctx, input }) => listTenants(ctx.db, input)),

    create: platformProcedure('platform.tenants.write')
      .input(z.object({ name: z.string().trim().min(2).max(120), slug, planTier: z.enum(planTiers), timezone: timezone.default('UTC') }))
      .mutation(async ({ ctx, input }) => {
        const result = await createTenant(ctx.db, input);
        if (!result.ok) throw new TRPCError({ code: 'CONFLICT', message: 'That slug is taken.' });
        await ctx.audit({ action: 'admin.tenant.create', organizationId: result.id, targetType: 'organization', targetId: result.id, details: input });
        return { id: result.id };
      }),

    setStatus: platformProcedure('platform.tenants.write')
      .input(z.object({ id: z.string().uuid(), status: z.enum(['active', 'disabled']) }))
      .mutation(async ({ ctx, input }) => {
        const row = (await setTenantStatus(ctx.db, input.id, input.status)) ?? notFound('Tenant');
        await ctx.audit({ action: `admin.tenant.${input.status === 'active' ? 'enable' : 'disable'}`, organizationId: row.id, targetType: 'organization', targetId: row.id, details: { name: row.name } });
        return { ok: true };
      }),

    delete: platformProcedure('platform.tenants.delete')
      .input(z.object({ id: z.string().uuid(), confirmSlug: z.string() }))
      .mutation(async ({ ctx, input }) => {
        const result = await deleteTenant(ctx.db, input.id, input.confirmSlug);
        if (!result.ok && result.reason === 'not-found') notFound('Tenant');
        if (!result.ok) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Type the tenant slug to confirm.' });
        const row = result.tenant;
        await ctx.audit({ action: 'admin.tenant.delete', organizationId: row.id, targetType: 'organization', targetId: row.id, details: { name: row.name, slug: row.slug } });
        return { ok: true };
      }),
  }),

  users: router({
    list: platformProcedure('platform.users.read').input(z.object(page)).query(({ ctx, input }) => listUsers(ctx.db, input)),

    create: platformProcedure('platform.users.write')
      .input(
        z.object({
          email: z.string().trim().email().max(320),
          name: z.string().trim().max(120).default(''),
          password: z.string().min(passwordPolicy.minLength).max(passwordPolicy.maxLength),
          platformRole: z.enum([...platformRoles, 'none']).default('none'),
          membership: z.object({ organizationId: z.string().uuid(), role: z.enum(tenantRoles) }).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        if (input.platformRole !== 'none' && ctx.user.platformRole !== 'super_admin') {
          throw new TRPCError({ code: 'FORBIDDEN', message: 'Only a super admin grants platform roles.' });
        }
        const result = await createUser(ctx.db, input);
        if (!result.ok && result.reason === 'email-taken') throw new TRPCError({ code: 'CONFLICT', message: 'A user with that e-mail exists.' });
        if (!result.ok) notFound('Tenant');
        await ctx.audit({
          action: 'admin.user.create',
          organizationId: input.membership?.organizationId ?? null,
          targetType: 'user',
          targetId: result.id,
          details: { email: input.email, platformRole: input.platformRole, membership: input.membership },
        });
        return { id: result.id };
      }),

    setStatus: platformProcedure('platform.users.write')
      .input(z.object({ id: z.string().uuid(), status: z.enum(['active', 'disabled']) }))
      .mutation(async ({ ctx, input }) => {
        const user = (await findUser(ctx.db, input.id)) ?? notFound('User');
        if (user.id === ctx.user.id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'You cannot disable yourself.' });
        if (user.platformRole === 'super_admin' && ctx.user.platformRole !== 'super_admin') {
          throw new TRPCError({ code: 'FORBIDDEN', message: 'Only a super admin changes a super admin.' });
        }
        await setUserStatus(ctx.db, input.id, input.status);
        await ctx.audit({ action: `admin.user.${input.status === 'active' ? 'enable' : 'disable'}`, targetType: 'user', targetId: user.id, details: { email: user.email } });
        return { ok: true };
      }),

    delete: platformProcedure('platform.users.delete')
      .input(z.object({ id: z.string().uuid() }))
      .mutation(async ({ ctx, input }) => {
        const user = (await findUser(ctx.db, input.id)) ?? notFound('User');
        if (user.id === ctx.user.id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'You cannot delete yourself.' });
        await deleteUser(ctx.db, input.id);
        await ctx.audit({ action: 'admin.user.delete', targetType: 'user', targetId: user.id, details: { email: user.email } });
        return { ok: true };
      }),

    addMembership: platformProcedure('platform.users.write')
      .input(z.object({ userId: z.string().uuid(), organizationId: z.string().uuid(), role: z.enum(tenantRoles) }))
      .mutation(async ({ ctx, input }) => {
        (await findUser(ctx.db, input.userId)) ?? notFound('User');
        const id = await addMembership(ctx.db, input).catch(() => notFound('Tenant'));
        await ctx.audit({ action: 'admin.user.add_membership', organizationId: input.organizationId, targetType: 'membership', targetId: id, details: { userId: input.userId, role: input.role } });
        return { id };
      }),
  }),

  audit: platformAuditRouter,
});

