import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { humanize } from '~/components/crm/format';
import { providerName } from '~/components/integrations/format';
import { PageHeader } from '~/components/ui/alert';
import { buttonClass } from '~/components/ui/button';
import { requireTenantUser } from '~/lib/guards.server';
import { useLiveRevalidate } from '~/lib/live';
import { orThrowResponse } from '~/lib/trpc.server';
import { tenantRoleCan } from '../../server/security/rbac';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, tenant } = await requireTenantUser(request, context);
  const overview = await orThrowResponse(caller.org.overview());
  // connections waiting for a person (e.g. "re-authorization needed" after invalid_grant)
  const attention = tenantRoleCan(tenant.role, 'integrations.read')
    ? (await orThrowResponse(caller.connections.list()))
        .filter((c) => c.status === 'error')
        .map((c) => ({ id: c.id, provider: c.provider, reason: c.statusReason }))
    : null;
  return { ...overview, attention, canManageIntegrations: tenantRoleCan(tenant.role, 'integrations.manage') };
}

export default function Overview() {
  const { organization, memberCount, role, attention, canManageIntegrations } = useLoaderData<typeof loader>();
  // a connection falling into error (or recovering) shows up without a reload
  useLiveRevalidate('sync.connection', { enabled: attention !== null });
  const facts = [
    ['Plan', organization.planTier],
    ['Members', String(memberCount)],
    ['Time zone', organization.timezone],
    ['Your role', role],
  ];
  return (
    <>
      <PageHeader title={`Overview · ${organization.name}`} description="Your workspace at a glance." />
      {attention && attention.length > 0 ? (
        <section aria-labelledby="needs-attention" className="mb-6 space-y-2 rounded-lg border border-red-300 bg-red-50 p-4 text-red-900">
          <h2 id="needs-attention" className="text-base font-semibold">
            Needs attention
          </h2>
          <ul className="space-y-2">
            {attention.map((c) => (
              <li key={c.id} data-testid="attention-connection" className="flex flex-wrap items-center justify-between gap-2">
                <span>
                  <strong>{providerName[c.provider] ?? humanize(c.provider)}</strong>: {c.reason ?? 'the connection stopped with an error'}. Syncing is paused until it is fixed.
                </span>
                <Link to={canManageIntegrations ? '/integrations' : `/integrations/${c.id}/history`} className={buttonClass('secondary')}>
                  {canManageIntegrations ? 'Re-authorize' : 'Details'}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
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
