import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * A per-request nonce lets Remix's own inline scripts run while the CSP forbids every
 * other inline script. Styles may be inline (React style attributes), scripts never.
 */
export const securityHeaders: RequestHandler = (req, res, next) => {
  const nonce = randomBytes(16).toString('base64');
  res.locals.cspNonce = nonce;
  res.setHeader(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // OAuth callbacks carry a code and state in their URL: never let them leak onwards
  res.setHeader('Referrer-Policy', /^\/integrations\/[^/]+\/callback/.test(req.path) ? 'no-referrer' : 'strict-origin-when-cross-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  next();
};
