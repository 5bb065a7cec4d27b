import type { KommoStore } from './store';

/** Request-scoped context of the Kommo routes. */
export interface KommoRequest {
  request: Request;
  url: URL;
  store: KommoStore;
  origin: string;
  /** The user the token belongs to (0 before authentication). */
  userId: number;
  /** The sandbox's seeded dice (admin ops). */
  random: () => number;
}

/**
 * One page of a sorted source: a contiguous range [lo, hi) of `items`, read forwards or
 * backwards, with an optional predicate. Without a predicate the page is a direct slice
 * (O(page)); with one, matches are counted from the start of the range (O(offset + page)
 * in the worst case).
 */
export function pageOf<T>(items: readonly T[], lo: number, hi: number, desc: boolean, predicate: ((item: T) => boolean) | null, offset: number, limit: number): { items: T[]; hasNext: boolean } {
  if (!predicate) {
    const count = Math.max(0, hi - lo);
    const start = Math.min(offset, count);
    const end = Math.min(offset + limit, count);
    const out: T[] = new Array(Math.max(0, end - start));
    for (let k = start; k < end; k++) out[k - start] = items[desc ? hi - 1 - k : lo + k]!;
    return { items: out, hasNext: end < count };
  }
  const out: T[] = [];
  let skipped = 0;
  for (let k = 0; k < hi - lo; k++) {
    const item = items[desc ? hi - 1 - k : lo + k]!;
    if (!predicate(item)) continue;
    if (skipped < offset) {
      skipped += 1;
      continue;
    }
    if (out.length === limit) return { items: out, hasNext: true };
    out.push(item);
  }
  return { items: out, hasNext: false };
}

/** HAL `_links` of a list page: self, next (only when there is one), first and prev past page 1, all on the sandbox's origin. */
export function pageLinks(k: KommoRequest, page: number, limit: number, hasNext: boolean) {
  const href = (p: number) => {
    const params = new URLSearchParams(k.url.searchParams);
    params.set('page', String(p));
    params.set('limit', String(limit));
    return { href: `${k.origin}${k.url.pathname}?${params.toString()}` };
  };
  return {
    self: href(page),
    ...(hasNext ? { next: href(page + 1) } : {}),
    ...(page > 1 ? { first: href(1), prev: href(page - 1) } : {}),
  };
}
