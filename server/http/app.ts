import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import express from 'express';
import path from 'node:path';
import type { AppServices } from '../app-services';
import { csrfGuard } from './csrf';
import { healthHandler } from './health';
import { requestMeta } from './request-meta';
import { securityHeaders } from './security-headers';

/** What Remix loaders and actions receive as `context`. */
export interface RemixLoadContext {
  services: AppServices;
  cspNonce: string;
}

declare module '@remix-run/server-runtime' {
  interface AppLoadContext extends RemixLoadContext {}
}

/** The HTTP front: request id, security headers and the CSRF guard run before any route. */
export function createHttpApp(services: AppServices, build: ServerBuild, buildDir: string) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestMeta);
  app.use(securityHeaders);
  app.use(csrfGuard);
  app.get('/health', healthHandler(services));
  app.use('/assets', express.static(path.join(buildDir, 'client', 'assets'), { immutable: true, maxAge: '1y' }));
  app.use(express.static(path.join(buildDir, 'client'), { maxAge: '1h', index: false }));
  app.all(
    '*',
    createRequestHandler({
      build,
      mode: services.env.NODE_ENV === 'production' ? 'production' : 'development',
      getLoadContext: (_req, res) => ({ services, cspNonce: String(res.locals.cspNonce) }),
    }),
  );
  return app;
}
