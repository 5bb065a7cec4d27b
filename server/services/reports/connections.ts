import { eq } from 'drizzle-orm';
import { reportSettings } from '../../../db/schema/reports';
import { isProduction } from '../../config/env';
import { GeminiClient, GEMINI_API_URL } from '../../providers/gemini/client';
import { RADIST_API_URL, RadistClient } from '../../providers/radist/client';
import { TELEGRAM_API_ROOT, TelegramClient } from '../../providers/telegram/client';
import { readTenantSecret } from '../secrets/tenant-secrets';
import { kommoConnectionOf, openKommoReader } from '../kommo/connection';
import { ReportError, tuningOf, type ReportDeps } from './deps';
import { kommoLeadSource, type LeadSource } from './lead-source';
import { connectExternal, ReportStore } from './store';

/**
 * Where the report pipeline's providers and store come from: the tenant's settings,
 * its encrypted secrets (tenant_secrets, names below) and the base URL the server
 * chose when the step was saved (the real API, or the demo/test sandbox outside
 * production — never a URL typed in a form).
 */

export const SECRET_NAMES = {
  storeUrl: 'reports.store.postgres_url',
  radistKey: 'reports.radist.api_key',
  geminiKey: 'reports.gemini.api_key',
  telegramToken: 'reports.telegram.bot_token',
} as const;
export type SecretName = (typeof SECRET_NAMES)[keyof typeof SECRET_NAMES];

export type SettingsRow = typeof reportSettings.$inferSelect;

/** The base URL a step is saved with: the sandbox outside production when one runs, else the vendor's. */
export function providerBaseUrl(deps: Pick<ReportDeps, 'env' | 'sandboxes'>, provider: 'radist' | 'gemini' | 'telegram'): string {
  const sandbox = !isProduction(deps.env) ? deps.sandboxes?.[provider] : undefined;
  if (provider === 'radist') return sandbox ? `${sandbox.replace(/\/+$/, '')}/v2` : RADIST_API_URL;
  if (provider === 'gemini') return sandbox ?? GEMINI_API_URL;
  return sandbox ?? TELEGRAM_API_ROOT;
}

/** A stored base URL is used only if it is the vendor's, or (outside production) a loopback sandbox. */
function trustedBaseUrl(deps: Pick<ReportDeps, 'env'>, stored: string | null, vendor: string): string {
  if (!stored) return vendor;
  if (stored === vendor) return stored;
  const url = new URL(stored);
  if (!isProduction(deps.env) && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')) return stored;
  throw new ReportError('precondition', 'This step points at a sandbox, which production does not use: save the step again.');
}

export async function settingsOf(deps: Pick<ReportDeps, 'db'>, organizationId: string): Promise<SettingsRow | null> {
  const [row] = await deps.db.select().from(reportSettings).where(eq(reportSettings.organizationId, organizationId));
  return row ?? null;
}

export async function ensureSettings(deps: Pick<ReportDeps, 'db'>, organizationId: string): Promise<SettingsRow> {
  await deps.db.insert(reportSettings).values({ organizationId }).onConflictDoNothing();
  return (await settingsOf(deps, organizationId))!;
}

export async function secretOf(deps: Pick<ReportDeps, 'db' | 'keyring'>, organizationId: string, name: SecretName): Promise<string | null> {
  return readTenantSecret(deps.db, deps.keyring, organizationId, name);
}

export async function radistClientOf(deps: ReportDeps, organizationId: string, settings: SettingsRow): Promise<RadistClient> {
  const apiKey = await secretOf(deps, organizationId, SECRET_NAMES.radistKey);
  if (!apiKey || !settings.radistCompanyId) throw new ReportError('precondition', 'Radist is not set up: save the API key and company id under Settings → Reports → Radist.');
  return new RadistClient({ apiKey, companyId: settings.radistCompanyId, baseUrl: trustedBaseUrl(deps, settings.radistBaseUrl, RADIST_API_URL), requestsPerSecond: tuningOf(deps).radistRequestsPerSecond, retryBaseMs: tuningOf(deps).clientRetryBaseMs });
}

export async function geminiClientOf(deps: ReportDeps, organizationId: string, settings: SettingsRow, options: { attempts?: number } = {}): Promise<GeminiClient> {
  const apiKey = await secretOf(deps, organizationId, SECRET_NAMES.geminiKey);
  if (!apiKey) throw new ReportError('precondition', 'The AI step is not set up: save a Gemini API key under Settings → Reports → AI.');
  return new GeminiClient({ apiKey, baseUrl: trustedBaseUrl(deps, settings.geminiBaseUrl, GEMINI_API_URL), attempts: options.attempts ?? 1 });
}

export async function telegramClientOf(deps: ReportDeps, organizationId: string, settings: SettingsRow): Promise<TelegramClient> {
  const token = await secretOf(deps, organizationId, SECRET_NAMES.telegramToken);
  if (!token || !settings.telegramChatId) throw new ReportError('precondition', 'Telegram is not set up: save the bot token and chat id under Settings → Reports → Telegram.');
  return new TelegramClient({ token, apiRoot: trustedBaseUrl(deps, settings.telegramApiRoot, TELEGRAM_API_ROOT), retryBaseMs: tuningOf(deps).clientRetryBaseMs });
}

/** The store the tenant chose; close it when done (the external one owns a small pool). */
export async function openReportStore(deps: ReportDeps, organizationId: string, settings: Pick<SettingsRow, 'storeKind'>): Promise<ReportStore> {
  if (settings.storeKind === 'builtin') return new ReportStore('builtin', deps.sql, organizationId, false);
  const url = await secretOf(deps, organizationId, SECRET_NAMES.storeUrl);
  if (!url) throw new ReportError('precondition', 'The report store is set to your own Postgres, but no connection string is saved.');
  return new ReportStore('external', connectExternal(url, deps.env), organizationId, true);
}

/** The tenant's Kommo leads: an injected source (tests), else the read client of its Kommo connection. */
export async function leadSourceOf(deps: ReportDeps, organizationId: string): Promise<LeadSource> {
  if (deps.leadSource) return deps.leadSource(organizationId);
  const found = await kommoConnectionOf(deps.db, organizationId);
  if (!found || found.conn.status !== 'connected') throw new ReportError('precondition', 'Kommo is not connected: an admin connects it under Integrations → Kommo.');
  const { reader } = await openKommoReader({ db: deps.db, sql: deps.sql, keyring: deps.keyring, env: deps.env, log: deps.log }, found.conn.id);
  return kommoLeadSource(reader);
}
