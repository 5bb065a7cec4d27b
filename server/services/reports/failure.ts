import { GeminiError } from '../../providers/gemini/client';
import { KommoAccessBlocked, KommoApiError, KommoBadResponse } from '../../providers/kommo/errors';
import { RadistError } from '../../providers/radist/client';
import { TelegramError } from '../../providers/telegram/client';
import { ProviderRateLimited, ReauthorizationNeeded } from '../../providers/types';
import { KommoError } from '../kommo/deps';
import { ReportError } from './deps';
import { describeStoreError } from './store';

/**
 * A failed step in plain words for the run page (and whether another try may help).
 * Nothing from here carries a secret, a URL, SQL or a provider's raw body: the
 * provider clients already speak in plain messages, and anything unknown becomes
 * "unexpected error" (its detail goes to the server log only, scrubbed).
 */

export class StepTimeout extends Error {
  constructor(readonly ms: number) {
    super(`The step took longer than its limit of ${ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`}.`);
    this.name = 'StepTimeout';
  }
}

export interface Failure {
  message: string;
  retryable: boolean;
  /** Wait the provider asked for before another try. */
  retryAfterMs: number | null;
  /** False when the error is ours to investigate (logged, not shown in detail). */
  expected: boolean;
}

const POSTGRES_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'CONNECT_TIMEOUT', 'ETIMEDOUT', 'EAI_AGAIN', '57P01', '57P03', '53300', '08006', '08001', '08004', '40001', '40P01']);

export function describeFailure(error: unknown): Failure {
  const plain = (message: string, retryable: boolean, retryAfterMs: number | null = null): Failure => ({ message, retryable, retryAfterMs, expected: true });
  if (error instanceof StepTimeout) return plain(error.message, true);
  if (error instanceof ReportError) return plain(error.message, error.kind === 'unavailable');
  if (error instanceof RadistError) return plain(error.message, error.retryable, error.retryAfterMs);
  if (error instanceof GeminiError) return plain(error.message, error.retryable || error.kind === 'empty', error.retryAfterMs);
  if (error instanceof TelegramError) return plain(error.message, error.retryable, error.retryAfterMs);
  if (error instanceof ReauthorizationNeeded) return plain('Kommo refused the token: reconnect Kommo under Integrations.', false);
  if (error instanceof ProviderRateLimited) return plain('Kommo kept answering "too many requests".', true, error.retryAfterMs);
  if (error instanceof KommoAccessBlocked) return plain('Kommo has blocked API access for this account for a while; try again after the block ends.', false);
  if (error instanceof KommoApiError) return plain(`Kommo answered HTTP ${error.status}.`, error.retryable);
  if (error instanceof KommoBadResponse) return plain('Kommo answered in an unexpected shape.', false);
  if (error instanceof KommoError) return plain(error.message, error.kind === 'too_many' || error.kind === 'provider');
  const code = (error as { code?: string } | null)?.code;
  if (typeof code === 'string' && (/^[0-9A-Z]{5}$/.test(code) || POSTGRES_TRANSIENT.has(code))) {
    return plain(`Report store: ${describeStoreError(error)}`, POSTGRES_TRANSIENT.has(code));
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return plain('A request timed out.', true);
  return { message: 'An unexpected error stopped this step; the details are in the server log.', retryable: true, retryAfterMs: null, expected: false };
}

/** Replaces every occurrence of the given secret values (for log lines). */
export function scrub(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
