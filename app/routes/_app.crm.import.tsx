import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useFetcher, useLoaderData } from '@remix-run/react';
import { useEffect, useId, useRef, useState } from 'react';
import { z } from 'zod';
import { crmSession, customFieldDefs } from '~/components/crm/session.server';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { formResult } from '~/lib/trpc.server';

/** crm.import.* accepts up to 25 MiB of CSV text. */
const MAX_BYTES = 25 * 1024 * 1024;

export async function loader(args: LoaderFunctionArgs) {
  const { caller, can } = await crmSession(args);
  if (!can.manage) throw new Response('Only managers import leads.', { status: 403 });
  const customFields = await customFieldDefs(caller, 'lead');
  return { customLabels: Object.fromEntries(customFields.map((f) => [`custom.${f.key}`, f.label])) };
}

const runSchema = z.object({
  intent: z.enum(['analyze', 'preview', 'import']),
  delimiter: z.enum([',', ';', '\t']).optional().catch(undefined),
  progressToken: z.string().max(64).optional(),
});

async function csvFrom(form: FormData): Promise<string | { error: string }> {
  const file = form.get('file');
  if (!file || typeof file === 'string') return { error: 'Choose a CSV file.' };
  if (file.size === 0) return { error: 'The file is empty.' };
  if (file.size > MAX_BYTES) return { error: 'The file is larger than 25 MB; split it and import the parts.' };
  return file.text();
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers, can } = await crmSession(args);
  if (!can.manage) throw new Response('Only managers import leads.', { status: 403 });
  const form = await args.request.formData();
  const parsed = runSchema.safeParse(Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string')));
  if (!parsed.success) return data({ intent: 'invalid' as const, ok: false as const, message: 'Unknown action.' }, { status: 400, headers });
  const { intent, delimiter, progressToken } = parsed.data;
  const csv = await csvFrom(form);
  if (typeof csv !== 'string') return data({ intent, ok: false as const, message: csv.error }, { status: 400, headers });

  if (intent === 'analyze') {
    const result = await formResult(caller.crm.import.analyze({ csv, delimiter }));
    if (!result.ok) return data({ intent, ok: false as const, message: result.fieldErrors?.csv?.[0] ?? result.message }, { status: result.status, headers });
    return data({ intent, ok: true as const, analysis: result.value }, { headers });
  }
  const mapping = form.getAll('mapping').map((m) => (typeof m === 'string' && m ? m : null));
  const result = await formResult(caller.crm.import.run({ csv, delimiter, mapping, dryRun: intent === 'preview', progressToken }));
  if (!result.ok) {
    const detail = result.fieldErrors?.mapping?.[0] ?? result.fieldErrors?.csv?.[0] ?? result.message;
    return data({ intent, ok: false as const, message: detail }, { status: result.status, headers });
  }
  return data({ intent, ok: true as const, run: result.value }, { headers });
}

type ActionData = NonNullable<ReturnType<typeof useFetcher<typeof action>>['data']>;
type Analysis = Extract<ActionData, { analysis: unknown }>['analysis'];
type RunResult = Extract<ActionData, { run: unknown }>['run'];

const builtInLabels: Record<string, string> = {
  name: 'Name',
  email: 'E-mail',
  phone: 'Phone',
  company: 'Company',
  position: 'Position',
  taxId: 'Tax ID',
  source: 'Source',
  status: 'Status',
  stage: 'Stage (by name)',
  assignee: 'Assignee (e-mail)',
  amount: 'Amount',
};

