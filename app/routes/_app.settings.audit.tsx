import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { AuditTable } from '~/components/audit-table';
import { auditFiltersFrom, cursorFrom } from '~/lib/audit-filters';
import { sectionLoader } from '~/lib/section.server';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('audit.read')(args);
  const url = new URL(args.request.url);
  return orThrowResponse(caller.audit.list({ ...auditFiltersFrom(url), cursor: cursorFrom(url), limit: 50 }));
}

export default function TenantAudit() {
  const page = useLoaderData<typeof loader>();
  return <AuditTable items={page.items} nextCursor={page.nextCursor} csvHref="/settings/audit.csv" />;
}

export const meta: MetaFunction = () => [{ title: 'Audit log · CRM Hub' }];
