/**
 * The two orders every collection keeps: by Id (creation order) and by
 * (SystemModstamp, Id). Keys are compared as tuples; sentinels bound ranges.
 */

export interface Rec {
  Id: string;
  SystemModstamp: number;
  CreatedDate: number;
  LastModifiedDate: number;
  /** Store write sequence of the last write / of the creation (query snapshots). */
  _seq: number;
  _cseq: number;
  [field: string]: unknown;
}

/** (stamp, id) for the stamp index; the id index uses stamp 0. */
export type Key = readonly [number, string];

export const MIN_ID = '';
export const MAX_ID = '\uffff';

export const compareKeys = (a: Key, b: Key) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1);

export type IndexKind = 'stamp' | 'id';
export const keyOf = (kind: IndexKind, r: Rec): Key => (kind === 'stamp' ? [r.SystemModstamp, r.Id] : [0, r.Id]);

/** First position whose key is >= key (or > key when `strict`). */
export function lowerBound(list: Rec[], kind: IndexKind, key: Key, strict = false): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keyOf(kind, list[mid]!), key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function insertSorted(list: Rec[], kind: IndexKind, r: Rec): void {
  const at = lowerBound(list, kind, keyOf(kind, r), true);
  if (at === list.length) list.push(r);
  else list.splice(at, 0, r);
}

/** Removes one record found by its current key; false when it is not there. */
export function removeSorted(list: Rec[], kind: IndexKind, r: Rec, key: Key = keyOf(kind, r)): boolean {
  const at = lowerBound(list, kind, key);
  if (list[at] !== r) return false;
  list.splice(at, 1);
  return true;
}
