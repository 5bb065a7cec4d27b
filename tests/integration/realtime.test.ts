import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../db/client';
import { publishEvent } from '../../server/realtime/channel';
import { RealtimeHub } from '../../server/realtime/hub';
import type { RealtimeEvent } from '../../server/realtime/channel';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();
const hubs: RealtimeHub[] = [];
afterAll(async () => {
  for (const hub of hubs) await hub.stop();
});

describe('realtime hub (Postgres NOTIFY fan-out)', () => {
  it("delivers a tenant's events from another connection to that tenant's subscribers only", async () => {
    const hub = new RealtimeHub(database.current.sql);
    hubs.push(hub);
    await hub.start();
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const gotA: RealtimeEvent[] = [];
    const gotB: RealtimeEvent[] = [];
    hub.subscribe(tenantA, (e) => gotA.push(e));
    const unsubscribeB = hub.subscribe(tenantB, (e) => gotB.push(e));
    // published from a different pool, as a worker process would
    const publisher = connectDatabase(database.current.url, { max: 1 });
    await publishEvent(publisher.sql, { organizationId: tenantA, topic: 'sync.progress', data: { processed: 5 } });
    await publishEvent(publisher.sql, { organizationId: tenantA, topic: 'sync.progress', data: { processed: 10 } });
    const deadline = Date.now() + 5000;
    while (gotA.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(gotA.map((e) => e.data.processed)).toEqual([5, 10]);
    expect(gotB).toEqual([]);
    unsubscribeB();
    expect(hub.subscriberCount).toBe(1);
    await publisher.close();
  });

  it('refuses payloads over the NOTIFY limit instead of failing silently', async () => {
    await expect(
      publishEvent(database.current.sql, { organizationId: randomUUID(), topic: 'big', data: { blob: 'x'.repeat(9000) } }),
    ).rejects.toThrow(/too large/);
  });
});
