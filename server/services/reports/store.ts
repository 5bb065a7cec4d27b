import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import type { Sql } from '../../../db/client';
import { isProduction, type Env } from '../../config/env';
import type { StoreKind } from '../../shared/reports';
import { ReportError } from './deps';
import type { PeriodLead } from './lead-source';
import { CURRENT_STORE_VERSION, pendingMigrations, SCHEMA_VERSION_TABLE } from './store-sql';

/**
 * The report store: raw leads, raw dialogs and messages, the package sent to the model
 * with its answer, and the report text. The built-in store is our database (`report_*`
 * tables); a tenant can instead point at its own Postgres, where the versioned SQL of
 * store-sql.ts created `crmhub_*` tables with the same columns. One implementation
 * writes both; every write is an upsert by natural key, and "replace" writes also drop
 * the rows of the report that the new fetch no longer has, so re-running a step leaves
 * exactly its result — never a duplicate.
 */

export interface RawChatRow {
  chatId: number;
  contactId: number | null;
  leadIds: number[];
  phone: string | null;
  source: string | null;
  payload: Record<string, unknown>;
}

export interface RawMessageRow {
  chatId: number;
  messageId: number;
  createdAt: Date;
  direction: 'inbound' | 'outbound' | null;
  sender: string | null;
  text: string | null;
  payload: Record<string, unknown>;
}

export interface AnalysisRow {
  model: string | null;
  prompt: string;
  trimmedNote: string | null;
  answer: string | null;
  promptTokens: number | null;
  outputTokens: number | null;
}

export interface ReportTextRow {
  title: string;
  narrative: string | null;
  figures: unknown;
}

const TABLES = {
  builtin: { leads: 'report_raw_leads', chats: 'report_raw_chats', messages: 'report_raw_messages', analyses: 'report_analyses', texts: 'report_texts' },
  external: { leads: 'crmhub_raw_leads', chats: 'crmhub_raw_chats', messages: 'crmhub_raw_messages', analyses: 'crmhub_analyses', texts: 'crmhub_report_texts' },
} as const;

const BATCH = 500;

/**
 * JSON travels as one text parameter, cast in SQL: our pool's serializers are Drizzle's
 * (JSON and dates pass through untouched) while a tenant pool has postgres.js's own, so
 * neither an object nor a Date parameter would mean the same thing on both.
 */
