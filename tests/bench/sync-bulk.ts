/**
 * Salesforce writes: sObject Collections (200 a call, one after another) against one Bulk API
 * 2.0 ingest job, per number of records and per network latency (the sandbox's latency model
 * adds it to every request; the job is polled every second, jsforce's default, and the
 * sandbox answers InProgress once). Prints wall time and HTTP requests; nothing is enforced.
 * The crossover sets BULK_THRESHOLD (decision 009).
 * Run: npm run bench:bulk   (BENCH_BULK_LATENCIES=50,300  BENCH_BULK_SIZES=200,...,10000)
 */
import { createSalesforceClient } from '../../server/providers/salesforce/client';
import type { WriteInput } from '../../server/providers/types';
import { startSandbox } from '../../server/sandbox/index';
import { DEMO_CLIENT, type SalesforceStore } from '../../server/sandbox/salesforce/store';

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
const LATENCIES = (process.env.BENCH_BULK_LATENCIES ?? '50,300').split(',').map(Number);
const SIZES = (process.env.BENCH_BULK_SIZES ?? '200,500,1000,1500,2000,3000,5000,10000').split(',').map(Number);

const sb = await startSandbox<SalesforceStore>('salesforce', { seed: 5, records: Math.max(...SIZES), latencyMs: 0 });
try {
  const session = sb.store.issueSession(sb.url);
  const client = (bulkThreshold: number | null) =>
    createSalesforceClient({
      tokens: { accessToken: session.access_token, refreshToken: null, expiresAt: null, instanceUrl: session.instance_url },
      oauth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, loginUrl: sb.url },
      onTokensRefreshed: async () => {},
      bulkThreshold,
    });
  const reader = client(null);
  const ids: string[] = [];
  let cursor = null;
  while (ids.length < Math.max(...SIZES)) {
    const page = await reader.pullChanges('contact', cursor, { fields: ['Title'] });
    ids.push(...page.records.map((r) => r.id));
    if (!page.hasMore || !page.cursor) break;
    cursor = page.cursor;
  }
  console.log(`Salesforce writes, Collections vs Bulk API 2.0 (updates of existing contacts), Node ${process.version}`);
  const table: Record<string, string | number>[] = [];
  let round = 0;
  for (const latency of LATENCIES) {
    sb.latency.ms = latency;
    for (const n of SIZES) {
      const row: Record<string, string | number> = { 'latency / request': `${latency} ms`, records: n };
      for (const [label, threshold] of [['collections', null], ['bulk', 1]] as const) {
        round += 1;
        const inputs: WriteInput[] = ids.slice(0, n).map((id) => ({ id, fields: { Title: `Round ${round}` } }));
        const before = sb.requests.count();
        const started = performance.now();
        const results = await client(threshold).write('contact', inputs);
        const wall = performance.now() - started;
        if (!results.every((r) => r.ok)) throw new Error(`${label}: ${results.filter((r) => !r.ok).length} failed`);
        row[`${label} s`] = (wall / 1000).toFixed(2);
        row[`${label} requests`] = sb.requests.count() - before;
      }
      table.push(row);
    }
  }
  console.table(table);
} finally {
  await sb.close();
}
