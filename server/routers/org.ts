import { TRPCError } from '@trpc/server';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { timezoneSchema } from '../shared/validation';
import { tenantRoles } from '../security/rbac';
import {
  changeMemberRole,
  listMembers,
  organizationOverview,
  removeMember,
  updateOrganizationSettings,
  type MemberChange,
} from '../services/org/members';
import { notFound, router, tenantProcedure } from '../trpc';

const timezone = timezoneSchema;
/** ISO 3166 alpha-2; the CRM reads phone numbers without a country code as this country's. */
const defaultCountry = z
  .string()
  .trim()
  .toUpperCase()
  .refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), 'A two-letter country code, e.g. US or DE.');

function settle(change: MemberChange) {
  if (change.ok) return change;
  if (change.reason === 'not-found') notFound('Member');
  throw new TRPCError({ code: 'CONFLICT', message: 'A tenant must keep at least one owner.' });
}

export const orgRouter = router({
  overview: tenantProcedure('overview.read').query(async ({ ctx }) => ({
    ...(await organizationOverview(ctx.db, ctx.tenant.organizationId)),
    role: ctx.tenant.role,
  })),

  members: router({
    list: tenantProcedure('members.read').query(({ ctx }) => listMembers(ctx.db, ctx.tenant.organizationId)),

    updateRole: tenantProcedure('members.manage')
      .input(z.object({ membershipId: z.string().uuid(), role: z.enum(tenantRoles) }))
      .mutation(async ({ ctx, input }) => {
        const change = settle(await changeMemberRole(ctx.db, ctx.tenant.organizationId, input.membershipId, input.role));
        await ctx.audit({
          action: 'org.member.update_role',
          targetType: 'membership',
          targetId: input.membershipId,
          details: { before: change.before, after: input.role },
        });
        return { ok: true };
      }),

    remove: tenantProcedure('members.manage')
      .input(z.object({ membershipId: z.string().uuid() }))
      .mutation(async ({ ctx, input }) => {
        const change = settle(await removeMember(ctx.db, ctx.tenant.organizationId, input.membershipId));
        await ctx.audit({ action: 'org.member.remove', targetType: 'membership', targetId: input.membershipId, details: { role: change.before } });
        return { ok: true };
      }),
  }),

  updateSettings: tenantProcedure('org.settings.manage')
    .input(
      z.object({
        name: z.string().trim().min(2).max(120),
        timezone,
        dayBoundaryHour: z.coerce.number().int().min(0).max(23),
        defaultCountry: defaultCountry.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const change = await updateOrganizationSettings(ctx.db, ctx.tenant.organizationId, input);
      await ctx.audit({ action: 'org.settings.update', targetType: 'organization', targetId: ctx.tenant.organizationId, details: change });
      return { ok: true };
    }),
});