const asJson = (value: unknown): string => JSON.stringify(value);
const fromJson = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));
const chunks = <T>(items: T[], size = BATCH) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export class ReportStore {
  private readonly t: (typeof TABLES)[StoreKind];

  constructor(
    readonly kind: StoreKind,
    private readonly sql: Sql,
    private readonly organizationId: string,
    private readonly ownsConnection: boolean,
  ) {
    this.t = TABLES[kind];
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.sql.end({ timeout: 5 });
  }

  /** The report's raw leads become exactly `leads`. */
  async replaceLeads(reportId: string, leads: PeriodLead[]): Promise<{ stored: number; removed: number }> {
    return this.sql.begin(async (tx) => {
      const removed = await tx`
        delete from ${tx(this.t.leads)} where report_id = ${reportId}
          and lead_id not in (select jsonb_array_elements_text(${asJson(leads.map((l) => l.id))}::text::jsonb)::bigint)`;
      for (const part of chunks(leads)) {
        const rows = part.map((l) => ({
          report_id: reportId,
          lead_id: l.id,
          organization_id: this.organizationId,
          name: l.name,
          responsible: l.responsible,
          updated_at: l.updatedAt,
          phones: [...new Set(l.contacts.flatMap((c) => c.phones))],
          payload: l,
        }));
        await tx`
          insert into ${tx(this.t.leads)} (report_id, lead_id, organization_id, name, responsible, updated_at, phones, payload)
          select report_id, lead_id, organization_id, name, responsible, updated_at, phones, payload
          from json_populate_recordset(null::${tx(this.t.leads)}, ${asJson(rows)}::text::json)
          on conflict (report_id, lead_id) do update set name = excluded.name, responsible = excluded.responsible, updated_at = excluded.updated_at,
            phones = excluded.phones, payload = excluded.payload, stored_at = now()`;
      }
      return { stored: leads.length, removed: removed.count };
    });
  }

  async leads(reportId: string): Promise<PeriodLead[]> {
    const rows = await this.sql<{ payload: unknown }[]>`select payload from ${this.sql(this.t.leads)} where report_id = ${reportId} order by lead_id`;
    return rows.map((r) => fromJson<PeriodLead>(r.payload));
  }

  /** The report's raw chats and messages become exactly these. */
  async replaceDialogs(reportId: string, chats: RawChatRow[], messages: RawMessageRow[]): Promise<{ chats: number; messages: number; removed: number }> {
    return this.sql.begin(async (tx) => {
      const goneChats = await tx`
        delete from ${tx(this.t.chats)} where report_id = ${reportId}
          and chat_id not in (select jsonb_array_elements_text(${asJson(chats.map((c) => c.chatId))}::text::jsonb)::bigint)`;
      const goneMessages = await tx`
        delete from ${tx(this.t.messages)} where report_id = ${reportId}
          and (chat_id::text || ':' || message_id::text) not in (select jsonb_array_elements_text(${asJson(messages.map((m) => `${m.chatId}:${m.messageId}`))}::text::jsonb))`;
      for (const part of chunks(chats)) {
        const rows = part.map((c) => ({
          report_id: reportId,
          chat_id: c.chatId,
          organization_id: this.organizationId,
          contact_id: c.contactId,
          lead_ids: c.leadIds,
          phone: c.phone,
          source: c.source,
          payload: c.payload,
        }));
        await tx`
          insert into ${tx(this.t.chats)} (report_id, chat_id, organization_id, contact_id, lead_ids, phone, source, payload)
          select report_id, chat_id, organization_id, contact_id, lead_ids, phone, source, payload
          from json_populate_recordset(null::${tx(this.t.chats)}, ${asJson(rows)}::text::json)
          on conflict (report_id, chat_id) do update set contact_id = excluded.contact_id, lead_ids = excluded.lead_ids, phone = excluded.phone,
            source = excluded.source, payload = excluded.payload, stored_at = now()`;
      }
      for (const part of chunks(messages)) {
        const rows = part.map((m) => ({
          report_id: reportId,
          chat_id: m.chatId,
          message_id: m.messageId,
          organization_id: this.organizationId,
          created_at: m.createdAt.toISOString(),
          direction: m.direction,
          sender: m.sender,
          text: m.text,
          payload: m.payload,
        }));
        await tx`
          insert into ${tx(this.t.messages)} (report_id, chat_id, message_id, organization_id, created_at, direction, sender, text, payload)
          select report_id, chat_id, message_id, organization_id, created_at, direction, sender, text, payload
          from json_populate_recordset(null::${tx(this.t.messages)}, ${asJson(rows)}::text::json)
          on conflict (report_id, chat_id, message_id) do update set created_at = excluded.created_at, direction = excluded.direction,
            sender = excluded.sender, text = excluded.text, payload = excluded.payload, stored_at = now()`;
      }
      return { chats: chats.length, messages: messages.length, removed: goneChats.count + goneMessages.count };
    });
  }

  async chats(reportId: string): Promise<RawChatRow[]> {
    const rows = await this.sql<{ chat_id: string; contact_id: string | null; lead_ids: string[]; phone: string | null; source: string | null; payload: unknown }[]>`
      select chat_id, contact_id, lead_ids, phone, source, payload from ${this.sql(this.t.chats)} where report_id = ${reportId} order by chat_id`;
    return rows.map((r) => ({
      chatId: Number(r.chat_id),
      contactId: r.contact_id === null ? null : Number(r.contact_id),
      leadIds: (r.lead_ids ?? []).map(Number),
      phone: r.phone,
      source: r.source,
      payload: fromJson<Record<string, unknown>>(r.payload),
    }));
  }

  async messages(reportId: string): Promise<RawMessageRow[]> {
    const rows = await this.sql<{ chat_id: string; message_id: string; created_at: Date; direction: string | null; sender: string | null; text: string | null }[]>`
      select chat_id, message_id, created_at, direction, sender, text from ${this.sql(this.t.messages)}
      where report_id = ${reportId} order by chat_id, created_at, message_id`;
    return rows.map((r) => ({
      chatId: Number(r.chat_id),
      messageId: Number(r.message_id),
      createdAt: new Date(r.created_at),
      direction: r.direction === 'inbound' || r.direction === 'outbound' ? r.direction : null,
      sender: r.sender,
      text: r.text,
      payload: {},
    }));
  }

  async counts(reportId: string): Promise<{ leads: number; chats: number; messages: number }> {
    const [row] = await this.sql<{ leads: string; chats: string; messages: string }[]>`
      select (select count(*) from ${this.sql(this.t.leads)} where report_id = ${reportId}) as leads,
             (select count(*) from ${this.sql(this.t.chats)} where report_id = ${reportId}) as chats,
             (select count(*) from ${this.sql(this.t.messages)} where report_id = ${reportId}) as messages`;
    return { leads: Number(row!.leads), chats: Number(row!.chats), messages: Number(row!.messages) };
  }

  async putAnalysis(reportId: string, kind: string, row: Partial<AnalysisRow> & { prompt: string }): Promise<void> {
    await this.sql`
      insert into ${this.sql(this.t.analyses)} (report_id, kind, organization_id, model, prompt, trimmed_note, answer, prompt_tokens, output_tokens)
      values (${reportId}, ${kind}, ${this.organizationId}, ${row.model ?? null}, ${row.prompt}, ${row.trimmedNote ?? null}, ${row.answer ?? null}, ${row.promptTokens ?? null}, ${row.outputTokens ?? null})
      on conflict (report_id, kind) do update set model = excluded.model, prompt = excluded.prompt, trimmed_note = excluded.trimmed_note,
        answer = excluded.answer, prompt_tokens = excluded.prompt_tokens, output_tokens = excluded.output_tokens, updated_at = now()`;
  }

  /** Records the model's answer on the stored package. */
  async answerAnalysis(reportId: string, kind: string, answer: { model: string; answer: string | null; promptTokens: number | null; outputTokens: number | null }): Promise<void> {
    await this.sql`
      update ${this.sql(this.t.analyses)} set model = ${answer.model}, answer = ${answer.answer}, prompt_tokens = ${answer.promptTokens},
        output_tokens = ${answer.outputTokens}, updated_at = now()
      where report_id = ${reportId} and kind = ${kind}`;
  }

  async analysis(reportId: string, kind: string): Promise<AnalysisRow | null> {
    const [row] = await this.sql<{ model: string | null; prompt: string; trimmed_note: string | null; answer: string | null; prompt_tokens: number | null; output_tokens: number | null }[]>`
      select model, prompt, trimmed_note, answer, prompt_tokens, output_tokens from ${this.sql(this.t.analyses)} where report_id = ${reportId} and kind = ${kind}`;
    return row ? { model: row.model, prompt: row.prompt, trimmedNote: row.trimmed_note, answer: row.answer, promptTokens: row.prompt_tokens, outputTokens: row.output_tokens } : null;
  }

  async putText(reportId: string, text: ReportTextRow): Promise<void> {
    await this.sql`
      insert into ${this.sql(this.t.texts)} (report_id, organization_id, title, narrative, figures)
      values (${reportId}, ${this.organizationId}, ${text.title}, ${text.narrative}, ${asJson(text.figures ?? null)}::text::jsonb)
      on conflict (report_id) do update set title = excluded.title, narrative = excluded.narrative, figures = excluded.figures, updated_at = now()`;
  }

  async text(reportId: string): Promise<ReportTextRow | null> {
    const [row] = await this.sql<{ title: string; narrative: string | null; figures: unknown }[]>`
      select title, narrative, figures from ${this.sql(this.t.texts)} where report_id = ${reportId}`;
    return row ? { ...row, figures: fromJson(row.figures) } : null;
  }

  /** Removes every row of a report id (the wizard's test rows). */
  async forget(reportId: string): Promise<void> {
    await this.sql.begin(async (tx) => {
      for (const table of Object.values(this.t)) await tx`delete from ${tx(table)} where report_id = ${reportId}`;
    });
  }

  /** A row written, read back and removed: proves the store takes our writes. */
  async writeProbe(): Promise<{ ok: boolean; ms: number }> {
    const started = Date.now();
    const id = randomUUID();
    const token = `write test ${randomUUID()}`;
    try {
      await this.putText(id, { title: 'CRM Hub write test', narrative: token, figures: { probe: true } });
      const back = await this.text(id);
      return { ok: back?.narrative === token, ms: Date.now() - started };
    } finally {
      await this.sql`delete from ${this.sql(this.t.texts)} where report_id = ${id}`.catch(() => {});
    }
  }
}

