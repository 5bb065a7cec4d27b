import type { LoaderFunctionArgs } from '@remix-run/node';
import { callerFor } from '~/lib/trpc.server';
import { tenantRoleCan } from '../../server/security/rbac';

/**
 * Server-sent events: the live status channel. A signed-in tenant user receives
 * their own tenant's events (published anywhere through Postgres NOTIFY).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await callerFor(request, context);
  if (!ctx.user) return new Response('Please log in.', { status: 401 });
  if (!ctx.tenant || !tenantRoleCan(ctx.tenant.role, 'realtime.subscribe')) return new Response('Forbidden', { status: 403 });
  const hub = context.services.realtime;
  if (!hub) return new Response('Live updates are unavailable.', { status: 503 });
  const topics = new URL(request.url).searchParams.getAll('topic');
  const organizationId = ctx.tenant.organizationId;
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (chunk: string) => {
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          cleanup();
        }
      };
      send(`retry: 2000\n: connected\n\n`);
      const unsubscribe = hub.subscribe(organizationId, (event) => {
        if (topics.length && !topics.includes(event.topic)) return;
        send(`event: ${event.topic}\ndata: ${JSON.stringify({ ...event.data, sentAt: event.sentAt })}\n\n`);
      });
      const keepAlive = setInterval(() => send(`: keep-alive\n\n`), 15_000);
      cleanup = () => {
        clearInterval(keepAlive);
        unsubscribe();
      };
      request.signal.addEventListener('abort', () => {
        cleanup();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' },
  });
}
