import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, Outlet, useLocation } from '@remix-run/react';
import { PageHeader } from '~/components/ui/alert';
import { sectionLoader } from '~/lib/section.server';

export async function loader(args: LoaderFunctionArgs) {
  await sectionLoader('crm.access')(args);
  return null;
}

/** Leads own /crm itself and the lead pages under it (/crm/leads/…, /crm/import). */
const tabs = [
  { to: '/crm', label: 'Leads', owns: (path: string) => path === '/crm' || path === '/crm/' || path.startsWith('/crm/leads') || path.startsWith('/crm/import') },
  { to: '/crm/pipeline', label: 'Pipeline', owns: (path: string) => path.startsWith('/crm/pipeline') },
  { to: '/crm/accounts', label: 'Accounts', owns: (path: string) => path.startsWith('/crm/accounts') },
  { to: '/crm/contacts', label: 'Contacts', owns: (path: string) => path.startsWith('/crm/contacts') },
];

export default function CrmLayout() {
  const { pathname } = useLocation();
  return (
    <>
      <PageHeader title="CRM" />
      <nav aria-label="CRM" className="-mt-2 mb-6 overflow-x-auto border-b border-slate-200">
        <ul className="flex gap-1">
          {tabs.map((t) => {
            const active = t.owns(pathname);
            return (
              <li key={t.to}>
                <Link
                  to={t.to}
                  aria-current={active ? 'page' : undefined}
                  className={`-mb-px block whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${active ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-700 hover:text-slate-900'}`}
                >
                  {t.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <Outlet />
    </>
  );
}

export const meta: MetaFunction = () => [{ title: 'CRM · CRM Hub' }];
