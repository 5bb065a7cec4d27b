import { desc, eq, sql } from 'drizzle-orm';
import { organizations, tenantSecrets, users } from '../../../db/schema';
import { reportPrompts, reportSettings } from '../../../db/schema/reports';
import {
  reportSchedules,
  SECRET_PLACEHOLDER,
  scheduledReportTypes,
  type Light,
  type ReportSchedule,
  type ScheduledReportType,
  type StepCheck,
  type WizardStep,
} from '../../shared/reports';
import { putTenantSecret } from '../secrets/tenant-secrets';
import { kommoConnectionOf } from '../kommo/connection';
import {
  ensureSettings,
  geminiClientOf,
  leadSourceOf,
  openReportStore,
  providerBaseUrl,
  radistClientOf,
  SECRET_NAMES,
  secretOf,
  settingsOf,
  telegramClientOf,
  type SecretName,
  type SettingsRow,
} from './connections';
import { ReportError, type ReportDeps } from './deps';
import { describeFailure } from './failure';
import { assembleDialogs, computeFigures } from './figures';
import type { PeriodLead } from './lead-source';
import { isValidTimeZone, periodContaining } from './periods';
import { appUrlOf, summaryOf } from './pipeline';
import { budgetFor, buildPrompt, DEFAULT_PROMPT } from './prompt';
import { applyExternal, checkExternal, connectExternal, describeStoreError, vetPostgresUrl, type RawChatRow, type RawMessageRow } from './store';
import { CURRENT_STORE_VERSION, storeSqlBlock } from './store-sql';

/**
 * The settings wizard (issue 7): six steps, each with a form, a Check, a test action
 * and a persisted status light. Secrets go to tenant_secrets (encrypted) and never come
 * back: the view answers "••••" for a saved one. Every answer here is built from
 * settings and plain messages — never from a secret, a provider body or a URL with a
 * token. What a test action found (three leads, their dialogs, the test analysis) is
 * kept in `wizard_scratch` for the next step's test.
 */

export interface Actor {
  organizationId: string;
  userId: string;
}

const now = () => new Date().toISOString();
const check = (light: Light, message: string): StepCheck => ({ light, message, checkedAt: now() });

async function setCheck(deps: ReportDeps, organizationId: string, step: WizardStep, value: StepCheck): Promise<StepCheck> {
  await ensureSettings(deps, organizationId);
  await deps.db
    .update(reportSettings)
    .set({ checks: sql`${reportSettings.checks} || ${JSON.stringify({ [step]: value })}::jsonb`, updatedAt: new Date() })
    .where(eq(reportSettings.organizationId, organizationId));
  return value;
}

async function setScratch(deps: ReportDeps, organizationId: string, patch: Record<string, unknown>): Promise<void> {
  await deps.db
    .update(reportSettings)
    .set({ wizardScratch: sql`${reportSettings.wizardScratch} || ${JSON.stringify(patch)}::jsonb`, updatedAt: new Date() })
    .where(eq(reportSettings.organizationId, organizationId));
}

async function savedSecrets(deps: ReportDeps, organizationId: string): Promise<Set<string>> {
  const rows = await deps.db.select({ name: tenantSecrets.name }).from(tenantSecrets).where(eq(tenantSecrets.organizationId, organizationId));
  return new Set(rows.map((r) => r.name));
}

/** A check action's failure, turned into a red light (plain words) instead of an error. */
async function red(deps: ReportDeps, organizationId: string, step: WizardStep, error: unknown): Promise<StepCheck> {
  const failure = describeFailure(error);
  if (!failure.expected) deps.log?.(`[reports] ${step} check failed: ${error instanceof Error ? error.name : 'error'}`);
  return setCheck(deps, organizationId, step, check('red', failure.message));
}

// ---------------------------------------------------------------- the view

