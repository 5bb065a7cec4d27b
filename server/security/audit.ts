import type { Db } from '../../db/client';
import { auditLog } from '../../db/schema';

export interface AuditActor {
  userId: string | null;
  email: string | null;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export interface AuditEntry {
  action: string;
  /** Who acted, when not the signed-in user (log-in attempts, system jobs). */
  actor?: AuditActor;
  organizationId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: 'success' | 'denied' | 'failure';
  details?: Record<string, unknown>;
}

/** Keys whose values never reach the audit log, whatever a caller passes. */
const SECRET_KEY = /pass(word)?|secret|token|key|authorization|cookie|credential/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 4) return '[deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]),
    );
  }
  if (typeof value === 'string' && value.length > 500) return `${value.slice(0, 500)}…`;
  return value;
}

export async function writeAudit(db: Db, defaultActor: AuditActor, meta: RequestMeta | null, entry: AuditEntry): Promise<void> {
  const actor = entry.actor ?? defaultActor;
  await db.insert(auditLog).values({
    action: entry.action,
    actorUserId: actor.userId,
    actorEmail: actor.email,
    organizationId: entry.organizationId ?? null,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    outcome: entry.outcome ?? 'success',
    ip: meta?.ip ?? null,
    userAgent: meta?.userAgent?.slice(0, 300) ?? null,
    requestId: meta?.requestId ?? null,
    details: (redact(entry.details ?? {}) as Record<string, unknown>) ?? {},
  });
}