export default function ImportLeads() {
  const { customLabels } = useLoaderData<typeof loader>();
  const analyzer = useFetcher<typeof action>();
  const runner = useFetcher<typeof action>();
  const [file, setFile] = useState<File | null>(null);
  // which file and mapping the last run (preview or import) was for: a result shows, and Import enables, only while they still hold
  const [fileVersion, setFileVersion] = useState(0);
  const [lastRun, setLastRun] = useState<{ fileVersion: number; mapping: string } | null>(null);
  const [mapping, setMapping] = useState<string[]>([]);
  const [progress, setProgress] = useState<{ processed: number; total: number } | null>(null);
  const [runToken, setRunToken] = useState<string | null>(null);
  const fileInputId = useId();

  const analysis: Analysis | null = analyzer.data?.ok && 'analysis' in analyzer.data ? analyzer.data.analysis : null;
  const analyzeError = analyzer.data && !analyzer.data.ok ? analyzer.data.message : null;
  const current = lastRun?.fileVersion === fileVersion;
  const runResult: RunResult | null = current && runner.data?.ok && 'run' in runner.data ? runner.data.run : null;
  const runError = current && runner.data && !runner.data.ok ? runner.data.message : null;
  const previewed = !!runResult?.dryRun && lastRun?.mapping === JSON.stringify(mapping);
  const running = runner.state !== 'idle';
  const runningIntent = running ? String(runner.formData?.get('intent') ?? '') : null;

  // the auto-matched fields become the editable starting point of each column's select
  useEffect(() => {
    if (analysis) setMapping(analysis.columns.map((c) => c.suggested ?? ''));
  }, [analysis]);

  // listen from the moment a file is read, so the first chunks' events are not missed while the connection opens
  useProgress(runToken, !!analysis, setProgress);

  const labelOf = (target: string) => builtInLabels[target] ?? customLabels[target] ?? target;
  const chosen = mapping.filter(Boolean);
  const duplicateTargets = new Set(chosen.filter((t, i) => chosen.indexOf(t) !== i));
  const canRun = !!file && !!analysis && mapping.includes('name') && duplicateTargets.size === 0 && !running;

  const submit = (fetcher: typeof analyzer, intent: 'analyze' | 'preview' | 'import', token?: string) => {
    if (!file) return;
    const body = new FormData();
    body.set('intent', intent);
    body.set('file', file);
    if (token) body.set('progressToken', token);
    if (intent !== 'analyze') for (const m of mapping) body.append('mapping', m);
    fetcher.submit(body, { method: 'post', encType: 'multipart/form-data' });
  };

  const run = (intent: 'preview' | 'import') => {
    const token = crypto.randomUUID();
    setRunToken(token);
    setLastRun({ fileVersion, mapping: JSON.stringify(mapping) });
    setProgress(null);
    submit(runner, intent, token);
  };

  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <div>
        <p className="text-sm">
          <Link to="/crm" className="font-medium text-brand-700 hover:underline">
            ← Leads
          </Link>
        </p>
        <h2 className="mt-1 text-xl font-semibold">Import leads from CSV</h2>
        <p className="mt-1 text-sm text-slate-700">
          Upload a file, match its columns to lead fields, preview what would happen, then import. Rows whose e-mail or phone matches an existing lead (or an earlier row)
          are skipped as duplicates; the import is all or nothing.
        </p>
      </div>

      <section aria-labelledby="step-file" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <h3 id="step-file" className="font-semibold">
          1. File
        </h3>
        <div className="flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor={fileInputId} className="block text-sm font-medium">
              CSV file (comma, semicolon or tab separated; up to 25 MB)
            </label>
            <input
              id={fileInputId}
              type="file"
              name="file"
              accept=".csv,text/csv,text/plain"
              className="mt-1 block text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-2 file:text-sm file:font-medium"
              onChange={(e) => {
                const chosenFile = e.target.files?.[0] ?? null;
                setFile(chosenFile);
                setFileVersion((v) => v + 1);
                setMapping([]);
                setProgress(null);
                if (chosenFile) {
                  const body = new FormData();
                  body.set('intent', 'analyze');
                  body.set('file', chosenFile);
                  analyzer.submit(body, { method: 'post', encType: 'multipart/form-data' });
                }
              }}
            />
          </div>
          {analyzer.state !== 'idle' ? (
            <p role="status" className="text-sm text-slate-700">
              Reading the file…
            </p>
          ) : null}
        </div>
        {analyzeError ? <Alert>{analyzeError}</Alert> : null}
      </section>

      {analysis && file ? (
        <section aria-labelledby="step-columns" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
          <h3 id="step-columns" className="font-semibold">
            2. Match columns
          </h3>
          <p className="text-sm text-slate-700">
            {analysis.rowCount.toLocaleString('en-US')} data row{analysis.rowCount === 1 ? '' : 's'} in {file.name}. Columns were matched by their headers; change any
            that are wrong, or skip a column. A name column is required.
          </p>
          <div className="relative overflow-x-auto rounded-md border border-slate-200" tabIndex={0} role="region" aria-label="Column matching">
            <table className="min-w-full text-sm" data-testid="column-mapping">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-3 py-2">Column in file</th>
                  <th className="px-3 py-2">Sample values</th>
                  <th className="px-3 py-2">Lead field</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {analysis.columns.map((col) => {
                  const value = mapping[col.index] ?? '';
                  const clash = value !== '' && duplicateTargets.has(value);
                  return (
                    <tr key={col.index}>
                      <th scope="row" className="px-3 py-2 text-left font-medium">
                        {col.header || `(column ${col.index + 1})`}
                      </th>
                      <td className="max-w-[16rem] truncate px-3 py-2 text-slate-700">
                        {analysis.sample
                          .map((row) => row[col.index])
                          .filter(Boolean)
                          .slice(0, 3)
                          .join(' · ') || '—'}
                      </td>
                      <td className="px-3 py-2">
                        <label className="sr-only" htmlFor={`map-${col.index}`}>
                          Lead field for column {col.header || col.index + 1}
                        </label>
                        <select
                          id={`map-${col.index}`}
                          value={value}
                          aria-invalid={clash || undefined}
                          aria-describedby={clash ? `map-${col.index}-error` : undefined}
                          onChange={(e) => setMapping((m) => m.map((v, i) => (i === col.index ? e.target.value : v)))}
                          className="block w-full min-w-[11rem] rounded-md border border-slate-300 bg-white px-2 py-1.5 aria-[invalid]:border-red-600"
                        >
                          <option value="">— Skip —</option>
                          {analysis.targets.map((t) => (
                            <option key={t} value={t}>
                              {labelOf(t)}
                            </option>
                          ))}
                        </select>
                        {clash ? (
                          <p id={`map-${col.index}-error`} className="mt-1 text-xs text-red-700">
                            Another column has this field.
                          </p>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {!mapping.includes('name') ? <p className="text-sm text-red-700">Choose the column that holds the lead name.</p> : null}
          <div className="flex flex-wrap gap-2">
            <Button type="button" variant="secondary" disabled={!canRun} onClick={() => run('preview')}>
              {runningIntent === 'preview' ? 'Checking…' : 'Preview (dry run)'}
            </Button>
            <Button type="button" disabled={!canRun || !previewed} onClick={() => run('import')}>
              {runningIntent === 'import' ? 'Importing…' : 'Import'}
            </Button>
          </div>
          {!previewed && !(runResult && !runResult.dryRun) ? <p className="text-xs text-slate-600">Import is enabled after a preview of the current matching.</p> : null}
        </section>
      ) : null}

      {running ? (
        <section aria-label="Progress" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
          <label htmlFor="import-progress" className="block text-sm font-medium">
            {runningIntent === 'import' ? 'Importing' : 'Checking'}: {progress ? `${progress.processed.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')} rows` : 'starting…'}
          </label>
          <progress id="import-progress" className="h-3 w-full" max={progress?.total || 1} value={progress ? progress.processed : undefined} />
        </section>
      ) : null}

      {runError ? <Alert>{runError}</Alert> : null}
      {runResult && !running ? <RunSummary result={runResult} /> : null}
    </div>
  );
}

/**
 * Progress of a running import: the API publishes `crm.import.progress` events (after
 * every chunk of 1000 rows) on the live channel, tagged with the token the page chose.
 */
function useProgress(token: string | null, listening: boolean, onProgress: (p: { processed: number; total: number }) => void) {
  const handler = useRef(onProgress);
  handler.current = onProgress;
  const tokenRef = useRef(token);
  tokenRef.current = token;
  useEffect(() => {
    if (!listening || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/events?topic=crm.import.progress');
    source.addEventListener('crm.import.progress', (event) => {
      try {
        const body = JSON.parse((event as MessageEvent<string>).data) as { token?: string; processed?: number; total?: number };
        if (body.token && body.token === tokenRef.current && typeof body.processed === 'number' && typeof body.total === 'number') handler.current({ processed: body.processed, total: body.total });
      } catch {
        /* a malformed event is ignored */
      }
    });
    return () => source.close();
  }, [listening]);
}

function RunSummary({ result }: { result: RunResult }) {
  const counts = [
    { label: result.dryRun ? 'New (would be created)' : 'Created', value: result.created, testId: 'count-new' },
    { label: 'Duplicates (skipped)', value: result.duplicates, testId: 'count-duplicates' },
    { label: 'Invalid (skipped)', value: result.invalid, testId: 'count-invalid' },
  ];
  return (
    <section aria-labelledby="run-summary" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="import-summary">
      <h3 id="run-summary" className="font-semibold">
        {result.dryRun ? '3. Preview' : 'Import finished'}
      </h3>
      {result.dryRun ? (
        <p className="text-sm text-slate-700">Nothing was saved yet. Check the counts and the rows below, then import.</p>
      ) : (
        <Alert tone="success">
          {result.created.toLocaleString('en-US')} lead{result.created === 1 ? '' : 's'} imported.{' '}
          <Link to="/crm?sort=createdAt&dir=desc" className="font-medium underline">
            See the leads
          </Link>
        </Alert>
      )}
      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-4">
        <div className="rounded-md border border-slate-200 p-3">
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">Rows</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums">{result.total.toLocaleString('en-US')}</dd>
        </div>
        {counts.map((c) => (
          <div key={c.label} className="rounded-md border border-slate-200 p-3">
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{c.label}</dt>
            <dd className="mt-1 text-lg font-semibold tabular-nums" data-testid={c.testId}>
              {c.value.toLocaleString('en-US')}
            </dd>
          </div>
        ))}
      </dl>
      {result.errors.length ? (
        <div className="space-y-2">
          <h4 className="text-sm font-semibold">Row errors{result.invalid > result.errors.length ? ` (first ${result.errors.length})` : ''}</h4>
          <div className="relative max-h-72 overflow-auto rounded-md border border-slate-200" tabIndex={0} role="region" aria-label="Row errors">
            <table className="min-w-full text-sm" data-testid="row-errors">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-3 py-2">Line</th>
                  <th className="px-3 py-2">Field</th>
                  <th className="px-3 py-2">Problem</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {result.errors.map((e, i) => (
                  <tr key={`${e.line}-${e.field}-${i}`}>
                    <td className="px-3 py-1.5 tabular-nums">{e.line}</td>
                    <td className="px-3 py-1.5">{builtInLabels[e.field] ?? e.field}</td>
                    <td className="px-3 py-1.5">{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      {result.preview.length ? (
        <details className="text-sm">
          <summary className="cursor-pointer font-medium">First {result.preview.length} rows</summary>
          <div className="relative mt-2 max-h-80 overflow-auto rounded-md border border-slate-200" tabIndex={0} role="region" aria-label="Row preview">
            <table className="min-w-full text-sm">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-3 py-2">Line</th>
                  <th className="px-3 py-2">Outcome</th>
                  <th className="px-3 py-2">Name</th>
                  <th className="px-3 py-2">E-mail</th>
                  <th className="px-3 py-2">Phone</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {result.preview.map((row) => (
                  <tr key={row.line}>
                    <td className="px-3 py-1.5 tabular-nums">{row.line}</td>
                    <td className="px-3 py-1.5">
                      {row.outcome === 'create'
                        ? result.dryRun
                          ? 'New'
                          : 'Created'
                        : row.outcome === 'duplicate'
                          ? row.duplicateOf && 'line' in row.duplicateOf
                            ? `Duplicate of line ${row.duplicateOf.line}`
                            : row.duplicateOf?.id
                              ? 'Duplicate of '
                              : 'Duplicate of a colleague’s lead'
                          : 'Invalid'}
                      {row.outcome === 'duplicate' && row.duplicateOf && !('line' in row.duplicateOf) && row.duplicateOf.id ? (
                        <Link to={`/crm/leads/${row.duplicateOf.id}`} className="font-medium text-brand-700 hover:underline">
                          {row.duplicateOf.name ?? 'a lead'}
                        </Link>
                      ) : null}
                    </td>
                    <td className="px-3 py-1.5">{row.lead.name || '—'}</td>
                    <td className="px-3 py-1.5">{row.lead.email ?? '—'}</td>
                    <td className="px-3 py-1.5">{row.lead.phone ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </section>
  );
}

export const meta: MetaFunction = () => [{ title: 'Import leads · CRM · CRM Hub' }];