export async function settingsView(deps: ReportDeps, organizationId: string) {
  const row = await settingsOf(deps, organizationId);
  const secrets = await savedSecrets(deps, organizationId);
  const placeholder = (name: SecretName) => (secrets.has(name) ? SECRET_PLACEHOLDER : null);
  const [org] = await deps.db.select({ timezone: organizations.timezone, dayBoundaryHour: organizations.dayBoundaryHour }).from(organizations).where(eq(organizations.id, organizationId));
  const prompts = await deps.db
    .select({ version: reportPrompts.version, body: reportPrompts.body, createdAt: reportPrompts.createdAt, author: users.name })
    .from(reportPrompts)
    .leftJoin(users, eq(users.id, reportPrompts.createdBy))
    .where(eq(reportPrompts.organizationId, organizationId))
    .orderBy(desc(reportPrompts.version))
    .limit(50);
  let kommo: { connected: boolean; status: string; account: string | null } = { connected: false, status: 'not_connected', account: null };
  try {
    const found = await kommoConnectionOf(deps.db, organizationId);
    if (found) kommo = { connected: found.conn.status === 'connected', status: found.conn.status, account: found.account.accountName ?? found.account.subdomain };
  } catch {
    // the Kommo tables may not exist yet on this database: shown as not connected
  }
  const scratch = (row?.wizardScratch ?? {}) as Record<string, unknown>;
  return {
    checks: row?.checks ?? {},
    store: {
      kind: row?.storeKind ?? 'builtin',
      postgresUrl: placeholder(SECRET_NAMES.storeUrl),
      schemaVersion: row?.storeSchemaVersion ?? null,
      currentVersion: CURRENT_STORE_VERSION,
      serverVersion: row?.storeServerVersion ?? null,
      sql: storeSqlBlock(),
    },
    kommo,
    radist: { apiKey: placeholder(SECRET_NAMES.radistKey), company: row?.radistCompanyId ?? null, sandbox: isSandboxUrl(row?.radistBaseUrl) },
    ai: {
      provider: 'gemini' as const,
      apiKey: placeholder(SECRET_NAMES.geminiKey),
      model: row?.geminiModel ?? null,
      inputTokenLimit: row?.geminiInputTokenLimit ?? null,
      outputTokenLimit: row?.geminiOutputTokenLimit ?? null,
      sandbox: isSandboxUrl(row?.geminiBaseUrl),
      prompt: { version: prompts[0]?.version ?? null, body: prompts[0]?.body ?? DEFAULT_PROMPT },
      promptVersions: prompts.map((p) => ({ version: p.version, createdAt: p.createdAt, author: p.author, preview: p.body.slice(0, 160) })),
    },
    telegram: { botToken: placeholder(SECRET_NAMES.telegramToken), chat: row?.telegramChatId ?? null, botUsername: row?.telegramBotUsername ?? null, sandbox: isSandboxUrl(row?.telegramApiRoot) },
    automation: {
      timeZone: org?.timezone ?? 'UTC',
      dayBoundaryHour: org?.dayBoundaryHour ?? 0,
      schedule: row?.schedule ?? 'manual',
      weeklyDay: row?.weeklyDay ?? 1,
      reportTypes: row?.reportTypes ?? [],
      automationSince: row?.automationSince ?? null,
    },
    test: {
      leads: (scratch.testLeads as TestLeadRow[] | undefined) ?? null,
      dialogs: (scratch.testDialogSummary as unknown) ?? null,
      analysis: (scratch.testAnalysis as TestAnalysis | undefined) ?? null,
    },
  };
}

const isSandboxUrl = (url: string | null | undefined) => Boolean(url && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url));

// ---------------------------------------------------------------- 1. data store

export async function saveStore(deps: ReportDeps, actor: Actor, input: { kind: 'builtin' | 'external'; postgresUrl?: string }) {
  const current = await ensureSettings(deps, actor.organizationId);
  let urlChanged = false;
  if (input.kind === 'external') {
    if (input.postgresUrl) {
      vetPostgresUrl(input.postgresUrl, deps.env);
      await putTenantSecret(deps.db, deps.keyring, actor.organizationId, SECRET_NAMES.storeUrl, input.postgresUrl.trim());
      urlChanged = true;
    } else if (!(await secretOf(deps, actor.organizationId, SECRET_NAMES.storeUrl))) {
      throw new ReportError('invalid', 'Enter the connection string of your Postgres.', { postgresUrl: ['Required for your own store.'] });
    }
  }
  const changed = urlChanged || current.storeKind !== input.kind;
  await deps.db
    .update(reportSettings)
    .set({ storeKind: input.kind, ...(changed ? { storeSchemaVersion: null, storeServerVersion: null } : {}), updatedAt: new Date() })
    .where(eq(reportSettings.organizationId, actor.organizationId));
  const light = changed ? await setCheck(deps, actor.organizationId, 'store', check('yellow', 'Saved — press Check.')) : null;
  return { changed, urlChanged, kind: input.kind, check: light };
}

