import { spawn, type ChildProcess } from 'node:child_process';
import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, sessions } from '../../db/schema';
import { startBoss } from '../../jobs/boss';
import { queues } from '../../jobs/queues';
import { createSession } from '../../server/auth/session';
import { makeUser } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();
let worker: ChildProcess;
let workerOutput = '';
let boss: PgBoss;

async function waitForJob(id: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await boss.getJobById<unknown>(queues.sessionCleanup.name, id);
    if (job && ['completed', 'failed', 'cancelled'].includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job?.state}; worker said:\n${workerOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  boss = await startBoss(database.current.url, { schedule: false });
  // a real, separate worker process, as `npm run worker` starts it
  worker = spawn(process.execPath, ['--import', 'tsx', 'jobs/runner.ts'], {
    env: { ...process.env, DATABASE_URL: database.current.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d) => (workerOutput += d));
  worker.stderr!.on('data', (d) => (workerOutput += d));
  const deadline = Date.now() + 30_000;
  while (!workerOutput.includes('ready on Node')) {
    if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`worker did not start:\n${workerOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  await boss?.stop({ graceful: false, timeout: 2000 });
});

describe('the job runner (a separate process)', () => {
  it('runs on Node 24', () => {
    expect(workerOutput).toMatch(/ready on Node v24\./);
  });

  it('completes a session-cleanup job: expired sessions gone, live ones kept, audited', async () => {
    const user = await makeUser(database.current, 'super_admin');
    const longAgo = new Date(Date.now() - 1000 * 60 * 60 * 24 * 40);
    const expired = await createSession(database.current.db, { userId: user.id, activeOrganizationId: null }, longAgo);
    const live = await createSession(database.current.db, { userId: user.id, activeOrganizationId: null });
    const id = await boss.send(queues.sessionCleanup.name, { reason: 'manual' });
    expect(id).toBeTruthy();
    const job = await waitForJob(id!);
    expect(job.state).toBe('completed');
    expect(job.output).toMatchObject({ sessionsDeleted: 1 });
    expect(await database.current.db.select().from(sessions).where(eq(sessions.id, expired.session.id))).toHaveLength(0);
    expect(await database.current.db.select().from(sessions).where(eq(sessions.id, live.session.id))).toHaveLength(1);
    const audit = await database.current.db.select().from(auditLog).where(eq(auditLog.action, 'system.session_cleanup'));
    expect(audit.some((row) => row.details.jobId === id)).toBe(true);
  });

  it('does not retry a job whose payload fails its schema', async () => {
    const id = await boss.send(queues.sessionCleanup.name, { reason: 'not-a-reason', extra: true });
    const job = await waitForJob(id!);
    expect(job.retryCount).toBe(0);
    expect(job.output).toMatchObject({ rejected: 'invalid-payload' });
    expect(workerOutput).toContain(`job ${id} rejected: invalid payload`);
  });

  it('drains and exits cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerOutput).toContain('SIGTERM: draining');
  });
});
