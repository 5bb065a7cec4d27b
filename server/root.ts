import { adminRouter } from './routers/admin';
import { auditRouter } from './routers/audit';
import { authRouter } from './routers/auth';
import { crmRouter } from './routers/crm';
import { orgRouter } from './routers/org';
import { createCallerFactory, router } from './trpc';

/** Every router, listed by hand. */
export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  audit: auditRouter,
  crm: crmRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