export async function checkStore(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  if (settings.storeKind === 'builtin') {
    const [row] = await deps.sql<{ v: string }[]>`select current_setting('server_version') as v`;
    await deps.db.update(reportSettings).set({ storeServerVersion: row!.v }).where(eq(reportSettings.organizationId, actor.organizationId));
    const light = await setCheck(deps, actor.organizationId, 'store', check('green', `Built-in store (PostgreSQL ${row!.v}): report texts stay in CRM Hub.`));
    return { check: light, serverVersion: row!.v, schemaVersion: CURRENT_STORE_VERSION, currentVersion: CURRENT_STORE_VERSION };
  }
  const url = await secretOf(deps, actor.organizationId, SECRET_NAMES.storeUrl);
  if (!url) return { check: await setCheck(deps, actor.organizationId, 'store', check('red', 'No connection string is saved.')), serverVersion: null, schemaVersion: null, currentVersion: CURRENT_STORE_VERSION };
  let external;
  try {
    external = connectExternal(url, deps.env);
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'store', error), serverVersion: null, schemaVersion: null, currentVersion: CURRENT_STORE_VERSION };
  }
  try {
    const info = await checkExternal(external);
    await deps.db.update(reportSettings).set({ storeServerVersion: info.serverVersion, storeSchemaVersion: info.schemaVersion }).where(eq(reportSettings.organizationId, actor.organizationId));
    const ready = info.schemaVersion === info.currentVersion;
    const light = await setCheck(
      deps,
      actor.organizationId,
      'store',
      ready
        ? check('green', `Connected: PostgreSQL ${info.serverVersion}; report tables at version ${info.schemaVersion}.`)
        : check('yellow', `Connected: PostgreSQL ${info.serverVersion}. The report tables are ${info.schemaVersion ? `at version ${info.schemaVersion}` : 'not created yet'} — press Apply.`),
    );
    return { check: light, ...info };
  } catch (error) {
    return { check: await setCheck(deps, actor.organizationId, 'store', check('red', `Could not connect: ${describeStoreError(error)}`)), serverVersion: null, schemaVersion: null, currentVersion: CURRENT_STORE_VERSION };
  } finally {
    await external.end({ timeout: 5 }).catch(() => {});
  }
}

/** Creates (or upgrades) the tables in the tenant's Postgres, then writes a row and reads it back. */
export async function applyStore(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  let applied: number[] = [];
  try {
    if (settings.storeKind === 'external') {
      const url = await secretOf(deps, actor.organizationId, SECRET_NAMES.storeUrl);
      if (!url) throw new ReportError('precondition', 'No connection string is saved.');
      const external = connectExternal(url, deps.env);
      try {
        const result = await applyExternal(external);
        applied = result.applied;
        const info = await checkExternal(external);
        await deps.db.update(reportSettings).set({ storeSchemaVersion: result.version, storeServerVersion: info.serverVersion }).where(eq(reportSettings.organizationId, actor.organizationId));
      } finally {
        await external.end({ timeout: 5 }).catch(() => {});
      }
    }
    const store = await openReportStore(deps, actor.organizationId, settings);
    try {
      const probe = await store.writeProbe();
      if (!probe.ok) throw new ReportError('provider', 'The test row read back differently from what was written.');
      const light = await setCheck(deps, actor.organizationId, 'store', check('green', `Tables at version ${CURRENT_STORE_VERSION}${applied.length ? ` (applied now: ${applied.join(', ')})` : ''}; test write and read-back OK in ${probe.ms} ms.`));
      return { check: light, applied, version: CURRENT_STORE_VERSION, writeReadBack: probe };
    } finally {
      await store.close();
    }
  } catch (error) {
    const failure = error instanceof ReportError ? error.message : describeStoreError(error);
    return { check: await setCheck(deps, actor.organizationId, 'store', check('red', `Apply failed: ${failure}`)), applied, version: null, writeReadBack: null };
  }
}

