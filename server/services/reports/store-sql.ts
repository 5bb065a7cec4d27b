/**
 * The tables of a tenant's own report store (their Postgres — a Supabase project works),
 * as versioned SQL: `schema_version` records what was applied, each version is applied
 * once, in order, in one transaction under an advisory lock. The settings page shows
 * exactly this SQL (one block) so the tenant can read it, or run it themselves.
 *
 * The built-in store (our database) has the same columns in the `report_*` tables of
 * db/schema/reports.ts; one implementation (store.ts) writes both.
 */

export interface StoreMigration {
  version: number;
  description: string;
  sql: string;
}

export const STORE_MIGRATIONS: StoreMigration[] = [
  {
    version: 1,
    description: 'raw leads, raw dialogs and messages, analyses, report texts',
    sql: `create table if not exists crmhub_raw_leads (
  report_id uuid not null,
  lead_id bigint not null,
  organization_id uuid not null,
  name text,
  responsible text,
  updated_at timestamptz,
  phones text[] not null default '{}',
  payload jsonb not null,
  stored_at timestamptz not null default now(),
  primary key (report_id, lead_id)
);
create table if not exists crmhub_raw_chats (
  report_id uuid not null,
  chat_id bigint not null,
  organization_id uuid not null,
  contact_id bigint,
  lead_ids bigint[] not null default '{}',
  phone text,
  source text,
  payload jsonb not null,
  stored_at timestamptz not null default now(),
  primary key (report_id, chat_id)
);
create table if not exists crmhub_raw_messages (
  report_id uuid not null,
  chat_id bigint not null,
  message_id bigint not null,
  organization_id uuid not null,
  created_at timestamptz not null,
  direction text,
  sender text,
  text text,
  payload jsonb not null,
  stored_at timestamptz not null default now(),
  primary key (report_id, chat_id, message_id)
);
create table if not exists crmhub_analyses (
  report_id uuid not null,
  kind text not null,
  organization_id uuid not null,
  model text,
  prompt text not null,
  trimmed_note text,
  answer text,
  prompt_tokens integer,
  output_tokens integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (report_id, kind)
);
create table if not exists crmhub_report_texts (
  report_id uuid primary key,
  organization_id uuid not null,
  title text not null,
  narrative text,
  figures jsonb,
  updated_at timestamptz not null default now()
);`,
  },
];

export const CURRENT_STORE_VERSION = STORE_MIGRATIONS.at(-1)!.version;

export const SCHEMA_VERSION_TABLE = `create table if not exists schema_version (
  version integer primary key,
  description text not null,
  applied_at timestamptz not null default now()
);`;

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const record = (m: StoreMigration) => `insert into schema_version (version, description) values (${m.version}, ${quote(m.description)}) on conflict (version) do nothing;`;

/** The whole schema as one SQL block, as shown on the settings page (and equivalent to Apply). */
export function storeSqlBlock(): string {
  return [
    '-- CRM Hub report store: run once in your Postgres (Apply does the same).',
    'begin;',
    SCHEMA_VERSION_TABLE,
    ...STORE_MIGRATIONS.flatMap((m) => [`-- version ${m.version}: ${m.description}`, m.sql, record(m)]),
    'commit;',
  ].join('\n');
}

/** The statements still to run after `applied` (the highest version present), each with its schema_version row. */
export function pendingMigrations(applied: number | null): { version: number; statements: string }[] {
  return STORE_MIGRATIONS.filter((m) => m.version > (applied ?? 0)).map((m) => ({ version: m.version, statements: `${m.sql}\n${record(m)}` }));
}
