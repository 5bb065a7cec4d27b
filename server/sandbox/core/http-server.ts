import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DropConnection } from './sandbox';

/**
 * Serves a `(Request) => Promise<Response>` handler at the root of its own loopback
 * port (never under a prefix: jsforce builds absolute /services/... paths).
 */
export async function serveOnLoopback(
  handler: (request: Request) => Promise<Response>,
  options: { port?: number; host?: string; onClose?: () => void } = {},
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  let origin = '';
  const server = http.createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length ? Buffer.concat(chunks) : null;
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) value.forEach((v) => headers.append(key, v));
        else if (value !== undefined) headers.set(key, value);
      }
      const request = new Request(`${origin}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: body && req.method !== 'GET' && req.method !== 'HEAD' ? body : undefined,
      });
      const response = await handler(request);
      const outHeaders: Record<string, string | string[]> = {};
      response.headers.forEach((value, key) => {
        if (key === 'set-cookie') return;
        outHeaders[key] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) outHeaders['set-cookie'] = cookies;
      res.writeHead(response.status, outHeaders);
      if (response.body && req.method !== 'HEAD') {
        res.end(Buffer.from(await response.arrayBuffer()));
      } else {
        res.end();
      }
    } catch (error) {
      if (error instanceof DropConnection) {
        req.socket.destroy();
        return;
      }
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'sandbox adapter error', message: String(error) }));
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;
  return {
    url: origin,
    port,
    close: async () => {
      options.onClose?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
