import type { RequestHandler } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Called cross-site by design; they authenticate with their own secret or signature. */
const EXEMPT_PREFIXES = ['/webhooks/'];

/**
 * Refuses any cross-site non-GET request before routing: Sec-Fetch-Site when the
 * browser sends it, else the Origin header against our own origin. A request with
 * neither (curl, server-to-server) carries no ambient browser credentials to abuse.
 */
export function isCrossSite(headers: { origin?: string; 'sec-fetch-site'?: string; host?: string }, protocol: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  if (!origin) return false;
  if (origin === 'null') return true;
  return origin !== `${protocol}://${headers.host}`;
}

export const csrfGuard: RequestHandler = (req, res, next) => {
  if (SAFE_METHODS.has(req.method) || EXEMPT_PREFIXES.some((p) => req.path.startsWith(p))) return next();
  if (isCrossSite(req.headers as Record<string, string>, req.protocol)) {
    res.status(403).type('text/plain').send('Cross-site request refused.');
    return;
  }
  next();
};
