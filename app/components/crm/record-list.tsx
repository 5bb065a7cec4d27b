import type { ReactNode } from 'react';
import { Link } from '@remix-run/react';
import { Pager, SearchBox } from '../pager';
import { EmptyState } from '../ui/alert';
import { Notice } from './notice';
import { DataTable } from '~/components/ui/data-table';

/**
 * The frame of a CRM record list (accounts, contacts): title, search, "New …" for writers,
 * the empty states (none yet / none match), a scrollable table with `columns`, and the pager.
 * `children` are the table's rows.
 */
export function RecordList({
  title,
  path,
  noun,
  searchHint,
  emptyHint,
  columns,
  isEmpty,
  search,
  canWrite,
  page,
  total,
  pageSize,
  children,
}: {
  /** "Accounts" */
  title: string;
  /** "/crm/accounts" */
  path: string;
  /** "account" */
  noun: string;
  /** "name, domain or tax ID" */
  searchHint: string;
  /** what the "none yet" state says */
  emptyHint: string;
  columns: string[];
  isEmpty: boolean;
  search: string | null;
  canWrite: boolean;
  page: number;
  total: number;
  pageSize: number;
  children: ReactNode;
}) {
  const plural = title.toLowerCase();
  return (
    <div className="space-y-4">
      <Notice />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">{title}</h2>
        <div className="flex flex-wrap items-center gap-2">
          <SearchBox label={`Search ${plural}`} />
          {canWrite ? (
            <Link to={`${path}/new`} className="inline-flex min-h-10 items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
              {`New ${noun}`}
            </Link>
          ) : null}
        </div>
      </div>
      {isEmpty ? (
        search ? (
          <EmptyState title={`No ${plural} match`}>
            {`Search by ${searchHint}, or`}{' '}
            <Link to={path} className="font-medium text-brand-700 hover:underline">
              show all
            </Link>
            .
          </EmptyState>
        ) : (
          <EmptyState title={`No ${plural} yet`}>{emptyHint}</EmptyState>
        )
      ) : (
        <DataTable label={title} columns={columns} testId={`${plural}-table`} className="relative">
          {children}
        </DataTable>
      )}
      <Pager page={page} total={total} pageSize={pageSize} />
    </div>
  );
}
