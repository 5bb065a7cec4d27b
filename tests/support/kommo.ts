import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../db/client';
import type { AppServices } from '../../server/app-services';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import type { KommoDeps } from '../../server/services/kommo/deps';
import { action as webhookAction } from '../../app/routes/webhooks.kommo.$slug.$secret';
import { servicesFor } from './factories';

/** The Kommo sandbox's fixed demo credentials (server/sandbox/kommo/index.ts header). */
export const KOMMO_LONG_LIVED = 'kommo-sandbox-long-lived-token';
export const KOMMO_CLIENT = { id: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', secret: 'kommo-sandbox-secret-0123456789abcdefghijklmnopqrstuv' };
export const KOMMO_ACCOUNT_ID = 31_905_001;

export async function startKommoSandbox(records = 600): Promise<RunningSandbox<KommoStore>> {
  const sb = await startSandbox<KommoStore>('kommo', { seed: 5, records, latencyMs: 0 });
  relaxKommoLimits(sb);
  return sb;
}

/** Most tests are not about Kommo's 7 rps: the sandbox stops counting (our pacer still paces). */
export function relaxKommoLimits(sb: RunningSandbox<KommoStore>) {
  Object.assign(sb.store.limits, { enabled: false, perSecond: 7, violationsToBlock: 20, violationWindowSeconds: 60, blockSeconds: 60 });
  sb.store.limiter.reset();
  sb.store.blockedUntil = 0;
  sb.store.violations = [];
}

/** App services with the Kommo sandbox as the demo sandbox (one keyring for the whole file). */
export function kommoServices(database: Database, sandboxUrl: string): AppServices {
  return { ...servicesFor(database), sandboxes: { kommo: sandboxUrl } };
}

export function depsOf(services: AppServices): KommoDeps {
  return { db: services.db, sql: services.sql, keyring: services.keyring, env: services.env, sandboxOrigin: services.sandboxes?.kommo ?? null, boss: services.boss, log: () => {} };
}

/**
 * Calls the webhook route module exactly as Remix would (POST, params from the path).
 * Returns status and JSON body.
 */
export async function postWebhook(services: AppServices, path: string, body: string, contentType: string | null = 'application/x-www-form-urlencoded') {
  const [, , , slug = '', secret = ''] = path.split('/');
  const request = new Request(`http://localhost:3000${path}`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });
  const response = await webhookAction({ request, params: { slug, secret }, context: { services, cspNonce: '' } } as never);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A loopback HTTP endpoint the sandbox can deliver webhooks to; it forwards to the route module. */
export async function webhookReceiver(services: AppServices) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const answer = await postWebhook(services, req.url ?? '/', Buffer.concat(chunks).toString('utf8'), req.headers['content-type'] ?? null);
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
