import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import { issueManualAction, ManualAction, ManualActionRefused, MANUAL_ACTION_TTL_MS } from '../../server/services/kommo/manual-action';
import { KommoTransport, LocalPacer } from '../../server/providers/kommo/transport';
import { hostPolicy } from '../../server/providers/kommo/hosts';
import { createComplexLead } from '../../server/providers/kommo/write';

/**
 * The outbound policy in code (DESIGN §5, decision 007): nothing automatic can reach the
 * Kommo write client. The graph is walked with the TypeScript compiler's own import
 * scanner (static, dynamic and `import type` imports, re-exports) and module resolver
 * (tsconfig paths such as `~/`), from every entry point of automatic work: the job
 * runner, every module under jobs/, and the webhook route.
 */

const root = path.resolve(__dirname, '../..');
const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const out: string[] = [];
  for (const ref of info.importedFiles) {
    const resolved = ts.resolveModuleName(ref.fileName, file, options, ts.sys).resolvedModule;
    if (resolved && !resolved.isExternalLibraryImport && !resolved.resolvedFileName.endsWith('.d.ts')) out.push(path.resolve(resolved.resolvedFileName));
  }
  return out;
}

/** Every project module reachable from `entries`, with the path that first reached each. */
function reachable(entries: string[]): Map<string, string[]> {
  const via = new Map<string, string[]>();
  const queue = entries.map((e) => path.resolve(root, e));
  for (const entry of queue) via.set(entry, [rel(entry)]);
  while (queue.length) {
    const file = queue.shift()!;
    for (const next of importsOf(file)) {
      if (via.has(next)) continue;
      via.set(next, [...via.get(file)!, rel(next)]);
      queue.push(next);
    }
  }
  return via;
}

const walk = (dir: string): string[] =>
  fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(`${dir}/${d.name}`) : /\.tsx?$/.test(d.name) ? [`${dir}/${d.name}`] : []));

const WRITE_CLIENT = 'server/providers/kommo/write.ts';
const OUTBOUND_FLOW = 'server/services/kommo/outbound.ts';
const BULK_EXECUTOR = 'server/services/kommo/bulk.ts';
const WEBHOOK_ROUTE = 'app/routes/webhooks.kommo.$slug.$secret.ts';

