import fs from 'node:fs';

/** The environment variable through which the global setup hands its state file to the workers. */
export const STATE_ENV = 'CRMHUB_E2E_STATE';

export type DemoRole = 'super_admin' | 'admin_lite' | 'owner' | 'admin' | 'manager' | 'sales' | 'viewer';

export interface DemoLogin {
  role: DemoRole;
  email: string;
  password: string;
}

export interface E2EState {
  /** http://localhost:<port> */
  baseURL: string;
  /** The embedded Postgres database the server uses. */
  databaseURL: string;
  /** The demo log-ins the server seeded, one per role. */
  credentials: DemoLogin[];
  serverPid: number;
  tmpDir: string;
  logFile: string;
}

let cached: E2EState | null = null;

export function e2eState(): E2EState {
  if (cached) return cached;
  const file = process.env[STATE_ENV];
  if (!file) throw new Error(`${STATE_ENV} is not set: run the suite through \`npx playwright test\` (its global setup starts the server).`);
  cached = JSON.parse(fs.readFileSync(file, 'utf8')) as E2EState;
  return cached;
}

export function demoLogin(role: DemoRole): DemoLogin {
  const login = e2eState().credentials.find((c) => c.role === role);
  if (!login) throw new Error(`No demo log-in for ${role}`);
  return login;
}
