import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { PageHeader } from '~/components/ui/alert';
import { requireTenantUser } from '~/lib/guards.server';
import { orThrowResponse } from '~/lib/trpc.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireTenantUser(request, context);
  return orThrowResponse(caller.org.overview());
}

export default function Overview() {
  const { organization, memberCount, role } = useLoaderData<typeof loader>();
  const facts = [
    ['Plan', organization.planTier],
    ['Members', String(memberCount)],
    ['Time zone', organization.timezone],
    ['Your role', role],
  ];
  return (
    <>
      <PageHeader title={`Overview · ${organization.name}`} description="Your workspace at a glance." />
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
        {facts.map(([label, value]) => (
          <div key={label} className="rounded-lg border border-slate-200 bg-white p-4">
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</dt>
            <dd className="mt-1 text-lg font-semibold capitalize">{value}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'Overview · CRM Hub' }];
