import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { AuditTable } from '~/components/audit-table';
import { PageHeader } from '~/components/ui/alert';
import { auditFiltersFrom, cursorFrom } from '~/lib/audit-filters';
import { requirePlatformUser } from '~/lib/platform.server';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await requirePlatformUser(args);
  const url = new URL(args.request.url);
  return orThrowResponse(caller.admin.audit.list({ ...auditFiltersFrom(url), cursor: cursorFrom(url), limit: 50 }));
}

export default function PlatformAudit() {
  const page = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Audit log" description="Every mutation on the platform, newest first." />
      <AuditTable items={page.items} nextCursor={page.nextCursor} csvHref="/admin/audit.csv" />
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Audit · Admin · CRM Hub' }];
