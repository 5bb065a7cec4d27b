/** Reads the audit page's query string into the audit procedures' filter input. */
export function auditFiltersFrom(url: URL) {
  const get = (k: string) => url.searchParams.get(k)?.trim() || undefined;
  const to = get('to');
  return {
    action: get('action'),
    actor: get('actor'),
    outcome: get('outcome') as 'success' | 'denied' | 'failure' | undefined,
    from: get('from'),
    // a date picked as "to" means the whole of that day
    to: to && /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999Z` : to,
  };
}

export function cursorFrom(url: URL) {
  const cursor = Number(url.searchParams.get('cursor'));
  return Number.isInteger(cursor) && cursor > 0 ? cursor : undefined;
}
