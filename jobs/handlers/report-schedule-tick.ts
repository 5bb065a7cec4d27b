import { startDueRuns } from '../../server/services/reports/schedule';
import type { JobHandler } from '../handler';

/** Every minute: a report run for each tenant and report type whose period has just ended in the tenant's time zone. */
export const reportScheduleTick: JobHandler<'reportScheduleTick'> = async (_payload, { database, env, keyring, boss, log }) => {
  const { started } = await startDueRuns({ db: database.db, sql: database.sql, keyring, env, boss, log });
  if (started.length) log(`[report-schedule-tick] started ${started.filter((s) => s.result.status === 'queued').length} of ${started.length} due report runs`);
  return { due: started.length };
};
