import { serveOnLoopback } from './core/http-server';
import { createSandbox, type ProviderName, type SandboxDefinition, type SandboxInstance, type SandboxOptions } from './core/sandbox';

/**
 * Every provider's sandbox definition, by name. Each lives in server/sandbox/<provider>/
 * and exports `definition`; loaded lazily so a test pays only for the one it starts.
 */
const definitions: Partial<Record<ProviderName, () => Promise<SandboxDefinition<any>>>> = {
  // one line per provider, e.g.: salesforce: () => import('./salesforce').then((m) => m.definition),
  salesforce: () => import('./salesforce').then((m) => m.definition),
  kommo: () => import('./kommo').then((m) => m.definition),
  radist: () => import('./radist').then((m) => m.definition),
  gemini: () => import('./gemini').then((m) => m.definition),
  telegram: () => import('./telegram').then((m) => m.definition),
  hubspot: () => import('./hubspot').then((m) => m.definition),
};

export function availableSandboxes(): ProviderName[] {
  return Object.keys(definitions) as ProviderName[];
}

export interface RunningSandbox<TStore = any> extends SandboxInstance<TStore> {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** Starts one sandbox on a loopback port (random unless given): `{ url, store, faults, requests, close }`. */
export async function startSandbox<TStore = any>(provider: ProviderName, options: SandboxOptions & { port?: number } = {}): Promise<RunningSandbox<TStore>> {
  const load = definitions[provider];
  if (!load) throw new Error(`No sandbox for ${provider}`);
  const definition = (await load()) as SandboxDefinition<TStore>;
  let url = '';
  const instance = createSandbox(definition, options, () => url);
  const served = await serveOnLoopback(instance.handler, { port: options.port, onClose: () => instance.abort.abort() });
  url = served.url;
  return { ...instance, url, port: served.port, close: served.close };
}