// ---------------------------------------------------------------- 2. Kommo

export interface TestLeadRow {
  id: number;
  name: string;
  updatedAt: string;
  manager: string | null;
  contact: string | null;
  phone: string | null;
}

const leadRow = (l: PeriodLead): TestLeadRow => {
  const contact = l.contacts.find((c) => c.isMain) ?? l.contacts[0];
  return { id: l.id, name: l.name, updatedAt: l.updatedAt, manager: l.responsible, contact: contact?.name ?? null, phone: contact?.phones[0] ?? null };
};

export async function checkKommo(deps: ReportDeps, actor: Actor) {
  try {
    const source = await leadSourceOf(deps, actor.organizationId);
    const account = await source.accountName();
    return { check: await setCheck(deps, actor.organizationId, 'kommo', check('green', `Connected to the Kommo account "${account}".`)) };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'kommo', error) };
  }
}

/** The three most recently updated leads, with contacts and phones. */
export async function testKommo(deps: ReportDeps, actor: Actor) {
  await ensureSettings(deps, actor.organizationId);
  try {
    const source = await leadSourceOf(deps, actor.organizationId);
    const leads = await source.recentLeads(3);
    await setScratch(deps, actor.organizationId, { testLeadsFull: leads, testLeads: leads.map(leadRow) });
    const withPhones = leads.filter((l) => l.contacts.some((c) => c.phones.length)).length;
    const light = check(leads.length ? 'green' : 'yellow', leads.length ? `Loaded ${leads.length} leads (${withPhones} with a phone).` : 'Kommo has no leads yet.');
    return { check: await setCheck(deps, actor.organizationId, 'kommo', light), leads: leads.map(leadRow) };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'kommo', error), leads: [] };
  }
}

async function testLeadsOf(deps: ReportDeps, organizationId: string): Promise<PeriodLead[]> {
  const row = await settingsOf(deps, organizationId);
  const saved = (row?.wizardScratch as { testLeadsFull?: PeriodLead[] } | undefined)?.testLeadsFull;
  if (saved?.length) return saved;
  const leads = await (await leadSourceOf(deps, organizationId)).recentLeads(3);
  await setScratch(deps, organizationId, { testLeadsFull: leads, testLeads: leads.map(leadRow) });
  return leads;
}

// ---------------------------------------------------------------- 3. Radist

export async function saveRadist(deps: ReportDeps, actor: Actor, input: { apiKey?: string; company: number }) {
  const current = await ensureSettings(deps, actor.organizationId);
  if (input.apiKey) await putTenantSecret(deps.db, deps.keyring, actor.organizationId, SECRET_NAMES.radistKey, input.apiKey.trim());
  else if (!(await secretOf(deps, actor.organizationId, SECRET_NAMES.radistKey))) throw new ReportError('invalid', 'Enter the Radist API key.', { apiKey: ['Required.'] });
  await deps.db
    .update(reportSettings)
    .set({ radistCompanyId: input.company, radistBaseUrl: providerBaseUrl(deps, 'radist'), updatedAt: new Date() })
    .where(eq(reportSettings.organizationId, actor.organizationId));
  const changed = Boolean(input.apiKey) || current.radistCompanyId !== input.company;
  return { changed, check: changed ? await setCheck(deps, actor.organizationId, 'radist', check('yellow', 'Saved — press Check.')) : null };
}

export async function checkRadist(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  try {
    const client = await radistClientOf(deps, actor.organizationId, settings);
    const companies = await client.companies();
    const company = companies.find((c) => c.id === settings.radistCompanyId);
    if (!company) return { check: await setCheck(deps, actor.organizationId, 'radist', check('red', `The key works, but it does not see company ${settings.radistCompanyId}.`)) };
    return { check: await setCheck(deps, actor.organizationId, 'radist', check('green', `The key works; company ${company.id} "${company.name}".`)) };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'radist', error) };
  }
}

interface TestDialogs {
  chats: RawChatRow[];
  messages: (Omit<RawMessageRow, 'createdAt'> & { createdAt: string })[];
}

