import type { AppLoadContext } from '@remix-run/node';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { createCaller } from '../../server/root';
import { createContext } from '../../server/trpc';

/**
 * The server-side tRPC caller for a loader or action (never HTTP to ourselves).
 * Copy `headers` onto the response: it carries Set-Cookie when the session moved.
 */
export async function callerFor(request: Request, context: AppLoadContext) {
  const headers = new Headers();
  const ctx = await createContext({ app: context.services, request, responseHeaders: headers });
  return { caller: createCaller(ctx), headers, ctx };
}

/**
 * Unexpected errors are logged here with the cause and answered with a generic
 * message: their text can hold SQL and parameters, which never reach the browser.
 */
function internalError(error: unknown): Response {
  console.error('[remix] unexpected error:', error instanceof TRPCError ? (error.cause ?? error) : error);
  return new Response('Something went wrong on our side. It has been logged.', { status: 500, statusText: 'INTERNAL_SERVER_ERROR' });
}

/** A TRPCError becomes the matching HTTP status for the route's error boundary. */
export function toResponse(error: unknown): never {
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
    throw new Response(error.message, { status: getHTTPStatusCodeFromError(error), statusText: error.code });
  }
  if (error instanceof Response) throw error;
  throw internalError(error);
}

export async function orThrowResponse<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    toResponse(error);
  }
}

/** For actions: a TRPCError becomes a form error the page can show next to the form. */
export async function formResult<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status: number; message: string; fieldErrors?: Record<string, string[]> }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
      const cause = error.cause as { issues?: { path: PropertyKey[]; message: string }[] } | undefined;
      const fieldErrors: Record<string, string[]> = {};
      for (const issue of cause?.issues ?? []) {
        const key = issue.path.map(String).join('.') || 'form';
        (fieldErrors[key] ??= []).push(issue.message);
      }
      const message = error.code === 'BAD_REQUEST' && cause?.issues ? 'Please correct the highlighted fields.' : error.message;
      return { ok: false, status: getHTTPStatusCodeFromError(error), message, fieldErrors };
    }
    throw internalError(error);
  }
}
