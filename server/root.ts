import { adminRouter } from './routers/admin';
import { auditRouter } from './routers/audit';
import { authRouter } from './routers/auth';
import { conflictsRouter } from './routers/conflicts';
import { connectionsRouter } from './routers/connections';
import { crmRouter } from './routers/crm';
import { kommoAdminRouter, kommoRouter } from './routers/kommo';
import { mappingsRouter } from './routers/mappings';
import { orgRouter } from './routers/org';
import { reportsRouter } from './routers/reports';
import { syncRouter } from './routers/sync';
import { createCallerFactory, router } from './trpc';

/** Every router, listed by hand. */
export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  audit: auditRouter,
  crm: crmRouter,
  admin: adminRouter,
  connections: connectionsRouter,
  mappings: mappingsRouter,
  sync: syncRouter,
  conflicts: conflictsRouter,
  kommo: kommoRouter,
  kommoAdmin: kommoAdminRouter,
  reports: reportsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
