import { z } from 'zod';

/** zod schemas of everything the Kommo sandbox accepts: list queries (after bracket parsing) and JSON bodies. */

const num = z.coerce.number().int();
const toArray = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v : typeof v === 'string' && v.includes(',') ? v.split(',') : [v]);
const idList = z.preprocess(toArray, z.array(num.positive())).optional();
const range = z.preprocess(
  (v) => (typeof v === 'string' ? { from: v, to: v } : v),
  z.object({ from: num.min(0).optional(), to: num.min(0).optional() }),
);

export const listQuerySchema = z.object({
  page: num.min(1).default(1),
  limit: num.min(1).max(250).default(50),
  with: z.string().optional(),
  query: z.string().optional(),
  order: z.partialRecord(z.enum(['created_at', 'updated_at', 'id']), z.enum(['asc', 'desc'])).optional(),
  filter: z
    .object({
      id: idList,
      name: z.preprocess(toArray, z.array(z.string())).optional(),
      pipeline_id: idList,
      responsible_user_id: idList,
      created_by: idList,
      updated_by: idList,
      statuses: z.array(z.object({ pipeline_id: num.positive(), status_id: num.positive() })).optional(),
      price: z.preprocess((v) => (typeof v === 'string' ? { from: v, to: v } : v), z.object({ from: num.min(0).optional(), to: num.min(0).optional() })).optional(),
      created_at: range.optional(),
      updated_at: range.optional(),
      closed_at: range.optional(),
    })
    .optional(),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export const customFieldValueSchema = z
  .object({
    field_id: z.number().int().positive().optional(),
    field_code: z.string().min(1).optional(),
    values: z
      .array(
        z.object({
          value: z.union([z.string().max(65_535), z.number(), z.boolean()]),
          enum_id: z.number().int().optional(),
          enum_code: z.string().optional(),
        }),
      )
      .min(1),
  })
  .refine((f) => f.field_id !== undefined || f.field_code !== undefined, { message: 'field_id or field_code is required', path: ['field_id'] });
export type CustomFieldInput = z.infer<typeof customFieldValueSchema>;

const tagRef = z
  .object({ id: z.number().int().positive().optional(), name: z.string().min(1).max(255).optional() })
  .refine((t) => t.id !== undefined || t.name !== undefined, { message: 'id or name is required' });

export const contactInputSchema = z.object({
  id: z.number().int().positive().optional(),
  name: z.string().max(255).optional(),
  first_name: z.string().max(255).optional(),
  last_name: z.string().max(255).optional(),
  responsible_user_id: z.number().int().positive().optional(),
  created_by: z.number().int().min(0).optional(),
  created_at: z.number().int().min(0).optional(),
  custom_fields_values: z.array(customFieldValueSchema).max(40).nullable().optional(),
  request_id: z.string().optional(),
});
export type ContactInput = z.infer<typeof contactInputSchema>;

export const companyInputSchema = z.object({
  id: z.number().int().positive().optional(),
  name: z.string().max(255).optional(),
  responsible_user_id: z.number().int().positive().optional(),
  custom_fields_values: z.array(customFieldValueSchema).max(40).nullable().optional(),
});

const leadFields = {
  name: z.string().max(255).optional(),
  price: z.number().int().min(0).max(2_147_483_647).optional(),
  status_id: z.number().int().positive().optional(),
  pipeline_id: z.number().int().positive().optional(),
  responsible_user_id: z.number().int().positive().optional(),
  loss_reason_id: z.number().int().positive().nullable().optional(),
  custom_fields_values: z.array(customFieldValueSchema).max(40).nullable().optional(),
  tags_to_add: z.array(tagRef).optional(),
  tags_to_delete: z.array(tagRef).optional(),
  request_id: z.string().optional(),
};

export const leadInputSchema = z.object({
  ...leadFields,
  created_by: z.number().int().min(0).optional(),
  created_at: z.number().int().min(0).optional(),
  _embedded: z
    .object({
      tags: z.array(tagRef).nullable().optional(),
      contacts: z.array(contactInputSchema).optional(),
      companies: z.array(companyInputSchema).optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
      source: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type LeadInput = z.infer<typeof leadInputSchema>;

export const leadsCreateSchema = z.array(leadInputSchema).min(1).max(250);
/** POST /api/v4/leads/complex: at most 50 leads, one contact and one company each. */
export const leadsComplexSchema = z
  .array(
    leadInputSchema.extend({
      _embedded: leadInputSchema.shape._embedded.unwrap().extend({
        contacts: z.array(contactInputSchema).max(1).optional(),
        companies: z.array(companyInputSchema).max(1).optional(),
      }).optional(),
    }),
  )
  .min(1)
  .max(50);

export const leadPatchSchema = z.object({
  ...leadFields,
  id: z.number().int().positive().optional(),
  updated_by: z.number().int().min(0).optional(),
  _embedded: z.object({ tags: z.array(tagRef).nullable().optional(), contacts: z.array(z.object({ id: z.number().int().positive(), is_main: z.boolean().optional() })).optional() }).optional(),
});
export type LeadPatch = z.infer<typeof leadPatchSchema>;
export const leadsPatchSchema = z.array(leadPatchSchema.extend({ id: z.number().int().positive() })).min(1).max(250);

export const contactPatchSchema = contactInputSchema.omit({ created_by: true, created_at: true }).extend({ updated_by: z.number().int().min(0).optional() });
export const contactsPatchSchema = z.array(contactPatchSchema.extend({ id: z.number().int().positive() })).min(1).max(250);
export const contactsCreateSchema = z.array(contactInputSchema).min(1).max(250);

export const tagsCreateSchema = z.array(z.object({ name: z.string().min(1).max(255), color: z.string().regex(/^#?[0-9A-Fa-f]{6}$/).nullable().optional(), request_id: z.string().optional() })).min(1).max(100);

export const tokenRequestSchema = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal('authorization_code'), client_id: z.string().min(1), client_secret: z.string().min(1), code: z.string().min(1), redirect_uri: z.string().url() }),
  z.object({ grant_type: z.literal('refresh_token'), client_id: z.string().min(1), client_secret: z.string().min(1), refresh_token: z.string().min(1), redirect_uri: z.string().url() }),
]);

/** GET /oauth query and the consent form posted back to /oauth. */
export const consentSchema = z
  .object({
    client_id: z.string().min(1),
    redirect_uri: z.string().url(),
    state: z.string().optional(),
    mode: z.enum(['popup', 'post_message']).optional(),
    decision: z.enum(['allow', 'deny']).optional(),
  })
  .loose();

export const adminCountSchema = z.object({ count: z.number().int().min(0).max(100_000).default(1) });

export const webhookCreateSchema = z.object({
  destination: z.string().url(),
  settings: z.array(z.string()).min(1),
  sort: z.number().int().optional(),
});

export const sandboxWebhookSchema = z.object({ url: z.string().url(), settings: z.array(z.string()).optional() });
export const sandboxLimitsSchema = z.object({
  perSecond: z.number().int().min(1).optional(),
  violationsToBlock: z.number().int().min(1).optional(),
  violationWindowSeconds: z.number().min(0.1).optional(),
  blockSeconds: z.number().min(0).optional(),
  enabled: z.boolean().optional(),
});
