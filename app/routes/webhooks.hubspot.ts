import type { ActionFunctionArgs } from '@remix-run/node';
import { readBodyLimited } from '../lib/request-body.server';
import { HUBSPOT_WEBHOOK_MAX_BODY_BYTES, receiveHubSpotWebhook } from '../../server/services/sync/hubspot-webhooks';

/**
 * HubSpot's app-level webhook target, `POST /webhooks/hubspot` (exempt from the CSRF
 * guard like every /webhooks/ path; the v3 signature is the credential). The logic —
 * signature, timestamp window, routing by portal, enqueueing — is in
 * server/services/sync/hubspot-webhooks.ts; this route reads the raw body (at most 1 MB)
 * and answers at once: the sync itself runs in the job runner.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return Response.json({ error: 'method not allowed' }, { status: 405, headers: { allow: 'POST' } });
  try {
    const body = await readBodyLimited(request, HUBSPOT_WEBHOOK_MAX_BODY_BYTES);
    if (body === null) return Response.json({ error: 'body too large' }, { status: 413 });
    const url = new URL(request.url);
    const answer = await receiveHubSpotWebhook(
      { db: context.services.db, boss: context.services.boss, env: context.services.env },
      {
        method: request.method,
        pathAndQuery: `${url.pathname}${url.search}`,
        body,
        signature: request.headers.get('x-hubspot-signature-v3'),
        timestamp: request.headers.get('x-hubspot-request-timestamp'),
      },
    );
    return Response.json(answer.body, { status: answer.status });
  } catch (error) {
    console.error('[hubspot-webhook] failed:', error instanceof Error ? error.message : error);
    return Response.json({ error: 'temporarily unavailable' }, { status: 503 });
  }
}

export function loader() {
  return Response.json({ error: 'method not allowed' }, { status: 405, headers: { allow: 'POST' } });
}
