import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { e2eState, expect, test } from './support/fixtures';

const providers = ['salesforce', 'hubspot', 'kommo', 'radist', 'gemini', 'telegram'];

test('demo mode starts all six sandboxes on loopback and /health lists them', async ({ request }) => {
  const health = await (await request.get('/health')).json();
  expect(Object.keys(health.sandboxes).sort()).toEqual([...providers].sort());
  for (const provider of providers) {
    const url: string = health.sandboxes[provider];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const state = await (await request.get(`${url}/_sandbox`)).json();
    expect(state.provider).toBe(provider);
  }
});

/** Starts the real server in production mode against the e2e database and returns its output and /health. */
async function startProduction(env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(process.cwd(), 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], {
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', RUN_WORKER: '0', DATA_DIR: path.join(e2eState().tmpDir, 'prod-data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  let port: number | null = null;
  while (Date.now() < deadline && port === null && child.exitCode === null) {
    port = Number(output.match(/listening on http:\/\/localhost:(\d+)/)?.[1]) || null;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited, port, output: () => output };
}

test('production mode starts no sandbox, and refuses to start without its key', async () => {
  const prod = await startProduction({ DATABASE_URL: e2eState().databaseURL, APP_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
  try {
    expect(prod.port, prod.output()).not.toBeNull();
    const response = await fetch(`http://127.0.0.1:${prod.port}/health`);
    const body = await response.json();
    expect(body.db).toBe('up');
    expect(body).not.toHaveProperty('sandboxes');
    expect(prod.output()).not.toContain('demo sandboxes');
    expect(prod.output()).not.toContain('Demo log-ins');
  } finally {
    prod.child.kill('SIGTERM');
    await prod.exited;
  }
  const keyless = await startProduction({ DATABASE_URL: e2eState().databaseURL, APP_ENCRYPTION_KEY: '' });
  expect(await keyless.exited).not.toBe(0);
  expect(keyless.output()).toContain('APP_ENCRYPTION_KEY is required in production');
});
