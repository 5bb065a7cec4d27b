import { z } from 'zod';

/** Every environment variable the server reads, validated once at boot. */
/** An empty variable counts as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: optional(z.string().url()),
  APP_ENCRYPTION_KEY: optional(z.string()),
  /** Where the embedded Postgres, the generated key and demo log-ins live. */
  DATA_DIR: z.string().default('.data'),
  /** Port of the embedded Postgres; 0 picks a free one. */
  EMBEDDED_PG_PORT: z.coerce.number().int().min(0).max(65535).default(5433),
  /** Set to 0 to skip forking the job runner (e.g. a web-only process). */
  RUN_WORKER: z.enum(['0', '1']).default('1'),
  /** Sandboxes of the external APIs on loopback. Default: on with the embedded database outside production. */
  DEMO_MODE: z.enum(['0', '1']).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /**
   * The app's public origin (https://crm.example.com). OAuth redirect URIs are built from it
   * and never from a request's Host header. Default outside production: http://localhost:PORT.
   */
  APP_URL: optional(z.string().url()),
  /** CRM connected apps (decision 006). Unset outside production: the demo sandboxes' fixed apps. */
  SALESFORCE_CLIENT_ID: optional(z.string()),
  SALESFORCE_CLIENT_SECRET: optional(z.string()),
  /** https://login.salesforce.com, https://test.salesforce.com or a My Domain login URL. */
  SALESFORCE_LOGIN_URL: optional(z.string().url()),
  HUBSPOT_CLIENT_ID: optional(z.string()),
  HUBSPOT_CLIENT_SECRET: optional(z.string()),
});

export type Env = z.infer<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment:\n${lines}`);
  }
  return parsed.data;
}

export const isProduction = (env: Env) => env.NODE_ENV === 'production';
