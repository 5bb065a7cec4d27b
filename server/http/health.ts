import type { RequestHandler } from 'express';
import type { AppServices } from '../app-services';

const version = process.env.npm_package_version ?? '0.1.0';

/** JSON state of each part; 503 when any is down. */
export function healthHandler(app: AppServices): RequestHandler {
  return async (_req, res) => {
    const db = await app.sql`select 1 as ok`.then(() => 'up' as const).catch(() => 'down' as const);
    let queue: 'up' | 'down' = 'down';
    if (app.boss) {
      queue = await app.boss
        .getQueue('session-cleanup')
        .then((q) => (q ? 'up' : 'down'))
        .catch(() => 'down' as const);
    }
    const runner = app.runnerState();
    const runnerStatus = app.env.RUN_WORKER === '0' ? 'external' : runner.up ? 'up' : 'down';
    const ok = db === 'up' && queue === 'up' && runnerStatus !== 'down';
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      db,
      queue,
      runner: { status: runnerStatus, pid: runner.pid, restarts: runner.restarts },
      version,
      node: process.version,
      ...(app.sandboxes ? { sandboxes: app.sandboxes } : {}),
    });
  };
}
