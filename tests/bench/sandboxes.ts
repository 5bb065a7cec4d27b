/**
 * Sandbox capacity, so benchmarks know the sandbox is not their bottleneck:
 * generator speed, memory for 1M generated people, and the request rate one
 * sandbox sustains for a simple list call (20 concurrent clients, latency model off).
 * Run: npm run bench:sandboxes
 */
import { generateCompanies, generatePeople } from '../../server/sandbox/core/generator';
import { startSandbox } from '../../server/sandbox/index';
import type { ProviderName } from '../../server/sandbox/core/sandbox';
import type { RunningSandbox } from '../../server/sandbox/index';
import { PRIVATE_APP_TOKEN } from '../../server/sandbox/hubspot/constants';
import type { HubSpotStore } from '../../server/sandbox/hubspot/store';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import type { SalesforceStore } from '../../server/sandbox/salesforce/store';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function generatorRows() {
  generatePeople(1000, { seed: 9, companies: 10 }); // warm the name pools
  const rates: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    generatePeople(100_000, { seed: i + 1, companies: 5000 });
    rates.push(100_000 / ((performance.now() - t) / 1000));
  }
  const companies: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    generateCompanies(100_000, { seed: i + 1 });
    companies.push(100_000 / ((performance.now() - t) / 1000));
  }
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const t = performance.now();
  const million = generatePeople(1_000_000, { seed: 77, companies: 50_000 });
  const ms = performance.now() - t;
  globalThis.gc?.();
  const mb = (process.memoryUsage().heapUsed - before) / 1e6;
  console.log('\n| generator | median records/s | note |');
  console.log('| --- | ---: | --- |');
  console.log(`| people, 100k × 5 | ${median(rates).toFixed(0)} | 100k in ${(100_000 / median(rates)).toFixed(2)} s |`);
  console.log(`| companies, 100k × 5 | ${median(companies).toFixed(0)} | |`);
  console.log(`| people, 1M once | ${(1_000_000 / (ms / 1000)).toFixed(0)} | ${ms.toFixed(0)} ms, heap +${mb.toFixed(0)} MB for ${million.length} records |`);
}

/** Per provider: the call to repeat, after lifting the sandbox's own rate limit. */
const listCalls: Record<string, { label: string; setup: (sandbox: RunningSandbox) => [string, RequestInit] }> = {
  hubspot: {
    label: 'GET /crm/v3/objects/contacts?limit=10',
    setup: (sb) => {
      const store = sb.store as HubSpotStore;
      store.config.rateLimit = { ...store.config.rateLimit, max: 1_000_000 };
      return [`${sb.url}/crm/v3/objects/contacts?limit=10`, { headers: { authorization: `Bearer ${PRIVATE_APP_TOKEN}` } }];
    },
  },
  kommo: {
    label: 'GET /api/v4/leads?limit=50',
    setup: (sb) => {
      (sb.store as KommoStore).limits.enabled = false;
      return [`${sb.url}/api/v4/leads?limit=50`, { headers: { authorization: 'Bearer kommo-sandbox-long-lived-token' } }];
    },
  },
  salesforce: {
    label: "SOQL SELECT Id, Name FROM Contact LIMIT 10",
    setup: (sb) => {
      const session = (sb.store as SalesforceStore).issueSession(sb.url);
      const q = encodeURIComponent('SELECT Id, Name FROM Contact LIMIT 10');
      return [`${sb.url}/services/data/v59.0/query?q=${q}`, { headers: { authorization: `Bearer ${session.access_token}` } }];
    },
  },
};

async function requestRate(provider: ProviderName, total = 2000, concurrency = 20) {
  const sandbox = await startSandbox(provider, { records: 10_000, latencyMs: 0 });
  try {
    const call = listCalls[provider];
    if (!call) return null;
    const [u, init] = call.setup(sandbox);
    let sent = 0;
    const statuses = new Map<number, number>();
    const t = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < total) {
          sent += 1;
          const r = await fetch(u, init);
          await r.arrayBuffer();
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - t) / 1000;
    return { provider, rate: total / seconds, statuses: [...statuses].map(([s, n]) => `${s}×${n}`).join(' ') };
  } finally {
    await sandbox.close();
  }
}

generatorRows();
console.log('\n| sandbox | call | requests/s (2,000 requests, 20 concurrent, latency 0) | statuses |');
console.log('| --- | --- | ---: | --- |');
for (const provider of Object.keys(listCalls) as ProviderName[]) {
  const row = await requestRate(provider);
  if (row) console.log(`| ${row.provider} | ${listCalls[provider]!.label} | ${row.rate.toFixed(0)} | ${row.statuses} |`);
}
