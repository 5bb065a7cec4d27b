import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { passwordPolicy } from '../auth/password';
import { clearedSessionCookie, sessionCookie } from '../auth/cookie';
import { invalidateSession } from '../auth/session';
import { changePassword } from '../services/auth/change-password';
import { logIn } from '../services/auth/login';
import { authedProcedure, publicProcedure, router } from '../trpc';

const newPassword = z
  .string()
  .min(passwordPolicy.minLength, `At least ${passwordPolicy.minLength} characters.`)
  .max(passwordPolicy.maxLength);

export const authRouter = router({
  /** Sets the session cookie on the response; the token itself never reaches the browser's JS. */
  login: publicProcedure
    .input(z.object({ email: z.string().trim().email('Enter a valid e-mail address.').max(320), password: z.string().min(1).max(1024) }))
    .mutation(async ({ ctx, input }) => {
      const result = await logIn(ctx.db, { ...input, ip: ctx.meta.ip, userAgent: ctx.meta.userAgent });
      await ctx.audit({
        action: 'auth.login',
        actor: { userId: result.ok ? result.userId : null, email: input.email.trim().toLowerCase() },
        outcome: result.ok ? 'success' : 'denied',
        organizationId: result.ok ? result.organizationId : null,
        targetType: 'user',
        targetId: result.userId,
        details: { email: input.email.trim().toLowerCase(), ...(result.ok ? {} : { reason: result.reason }) },
      });
      if (!result.ok && result.reason === 'locked') {
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: `Too many failed attempts. Try again in ${Math.ceil((result.retryAfterSeconds ?? 900) / 60)} minutes.`,
        });
      }
      if (!result.ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Invalid e-mail or password.' });
      ctx.responseHeaders.append('Set-Cookie', sessionCookie(ctx.request, result.token, result.expiresAt));
      return { redirectTo: result.isPlatform && !result.organizationId ? '/admin' : '/' };
    }),

  logout: authedProcedure.mutation(async ({ ctx }) => {
    await invalidateSession(ctx.db, ctx.session.id);
    ctx.responseHeaders.append('Set-Cookie', clearedSessionCookie(ctx.request));
    await ctx.audit({ action: 'auth.logout', targetType: 'user', targetId: ctx.user.id });
    return { ok: true };
  }),

  me: publicProcedure.query(({ ctx }) =>
    ctx.user ? { user: ctx.user, tenant: ctx.tenant } : { user: null, tenant: null },
  ),

  changePassword: authedProcedure
    .input(
      z
        .object({ currentPassword: z.string().min(1).max(1024), newPassword, confirmPassword: z.string() })
        .refine((v) => v.newPassword === v.confirmPassword, { message: 'The passwords do not match.', path: ['confirmPassword'] }),
    )
    .mutation(async ({ ctx, input }) => {
      const outcome = await changePassword(ctx.db, {
        userId: ctx.user.id,
        sessionId: ctx.session.id,
        currentPassword: input.currentPassword,
        newPassword: input.newPassword,
      });
      await ctx.audit({
        action: 'auth.change_password',
        targetType: 'user',
        targetId: ctx.user.id,
        outcome: outcome === 'changed' ? 'success' : 'denied',
      });
      if (outcome === 'wrong-current') throw new TRPCError({ code: 'BAD_REQUEST', message: 'The current password is wrong.' });
      return { ok: true };
    }),
});
