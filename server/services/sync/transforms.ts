import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { RemoteFields } from '../../providers/types';
import { normalizeDomain } from '../crm/accounts';
import { normalizePhone } from '../crm/phone';

/**
 * Field transforms: a declarative list of steps chosen from a fixed set, stored as data
 * (jsonb) and interpreted here. No user-supplied code is ever evaluated.
 *
 * Values live in "mapped-field space": the app's form of a value, as a string or null.
 * `toApp` turns a CRM record's field into that form (pull); `toRemote` turns an app value
 * back into what the CRM field takes (push), running the steps backwards.
 */

export const dateFormats = ['iso_date', 'iso_datetime', 'epoch_ms', 'us_date', 'eu_date'] as const;
const remoteFieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.]{0,99}$/, 'Not a field name.');

export const transformStepSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('trim') }).strict(),
  z.object({ op: z.literal('lower') }).strict(),
  z.object({ op: z.literal('upper') }).strict(),
  /** Pull: any written form → E.164 with the tenant's default country (invalid → empty). */
  z.object({ op: z.literal('phone_e164') }).strict(),
  /** Pull: a URL or host → its bare domain ("https://www.Acme.com/x" → "acme.com"). */
  z.object({ op: z.literal('domain') }).strict(),
  /** The CRM's date format; the app keeps ISO dates (YYYY-MM-DD) or ISO instants. */
  z.object({ op: z.literal('date'), format: z.enum(dateFormats) }).strict(),
  /** CRM value → app value (pull), inverted for pushes; values not in the map are kept or emptied. */
  z
    .object({
      op: z.literal('value_map'),
      map: z.record(z.string().max(200), z.string().max(200)).refine((m) => Object.keys(m).length <= 200, 'At most 200 entries.'),
      otherwise: z.enum(['keep', 'null']).default('keep'),
    })
    .strict(),
  /** Pull only: the mapped CRM field followed by these fields, joined (blank parts left out). */
  z
    .object({ op: z.literal('concat'), fields: z.array(remoteFieldName).min(1).max(5), separator: z.string().max(10).default(' ') })
    .strict(),
  /** A blank value becomes this value (both ways). */
  z.object({ op: z.literal('default'), value: z.string().max(500) }).strict(),
]);
export type TransformStep = z.output<typeof transformStepSchema>;
export const transformSchema = z.array(transformStepSchema).max(10);

export interface TransformContext {
  country: CountryCode;
}

/** The one comparable form of a field value: null for absent/empty, strings otherwise. */
export function canonical(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

export const blank = (value: string | null | undefined) => value === null || value === undefined || value.trim() === '';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Reads a date in the given format; null when it is not one. */
function parseDate(value: string, format: (typeof dateFormats)[number]): Date | null {
  let m: RegExpExecArray | null;
  switch (format) {
    case 'epoch_ms': {
      const n = Number(value);
      return Number.isFinite(n) ? new Date(n) : null;
    }
    case 'us_date':
      m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value.trim());
      return m ? new Date(Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]))) : null;
    case 'eu_date':
      m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value.trim());
      return m ? new Date(Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]))) : null;
    default: {
      const ms = Date.parse(value);
      return Number.isFinite(ms) ? new Date(ms) : null;
    }
  }
}

const isoDate = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

function formatDate(d: Date, format: (typeof dateFormats)[number]): string {
  switch (format) {
    case 'epoch_ms':
      return String(d.getTime());
    case 'us_date':
      return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}`;
    case 'eu_date':
      return `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
    case 'iso_date':
      return isoDate(d);
    case 'iso_datetime':
      return d.toISOString();
  }
}

function pullStep(value: string | null, step: TransformStep, ctx: TransformContext): string | null {
  switch (step.op) {
    case 'trim':
      return canonical(value?.trim());
    case 'lower':
      return value?.toLowerCase() ?? null;
    case 'upper':
      return value?.toUpperCase() ?? null;
    case 'phone_e164': {
      const result = normalizePhone(value, ctx.country);
      return result.ok ? result.value : null;
    }
    case 'domain':
      return normalizeDomain(value) ?? null;
    case 'date': {
      if (value === null) return null;
      const d = parseDate(value, step.format);
      if (!d) return null;
      return step.format === 'iso_datetime' || step.format === 'epoch_ms' ? d.toISOString() : isoDate(d);
    }
    case 'value_map':
      if (value === null) return null;
      return step.map[value] ?? (step.otherwise === 'keep' ? value : null);
    case 'concat':
      return value; // joined before the steps run (it reads several fields)
    case 'default':
      return blank(value) ? step.value : value;
  }
}

function pushStep(value: string | null, step: TransformStep): string | null {
  switch (step.op) {
    case 'trim':
      return canonical(value?.trim());
    case 'lower':
      return value?.toLowerCase() ?? null;
    case 'upper':
      return value?.toUpperCase() ?? null;
    case 'phone_e164':
    case 'domain':
    case 'concat':
      return value; // the app's form is already the normalised one
    case 'date': {
      if (value === null) return null;
      const d = parseDate(value, 'iso_datetime');
      return d ? formatDate(d, step.format) : null;
    }
    case 'value_map': {
      if (value === null) return null;
      const hit = Object.entries(step.map).find(([, appValue]) => appValue === value);
      return hit ? hit[0] : step.otherwise === 'keep' ? value : null;
    }
    case 'default':
      return blank(value) ? step.value : value;
  }
}

/** The CRM fields a mapping reads: its own and those a concat step adds. */
export function remoteFieldsRead(remoteField: string, steps: TransformStep[]): string[] {
  const extra = steps.flatMap((s) => (s.op === 'concat' ? s.fields : []));
  return [remoteField, ...extra];
}

/** CRM record field(s) → app-space value. */
export function toApp(fields: RemoteFields, remoteField: string, steps: TransformStep[], ctx: TransformContext): string | null {
  const concat = steps.find((s): s is Extract<TransformStep, { op: 'concat' }> => s.op === 'concat');
  let value = concat
    ? canonical(
        [remoteField, ...concat.fields]
          .map((f) => canonical(fields[f]))
          .filter((v): v is string => !blank(v))
          .join(concat.separator),
      )
    : canonical(fields[remoteField]);
  for (const step of steps) value = pullStep(value, step, ctx);
  return value;
}

/** App-space value → the value written to the CRM field. */
export function toRemote(value: string | null, steps: TransformStep[]): string | null {
  let out = value;
  for (const step of [...steps].reverse()) out = pushStep(out, step);
  return out;
}

/** A mapping with a concat step reads several CRM fields and cannot be written back. */
export const isPullOnlyTransform = (steps: TransformStep[]) => steps.some((s) => s.op === 'concat');

export function parseTransform(raw: unknown): TransformStep[] {
  const parsed = transformSchema.safeParse(raw ?? []);
  return parsed.success ? parsed.data : [];
}
