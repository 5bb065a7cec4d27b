import { stringify } from 'csv-stringify/sync';
import type { exportAudit } from './audit-query';

type Row = Awaited<ReturnType<typeof exportAudit>>[number];

/** CSV with a header row; cells that a spreadsheet would run as formulas are quoted with a leading '. */
export function auditToCsv(rows: Row[]): string {
  const safe = (v: unknown) => {
    const s = v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  };
  return stringify(
    rows.map((r) => [r.id, r.at.toISOString(), r.actorEmail, r.organizationId, r.action, r.targetType, r.targetId, r.outcome, r.ip, r.requestId, r.details].map(safe)),
    { header: true, columns: ['id', 'at', 'actor', 'organization_id', 'action', 'target_type', 'target_id', 'outcome', 'ip', 'request_id', 'details'] },
  );
}
