import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATE_ENV, type E2EState, type DemoLogin } from './state';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A free port, chosen before the server starts: the OAuth redirect URIs are built from
 * PORT (server/providers/registry.ts), so PORT=0 would send the consent pages back to
 * http://localhost:0, which browsers refuse.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts the real server (`tsx server/main.ts`) on a free port with a fresh data
 * directory, so it seeds the demo tenant and log-ins; waits for /health; shares the
 * base URL, the log-ins and the database URL with the workers. Returns the teardown.
 */
export default async function globalSetup() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  if (!fs.existsSync(path.join(root, 'build', 'server', 'index.js'))) {
    throw new Error('No build found: run `npx remix vite:build` before the e2e suite.');
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-e2e-'));
  fs.chmodSync(tmp, 0o755); // as root, Postgres runs as `postgres` and must enter it
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir, { mode: 0o755 });
  fs.chmodSync(dataDir, 0o755);
  const logFile = path.join(tmp, 'server.log');
  const logFd = fs.openSync(logFile, 'a');

  const serverPort = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(serverPort), HOST: '127.0.0.1', DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0', NODE_ENV: 'test' },
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const pid = child.pid;
  if (!pid) throw new Error('Could not spawn the server.');
  let exited: number | string | null = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? code ?? 'unknown';
  });

  // The log outlives the temp dir: test-results/ is Playwright's (git-ignored) output folder.
  const keptLog = path.join(root, 'test-results', 'e2e-server.log');
  const keepLog = () => {
    try {
      fs.mkdirSync(path.dirname(keptLog), { recursive: true });
      fs.copyFileSync(logFile, keptLog);
    } catch {
      /* nothing to keep */
    }
  };

  const teardown = async () => {
    if (isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
        console.error(`[e2e] server pid ${pid} ignored SIGTERM; killing it`);
        process.kill(pid, 'SIGKILL');
        await waitForExit(pid, 5_000);
      }
    }
    await sleep(50); // let the 'exit' event land
    if (exited !== null && exited !== 0) console.warn(`[e2e] the server did not shut down cleanly (exit ${exited}); see ${keptLog}`);
    // After a forced kill, the embedded postmaster may outlive its parent: stop it from its own pid file.
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      const pgPid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (Number.isInteger(pgPid) && pgPid > 0 && isAlive(pgPid)) {
        process.kill(pgPid, 'SIGINT');
        await waitForExit(pgPid, 10_000);
      }
    }
    keepLog();
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    // the server prints its address once it listens
    const deadline = Date.now() + START_TIMEOUT_MS;
    let baseURL: string | null = null;
    while (!baseURL) {
      if (exited !== null) throw new Error(`The server exited (${exited}) during start-up.`);
      if (Date.now() > deadline) throw new Error('The server did not print its address within 60 s.');
      const match = /listening on (http:\/\/localhost:\d+)/.exec(fs.readFileSync(logFile, 'utf8'));
      if (match) baseURL = match[1]!;
      else await sleep(100);
    }
    const port = new URL(baseURL).port;
    let health: unknown = null;
    for (;;) {
      if (exited !== null) throw new Error(`The server exited (${exited}) during start-up.`);
      if (Date.now() > deadline) throw new Error(`/health did not answer 200 within 60 s; last answer: ${JSON.stringify(health)}`);
      const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
      if (res) health = await res.json().catch(() => res.status);
      if (res?.status === 200) break;
      await sleep(200);
    }

    const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.txt'), 'utf8')) as DemoLogin[];
    const pgPort = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]?.trim();
    if (!pgPort || !/^\d+$/.test(pgPort)) throw new Error('Could not read the Postgres port from postmaster.pid');
    const state: E2EState = {
      baseURL,
      databaseURL: `postgres://crmhub:crmhub-local@127.0.0.1:${pgPort}/crm_hub`,
      credentials,
      serverPid: pid,
      tmpDir: tmp,
      logFile,
    };
    const stateFile = path.join(tmp, 'e2e-state.json');
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
    process.env[STATE_ENV] = stateFile; // workers inherit the runner's environment
    console.log(`[e2e] server pid ${pid} at ${baseURL} (Postgres on ${pgPort}); its log goes to ${keptLog} at the end`);
  } catch (error) {
    console.error(`[e2e] server start-up failed; last lines of its log (kept in ${keptLog}):\n${tail(logFile)}`);
    await teardown();
    throw error;
  }

  return teardown;
}
