import { and, eq, ne } from 'drizzle-orm';
import { organizations } from '../../../db/schema';
import { reports, reportSettings } from '../../../db/schema/reports';
import { scheduledReportTypes, type ScheduledReportType } from '../../shared/reports';
import type { ReportDeps } from './deps';
import { latestCompletePeriod } from './periods';
import { startRun, type StartResult } from './runs';
import { typesAllowedBy } from './settings';

/**
 * The schedule (a one-minute pg-boss cron, `report-schedule-tick`): for every active
 * tenant with automation on, and each report type it produces, the latest period that
 * has ended in the tenant's time zone (with its day boundary) gets a run — unless a
 * report for that period already exists (the natural key makes the tick idempotent: a
 * minute later, or on a second worker, it finds the report and does nothing), or the
 * period ended before automation was switched on (no backfill).
 */
export async function startDueRuns(deps: ReportDeps, now = deps.now?.() ?? new Date()): Promise<{ started: { organizationId: string; type: ScheduledReportType; result: StartResult }[] }> {
  const tenants = await deps.db
    .select({ organizationId: reportSettings.organizationId, schedule: reportSettings.schedule, weeklyDay: reportSettings.weeklyDay, reportTypes: reportSettings.reportTypes, since: reportSettings.automationSince, timeZone: organizations.timezone, boundary: organizations.dayBoundaryHour })
    .from(reportSettings)
    .innerJoin(organizations, eq(organizations.id, reportSettings.organizationId))
    .where(and(ne(reportSettings.schedule, 'manual'), eq(organizations.status, 'active')));
  const started: { organizationId: string; type: ScheduledReportType; result: StartResult }[] = [];
  for (const tenant of tenants) {
    const types = (tenant.reportTypes ?? []).filter((t) => scheduledReportTypes.includes(t) && typesAllowedBy[tenant.schedule].includes(t));
    for (const type of types) {
      const period = latestCompletePeriod(type, now, tenant.timeZone, tenant.boundary, tenant.weeklyDay);
      if (!tenant.since || period.end.getTime() <= tenant.since.getTime() || period.end.getTime() > now.getTime()) continue;
      const [existing] = await deps.db
        .select({ id: reports.id })
        .from(reports)
        .where(and(eq(reports.organizationId, tenant.organizationId), eq(reports.type, type), eq(reports.periodStart, period.start), eq(reports.periodEnd, period.end)));
      if (existing) continue;
      const result = await startRun(deps, { organizationId: tenant.organizationId, type, period, timeZone: tenant.timeZone, trigger: 'schedule', requestedBy: null });
      started.push({ organizationId: tenant.organizationId, type, result });
    }
  }
  return { started };
}
