import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { EmptyState, PageHeader } from '~/components/ui/alert';
import { sectionLoader } from '~/lib/section.server';

export async function loader(args: LoaderFunctionArgs) {
  await sectionLoader('crm.access')(args);
  return null;
}

export default function CRMPage() {
  return (
    <>
      <PageHeader title="CRM" />
      <EmptyState title="No CRM records yet">Accounts, contacts and the leads pipeline arrive with the native CRM.</EmptyState>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'CRM · CRM Hub' }];
