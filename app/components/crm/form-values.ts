import { z } from 'zod';
import { leadSources } from '../../../server/shared/crm';
import { isUuid } from './format';

/**
 * Zod schemas of the CRM forms (lead, account, contact) and the custom-field values
 * that ride along as `custom.<key>` inputs. Empty inputs mean "no value" (null); the
 * services normalise the rest (phone to E.164, e-mail trimmed) and answer with field
 * errors keyed like the inputs, so both kinds of error land next to the same field.
 */

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters.`)
    .optional()
    .transform((v) => (v ? v : null));

const uuidOrNull = z
  .string()
  .optional()
  .transform((v) => (v && isUuid(v) ? v : null));

const amount = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return null;
    const n = Number(v.replace(/[\s,]/g, ''));
    if (!Number.isFinite(n) || n < 0 || n >= 1e12) {
      ctx.addIssue({ code: 'custom', message: 'Must be a non-negative number.' });
      return z.NEVER;
    }
    return n;
  });

export const leadFormSchema = z.object({
  name: z.string({ error: 'A lead needs a name.' }).trim().min(1, 'A lead needs a name.').max(200, 'At most 200 characters.'),
  email: text(320).refine((v) => v === null || z.email().safeParse(v).success, 'Not an e-mail address.'),
  phone: text(40),
  company: text(200),
  position: text(200),
  taxId: text(64),
  source: z.enum(leadSources).optional(),
  status: z.enum(['new', 'contacted', 'qualified', 'lost']).optional(),
  stageId: z.string().optional().transform((v) => (v && isUuid(v) ? v : undefined)),
  amount,
  assignedTo: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'unassigned' ? null : isUuid(v) ? v : undefined)),
});
export type LeadFormValues = z.infer<typeof leadFormSchema>;

export const accountFormSchema = z.object({
  name: z.string({ error: 'An account needs a name.' }).trim().min(1, 'An account needs a name.').max(200, 'At most 200 characters.'),
  domain: text(253),
  industry: text(120),
  phone: text(40),
  address: text(500),
  taxId: text(64),
  notes: text(10_000),
  ownerId: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : isUuid(v) ? v : null)),
});

export const contactFormSchema = z.object({
  firstName: z.string({ error: 'A contact needs a first name.' }).trim().min(1, 'A contact needs a first name.').max(120, 'At most 120 characters.'),
  lastName: z.string().trim().max(120, 'At most 120 characters.').optional().default(''),
  email: text(320).refine((v) => v === null || z.email().safeParse(v).success, 'Not an e-mail address.'),
  phone: text(40),
  position: text(200),
  accountId: uuidOrNull,
});

export const saveAnywaySchema = z.object({
  reason: z.string({ error: 'Give a reason to save despite the duplicates.' }).trim().min(3, 'Give a reason (at least 3 characters).').max(500, 'At most 500 characters.'),
});

/** Plain object of a form's single-valued entries (files and repeated keys ignored). */
export function formObject(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form.entries()) if (typeof value === 'string' && !(key in out)) out[key] = value;
  return out;
}

/** The `custom.<key>` inputs of a form, for the defined keys only; '' removes a value. */
export function customFromForm(form: FormData, definitions: { key: string }[]): Record<string, string | null> {
  const custom: Record<string, string | null> = {};
  for (const def of definitions) {
    const value = form.get(`custom.${def.key}`);
    if (typeof value === 'string') custom[def.key] = value.trim() === '' ? null : value.trim();
  }
  return custom;
}

/** zod issues → { field: [messages] }, keyed like the form's input names. */
export function issuesToFieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) (out[issue.path.map(String).join('.') || 'form'] ??= []).push(issue.message);
  return out;
}
