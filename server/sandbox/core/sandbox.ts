import { FaultState, faultsPatchSchema, type Faults } from './faults';
import { seededRandom, type SeededRandom } from './random';
import { RequestLog } from './request-log';

export const providers = ['salesforce', 'hubspot', 'kommo', 'radist', 'gemini', 'telegram'] as const;
export type ProviderName = (typeof providers)[number];

export interface SandboxOptions {
  /** Seed of the data generator and of the fault dice. */
  seed?: number;
  /** How many records to generate per main object (contacts, leads...). */
  records?: number;
  /** Faults in force from the start. */
  faults?: Partial<Faults>;
  /** Latency model: delay added to every request (default 2 ms; 0 for none). */
  latencyMs?: number;
}

/** What a provider handler sees besides the request. */
export interface SandboxContext<TStore> {
  store: TStore;
  random: SeededRandom;
  requests: RequestLog;
  /** This sandbox's own origin, e.g. http://127.0.0.1:41234 — for absolute URLs in bodies. */
  baseUrl: () => string;
}

/**
 * One provider's sandbox. Its handler speaks the provider's wire protocol; the core
 * adds the fault layer, the latency model, the request log and the `/_sandbox` admin
 * path around it.
 */
export interface SandboxDefinition<TStore> {
  provider: ProviderName;
  createStore(options: Required<Pick<SandboxOptions, 'seed' | 'records'>>): TStore;
  handle(request: Request, ctx: SandboxContext<TStore>): Promise<Response>;
  /** The provider's own 429 answer (headers and body as the real API sends them). */
  rateLimited(retryAfterSeconds: number): Response;
  /** The provider's own 5xx answer; a generic JSON body when absent. */
  serverError?(status: number): Response;
  /** Admin operations for sync tests; each returns the ids it touched. */
  deleteRecords?(store: TStore, count: number, random: SeededRandom): string[];
  modifyRecords?(store: TStore, count: number, random: SeededRandom): string[];
  expireTokens?(store: TStore): number;
  revokeRefreshTokens?(store: TStore): number;
  /** A small summary for GET /_sandbox (record counts, token counts...). */
  summary?(store: TStore): Record<string, unknown>;
  /**
   * Paths under /_sandbox that this provider answers itself in handle() (outside the
   * fault layer), e.g. a webhook registry: '/_sandbox/webhooks' also covers its sub-paths.
   */
  adminPaths?: string[];
}

/** Thrown by the fault layer: the Node adapter destroys the socket without answering. */
export class DropConnection extends Error {}

export const json = (body: unknown, init: ResponseInit = {}) => {
  const headers = new Headers(init.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json;charset=UTF-8');
  return new Response(body === undefined ? null : JSON.stringify(body), { ...init, headers });
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export interface SandboxInstance<TStore> {
  provider: ProviderName;
  store: TStore;
  faults: FaultState;
  requests: RequestLog;
  latency: { ms: number };
  handler: (request: Request) => Promise<Response>;
  /** Ends hanging requests (on close). */
  abort: AbortController;
}

/** Builds the full handler: admin path, faults, latency, provider, request log. */
export function createSandbox<TStore>(definition: SandboxDefinition<TStore>, options: SandboxOptions, baseUrl: () => string): SandboxInstance<TStore> {
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const faults = new FaultState(seededRandom(seed + 99).next);
  if (options.faults) faults.set(options.faults);
  const requests = new RequestLog();
  const store = definition.createStore({ seed, records: options.records ?? 100 });
  const latency = { ms: options.latencyMs ?? 2 };
  const abort = new AbortController();
  const ctx: SandboxContext<TStore> = { store, random, requests, baseUrl };

  const admin = async (request: Request, url: URL): Promise<Response> => {
    const body = request.method === 'POST' ? await request.json().catch(() => ({})) : {};
    const count = Math.max(0, Math.min(1_000_000, Number((body as { count?: number }).count ?? 1)));
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /_sandbox':
        return json({ provider: definition.provider, faults: faults.get(), latencyMs: latency.ms, requests: requests.count(), ...definition.summary?.(store) });
      case 'GET /_sandbox/requests':
        return json(requests.all().slice(-Math.min(1000, Number(url.searchParams.get('limit') ?? 100))));
      case 'POST /_sandbox/faults': {
        const patch = faultsPatchSchema.safeParse(body);
        if (!patch.success) return json({ error: patch.error.issues }, { status: 400 });
        return json(faults.set(patch.data));
      }
      case 'POST /_sandbox/faults/reset':
        faults.reset();
        return json(faults.get());
      case 'POST /_sandbox/latency':
        latency.ms = Math.max(0, Number((body as { ms?: number }).ms ?? 0));
        return json({ latencyMs: latency.ms });
      case 'POST /_sandbox/records/delete':
        return definition.deleteRecords ? json({ ids: definition.deleteRecords(store, count, random) }) : json({ error: 'not supported' }, { status: 404 });
      case 'POST /_sandbox/records/modify':
        return definition.modifyRecords ? json({ ids: definition.modifyRecords(store, count, random) }) : json({ error: 'not supported' }, { status: 404 });
      case 'POST /_sandbox/tokens/expire':
        return json({ expired: definition.expireTokens?.(store) ?? 0 });
      case 'POST /_sandbox/tokens/revoke-refresh':
        return json({ revoked: definition.revokeRefreshTokens?.(store) ?? 0 });
      default:
        return json({ error: 'unknown sandbox admin path' }, { status: 404 });
    }
  };

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
      if (definition.adminPaths?.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return definition.handle(request, ctx);
      return admin(request, url);
    }
    const decision = faults.decide();
    const log = (status: number, fault?: string) =>
      requests.add({ at: Date.now(), method: request.method, path: url.pathname, query: url.search, status, fault });
    if (decision.kind === 'drop') {
      log(0, 'drop');
      throw new DropConnection('fault: dropped connection');
    }
    if (decision.kind === 'hang') {
      log(0, 'hang');
      await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));
      throw new DropConnection('sandbox closed while hanging');
    }
    await sleep(latency.ms + faults.get().extraLatencyMs, abort.signal);
    if (decision.kind === 'rate-limit') {
      const response = definition.rateLimited(decision.retryAfterSeconds);
      log(response.status, 'rate-limit');
      return response;
    }
    if (decision.kind === 'server-error') {
      const response = definition.serverError?.(decision.status) ?? json({ error: 'sandbox fault: server error' }, { status: decision.status });
      log(response.status, 'server-error');
      return response;
    }
    let response: Response;
    try {
      response = await definition.handle(request, ctx);
    } catch (error) {
      if (error instanceof DropConnection) throw error;
      console.error(`[sandbox:${definition.provider}]`, error);
      response = json({ error: 'sandbox internal error', message: String(error) }, { status: 500 });
    }
    if (decision.kind === 'malformed' && response.headers.get('content-type')?.includes('json')) {
      const text = await response.text();
      log(response.status, 'malformed');
      return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), { status: response.status, headers: response.headers });
    }
    log(response.status);
    return response;
  };

  return { provider: definition.provider, store, faults, requests, latency, handler, abort };
}