const TEST_MESSAGES_PER_CHAT = 30;

/** For the phones of the 3 test leads: their chats and latest messages (read-only), and what would be stored. */
export async function testRadist(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  try {
    const leads = await testLeadsOf(deps, actor.organizationId);
    const client = await radistClientOf(deps, actor.organizationId, settings);
    const dialogs: TestDialogs = { chats: [], messages: [] };
    const found: { leadId: number; phone: string; chats: { chatId: number; source: string | null; messages: number; lastAt: string | null; lastText: string | null }[] }[] = [];
    for (const lead of leads) {
      for (const phone of [...new Set(lead.contacts.flatMap((c) => c.phones))]) {
        const contacts = await client.chatsByPhone(phone);
        const entry: (typeof found)[number] = { leadId: lead.id, phone, chats: [] };
        for (const contact of contacts) {
          for (const chat of contact.chats) {
            if (dialogs.chats.some((c) => c.chatId === chat.chat_id)) continue;
            const messages = (await client.messages(chat.chat_id, { pageSize: TEST_MESSAGES_PER_CHAT })).slice(-TEST_MESSAGES_PER_CHAT);
            dialogs.chats.push({ chatId: chat.chat_id, contactId: contact.contactId, leadIds: [lead.id], phone: chat.phone ?? null, source: chat.source ?? null, payload: { contactName: contact.contactName } });
            for (const m of messages) dialogs.messages.push({ chatId: chat.chat_id, messageId: m.message_id, createdAt: m.created_at, direction: m.direction ?? null, sender: m.sender?.name ?? null, text: m.text?.text ?? null, payload: {} });
            const last = messages.at(-1);
            entry.chats.push({ chatId: chat.chat_id, source: chat.source ?? null, messages: messages.length, lastAt: last?.created_at ?? null, lastText: last?.text?.text?.slice(0, 140) ?? null });
          }
        }
        found.push(entry);
      }
    }
    const wouldStore = { leads: leads.length, chats: dialogs.chats.length, messages: dialogs.messages.length };
    await setScratch(deps, actor.organizationId, { testDialogs: dialogs, testDialogSummary: { found, wouldStore } });
    const light = check(dialogs.chats.length ? 'green' : 'yellow', dialogs.chats.length ? `Found ${dialogs.chats.length} chats with ${dialogs.messages.length} messages for the test leads' phones.` : 'No chats found for the test leads’ phones (the key works).');
    return { check: await setCheck(deps, actor.organizationId, 'radist', light), found, wouldStore };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'radist', error), found: [], wouldStore: null };
  }
}

function testDialogsOf(row: SettingsRow | null): { chats: RawChatRow[]; messages: RawMessageRow[] } | null {
  const saved = (row?.wizardScratch as { testDialogs?: TestDialogs } | undefined)?.testDialogs;
  if (!saved) return null;
  return { chats: saved.chats, messages: saved.messages.map((m) => ({ ...m, createdAt: new Date(m.createdAt) })) };
}

/** Stores the test leads and dialogs in the report store (under the settings' test id) and reads the rows back. */
export async function writeRadist(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  const dialogs = testDialogsOf(settings);
  if (!dialogs) throw new ReportError('precondition', 'Run the Radist test first: it finds what would be stored.');
  const leads = await testLeadsOf(deps, actor.organizationId);
  const store = await openReportStore(deps, actor.organizationId, settings);
  try {
    await store.replaceLeads(settings.testReportId, leads);
    await store.replaceDialogs(settings.testReportId, dialogs.chats, dialogs.messages);
    const rows = await store.counts(settings.testReportId);
    const light = await setCheck(deps, actor.organizationId, 'radist', check('green', `Stored and read back ${rows.leads} leads, ${rows.chats} chats, ${rows.messages} messages in the ${store.kind === 'builtin' ? 'built-in' : 'your'} store.`));
    return { check: light, rows, store: store.kind };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'radist', error), rows: null, store: store.kind };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------- 4. AI