// ---------------------------------------------------------------- the tenant's own Postgres

/** Hosts a production tenant may not point its store at (our own network). */
const PRIVATE_HOST = /^(localhost|127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.|0\.|\[?::1\]?$|\[?f[cd][0-9a-f]{2}:)/i;

/** Parses and vets a tenant's connection string; the message never repeats the string (it holds a password). */
export function vetPostgresUrl(url: string, env: Env): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new ReportError('invalid', 'That is not a Postgres connection string.', { postgresUrl: ['Expected postgres://user:password@host:port/database'] });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ReportError('invalid', 'That is not a Postgres connection string.', { postgresUrl: ['It must start with postgres:// or postgresql://'] });
  }
  if (!parsed.hostname) throw new ReportError('invalid', 'The connection string has no host.', { postgresUrl: ['The host is missing.'] });
  if (isProduction(env) && PRIVATE_HOST.test(parsed.hostname)) {
    throw new ReportError('invalid', 'The store must be reachable on the internet (a private or local address is refused).', { postgresUrl: ['Private and local addresses are refused.'] });
  }
  return parsed;
}

/** A small pool to the tenant's Postgres (Supabase's pooler needs unprepared statements). */
export function connectExternal(url: string, env: Env): Sql {
  vetPostgresUrl(url, env);
  return postgres(url, { max: 3, connect_timeout: 10, idle_timeout: 20, prepare: false, onnotice: () => {}, connection: { application_name: 'crm-hub-reports' } });
}

