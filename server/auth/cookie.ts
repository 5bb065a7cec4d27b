/**
 * The session cookie. `__Host-` pins it to our exact host and path `/`, and needs
 * Secure; browsers accept Secure cookies on http://localhost and 127.0.0.1, so the
 * prefix works in development too. Only on plain http to another host (a LAN demo)
 * do we fall back to a non-Secure cookie without the prefix.
 */

export const SECURE_COOKIE = '__Host-crmhub_session';
export const PLAIN_COOKIE = 'crmhub_session';

function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || name.startsWith('127.') || name.endsWith('.localhost');
}

export function cookieIsSecure(request: Request): boolean {
  const url = new URL(request.url);
  return url.protocol === 'https:' || isLoopbackHost(url.host);
}

export function readSessionToken(request: Request): string | null {
  const header = request.headers.get('cookie');
  if (!header) return null;
  const wanted = cookieIsSecure(request) ? SECURE_COOKIE : PLAIN_COOKIE;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === wanted) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export function sessionCookie(request: Request, token: string, expiresAt: Date): string {
  const secure = cookieIsSecure(request);
  const name = secure ? SECURE_COOKIE : PLAIN_COOKIE;
  return [
    `${name}=${encodeURIComponent(token)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(request: Request): string {
  const secure = cookieIsSecure(request);
  const name = secure ? SECURE_COOKIE : PLAIN_COOKIE;
  return [`${name}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; ');
}
