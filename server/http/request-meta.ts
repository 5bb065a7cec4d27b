import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * Stamps each request with an id and the client address as this server saw it.
 * Any such header sent by the client is overwritten, never trusted.
 */
export const requestMeta: RequestHandler = (req, res, next) => {
  const id = randomUUID();
  req.headers['x-request-id'] = id;
  req.headers['x-crmhub-client-ip'] = req.ip ?? req.socket.remoteAddress ?? '';
  res.setHeader('X-Request-Id', id);
  next();
};
