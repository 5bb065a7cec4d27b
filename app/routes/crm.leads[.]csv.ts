import type { LoaderFunctionArgs } from '@remix-run/node';
import { leadViewFrom } from '~/components/crm/lead-filters';
import { sectionLoader } from '~/lib/section.server';
import { orThrowResponse } from '~/lib/trpc.server';

/**
 * CSV download of the leads list's current view (same query string as /crm). The
 * export procedure writes the file, escaping cells a spreadsheet would run as formulas.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('crm.access')(args);
  const view = leadViewFrom(new URL(args.request.url));
  const file = await orThrowResponse(caller.crm.leads.export(view));
  return new Response(file.csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
      'Cache-Control': 'no-store',
      'X-Row-Count': String(file.rowCount),
      ...(file.truncated ? { 'X-Truncated': 'true' } : {}),
    },
  });
}
