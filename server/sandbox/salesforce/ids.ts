/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix, 2-character
 * pod, 1 reserved, 9 base-62 digits) plus a 3-character suffix that encodes the case of
 * the first 15, which makes the 18-character form safe for case-insensitive systems.
 *
 * The base-62 digits use the alphabet 0-9A-Za-z, which is in code-unit order, so ids of
 * one key prefix compare as strings in the order they were created. The query cursors
 * rely on that for `ORDER BY Id` and `Id > '...'` keyset pagination.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const POD = '8d0';

export const KEY_PREFIX = {
  Account: '001',
  Contact: '003',
  Lead: '00Q',
  User: '005',
  Organization: '00D',
  BulkJob: '750',
  QueryLocator: '01g',
} as const;

function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) flags |= 1 << i;
    }
    out += SUFFIX[flags];
  }
  return out;
}

function base62(n: number, width: number): string {
  let s = '';
  let v = Math.floor(n);
  while (v > 0) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0');
}

/** The 18-character id of the n-th record with this key prefix. */
export function makeId(prefix: string, n: number): string {
  const id15 = prefix + POD + base62(n, 9);
  return id15 + checksum(id15);
}

const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/;

/** 15- or 18-character id → canonical 18-character id; null when it is not an id at all. */
export function normalizeId(value: string): string | null {
  if (!ID_SHAPE.test(value)) return null;
  const id15 = value.slice(0, 15);
  const full = id15 + checksum(id15);
  if (value.length === 18 && value.slice(15).toUpperCase() !== full.slice(15)) return null;
  return full;
}

export const keyPrefixOf = (id: string) => id.slice(0, 3);

/** The sequence number inside an id this sandbox minted (its 9 base-62 digits); null otherwise. */
export function idNumber(id: string): number | null {
  if (id.length < 15 || id.slice(3, 6) !== POD) return null;
  let n = 0;
  for (let i = 6; i < 15; i++) {
    const d = BASE62.indexOf(id[i]!);
    if (d < 0) return null;
    n = n * 62 + d;
  }
  return n;
}
