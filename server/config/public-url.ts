import { isProduction, type Env } from './env';

/**
 * The app's public origin, for every URL we hand to someone else (OAuth redirect URIs,
 * webhook targets, links in messages): APP_URL, else http://localhost:PORT outside
 * production — never the request's Host header. Null in production without APP_URL.
 */
export function publicOrigin(env: Pick<Env, 'APP_URL' | 'NODE_ENV' | 'PORT'>): string | null {
  const base = env.APP_URL ?? (isProduction(env as Env) ? null : `http://localhost:${env.PORT}`);
  return base ? base.replace(/\/+$/, '') : null;
}

/** publicOrigin for URLs a provider must be told about: refuses to guess in production. */
export function requirePublicOrigin(env: Pick<Env, 'APP_URL' | 'NODE_ENV' | 'PORT'>): string {
  const origin = publicOrigin(env);
  if (!origin) throw new Error('APP_URL must be set in production (OAuth redirect URIs and webhook URLs are built from it).');
  return origin;
}
