/**
 * Google RPC-style error bodies (wire-spec §5.4): `{"error":{code,message,status,details}}`
 * with `application/json; charset=UTF-8` (the SDK parses error bodies only when the
 * content type says JSON).
 */
export type RpcStatus = 'INVALID_ARGUMENT' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND' | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'UNAVAILABLE' | 'DEADLINE_EXCEEDED';
const HTTP: Record<RpcStatus, number> = { INVALID_ARGUMENT: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404, RESOURCE_EXHAUSTED: 429, INTERNAL: 500, UNAVAILABLE: 503, DEADLINE_EXCEEDED: 504 };

export function rpcError(status: RpcStatus, message: string, details?: unknown[], headers: Record<string, string> = {}, httpStatus?: number): Response {
  const code = httpStatus ?? HTTP[status];
  return new Response(JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }), {
    status: code,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
  });
}

export function quotaExceeded(retryAfterSeconds: number, model = 'gemini-2.5-flash', limit = 10): Response {
  return rpcError(
    'RESOURCE_EXHAUSTED',
    `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. Please retry in ${retryAfterSeconds}s.`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model },
            quotaValue: String(limit),
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds}s` },
    ],
  );
}

export const invalidKey = () =>
  rpcError('INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ]);
