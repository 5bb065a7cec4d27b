import { claimDueConnections } from '../../server/services/sync/schedule';
import { enqueueSync } from '../../server/services/sync/enqueue';
import type { JobHandler } from '../handler';

/** Every minute: a crm-sync job for each connected connection whose next sync time has come. */
export const crmSyncTick: JobHandler<'crmSyncTick'> = async (_payload, { database, boss, log }) => {
  const due = await claimDueConnections(database.db);
  let queued = 0;
  for (const connection of due) {
    const result = await enqueueSync(boss, database.db, { connectionId: connection.id, trigger: 'schedule' });
    if (result.status === 'queued') queued += 1;
  }
  if (due.length) log(`[crm-sync-tick] ${due.length} due, ${queued} queued`);
  return { due: due.length, queued };
};
