/**
 * The app's data table: a keyboard-scrollable region (tabIndex 0, role region, a label —
 * axe wants both when a wide table scrolls on a phone) around a table with one header row.
 * Rows come as children (<tr> elements).
 */

export type Column = string | { label: string; right: true };

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
      <tr>
        {columns.map((c) => {
          const label = typeof c === 'string' ? c : c.label;
          return (
            <th key={label} scope="col" className={`px-3 py-2 ${typeof c === 'string' ? '' : 'text-right'}`}>
              {label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

export function DataTable({ label, columns, children, testId, className = '' }: { label: string; columns: Column[]; children: React.ReactNode; testId?: string; className?: string }) {
  return (
    <div className={`overflow-x-auto rounded-lg border border-slate-200 bg-white ${className}`} tabIndex={0} role="region" aria-label={label}>
      <table className="min-w-full text-sm" data-testid={testId}>
        <TableHead columns={columns} />
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}