export async function saveAi(deps: ReportDeps, actor: Actor, input: { apiKey?: string; model?: string | null }) {
  await ensureSettings(deps, actor.organizationId);
  if (input.apiKey) await putTenantSecret(deps.db, deps.keyring, actor.organizationId, SECRET_NAMES.geminiKey, input.apiKey.trim());
  else if (!(await secretOf(deps, actor.organizationId, SECRET_NAMES.geminiKey))) throw new ReportError('invalid', 'Enter the Gemini API key.', { apiKey: ['Required.'] });
  await deps.db.update(reportSettings).set({ geminiBaseUrl: providerBaseUrl(deps, 'gemini'), updatedAt: new Date() }).where(eq(reportSettings.organizationId, actor.organizationId));
  let limits: { inputTokenLimit: number; outputTokenLimit: number } | null = null;
  if (input.model) {
    const settings = (await settingsOf(deps, actor.organizationId))!;
    try {
      const client = await geminiClientOf(deps, actor.organizationId, settings);
      const model = await client.model(input.model);
      limits = { inputTokenLimit: model.inputTokenLimit, outputTokenLimit: model.outputTokenLimit };
    } catch (error) {
      throw new ReportError('invalid', `That model cannot be used: ${describeFailure(error).message}`, { model: ['Choose a model from the list (press Check to load it).'] });
    }
    await deps.db
      .update(reportSettings)
      .set({ geminiModel: input.model, geminiInputTokenLimit: limits.inputTokenLimit, geminiOutputTokenLimit: limits.outputTokenLimit, updatedAt: new Date() })
      .where(eq(reportSettings.organizationId, actor.organizationId));
  }
  return { model: input.model ?? null, limits, check: await setCheck(deps, actor.organizationId, 'ai', check('yellow', 'Saved — press Check.')) };
}

/** Loads the model list (for the dropdown) and proves the key works. */
export async function checkAi(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  try {
    const client = await geminiClientOf(deps, actor.organizationId, settings, { attempts: 2 });
    const models = await client.listModels();
    const chosen = models.find((m) => m.id === settings.geminiModel);
    const light = chosen
      ? check('green', `The key works; ${chosen.displayName} reads up to ${chosen.inputTokenLimit.toLocaleString('en-US')} tokens.`)
      : check('yellow', `The key works (${models.length} models); choose a model and save.`);
    return { check: await setCheck(deps, actor.organizationId, 'ai', light), models };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'ai', error), models: [] };
  }
}

