/**
 * Time from process start to a healthy /health, cold (empty data dir: initdb,
 * migrations, seed) and warm (existing data), on the embedded Postgres.
 * Run: npm run bench:startup   (after npm run build)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../db/embedded';

async function timeToHealthy(dataDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return performance.now() - started;
      if (performance.now() - started > 120_000) throw new Error('not healthy after 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

const runs = Number(process.argv[2] ?? 3);
const rows: { kind: string; ms: number }[] = [];
for (let i = 0; i < runs; i++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-bench-'));
  fs.chmodSync(dir, 0o755);
  rows.push({ kind: 'cold', ms: await timeToHealthy(dir) });
  rows.push({ kind: 'warm', ms: await timeToHealthy(dir) });
  fs.rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nnpm start → healthy /health (server only; the Vite build before it is separate), Node ${process.version}, ${runs} runs`);
console.log('| start | median ms | min ms | max ms |');
console.log('| --- | ---: | ---: | ---: |');
for (const kind of ['cold', 'warm']) {
  const xs = rows.filter((r) => r.kind === kind).map((r) => r.ms);
  console.log(`| ${kind} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} |`);
}
