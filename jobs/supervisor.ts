import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runnerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runner.ts');

export interface RunnerState {
  up: boolean;
  pid: number | null;
  restarts: number;
  lastHeartbeatAt: number | null;
}

/**
 * Forks jobs/runner.ts (through tsx, on the same Node binary) and restarts it with
 * back-off when it dies; stop() ends it with SIGTERM so it drains its jobs.
 */
export function superviseRunner(options: { databaseUrl: string; log: (line: string) => void }) {
  const state: RunnerState = { up: false, pid: null, restarts: 0, lastHeartbeatAt: null };
  let child: ChildProcess | null = null;
  let stopped = false;
  let backoffMs = 500;
  let restartTimer: NodeJS.Timeout | null = null;

  const start = () => {
    child = fork(runnerPath, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATABASE_URL: options.databaseUrl },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    state.pid = child.pid ?? null;
    child.on('message', (message: { type?: string; at?: number }) => {
      if (message?.type === 'ready' || message?.type === 'heartbeat') {
        state.up = true;
        state.lastHeartbeatAt = Date.now();
        backoffMs = 500;
      }
    });
    child.on('exit', (code, signal) => {
      state.up = false;
      state.pid = null;
      child = null;
      if (stopped) return;
      state.restarts += 1;
      options.log(`job runner exited (${signal ?? code}); restarting in ${backoffMs} ms`);
      restartTimer = setTimeout(start, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    });
  };
  start();

  return {
    state: () => ({ ...state, up: state.up && state.lastHeartbeatAt !== null && Date.now() - state.lastHeartbeatAt < 10_000 }),
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      const running = child;
      if (!running) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => running.kill('SIGKILL'), 25_000);
        running.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        running.kill('SIGTERM');
      });
    },
  };
}
