import { portOrFree } from '../../db/embedded';
import { providers, type ProviderName } from './core/sandbox';
import { availableSandboxes, startSandbox, type RunningSandbox } from './index';

/** Preferred demo ports, so a newcomer's bookmarks survive restarts; a busy one falls back to a free port. */
const DEMO_PORTS: Record<ProviderName, number> = { salesforce: 4101, hubspot: 4102, kommo: 4103, radist: 4104, gemini: 4105, telegram: 4106 };

/**
 * Demo mode (the default on the embedded database, never in production): every
 * sandbox on its own loopback port, with the same seed, so Kommo leads and Radist
 * dialogs share phone numbers.
 */
export async function startDemoSandboxes(options: { seed?: number; records?: number } = {}) {
  const running: Partial<Record<ProviderName, RunningSandbox>> = {};
  for (const provider of providers) {
    if (!availableSandboxes().includes(provider)) continue;
    running[provider] = await startSandbox(provider, {
      seed: options.seed ?? 1,
      records: options.records ?? 500,
      port: await portOrFree(DEMO_PORTS[provider]),
    });
  }
  return {
    urls: Object.fromEntries(Object.entries(running).map(([name, sb]) => [name, sb!.url])) as Record<string, string>,
    close: async () => {
      for (const sb of Object.values(running)) await sb!.close();
    },
  };
}
