import { z } from 'zod';
import type { Sql } from '../../db/client';

/**
 * Live status (job and sync progress) travels through Postgres NOTIFY on one channel,
 * so any process — a web server or a worker on another machine — can publish and
 * every web process hears it. Payloads stay small (NOTIFY caps them at 8000 bytes).
 */
export const REALTIME_CHANNEL = 'crmhub_events';

export const realtimeEventSchema = z.object({
  organizationId: z.string().uuid(),
  topic: z.string().min(1).max(100),
  data: z.record(z.string(), z.unknown()),
  sentAt: z.number(),
});
export type RealtimeEvent = z.infer<typeof realtimeEventSchema>;

export async function publishEvent(sql: Sql, event: Omit<RealtimeEvent, 'sentAt'> & { sentAt?: number }): Promise<void> {
  const payload = JSON.stringify({ ...event, sentAt: event.sentAt ?? Date.now() });
  if (Buffer.byteLength(payload) > 7900) throw new Error(`Realtime payload too large (${Buffer.byteLength(payload)} bytes)`);
  await sql`select pg_notify(${REALTIME_CHANNEL}, ${payload})`;
}
