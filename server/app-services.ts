import type { PgBoss } from 'pg-boss';
import type { Db, Sql } from '../db/client';
import type { Env } from './config/env';
import type { RealtimeHub } from './realtime/hub';
import type { Keyring } from './security/crypto';

/** The long-lived services one server process holds and every request shares. */
export interface AppServices {
  env: Env;
  db: Db;
  sql: Sql;
  keyring: Keyring;
  boss: PgBoss | null;
  realtime: RealtimeHub | null;
  /** Health of the forked job runner, as the supervisor last saw it. */
  runnerState: () => { up: boolean; pid: number | null; restarts: number; lastHeartbeatAt: number | null };
  /** Demo-mode sandbox base URLs by provider; null when no sandbox runs (always in production). */
  sandboxes: Record<string, string> | null;
}
