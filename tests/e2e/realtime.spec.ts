import type { Page } from '@playwright/test';
import postgres from 'postgres';
import { e2eState, expect, findTenants, login, loginAs, newContext, test, trpcMutation, unique, TEST_PASSWORD } from './support/fixtures';

const CHANNEL = 'crmhub_events';
const COUNT = 50;
const GAP_MS = 20;

interface Received {
  topic: string;
  data: Record<string, unknown> & { sentAt: number };
  receivedAt: number;
}

type Probe = { received: Received[]; errors: number };

/** Opens an EventSource inside the page, recording each event's arrival time; resolves once it is open. */
async function openStream(page: Page, topics: string[]) {
  await page.evaluate(
    ({ topics }) =>
      new Promise<void>((resolve, reject) => {
        const probe: Probe = { received: [], errors: 0 };
        (window as unknown as { __probe: Probe }).__probe = probe;
        const source = new EventSource(`/api/events?${topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&')}`);
        for (const topic of topics) {
          source.addEventListener(topic, (event) => {
            const receivedAt = Date.now();
            probe.received.push({ topic, data: JSON.parse((event as MessageEvent<string>).data), receivedAt });
          });
        }
        source.onerror = () => {
          probe.errors += 1;
        };
        const timer = setTimeout(() => reject(new Error('EventSource did not open within 10 s')), 10_000);
        source.onopen = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    { topics },
  );
}

const probeOf = (page: Page) => page.evaluate(() => (window as unknown as { __probe: Probe }).__probe);

function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

test('live events: NOTIFY to browser, in order, only to their own tenant', async ({ browser, page }, testInfo) => {
  // A second tenant with one viewer, set up as super_admin.
  const setup = await newContext(browser);
  const otherSlug = `rt-${unique()}`;
  const otherUser = { email: `rt-viewer-${unique()}@example.test`, password: TEST_PASSWORD };
  let acmeId = '';
  let otherId = '';
  try {
    const admin = await setup.newPage();
    await loginAs(admin, 'super_admin');
    acmeId = (await findTenants(admin.request, 'acme')).find((t) => t.slug === 'acme')!.id;
    const tenant = await trpcMutation<{ id: string }>(admin.request, 'admin.tenants.create', { name: `Realtime ${otherSlug}`, slug: otherSlug, planTier: 'starter', timezone: 'UTC' });
    expect(tenant.status, JSON.stringify(tenant.body)).toBe(200);
    otherId = tenant.body!.result!.data.id;
    const user = await trpcMutation(admin.request, 'admin.users.create', {
      email: otherUser.email,
      password: otherUser.password,
      membership: { organizationId: otherId, role: 'viewer' },
    });
    expect(user.status, JSON.stringify(user.body)).toBe(200);
  } finally {
    await setup.close();
  }
  expect(acmeId).toMatch(/^[0-9a-f-]{36}$/);

  const otherContext = await newContext(browser);
  const sql = postgres(e2eState().databaseURL, { max: 1, onnotice: () => {} });
  const publish = (organizationId: string, topic: string, data: Record<string, unknown>) =>
    sql`select pg_notify(${CHANNEL}, ${JSON.stringify({ organizationId, topic, data, sentAt: Date.now() })})`;
  try {
    await loginAs(page, 'owner');
    await openStream(page, ['latency']);
    const otherPage = await otherContext.newPage();
    await login(otherPage, otherUser.email, otherUser.password);
    await openStream(otherPage, ['latency']);

    // A topic the owner did not subscribe to is filtered out.
    await publish(acmeId, 'noise', { i: -1 });
    for (let i = 0; i < COUNT; i++) {
      await publish(acmeId, 'latency', { i });
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
    await page.waitForFunction((n) => (window as unknown as { __probe: Probe }).__probe.received.length >= n, COUNT, { timeout: 10_000 });

    // One event for the other tenant proves its stream is live, so the silence before it means something.
    await publish(otherId, 'latency', { i: 'other' });
    await otherPage.waitForFunction(() => (window as unknown as { __probe: Probe }).__probe.received.length >= 1, undefined, { timeout: 10_000 });

    const owner = await probeOf(page);
    const other = await probeOf(otherPage);
    expect(owner.received.map((r) => r.data.i)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(owner.received.every((r) => r.topic === 'latency')).toBe(true);
    expect(owner.errors).toBe(0);
    expect(other.received.map((r) => r.data.i), 'the other tenant receives only its own event').toEqual(['other']);

    const latencies = owner.received.map((r) => r.receivedAt - r.data.sentAt).sort((a, b) => a - b);
    const stats = {
      events: latencies.length,
      'p50 ms': percentile(latencies, 50),
      'p95 ms': percentile(latencies, 95),
      'max ms': latencies[latencies.length - 1]!,
      'min ms': latencies[0]!,
    };
    const table = [
      'NOTIFY → browser latency (pg_notify to EventSource handler, Date.now() on both ends)',
      ...Object.entries(stats).map(([k, v]) => `  ${k.padEnd(8)} ${String(v).padStart(6)}`),
    ].join('\n');
    console.log(table);
    await testInfo.attach('realtime-latency.json', { body: JSON.stringify({ ...stats, latencies }, null, 2), contentType: 'application/json' });
  } finally {
    await sql.end({ timeout: 5 });
    await otherContext.close();
  }
});
