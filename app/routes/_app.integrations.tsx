import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { EmptyState, PageHeader } from '~/components/ui/alert';
import { sectionLoader } from '~/lib/section.server';

export async function loader(args: LoaderFunctionArgs) {
  await sectionLoader('integrations.manage')(args);
  return null;
}

export default function IntegrationsPage() {
  return (
    <>
      <PageHeader title="Integrations" />
      <EmptyState title="No connections yet">Connect Salesforce, HubSpot and Kommo here once connections are available.</EmptyState>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Integrations · CRM Hub' }];
