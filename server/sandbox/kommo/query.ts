/**
 * Parses PHP/qs-style bracket keys (`filter[updated_at][from]=1`, `filter[id][]=5`,
 * `filter[statuses][0][status_id]=7`) into nested objects and arrays. Numeric and empty
 * brackets make arrays. Values stay strings; zod coerces them.
 */
export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };

export function parseBracketQuery(params: URLSearchParams): Record<string, QueryValue> {
  const root: Record<string, QueryValue> = {};
  for (const [rawKey, value] of params) {
    const match = rawKey.match(/^([^[\]]+)((?:\[[^[\]]*\])*)$/);
    if (!match) {
      root[rawKey] = value;
      continue;
    }
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    let node: Record<string, QueryValue> | QueryValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const last = i === path.length - 1;
      const nextIsArray = !last && (path[i + 1] === '' || /^\d+$/.test(path[i + 1]!));
      if (Array.isArray(node)) {
        const index = segment === '' ? node.length : Number(segment);
        if (last) node[index] = value;
        else {
          node[index] ??= nextIsArray ? [] : {};
          node = node[index] as Record<string, QueryValue> | QueryValue[];
        }
      } else if (last) {
        node[segment] = value;
      } else {
        const existing = node[segment];
        if (existing === undefined || typeof existing === 'string') node[segment] = nextIsArray ? [] : {};
        node = node[segment] as Record<string, QueryValue> | QueryValue[];
      }
    }
  }
  return root;
}

/** Form-encodes a nested object with bracket keys, as Kommo's webhooks do. */
export function toBracketForm(value: unknown, prefix = '', out = new URLSearchParams()): URLSearchParams {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    value.forEach((item, i) => toBracketForm(item, `${prefix}[${i}]`, out));
  } else if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) toBracketForm(item, prefix ? `${prefix}[${key}]` : key, out);
  } else {
    out.append(prefix, String(value));
  }
  return out;
}
