import type { LoaderFunctionArgs } from '@remix-run/node';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { syncProviders, type SyncProviderName } from '../../server/shared/sync';
import { callerFor } from '~/lib/trpc.server';

/**
 * The OAuth redirect target, one fixed URL per provider (APP_URL + /integrations/<provider>/callback,
 * never built from the Host header). It carries a one-time code, so the page sends no
 * Referer onwards. The state check, the code exchange and everything stored happen in
 * connections.completeAuthorization; this route only reads the query and answers.
 */

const NO_REFERRER = { 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' };

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function errorPage(status: number, title: string, message: string, headers?: Headers): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${escape(title)} · CRM Hub</title></head>
<body><main><h1>${escape(title)}</h1><p>${escape(message)}</p><p><a href="/integrations">Back to Integrations</a></p></main></body></html>`;
  const out = new Headers(headers);
  for (const [k, v] of Object.entries(NO_REFERRER)) out.set(k, v);
  out.set('Content-Type', 'text/html; charset=utf-8');
  return new Response(html, { status, headers: out });
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const provider = params.provider as SyncProviderName;
  if (!syncProviders.includes(provider)) return errorPage(404, 'Unknown integration', 'There is no integration at this address.');
  const url = new URL(request.url);
  const denied = url.searchParams.get('error');
  if (denied) return errorPage(400, 'Connection cancelled', 'The CRM did not grant access, so nothing was connected. You can start again from Integrations.');
  const state = url.searchParams.get('state') ?? '';
  const code = url.searchParams.get('code') ?? '';
  if (!state || !code) return errorPage(400, 'Connection failed', 'This authorization link is invalid or has expired. Please start connecting again.');

  const { caller, headers } = await callerFor(request, context);
  try {
    const { connectionId } = await caller.connections.completeAuthorization({ provider, state, code });
    // the configure step of the connect flow: direction, frequency, entities, then on to the mappings
    headers.set('Location', `/integrations/${encodeURIComponent(connectionId)}/settings?welcome=1`);
    for (const [k, v] of Object.entries(NO_REFERRER)) headers.set(k, v);
    return new Response(null, { status: 302, headers });
  } catch (error) {
    if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
      const status = getHTTPStatusCodeFromError(error);
      const message = error.code === 'UNAUTHORIZED' ? 'Please log in, then start connecting again.' : error.message;
      return errorPage(status, 'Connection failed', message, headers);
    }
    console.error('[integrations callback] unexpected error:', error instanceof TRPCError ? (error.cause ?? error) : error);
    return errorPage(500, 'Connection failed', 'Something went wrong on our side. It has been logged; please try again.', headers);
  }
}
