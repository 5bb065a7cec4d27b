import { z } from 'zod';

/** Request bodies the HubSpot sandbox accepts (shapes as @hubspot/api-client serialises them). */

const idLike = z.union([z.string().min(1), z.number().int()]).transform(String);
const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const propertyValuesSchema = z.record(z.string(), value);

export const associationSpecSchema = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']),
  associationTypeId: z.number().int(),
});

const associationsForCreate = z.array(z.object({ to: z.object({ id: idLike }), types: z.array(associationSpecSchema).min(1) }));

export const createInputSchema = z.object({
  properties: propertyValuesSchema,
  associations: associationsForCreate.optional(),
  objectWriteTraceId: z.string().optional(),
});

export const updateInputSchema = z.object({ properties: propertyValuesSchema, objectWriteTraceId: z.string().optional() });

export const batchReadSchema = z.object({
  inputs: z.array(z.object({ id: idLike })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});
export const batchCreateSchema = z.object({ inputs: z.array(createInputSchema) });
const batchUpdateInput = z.object({ id: idLike, idProperty: z.string().optional(), properties: propertyValuesSchema, objectWriteTraceId: z.string().optional() });
export const batchUpdateSchema = z.object({ inputs: z.array(batchUpdateInput) });
export const batchUpsertSchema = z.object({ inputs: z.array(batchUpdateInput) });
export const batchArchiveSchema = z.object({ inputs: z.array(z.object({ id: idLike })) });

export const OPERATORS = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'] as const;
export type Operator = (typeof OPERATORS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
export const filterSchema = z.object({
  propertyName: z.string().min(1),
  operator: z.enum(OPERATORS),
  value: scalar.optional(),
  highValue: scalar.optional(),
  values: z.array(scalar).optional(),
});
export type Filter = z.infer<typeof filterSchema>;

export const sortSchema = z.union([
  z.string().min(1),
  z.object({ propertyName: z.string().min(1), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() }),
]);

export const searchSchema = z.object({
  query: z.string().optional(),
  limit: z.number().int().optional(),
  after: z.union([z.string(), z.number().int()]).transform(String).optional(),
  sorts: z.array(sortSchema).optional(),
  properties: z.array(z.string()).optional(),
  filterGroups: z.array(z.object({ filters: z.array(filterSchema) })).optional(),
});
export type SearchRequest = z.infer<typeof searchSchema>;

const optionInput = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional().default(false),
});
export const PROPERTY_TYPES = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool'] as const;
export const FIELD_TYPES = ['textarea', 'text', 'date', 'file', 'number', 'select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation', 'phonenumber', 'html'] as const;

export const propertyCreateSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must start with a lowercase letter and contain only lowercase letters, digits and underscores'),
  label: z.string().min(1),
  type: z.enum(PROPERTY_TYPES),
  fieldType: z.enum(FIELD_TYPES),
  groupName: z.string().min(1),
  description: z.string().optional(),
  options: z.array(optionInput).optional(),
  displayOrder: z.number().int().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  calculationFormula: z.string().optional(),
  externalOptions: z.boolean().optional(),
  referencedObjectType: z.string().optional(),
});
export const propertyUpdateSchema = z.object({
  label: z.string().min(1).optional(),
  type: z.enum(PROPERTY_TYPES).optional(),
  fieldType: z.enum(FIELD_TYPES).optional(),
  groupName: z.string().min(1).optional(),
  description: z.string().optional(),
  options: z.array(optionInput).optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  calculationFormula: z.string().optional(),
});
export const propertyBatchReadSchema = z.object({ inputs: z.array(z.object({ name: z.string() })), archived: z.boolean().optional().default(false) });

export const v4CreateSchema = z.array(associationSpecSchema).min(1);
export const v4BatchReadSchema = z.object({ inputs: z.array(z.object({ id: idLike, after: z.string().optional() })) });
export const v4BatchCreateSchema = z.object({ inputs: z.array(z.object({ from: z.object({ id: idLike }), to: z.object({ id: idLike }), types: z.array(associationSpecSchema).min(1) })) });
export const v4BatchDefaultSchema = z.object({ inputs: z.array(z.object({ from: z.object({ id: idLike }), to: z.object({ id: idLike }) })) });
export const v4BatchArchiveSchema = z.object({ inputs: z.array(z.object({ from: z.object({ id: idLike }), to: z.array(z.object({ id: idLike })) })) });
export const v4BatchLabelsArchiveSchema = z.object({ inputs: z.array(z.object({ from: z.object({ id: idLike }), to: z.object({ id: idLike }), types: z.array(associationSpecSchema).min(1) })) });

export const tokenFormSchema = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  code_verifier: z.string().optional(),
});

export const authorizeQuerySchema = z.object({
  client_id: z.string().min(1),
  redirect_uri: z.string().min(1),
  scope: z.string().min(1),
  optional_scope: z.string().optional(),
  state: z.string().optional(),
  code_challenge: z.string().min(43).max(128).optional(),
  code_challenge_method: z.enum(['S256', 'plain']).optional(),
});

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL');
export const webhookSettingsSchema = z.object({
  targetUrl: httpUrl,
  throttling: z.object({ maxConcurrentRequests: z.number().int().min(1).max(100), period: z.string().optional() }),
});
export const subscriptionCreateSchema = z.object({
  eventType: z.string().regex(/^[a-z_]+\.[A-Za-z]+$/),
  propertyName: z.string().optional(),
  active: z.boolean().optional(),
  objectTypeId: z.string().optional(),
});
export const subscriptionPatchSchema = z.object({ active: z.boolean() });

export const adminWebhookSchema = z.object({
  targetUrl: httpUrl,
  clientSecret: z.string().min(1).optional(),
  eventTypes: z.array(z.string()).optional(),
});
export const adminConfigSchema = z.object({
  rateLimit: z.object({ max: z.number().int().min(1), intervalMs: z.number().int().min(1) }).partial().optional(),
  searchPerSecond: z.number().int().min(1).optional(),
  dailyLimit: z.number().int().min(1).optional(),
  webhooks: z
    .object({
      batchDelayMs: z.number().int().min(0),
      maxBatchSize: z.number().int().min(1).max(100),
      retryDelaysMs: z.array(z.number().int().min(0)).max(20),
      timeoutMs: z.number().int().min(1),
    })
    .partial()
    .optional(),
  resetRateLimits: z.boolean().optional(),
});