export interface ExternalCheck {
  serverVersion: string;
  schemaVersion: number | null;
  currentVersion: number;
}

/** Connects, reads the server version and the applied schema version. */
export async function checkExternal(sql: Sql): Promise<ExternalCheck> {
  const [info] = await sql<{ server_version: string; has_table: boolean }[]>`
    select current_setting('server_version') as server_version, to_regclass('schema_version') is not null as has_table`;
  let schemaVersion: number | null = null;
  if (info!.has_table) {
    const [row] = await sql<{ version: number | null }[]>`select max(version) as version from schema_version`;
    schemaVersion = row?.version ?? null;
  }
  return { serverVersion: info!.server_version, schemaVersion, currentVersion: CURRENT_STORE_VERSION };
}

/** Applies the versions not yet applied, in one transaction, under an advisory lock. */
export async function applyExternal(sql: Sql): Promise<{ applied: number[]; version: number }> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('crmhub_report_store'))`;
    await tx.unsafe(SCHEMA_VERSION_TABLE);
    const [row] = await tx<{ version: number | null }[]>`select max(version) as version from schema_version`;
    const applied: number[] = [];
    for (const migration of pendingMigrations(row?.version ?? null)) {
      await tx.unsafe(migration.statements);
      applied.push(migration.version);
    }
    return { applied, version: applied.at(-1) ?? row?.version ?? 0 };
  });
}

/** Plain words for a failed connection to the tenant's Postgres (no host, user or password). */
export function describeStoreError(error: unknown): string {
  const e = error as { code?: string; message?: string; errno?: string };
  const code = e?.code ?? e?.errno ?? '';
  if (code === '28P01' || code === '28000') return 'The database refused the user name or password.';
  if (code === '3D000') return 'That database does not exist on the server.';
  if (code === 'ECONNREFUSED') return 'Nothing answers at that host and port.';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'The host name could not be resolved.';
  if (code === 'CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'The connection timed out.';
  if (code === '42501') return 'The user may not create tables or write there (permission denied).';
  if (/ssl|tls|certificate/i.test(e?.message ?? '')) return 'The secure (SSL) connection failed; Supabase needs ?sslmode=require.';
  if (code === '42P01') return 'The report tables are missing: apply the SQL first.';
  return `The store failed${code ? ` (${code})` : ''}.`;
}
