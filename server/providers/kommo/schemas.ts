import { z } from 'zod';

/**
 * The parts of Kommo API v4 answers we use (wire-spec §3), validated before anything
 * reaches the database. Objects are loose: Kommo adds fields freely.
 */

const id = z.number().int().nonnegative();
const stamp = z.number().int().nullable().optional();
const href = z.object({ href: z.string() }).loose();

export const customFieldValuesSchema = z
  .array(
    z
      .object({
        field_id: z.number().int(),
        field_name: z.string().nullable().optional(),
        field_code: z.string().nullable().optional(),
        field_type: z.string().nullable().optional(),
        values: z.array(z.object({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]), enum_id: z.number().nullable().optional(), enum_code: z.string().nullable().optional() }).loose()),
      })
      .loose(),
  )
  .nullable()
  .optional();
export type KommoCustomFieldValues = z.infer<typeof customFieldValuesSchema>;

export const accountSchema = z
  .object({
    id,
    name: z.string(),
    subdomain: z.string(),
    current_user_id: id.optional(),
    country: z.string().nullable().optional(),
    currency: z.string().nullable().optional(),
  })
  .loose();
export type KommoAccount = z.infer<typeof accountSchema>;

export const userSchema = z.object({ id, name: z.string(), email: z.string().nullable().optional() }).loose();
export type KommoUser = z.infer<typeof userSchema>;

export const statusSchema = z.object({ id, name: z.string(), sort: z.number().optional(), pipeline_id: id, color: z.string().nullable().optional(), type: z.number().optional() }).loose();
export const pipelineSchema = z
  .object({
    id,
    name: z.string(),
    sort: z.number().optional(),
    is_main: z.boolean().optional(),
    _embedded: z.object({ statuses: z.array(statusSchema).default([]) }).loose().optional(),
  })
  .loose();
export type KommoPipeline = z.infer<typeof pipelineSchema>;

export const tagSchema = z.object({ id, name: z.string(), color: z.string().nullable().optional() }).loose();
export type KommoTag = z.infer<typeof tagSchema>;

const embeddedRef = z.object({ id, is_main: z.boolean().optional() }).loose();

export const leadSchema = z
  .object({
    id,
    name: z.string().nullable().transform((v) => v ?? ''),
    price: z.number().nullable().optional(),
    responsible_user_id: id.nullable().optional(),
    status_id: id,
    pipeline_id: id,
    loss_reason_id: id.nullable().optional(),
    created_by: id.nullable().optional(),
    updated_by: id.nullable().optional(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
    closed_at: stamp,
    is_deleted: z.boolean().optional(),
    account_id: id.optional(),
    custom_fields_values: customFieldValuesSchema,
    _embedded: z
      .object({
        tags: z.array(tagSchema).optional(),
        contacts: z.array(embeddedRef).optional(),
        companies: z.array(embeddedRef).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type KommoLead = z.infer<typeof leadSchema>;

export const contactSchema = z
  .object({
    id,
    name: z.string().nullable().transform((v) => v ?? ''),
    first_name: z.string().nullable().optional(),
    last_name: z.string().nullable().optional(),
    responsible_user_id: id.nullable().optional(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
    is_deleted: z.boolean().optional(),
    account_id: id.optional(),
    custom_fields_values: customFieldValuesSchema,
    _embedded: z
      .object({ leads: z.array(embeddedRef).optional(), companies: z.array(embeddedRef).optional(), tags: z.array(tagSchema).optional() })
      .loose()
      .optional(),
  })
  .loose();
export type KommoContact = z.infer<typeof contactSchema>;

export const linkSchema = z
  .object({ to_entity_id: id, to_entity_type: z.string(), metadata: z.record(z.string(), z.unknown()).nullable().optional() })
  .loose();
export type KommoLink = z.infer<typeof linkSchema>;

/** A HAL list page: `_embedded.<key>` plus `_links.next` when there is one. */
export const listPage = <T extends z.ZodType>(key: string, item: T) =>
  z
    .object({
      _page: z.number().optional(),
      _links: z.object({ next: href.optional() }).loose().optional(),
      _embedded: z.object({ [key]: z.array(item) }).loose(),
    })
    .loose();

export const tokenResponseSchema = z
  .object({
    token_type: z.string().optional(),
    expires_in: z.number().int().positive(),
    access_token: z.string().min(1),
    refresh_token: z.string().min(1),
    server_time: z.number().optional(),
  })
  .loose();

/** POST /api/v4/leads/complex: a plain array, one entry per lead sent. */
export const complexCreatedSchema = z.array(
  z
    .object({
      id,
      contact_id: id.nullable().optional(),
      company_id: id.nullable().optional(),
      request_id: z.array(z.string()).optional(),
      merged: z.boolean().optional(),
    })
    .loose(),
);

/** PATCH /api/v4/leads/{id}: the id and new stamp (wire-spec §3.3; other fields vary). */
export const patchedSchema = z.object({ id }).loose();

/** problem+json error bodies (wire-spec §3.5). */
export const problemSchema = z
  .object({
    title: z.string().optional(),
    status: z.number().optional(),
    detail: z.string().optional(),
    hint: z.string().optional(),
    'validation-errors': z
      .array(z.object({ request_id: z.string().optional(), errors: z.array(z.object({ code: z.string().optional(), path: z.string(), detail: z.string() }).loose()) }).loose())
      .optional(),
  })
  .loose();

/** The phone and e-mail values of a contact's multitext fields. */
export function contactChannels(values: KommoCustomFieldValues): { phones: string[]; emails: string[] } {
  const phones: string[] = [];
  const emails: string[] = [];
  for (const field of values ?? []) {
    const code = field.field_code?.toUpperCase();
    const target = code === 'PHONE' ? phones : code === 'EMAIL' ? emails : null;
    if (!target) continue;
    for (const v of field.values) if (v.value !== null && String(v.value).trim()) target.push(String(v.value).trim());
  }
  return { phones, emails };
}
