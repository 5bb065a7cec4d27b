import type { LoaderFunctionArgs } from '@remix-run/node';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { callerFor } from '~/lib/trpc.server';

/**
 * Kommo's OAuth redirect target, one stable URL per tenant:
 * APP_URL + /integrations/kommo/callback/<tenant-slug> (the Kommo connection page shows it
 * for copying into the customer's Kommo integration). It carries a one-time code, so the
 * page sends no Referer onwards. State, referer and code are checked and exchanged in
 * kommo.connection.completeOAuth.
 */

const NO_REFERRER = { 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' };
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(status: number, title: string, message: string, headers?: Headers): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${escape(title)} · CRM Hub</title></head>
<body><main><h1>${escape(title)}</h1><p>${escape(message)}</p><p><a href="/kommo/connection">Back to the Kommo connection</a></p></main></body></html>`;
  const out = new Headers(headers);
  for (const [k, v] of Object.entries(NO_REFERRER)) out.set(k, v);
  out.set('Content-Type', 'text/html; charset=utf-8');
  return new Response(html, { status, headers: out });
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  if (url.searchParams.get('error')) return page(400, 'Connection cancelled', 'Kommo did not grant access, so nothing was connected.');
  const state = url.searchParams.get('state') ?? '';
  const code = url.searchParams.get('code') ?? '';
  if (!state || !code) return page(400, 'Connection failed', 'This authorization link is invalid or has expired. Please start connecting Kommo again.');

  const { caller, headers, ctx } = await callerFor(request, context);
  if (ctx.tenant && ctx.tenant.organizationSlug !== params.slug) {
    return page(400, 'Connection failed', 'You are signed in to another workspace than the one this Kommo authorization is for. Switch workspace and start again.', headers);
  }
  try {
    await caller.kommo.connection.completeOAuth({ state, code, referer: url.searchParams.get('referer') });
    headers.set('Location', '/kommo/connection?connected=1');
    for (const [k, v] of Object.entries(NO_REFERRER)) headers.set(k, v);
    return new Response(null, { status: 302, headers });
  } catch (error) {
    if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
      const message = error.code === 'UNAUTHORIZED' ? 'Please log in, then start connecting Kommo again.' : error.message;
      return page(getHTTPStatusCodeFromError(error), 'Connection failed', message, headers);
    }
    console.error('[kommo callback] unexpected error:', error instanceof TRPCError ? (error.cause ?? error) : error);
    return page(500, 'Connection failed', 'Something went wrong on our side. It has been logged; please try again.', headers);
  }
}
