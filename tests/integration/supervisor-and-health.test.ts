import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startBoss } from '../../jobs/boss';
import { superviseRunner } from '../../jobs/supervisor';
import { healthHandler } from '../../server/http/health';
import { servicesFor } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function until(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('runner supervisor', () => {
  it('forks the runner, restarts it when it dies, and stops it with SIGTERM', async () => {
    const lines: string[] = [];
    const runner = superviseRunner({ databaseUrl: database.current.url, log: (l) => lines.push(l) });
    cleanups.push(() => runner.stop());
    await until(() => runner.state().up, 30_000, 'runner up');
    const firstPid = runner.state().pid!;
    process.kill(firstPid, 'SIGKILL');
    await until(() => runner.state().restarts === 1 && runner.state().up && runner.state().pid !== firstPid, 30_000, 'runner restarted');
    expect(lines.some((l) => l.includes('job runner exited (SIGKILL)'))).toBe(true);
    const pid = runner.state().pid!;
    await runner.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(runner.state().up).toBe(false);
  });
});

describe('/health', () => {
  async function healthWith(runnerUp: boolean, withBoss: boolean, sandboxes: Record<string, string> | null = null) {
    const services = servicesFor(database.current);
    services.sandboxes = sandboxes;
    if (withBoss) {
      const boss = await startBoss(database.current.url, { schedule: false });
      cleanups.push(() => boss.stop({ graceful: false, timeout: 2000 }));
      services.boss = boss;
    }
    services.runnerState = () => ({ up: runnerUp, pid: runnerUp ? 123 : null, restarts: 0, lastHeartbeatAt: runnerUp ? Date.now() : null });
    services.env = { ...services.env, RUN_WORKER: '1' };
    const app = express().get('/health', healthHandler(services));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    server.close();
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  it('answers 200 with each part up and the Node version', async () => {
    const { status, body } = await healthWith(true, true);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', db: 'up', queue: 'up', runner: { status: 'up' } });
    expect(body.node).toMatch(/^v24\./);
    expect(body).not.toHaveProperty('sandboxes');
  });

  it('lists the demo sandboxes when they run', async () => {
    const { body } = await healthWith(true, true, { hubspot: 'http://127.0.0.1:4102' });
    expect(body.sandboxes).toEqual({ hubspot: 'http://127.0.0.1:4102' });
  });

  it('answers 503 when the runner or the queue is down', async () => {
    expect((await healthWith(false, true)).status).toBe(503);
    const noQueue = await healthWith(true, false);
    expect(noQueue.status).toBe(503);
    expect(noQueue.body.queue).toBe('down');
  });
});
