import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet } from '@remix-run/react';
import { sectionLoader } from '~/lib/section.server';

/** The Reports section: the list, a report, a run. Readers are owners, admins, managers and viewers. */
export async function loader(args: LoaderFunctionArgs) {
  await sectionLoader('reports.read')(args);
  return null;
}

export default function ReportsLayout() {
  return <Outlet />;
}
