import type { PgBoss } from 'pg-boss';
import type { Db, Sql } from '../../../db/client';
import type { Env } from '../../config/env';
import type { Keyring } from '../../security/crypto';

/**
 * What the Kommo services need from their process: the web server passes its
 * AppServices, the job runner builds the same from its own pool and environment.
 */
export interface KommoDeps {
  db: Db;
  sql: Sql;
  keyring: Keyring;
  env: Env;
  /** The demo/test Kommo sandbox origin, when one runs in this process (never in production). */
  sandboxOrigin?: string | null;
  boss?: PgBoss | null;
  log?: (line: string) => void;
}

/** Kommo's services speak in these errors; the router maps each kind to a tRPC code. */
export class KommoError extends Error {
  constructor(
    readonly kind: 'not_found' | 'not_connected' | 'invalid' | 'conflict' | 'too_many' | 'blocked' | 'reauthorize' | 'provider' | 'forbidden',
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'KommoError';
  }
}