/** Saves a new prompt version (the previous ones are kept); an unchanged text saves nothing. */
export async function savePrompt(deps: ReportDeps, actor: Actor, input: { body: string }) {
  const body = input.body.replace(/\r\n/g, '\n').trim();
  if (!body) throw new ReportError('invalid', 'The prompt is empty.', { body: ['Write the instructions for the model.'] });
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`report-prompt:${actor.organizationId}`}))`);
    const [latest] = await tx.select({ version: reportPrompts.version, body: reportPrompts.body }).from(reportPrompts).where(eq(reportPrompts.organizationId, actor.organizationId)).orderBy(desc(reportPrompts.version)).limit(1);
    if (latest?.body === body) return { version: latest.version, created: false };
    const version = (latest?.version ?? 0) + 1;
    await tx.insert(reportPrompts).values({ organizationId: actor.organizationId, version, body, createdBy: actor.userId });
    return { version, created: true };
  });
}

export interface TestAnalysis {
  model: string;
  answer: string;
  usage: { promptTokens: number; outputTokens: number; totalTokens: number };
  trimmedNote: string | null;
  at: string;
}

/** Sends the current prompt with the test dialogs; shows the answer and the token usage. */
export async function testAi(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  const dialogs = testDialogsOf(settings);
  if (!dialogs) throw new ReportError('precondition', 'Run the Radist test first: its dialogs are what the test analysis reads.');
  if (!settings.geminiModel) throw new ReportError('precondition', 'Choose a model and save first.');
  try {
    const leads = await testLeadsOf(deps, actor.organizationId);
    const [prompt] = await deps.db.select({ body: reportPrompts.body }).from(reportPrompts).where(eq(reportPrompts.organizationId, actor.organizationId)).orderBy(desc(reportPrompts.version)).limit(1);
    const [org] = await deps.db.select({ timezone: organizations.timezone, boundary: organizations.dayBoundaryHour }).from(organizations).where(eq(organizations.id, actor.organizationId));
    const timeZone = org?.timezone ?? 'UTC';
    const assembled = assembleDialogs(leads, dialogs.chats, dialogs.messages);
    const times = dialogs.messages.map((m) => m.createdAt.getTime());
    const period = times.length ? { start: new Date(Math.min(...times)), end: new Date(Math.max(...times) + 1) } : periodContaining('daily', new Date(), timeZone, org?.boundary ?? 0);
    const figures = computeFigures({ leads, dialogs: assembled, period, timeZone });
    const built = buildPrompt({ tenantPrompt: prompt?.body ?? DEFAULT_PROMPT, type: 'manual', period, timeZone, dialogs: assembled, figures, budgetTokens: budgetFor(settings.geminiInputTokenLimit), modelLabel: settings.geminiModel });
    const client = await geminiClientOf(deps, actor.organizationId, settings, { attempts: 2 });
    const answer = await client.generate({ model: settings.geminiModel, prompt: built.text, maxOutputTokens: Math.min(settings.geminiOutputTokenLimit ?? 4096, 4096) });
    const analysis: TestAnalysis = { model: settings.geminiModel, answer: answer.text.slice(0, 20_000), usage: answer.usage, trimmedNote: built.trimmedNote, at: now() };
    await setScratch(deps, actor.organizationId, { testAnalysis: analysis });
    const light = await setCheck(deps, actor.organizationId, 'ai', check('green', `Test analysis OK: ${answer.usage.promptTokens} prompt + ${answer.usage.outputTokens} answer tokens.`));
    return { check: light, analysis };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'ai', error), analysis: null };
  }
}

// ---------------------------------------------------------------- 5. Telegram

export const CHAT_PATTERN = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

export async function saveTelegram(deps: ReportDeps, actor: Actor, input: { botToken?: string; chat: string }) {
  const current = await ensureSettings(deps, actor.organizationId);
  if (input.botToken) await putTenantSecret(deps.db, deps.keyring, actor.organizationId, SECRET_NAMES.telegramToken, input.botToken.trim());
  else if (!(await secretOf(deps, actor.organizationId, SECRET_NAMES.telegramToken))) throw new ReportError('invalid', 'Enter the bot token.', { botToken: ['Required.'] });
  const chat = input.chat.trim();
  await deps.db
    .update(reportSettings)
    .set({ telegramChatId: chat, telegramApiRoot: providerBaseUrl(deps, 'telegram'), ...(input.botToken ? { telegramBotUsername: null } : {}), updatedAt: new Date() })
    .where(eq(reportSettings.organizationId, actor.organizationId));
  const changed = Boolean(input.botToken) || current.telegramChatId !== chat;
  return { changed, check: changed ? await setCheck(deps, actor.organizationId, 'telegram', check('yellow', 'Saved — press Check.')) : null };
}

/** getMe, then a test message to the chat. */
export async function checkTelegram(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  try {
    const client = await telegramClientOf(deps, actor.organizationId, settings);
    const bot = await client.getMe();
    await deps.db.update(reportSettings).set({ telegramBotUsername: bot.username ?? bot.first_name }).where(eq(reportSettings.organizationId, actor.organizationId));
    const sent = await client.sendMessage(settings.telegramChatId!, 'CRM Hub: this chat will receive the AI sales reports. (Test message from Settings → Reports.)');
    const light = await setCheck(deps, actor.organizationId, 'telegram', check('green', `Bot @${bot.username ?? bot.first_name} posted a test message${sent.chatTitle ? ` to "${sent.chatTitle}"` : ''}.`));
    return { check: light, bot: { username: bot.username ?? null, name: bot.first_name } };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'telegram', error), bot: null };
  }
}

/** Sends a short report of the test analysis. */
export async function testTelegram(deps: ReportDeps, actor: Actor) {
  const settings = await ensureSettings(deps, actor.organizationId);
  const analysis = (settings.wizardScratch as { testAnalysis?: TestAnalysis }).testAnalysis;
  if (!analysis) throw new ReportError('precondition', 'Run the AI test first: its answer is what the test notification sends.');
  try {
    const client = await telegramClientOf(deps, actor.organizationId, settings);
    const text = [
      'Test report (CRM Hub)',
      `Model: ${analysis.model}; ${analysis.usage.promptTokens} + ${analysis.usage.outputTokens} tokens.`,
      '',
      summaryOf(analysis.answer) || analysis.answer.slice(0, 600),
      '',
      `Settings: ${appUrlOf(deps)}/settings/reports`,
    ].join('\n');
    const sent = await client.sendMessage(settings.telegramChatId!, text);
    const light = await setCheck(deps, actor.organizationId, 'telegram', check('green', `Test notification sent (${sent.messageIds.length} message${sent.messageIds.length === 1 ? '' : 's'}).`));
    return { check: light, messages: sent.messageIds.length };
  } catch (error) {
    return { check: await red(deps, actor.organizationId, 'telegram', error), messages: 0 };
  }
}

// ---------------------------------------------------------------- 6. automation

/** Which report types a schedule may produce: none finer than the schedule itself. */
export const typesAllowedBy: Record<ReportSchedule, readonly ScheduledReportType[]> = {
  daily: scheduledReportTypes,
  weekly: ['weekly', 'monthly'],
  monthly: ['monthly'],
  manual: [],
};

export async function saveAutomation(
  deps: ReportDeps,
  actor: Actor,
  input: { timeZone: string; dayBoundaryHour: number; schedule: ReportSchedule; weeklyDay: number; reportTypes: ScheduledReportType[] },
) {
  if (!isValidTimeZone(input.timeZone)) throw new ReportError('invalid', 'Unknown time zone.', { timeZone: ['Use an IANA name such as Europe/Berlin.'] });
  if (!reportSchedules.includes(input.schedule)) throw new ReportError('invalid', 'Unknown schedule.');
  const allowed = typesAllowedBy[input.schedule];
  const types = input.schedule === 'manual' ? [] : [...new Set(input.reportTypes.length ? input.reportTypes : [input.schedule as ScheduledReportType])];
  const refused = types.filter((t) => !allowed.includes(t));
  if (refused.length) throw new ReportError('invalid', `A ${input.schedule} schedule cannot produce ${refused.join(', ')} reports.`, { reportTypes: [`Allowed with a ${input.schedule} schedule: ${allowed.join(', ') || 'none'}.`] });
  const current = await ensureSettings(deps, actor.organizationId);
  const switchedOn = input.schedule !== 'manual' && (current.schedule === 'manual' || !current.automationSince);
  await deps.db.transaction(async (tx) => {
    await tx.update(organizations).set({ timezone: input.timeZone, dayBoundaryHour: input.dayBoundaryHour, updatedAt: new Date() }).where(eq(organizations.id, actor.organizationId));
    await tx
      .update(reportSettings)
      .set({
        schedule: input.schedule,
        weeklyDay: input.weeklyDay,
        reportTypes: types,
        ...(switchedOn ? { automationSince: new Date() } : input.schedule === 'manual' ? { automationSince: null } : {}),
        updatedAt: new Date(),
      })
      .where(eq(reportSettings.organizationId, actor.organizationId));
  });
  const next = nextScheduled(new Date(), input.timeZone, input.dayBoundaryHour, input.weeklyDay, types);
  const message =
    input.schedule === 'manual'
      ? 'Manual only: reports run when someone presses "Force report".'
      : `Scheduled (${input.timeZone}, days start at ${String(input.dayBoundaryHour).padStart(2, '0')}:00): ${types.join(', ')} reports; next ${next[0] ? next[0].at.toISOString() : '—'}.`;
  const light = await setCheck(deps, actor.organizationId, 'automation', check(input.schedule === 'manual' ? 'yellow' : 'green', message));
  return { check: light, reportTypes: types, next: next.map((n) => ({ type: n.type, at: n.at.toISOString() })) };
}

/** When each type's next report starts (the end of its current period). */
export function nextScheduled(now: Date, timeZone: string, boundaryHour: number, weeklyDay: number, types: ScheduledReportType[]) {
  return types
    .map((type) => ({ type, at: periodContaining(type, now, timeZone, boundaryHour, weeklyDay).end }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

