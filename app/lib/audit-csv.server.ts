import type { LoaderFunctionArgs } from '@remix-run/node';
import { auditToCsv } from '../../server/services/audit/audit-csv';
import { auditFiltersFrom } from './audit-filters';
import { requireUser } from './guards.server';
import { orThrowResponse } from './trpc.server';

/** CSV download of the audit log, tenant or platform scope, with the page's filters. */
export async function auditCsvResponse({ request, context }: LoaderFunctionArgs, scope: 'tenant' | 'platform') {
  const { caller } = await requireUser(request, context);
  const filters = auditFiltersFrom(new URL(request.url));
  const rows = await orThrowResponse(scope === 'tenant' ? caller.audit.export(filters) : caller.admin.audit.export(filters));
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(auditToCsv(rows), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-${scope}-${stamp}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
