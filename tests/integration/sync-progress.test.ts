import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, syncRuns, type SyncRunProgress } from '../../db/schema';
import { REALTIME_CHANNEL } from '../../server/realtime/channel';
import type { SyncProvider } from '../../server/providers/types';
import type { SyncOptions } from '../../server/services/sync/engine';
import type { SyncDeps } from '../../server/services/sync/tokens';
import { SYNC_PROGRESS_TOPIC } from '../../server/shared/sync';
import { useTestDatabase } from '../support/database';
import { allRemote, connectProvider, remoteEditor, startSyncSandboxes, sync, syncServices, syncTenant, type Sandboxes } from '../support/sync';

/**
 * The run total in `sync.progress` events (and in sync_runs.progress, for the first paint):
 * a pull carries the CRM's own count from the same calls that read the pages, a push the
 * app rows waiting for it.
 */

const database = useTestDatabase();
let sandboxes: Sandboxes;
let deps: SyncDeps;

beforeAll(async () => {
  sandboxes = await startSyncSandboxes({ records: 60 });
  deps = syncServices(database.current, sandboxes).deps;
});
afterAll(async () => {
  await sandboxes?.close();
});

interface ProgressEvent {
  runId: string;
  entity: string;
  status: string;
  processed: number;
  progress: SyncRunProgress;
}

/** Runs a sync while listening to the realtime channel: the tenant's progress events, in order. */
async function syncListening(organizationId: string, connectionId: string, options: Partial<SyncOptions> = {}) {
  const events: ProgressEvent[] = [];
  const listener = await database.current.sql.listen(REALTIME_CHANNEL, (payload) => {
    const event = JSON.parse(payload) as { topic: string; organizationId: string; data: ProgressEvent };
    if (event.topic === SYNC_PROGRESS_TOPIC && event.organizationId === organizationId) events.push(event.data);
  });
  const outcome = await sync(deps, connectionId, options);
  if (outcome.status !== 'done') throw new Error(`sync: ${outcome.status}`);
  const last = outcome.runs.at(-1)!.runId;
  const deadline = Date.now() + 5000;
  while (!events.some((e) => e.runId === last && e.status !== 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await listener.unlisten();
  return { outcome, events };
}

const fields: Record<SyncProvider, string[]> = {
  salesforce: ['FirstName', 'LastName', 'Email'],
  hubspot: ['firstname', 'lastname', 'email'],
};

describe.each(['hubspot', 'salesforce'] as const)('%s', (provider) => {
  let organizationId: string;
  let connectionId: string;

  it('a full import publishes a total from the first page on; the last pull page has processed = N = total', async () => {
    const tenant = await syncTenant(database.current);
    organizationId = tenant.organizationId;
    connectionId = (await connectProvider(deps, tenant, sandboxes, provider)).id;
    const n = (await allRemote(remoteEditor(sandboxes, provider), 'contact', fields[provider])).length;
    expect(n).toBeGreaterThan(30);

    // mid-run, the row holds what the event says (a page loaded now paints the same bar)
    const stored: { processed: number; progress: SyncRunProgress }[] = [];
    const { outcome, events } = await syncListening(organizationId, connectionId, {
      pullPageSize: 15,
      afterPage: async ({ entity, phase }) => {
        if (entity !== 'contact' || phase !== 'pull') return;
        const [row] = await database.current.db.select({ processed: syncRuns.processed, progress: syncRuns.progress }).from(syncRuns).where(and(eq(syncRuns.connectionId, connectionId), eq(syncRuns.entity, 'contact'), eq(syncRuns.status, 'running')));
        if (row) stored.push(row);
      },
    });
    const contactRun = outcome.runs.find((r) => r.entity === 'contact')!;
    expect(contactRun.status).toBe('succeeded');
    const mine = events.filter((e) => e.runId === contactRun.runId);
    const pull = mine.filter((e) => e.status === 'running' && e.progress.phase === 'pull');
    expect(pull.length).toBeGreaterThanOrEqual(Math.ceil(n / 15));
    // every pull page knows the total, from the first one on, and it never trails the count
    for (const e of pull) {
      expect(typeof e.progress.total, JSON.stringify(e)).toBe('number');
      expect(e.progress.total!).toBeGreaterThanOrEqual(e.processed);
    }
    expect(pull[0]!.progress.total).toBe(n);
    expect(pull.at(-1)!.processed).toBe(n);
    expect(pull.at(-1)!.progress.total).toBe(n);
    // every event of the run with a total has total ≥ processed
    for (const e of mine) if (e.progress.total !== undefined) expect(e.progress.total).toBeGreaterThanOrEqual(e.processed);

    // the import's rows wait for the push (idle pages, nothing to send): a known total there too
    const push = mine.filter((e) => e.status === 'running' && e.progress.phase === 'push');
    expect(push.length).toBeGreaterThan(0);
    expect(push[0]!.progress.total).toBe(2 * n);
    // each phase counts from its own start, so the bar does not fall back when the push begins
    for (const e of pull) expect(e.progress.phaseStart).toBe(0);
    for (const e of push) expect(e.progress.phaseStart).toBe(n);

    // the final event and the row: total = processed
    const final = mine.at(-1)!;
    expect(final.status).toBe('succeeded');
    expect(final.progress.total).toBe(final.processed);
    const [row] = await database.current.db.select().from(syncRuns).where(eq(syncRuns.id, contactRun.runId));
    expect(row!.progress.total).toBe(row!.processed);

    expect(stored.length).toBeGreaterThan(1);
    for (const s of stored) {
      expect(s.progress.phase).toBe('pull');
      expect(s.progress.total!).toBeGreaterThanOrEqual(s.processed);
      expect(pull.some((e) => e.processed === s.processed && e.progress.total === s.progress.total)).toBe(true);
    }
  });

  it('a push carries the number of app rows waiting', async () => {
    const waiting = 7;
    const tag = `${provider}-${Date.now()}`;
    await database.current.db.insert(contacts).values(
      Array.from({ length: waiting }, (_, i) => ({ organizationId, firstName: `Waiting${i}`, lastName: tag, email: `waiting${i}.${tag}@progress.example` })),
    );
    const { outcome, events } = await syncListening(organizationId, connectionId, { entities: ['contact'] });
    const run = outcome.runs.find((r) => r.entity === 'contact')!;
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.counts.created).toBe(waiting);
    const mine = events.filter((e) => e.runId === run.runId && e.status === 'running');
    const push = mine.filter((e) => e.progress.phase === 'push');
    expect(push.length).toBeGreaterThan(0);
    // the push starts after the pull and the deletes: their count plus the rows waiting
    const beforePush = mine.filter((e) => e.progress.phase !== 'push').at(-1)?.processed ?? 0;
    expect(push[0]!.progress.total).toBe(beforePush + waiting);
    for (const e of push) expect(e.progress.phaseStart).toBe(beforePush);
    expect(push.at(-1)!.processed).toBe(push.at(-1)!.progress.total);
  });
});
