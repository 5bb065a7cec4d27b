import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../db/client';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../db/embedded';
import type { AppServices } from '../../server/app-services';
import { hostPolicy } from '../../server/providers/kommo/hosts';
import { KommoReadClient } from '../../server/providers/kommo/read';
import { KommoTransport, LocalPacer } from '../../server/providers/kommo/transport';
import type { GeminiStore } from '../../server/sandbox/gemini/index';
import { startSandbox, type RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import type { RadistStore } from '../../server/sandbox/radist/store';
import type { TelegramStore } from '../../server/sandbox/telegram/store';
import type { ReportDeps } from '../../server/services/reports/deps';
import { kommoLeadSource } from '../../server/services/reports/lead-source';
import { callerAs, servicesFor } from './factories';

/** The sandboxes' demo credentials (each sandbox's index.ts header). */
export const DEMO = {
  kommoToken: 'kommo-sandbox-long-lived-token',
  radistKey: 'radist-sandbox-api-key',
  radistCompany: 100_501,
  geminiKey: 'gemini-sandbox-key',
  botToken: '7000000001:AAH-sandbox-telegram-demo-token-0001',
  groupChat: '-1001000000001',
} as const;

/** The sandboxes' data end at this instant (server/sandbox/kommo/people.ts GENERATOR_ANCHOR). */
export const ANCHOR = new Date(Date.UTC(2026, 10, 1));

export interface ReportWorld {
  kommo: RunningSandbox<KommoStore>;
  radist: RunningSandbox<RadistStore>;
  gemini: RunningSandbox<GeminiStore>;
  telegram: RunningSandbox<TelegramStore>;
  urls: Record<string, string>;
  /** A second embedded Postgres standing in for the tenant's Supabase. */
  external: { url: string; pg: EmbeddedDatabase } | null;
  close: () => Promise<void>;
}

export function withoutProxy() {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
}

/** Kommo, Radist, Gemini and Telegram sandboxes with one seed (Kommo and Radist share people and phones). */
export async function startReportWorld(options: { seed?: number; records?: number; latencyMs?: number; external?: boolean } = {}): Promise<ReportWorld> {
  withoutProxy();
  const common = { seed: options.seed ?? 11, records: options.records ?? 40, ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }) };
  const kommo = await startSandbox<KommoStore>('kommo', common);
  const radist = await startSandbox<RadistStore>('radist', common);
  const gemini = await startSandbox<GeminiStore>('gemini', common);
  const telegram = await startSandbox<TelegramStore>('telegram', common);
  let external: ReportWorld['external'] = null;
  let dataDir: string | null = null;
  if (options.external) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-tenant-pg-'));
    fs.chmodSync(dataDir, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: 0, databases: ['tenant_store'] });
    external = { url: pg.url('tenant_store'), pg };
  }
  return {
    kommo,
    radist,
    gemini,
    telegram,
    urls: { kommo: kommo.url, radist: radist.url, gemini: gemini.url, telegram: telegram.url },
    external,
    close: async () => {
      for (const sb of [kommo, radist, gemini, telegram]) await sb.close();
      if (external) await external.pg.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The tests are not about the providers' rate limits (the clients still pace themselves). */
export function relaxLimits(world: ReportWorld) {
  Object.assign(world.kommo.store.limits, { enabled: false });
  world.radist.store.limits.enabled = false;
  world.telegram.store.limits.enabled = false;
  world.gemini.store.limits.enabled = false;
  for (const sb of [world.kommo, world.radist, world.gemini, world.telegram]) sb.faults.reset();
}

/** App services whose demo sandboxes are this world's. */
export function reportServices(database: Database, world: ReportWorld): AppServices {
  return { ...servicesFor(database), sandboxes: world.urls };
}

/** Report deps on these services, with short back-offs and (optionally) a lead source. */
export function reportDeps(services: AppServices, overrides: Partial<ReportDeps> = {}): ReportDeps {
  return {
    db: services.db,
    sql: services.sql,
    keyring: services.keyring,
    env: services.env,
    boss: services.boss,
    sandboxes: services.sandboxes,
    log: () => {},
    tuning: { attempts: 3, backoffMs: 20, maxBackoffMs: 200, radistRequestsPerSecond: 200, radistConcurrency: 4, clientRetryBaseMs: 10 },
    ...overrides,
  };
}

/** The Kommo read client on the sandbox with its long-lived token, as a lead source (no connection row needed). */
export function sandboxLeadSource(world: ReportWorld) {
  const transport = new KommoTransport({
    policy: hostPolicy(world.kommo.url, { sandboxOrigin: world.kommo.url }),
    auth: { accessToken: async () => DEMO.kommoToken, refreshed: async () => null },
    pacer: new LocalPacer(100),
  });
  return kommoLeadSource(new KommoReadClient(transport));
}

/** Everything the sandboxes hold, for periods that must cover the whole data set. */
export const WHOLE_HISTORY = { start: new Date(Date.UTC(2024, 0, 1)), end: new Date(ANCHOR.getTime() + 86_400_000) };

/** A tRPC caller for a user, as the browser's requests would reach the reports router. */
export async function reportsCaller(database: Database, user: { id: string; organizationId: string | null }, services: AppServices) {
  const { caller, ctx } = await callerAs(database, user, services);
  return { caller, ctx };
}
