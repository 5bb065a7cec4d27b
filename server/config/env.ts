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
