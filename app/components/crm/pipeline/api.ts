import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '../../../../server/root';

/**
 * The browser's tRPC client for the board's interactive calls (moving a card, the
 * next page of a column): they change client state in place, so a Remix
 * revalidation of the whole board would throw away the pages already loaded.
 */
let client: ReturnType<typeof createTRPCClient<AppRouter>> | null = null;

export function browserTrpc() {
  client ??= createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc' })] });
  return client;
}

/** The server's message for a refused call (tRPC errors carry it), else a generic one. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  // a network failure or an HTML error page is not a message for people
  if (!message || message.startsWith('Unexpected token') || message === 'Failed to fetch') return 'The server could not be reached; try again.';
  return message;
}
