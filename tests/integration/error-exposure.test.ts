import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createContext, publicProcedure, router } from '../../server/trpc';
import { servicesFor } from '../support/factories';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

const probe = router({
  boom: publicProcedure.query(() => {
    throw new Error('Failed query: select * from users where email = $1 params: victim@example.test');
  }),
  strict: publicProcedure.input(z.object({ n: z.number().int() })).query(({ input }) => input.n),
});

async function call(path: string, input?: unknown) {
  const url = `http://localhost:3000/api/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(url),
    router: probe,
    createContext: ({ req, resHeaders }) => createContext({ app: servicesFor(database.current), request: req, responseHeaders: resHeaders }),
  });
  return { status: response.status, body: await response.text() };
}

describe('errors sent to the browser', () => {
  it('hide the text of unexpected errors (SQL, parameters)', async () => {
    const { status, body } = await call('boom');
    expect(status).toBe(500);
    expect(body).toContain('Internal server error.');
    expect(body).not.toMatch(/select|victim@example|Failed query/);
  });

  it('keep zod field errors for invalid input', async () => {
    const { status, body } = await call('strict', { n: 1.5 });
    expect(status).toBe(400);
    expect(JSON.parse(body).error.data.fieldErrors).toHaveProperty('n');
  });
});
