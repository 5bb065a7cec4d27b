import type { ActionFunctionArgs } from '@remix-run/node';
import { readBodyLimited } from '../lib/request-body.server';
import { receiveKommoWebhook, redactedWebhookPath, WEBHOOK_MAX_BODY_BYTES } from '../../server/services/kommo/webhook';

/**
 * Kommo's account webhooks: `POST /webhooks/kommo/<tenant-slug>/<secret>` (exempt from
 * the CSRF guard like every /webhooks/ path). All logic is in
 * server/services/kommo/webhook.ts; this route only reads the body (at most 1 MB) and
 * keeps the secret out of every log line — errors are caught here, so Remix's own error
 * log (which prints the path) never sees this URL.
 */

export async function action({ request, params, context }: ActionFunctionArgs) {
  const slug = params.slug ?? '';
  if (request.method !== 'POST') return Response.json({ error: 'method not allowed' }, { status: 405, headers: { allow: 'POST' } });
  try {
    const body = await readBodyLimited(request, WEBHOOK_MAX_BODY_BYTES);
    if (body === null) return Response.json({ error: 'body too large' }, { status: 413 });
    const answer = await receiveKommoWebhook(
      { db: context.services.db, boss: context.services.boss },
      { slug, secret: params.secret ?? '', contentType: request.headers.get('content-type'), body },
    );
    return Response.json(answer.body, { status: answer.status });
  } catch (error) {
    console.error(`[kommo-webhook] ${redactedWebhookPath(slug)} failed:`, error instanceof Error ? error.message : error);
    return Response.json({ error: 'temporarily unavailable' }, { status: 503 });
  }
}

export function loader() {
  return Response.json({ error: 'method not allowed' }, { status: 405, headers: { allow: 'POST' } });
}
