/**
 * Where a Kommo connection may send requests (decision 007): only the tenant's own
 * account host — `https://<subdomain>.kommo.com`, `.amocrm.ru` or `.amocrm.com` — or,
 * outside production, exactly the local sandbox's origin. Every request URL (including
 * `_links.next` hrefs from a response and the OAuth `referer`) is checked against the
 * connection's base URL before it leaves the process.
 */

export const KOMMO_DOMAINS = ['kommo.com', 'amocrm.ru', 'amocrm.com'] as const;
export type KommoDomain = (typeof KOMMO_DOMAINS)[number];

/** A DNS label: what Kommo accepts as an account subdomain. */
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Subdomains that belong to Kommo itself, never to an account. */
const RESERVED = new Set(['www', 'api', 'oauth', 'id', 'auth', 'static', 'cdn', 'mail', 'help', 'developers', 'amojo']);

export class KommoHostRefused extends Error {
  constructor(readonly url: string) {
    super(`Refused to call ${safeForLog(url)}: not this connection's Kommo account host.`);
    this.name = 'KommoHostRefused';
  }
}

/** A subdomain as typed ("Acme", "acme.kommo.com", "https://acme.amocrm.ru/leads"), normalised, or null when unusable. */
export function parseAccountAddress(input: string): { subdomain: string; domain: KommoDomain } | null {
  let text = input.trim().toLowerCase();
  if (!text) return null;
  let domain: KommoDomain = 'kommo.com';
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text) || text.includes('.') || text.includes('/')) {
    let host: string;
    try {
      const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//.test(text) ? text : `https://${text}`);
      if (url.protocol !== 'https:' || url.username || url.password || url.port) return null;
      host = url.hostname;
    } catch {
      return null;
    }
    const found = KOMMO_DOMAINS.find((d) => host.endsWith(`.${d}`));
    if (!found) return null;
    domain = found;
    text = host.slice(0, -(found.length + 1));
  }
  if (!SUBDOMAIN.test(text) || RESERVED.has(text)) return null;
  return { subdomain: text, domain };
}

export const accountBaseUrl = (subdomain: string, domain: KommoDomain) => `https://${subdomain}.${domain}`;

/** Whether `origin` is a Kommo account origin (https, allowed domain, valid subdomain, no port). */
export function isKommoAccountOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.port || url.username || url.password) return false;
  const domain = KOMMO_DOMAINS.find((d) => url.hostname.endsWith(`.${d}`));
  if (!domain) return false;
  const sub = url.hostname.slice(0, -(domain.length + 1));
  return SUBDOMAIN.test(sub) && !RESERVED.has(sub);
}

export interface HostPolicy {
  /** The connection's account origin (https://acme.kommo.com) or the sandbox origin. */
  baseUrl: string;
  /** True only for a sandbox connection outside production. */
  sandbox: boolean;
}

/** The policy of a connection; throws when the base URL itself is not acceptable. */
export function hostPolicy(baseUrl: string, options: { sandboxOrigin?: string | null } = {}): HostPolicy {
  const origin = safeOrigin(baseUrl);
  if (origin && options.sandboxOrigin && origin === safeOrigin(options.sandboxOrigin)) return { baseUrl: origin, sandbox: true };
  if (origin && isKommoAccountOrigin(origin)) return { baseUrl: origin, sandbox: false };
  throw new KommoHostRefused(baseUrl);
}

/** The URL to call, resolved against the base; refuses any other origin. */
export function allowedUrl(policy: HostPolicy, pathOrUrl: string): URL {
  let url: URL;
  try {
    url = new URL(pathOrUrl, policy.baseUrl);
  } catch {
    throw new KommoHostRefused(pathOrUrl);
  }
  if (url.origin !== policy.baseUrl || url.username || url.password) throw new KommoHostRefused(url.toString());
  return url;
}

function safeOrigin(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** A URL for a log line: origin and path only (query strings can carry tokens or personal data). */
export function safeForLog(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[unparseable url]';
  }
}
