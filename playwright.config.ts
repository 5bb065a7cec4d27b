import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end suite: one real server (embedded Postgres, job runner) started by the
 * global setup in a throwaway data directory, driven through Debian's Chromium.
 * The tests share that server's state, so they run one at a time. The base URL is
 * only known after the server is up; tests/e2e/support/fixtures.ts supplies it.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/support/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    ...devices['Desktop Chrome'],
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
