import { Link, useSearchParams } from '@remix-run/react';

export function Pager({ page, total, pageSize }: { page: number; total: number; pageSize: number }) {
  const [params] = useSearchParams();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const to = (p: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(p));
    return `?${next}`;
  };
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between text-sm text-slate-700">
      <span>
        {total} total · page {page} of {pages}
      </span>
      <span className="flex gap-3">
        {page > 1 ? <Link to={to(page - 1)} className="font-medium text-brand-700 hover:underline">← Previous</Link> : null}
        {page < pages ? <Link to={to(page + 1)} className="font-medium text-brand-700 hover:underline">Next →</Link> : null}
      </span>
    </nav>
  );
}

export function SearchBox({ label }: { label: string }) {
  const [params] = useSearchParams();
  return (
    <form method="get" role="search" className="flex gap-2">
      <label className="sr-only" htmlFor="q">
        {label}
      </label>
      <input id="q" name="q" defaultValue={params.get('q') ?? ''} placeholder={label} className="w-56 rounded-md border border-slate-300 px-3 py-2 text-sm" />
      <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50">
        Search
      </button>
    </form>
  );
}
