import { deleteExpiredSessions } from '../../server/auth/session';
import { writeAudit } from '../../server/security/audit';
import { deleteStaleThrottles } from '../../server/security/login-throttle';
import type { JobHandler } from '../handler';

/** Deletes expired sessions and stale log-in throttles; audited as a system action. */
export const sessionCleanup: JobHandler<'sessionCleanup'> = async (payload, { database, jobId, log }) => {
  const sessions = await deleteExpiredSessions(database.db);
  const throttles = await deleteStaleThrottles(database.db);
  await writeAudit(database.db, { userId: null, email: 'system' }, null, {
    action: 'system.session_cleanup',
    details: { jobId, reason: payload.reason, sessionsDeleted: sessions, throttlesDeleted: throttles },
  });
  log(`[session-cleanup] deleted ${sessions} expired sessions, ${throttles} stale throttles`);
  return { sessionsDeleted: sessions, throttlesDeleted: throttles };
};
