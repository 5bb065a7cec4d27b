import { staleWebhookEvents } from '../../server/services/kommo/mirror';
import { enqueueWebhookEvent } from '../../server/services/kommo/webhook';
import type { JobHandler } from '../handler';

/** Every five minutes: Kommo webhook events whose job was never sent or gave up are enqueued again. */
export const kommoWebhookSweep: JobHandler<'kommoWebhookSweep'> = async (_payload, { database, boss, log }) => {
  const ids = await staleWebhookEvents(database.db);
  for (const id of ids) await enqueueWebhookEvent(boss, id, log);
  if (ids.length) log(`[kommo-webhook-sweep] re-enqueued ${ids.length} events`);
  return { requeued: ids.length };
};