describe('the Kommo write client is unreachable from automatic work', () => {
  const entries = ['jobs/runner.ts', ...walk('jobs'), WEBHOOK_ROUTE];

  it('walks a real graph (the runner reaches the Kommo webhook handler, the mirror and the read client)', () => {
    const seen = reachable(['jobs/runner.ts']);
    const files = [...seen.keys()].map(rel);
    expect(files).toContain('jobs/handlers/kommo-webhook.ts');
    expect(files).toContain('server/services/kommo/mirror.ts');
    expect(files).toContain('server/providers/kommo/read.ts');
    expect(files).toContain('jobs/handlers/kommo-bulk-plan.ts');
    expect(files).toContain('server/services/kommo/bulk-plan.ts');
    // and the walk does find the write client where it IS imported (no false "unreachable")
    expect([...reachable(['server/routers/kommo.ts']).keys()].map(rel)).toContain(WRITE_CLIENT);
  });

  it('no module under jobs/, nothing they import, and nothing the webhook route imports reaches write.ts or the outbound flow', () => {
    expect(entries).toContain('jobs/handlers/kommo-webhook.ts');
    expect(entries).toContain('jobs/handlers/kommo-webhook-sweep.ts');
    const seen = reachable(entries);
    const offending = [WRITE_CLIENT, OUTBOUND_FLOW, BULK_EXECUTOR, 'server/routers/kommo.ts'].filter((f) => seen.has(path.resolve(root, f))).map((f) => seen.get(path.resolve(root, f))!.join(' → '));
    expect(offending).toEqual([]);
    expect(seen.size).toBeGreaterThan(20);
  });

  it('only the kommo.syncLead mutation issues a ManualAction; only the bulk executor a bulk one', () => {
    const sources = [...walk('server'), ...walk('jobs'), ...walk('app'), ...walk('db')];
    const mentioning = (name: string) => sources.filter((f) => new RegExp(`\\b${name}\\b`).test(fs.readFileSync(path.join(root, f), 'utf8'))).sort();
    expect(mentioning('issueManualAction')).toEqual(['server/routers/kommo.ts', 'server/services/kommo/manual-action.ts']);
    expect(fs.readFileSync(path.join(root, 'server/routers/kommo.ts'), 'utf8').match(/issueManualAction\(/g)).toHaveLength(1);
    expect(mentioning('issueBulkExceptionAction')).toEqual(['server/services/kommo/bulk.ts', 'server/services/kommo/manual-action.ts']);
    // the ManualAction class's constructor is reached only through those two functions
    expect(fs.readFileSync(path.join(root, 'server/services/kommo/manual-action.ts'), 'utf8').match(/new ManualAction\(/g)).toHaveLength(1);
  });

  it('write.ts exports single-record functions only', async () => {
    const exported = Object.keys(await import('../../server/providers/kommo/write'));
    expect(exported.sort()).toEqual(['closeLeadAsRolledBack', 'createComplexLead']);
    const source = fs.readFileSync(path.join(root, WRITE_CLIENT), 'utf8');
    expect(source).toMatch(/const body = \[\s*\{/); // one lead in the complex body, never a list passed in
  });
});

describe('a write needs a genuine, fresh, unspent ManualAction', () => {
  const transport = () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify([{ id: 1, contact_id: 2, request_id: ['x'], merged: false }]), { status: 200, headers: { 'content-type': 'application/json' } }));
    const t = new KommoTransport({
      policy: hostPolicy('https://acme.kommo.com'),
      pacer: new LocalPacer(1000),
      auth: { accessToken: async () => 'token', refreshed: async () => null },
      fetch: fetchMock as unknown as typeof fetch,
    });
    return { t, fetchMock };
  };
  const lead = { name: 'Jane Doe', contact: { firstName: 'Jane', lastName: 'Doe', phone: '+14155550123', email: null } };
  const action = () => issueManualAction({ organizationId: 'org', userId: 'user', userEmail: 'u@example.test', requestId: 'req', profile: { type: 'lead', id: 'lead-1' } });

  it('refuses no action, a forged one, and a plain object shaped like one — before any request', async () => {
    const { t, fetchMock } = transport();
    await expect(createComplexLead(undefined as never, t, lead, 'r')).rejects.toBeInstanceOf(ManualActionRefused);
    const forged = Object.create(ManualAction.prototype);
    await expect(createComplexLead(forged, t, lead, 'r')).rejects.toBeInstanceOf(ManualActionRefused);
    await expect(createComplexLead({ ...action() } as never, t, lead, 'r')).rejects.toBeInstanceOf(ManualActionRefused);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('allows exactly one write per action (a second use is refused) and refuses a stale one', async () => {
    const { t, fetchMock } = transport();
    const click = action();
    await expect(createComplexLead(click, t, lead, 'r')).resolves.toEqual({ leadId: 1, contactId: 2, merged: false });
    await expect(createComplexLead(click, t, lead, 'r')).rejects.toThrow(/already used/);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [, init] = fetchMock.mock.calls[0] as unknown as [URL, RequestInit];
    expect(JSON.parse(String(init.body))).toHaveLength(1);

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const old = action();
      vi.setSystemTime(Date.now() + MANUAL_ACTION_TTL_MS + 1);
      await expect(createComplexLead(old, t, lead, 'r')).rejects.toThrow(/too old/);
    } finally {
      vi.useRealTimers();
    }
    expect(() => issueManualAction({ organizationId: 'org', userId: '', userEmail: '', requestId: 'r', profile: { type: 'lead', id: 'x' } })).toThrow(ManualActionRefused);
  });
});
