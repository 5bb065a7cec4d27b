import type { LoaderFunctionArgs } from '@remix-run/node';
import { NavLink, Outlet } from '@remix-run/react';
import { PageHeader } from '~/components/ui/alert';
import { sectionLoader } from '~/lib/section.server';

export async function loader(args: LoaderFunctionArgs) {
  await sectionLoader('org.settings.manage')(args);
  return null;
}

const tabs = [
  { to: '/settings', label: 'General', end: true },
  { to: '/settings/members', label: 'Members', end: false },
  { to: '/settings/stages', label: 'Stages', end: false },
  { to: '/settings/fields', label: 'Custom fields', end: false },
  { to: '/settings/reports', label: 'Reports', end: false },
  { to: '/settings/audit', label: 'Audit log', end: false },
];

export default function SettingsLayout() {
  return (
    <>
      <PageHeader title="Settings" />
      <nav aria-label="Settings" className="mb-6 flex flex-wrap gap-1 border-b border-slate-200">
        {tabs.map((t) => (
          <NavLink
            key={t.to}
            to={t.to}
            end={t.end}
            className={({ isActive }) => `-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${isActive ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-700 hover:text-slate-900'}`}
          >
            {t.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
