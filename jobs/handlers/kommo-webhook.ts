import { processWebhookEvent } from '../../server/services/kommo/mirror';
import type { JobHandler } from '../handler';

/**
 * One stored Kommo webhook event: re-read the entity through the READ client and upsert
 * the mirror (server/services/kommo/mirror.ts). Read-only toward Kommo — this file and
 * everything it imports must never reach the write client (kommo-import-graph test).
 */
export const kommoWebhook: JobHandler<'kommoWebhook'> = async (payload, { database, env, keyring, boss, log }) => {
  const outcome = await processWebhookEvent({ db: database.db, sql: database.sql, keyring, env, boss, log }, payload.eventId);
  if (outcome.status !== 'processed') log(`[kommo-webhook] event ${payload.eventId}: ${outcome.status}`);
  return outcome;
};
