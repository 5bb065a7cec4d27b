import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { EmptyState, PageHeader } from '~/components/ui/alert';
import { sectionLoader } from '~/lib/section.server';

export async function loader(args: LoaderFunctionArgs) {
  await sectionLoader('reports.read')(args);
  return null;
}

export default function ReportsPage() {
  return (
    <>
      <PageHeader title="Reports" />
      <EmptyState title="No reports yet">AI reports on your sales dialogs will be listed here.</EmptyState>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Reports · CRM Hub' }];
