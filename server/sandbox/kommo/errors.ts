import type { z } from 'zod';

/**
 * Kommo's answers: HAL JSON for successes, problem+json for errors (wire-spec §3.5),
 * 204 with an empty body for empty lists.
 */

export const hal = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/hal+json' } });

export const noContent = () => new Response(null, { status: 204 });

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const body = { title: TITLES[status] ?? 'Error', type: `https://httpstatus.es/${status}`, status, detail, ...extra };
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json', ...headers } });
}

export interface ValidationError {
  requestId: string;
  code: string;
  path: string;
  detail: string;
}

/** 400 with `validation-errors`, one entry per request_id (the index of the item in a batch). */
export function validationProblem(errors: ValidationError[]): Response {
  const byRequest = new Map<string, { code: string; path: string; detail: string }[]>();
  for (const e of errors) {
    const list = byRequest.get(e.requestId) ?? [];
    list.push({ code: e.code, path: e.path, detail: e.detail });
    byRequest.set(e.requestId, list);
  }
  return problem(400, 'Request validation failed', {
    'validation-errors': [...byRequest].map(([request_id, errs]) => ({ request_id, errors: errs })),
  });
}

const CODE_BY_ISSUE: Record<string, string> = {
  invalid_type: 'InvalidType',
  too_big: 'TooBig',
  too_small: 'TooSmall',
  invalid_value: 'NotSupportedChoice',
  invalid_union: 'InvalidType',
  unrecognized_keys: 'NotSupportedChoice',
  invalid_format: 'InvalidFormat',
};

/** Maps zod issues to Kommo validation errors; for a batch the first path segment is the request_id. */
export function zodProblem(error: z.ZodError, batch: boolean): Response {
  return validationProblem(
    error.issues.map((issue) => {
      const path = issue.path.map(String);
      const requestId = batch && path.length ? path.shift()! : '0';
      return { requestId, code: CODE_BY_ISSUE[issue.code] ?? 'InvalidValue', path: path.join('.'), detail: issue.message };
    }),
  );
}
