import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useFetcher, useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { Narrative } from '~/components/reports/narrative';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Field, SelectField } from '~/components/ui/field';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';
import type { StepCheck, WizardStep } from '../../server/shared/reports';

/**
 * Settings → Reports: the six-step wizard (issue 7). Each step has what to do outside the
 * app, a form, a Check, a test action and a status light kept on the server. Secrets are
 * write-only: a saved one shows as •••• and an empty field keeps it.
 */

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('reports.settings')(args);
  return orThrowResponse(caller.reports.settings.get());
}

const optionalSecret = z.string().trim().max(2000).transform((v) => v || undefined);
const actionForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('saveStore'), kind: z.enum(['builtin', 'external']), postgresUrl: optionalSecret.optional() }),
  z.object({ intent: z.literal('checkStore') }),
  z.object({ intent: z.literal('applyStore') }),
  z.object({ intent: z.literal('checkKommo') }),
  z.object({ intent: z.literal('testKommo') }),
  z.object({ intent: z.literal('saveRadist'), apiKey: optionalSecret.optional(), company: z.coerce.number().int('A whole number.').positive('The company id from Radist.') }),
  z.object({ intent: z.literal('checkRadist') }),
  z.object({ intent: z.literal('testRadist') }),
  z.object({ intent: z.literal('writeRadist') }),
  z.object({ intent: z.literal('saveAi'), apiKey: optionalSecret.optional(), model: z.string().trim().max(200).optional().transform((v) => v || undefined) }),
  z.object({ intent: z.literal('checkAi') }),
  z.object({ intent: z.literal('savePrompt'), body: z.string().max(50_000) }),
  z.object({ intent: z.literal('testAi') }),
  z.object({ intent: z.literal('saveTelegram'), botToken: optionalSecret.optional(), chat: z.string().trim().min(1, 'The chat id, e.g. -1001234567890 or @channel.') }),
  z.object({ intent: z.literal('checkTelegram') }),
  z.object({ intent: z.literal('testTelegram') }),
  z.object({
    intent: z.literal('saveAutomation'),
    timeZone: z.string().trim().min(1),
    dayBoundaryHour: z.coerce.number().int().min(0).max(23),
    schedule: z.enum(['daily', 'weekly', 'monthly', 'manual']),
    weeklyDay: z.coerce.number().int().min(1).max(7),
    reportTypes: z.array(z.enum(['daily', 'weekly', 'monthly'])).default([]),
  }),
]);

export interface WizardResult {
  intent: string;
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string[]>;
  value?: unknown;
}

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('reports.settings')(args);
  const form = await args.request.formData();
  const parsed = actionForm.safeParse({ ...Object.fromEntries(form), reportTypes: form.getAll('reportTypes') });
  const intent = String(form.get('intent') ?? '');
  if (!parsed.success) return data<WizardResult>({ intent, ok: false, message: 'Please correct the highlighted fields.', fieldErrors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]> }, { status: 400, headers });
  const input = parsed.data;
  const s = caller.reports.settings;
  const call = (): Promise<unknown> => {
    switch (input.intent) {
      case 'saveStore':
        return s.saveStore({ kind: input.kind, postgresUrl: input.kind === 'external' ? input.postgresUrl : undefined });
      case 'saveRadist':
        return s.saveRadist({ apiKey: input.apiKey, company: input.company });
      case 'saveAi':
        return s.saveAi({ apiKey: input.apiKey, model: input.model });
      case 'savePrompt':
        return s.savePrompt({ body: input.body });
      case 'saveTelegram':
        return s.saveTelegram({ botToken: input.botToken, chat: input.chat });
      case 'saveAutomation':
        return s.saveAutomation({ timeZone: input.timeZone, dayBoundaryHour: input.dayBoundaryHour, schedule: input.schedule, weeklyDay: input.weeklyDay, reportTypes: input.reportTypes });
      default:
        return s[input.intent]();
    }
  };
  const result = await formResult(call());
  if (!result.ok) return data<WizardResult>({ intent, ok: false, message: result.message, fieldErrors: result.fieldErrors }, { status: result.status, headers });
  return data<WizardResult>({ intent, ok: true, value: result.value }, { headers });
}

type View = ReturnType<typeof useLoaderData<typeof loader>>;

const lightStyle = { green: 'bg-green-600', yellow: 'bg-amber-400', red: 'bg-red-600' } as const;
const lightWord = { green: 'Working', yellow: 'Needs attention', red: 'Not working' } as const;

function Light({ check }: { check?: StepCheck | null }) {
  if (!check) return <span className="text-xs text-slate-600" data-light="none">Not checked yet</span>;
  return (
    <span className="flex items-start gap-2 text-sm" data-light={check.light}>
      <span className={`mt-1 inline-block h-3 w-3 shrink-0 rounded-full ${lightStyle[check.light]}`} aria-hidden="true" />
      <span>
        <span className="font-medium">{lightWord[check.light]}:</span> {check.message}
      </span>
    </span>
  );
}

/** One wizard step: its number, title, light, instructions and body. */
function Step({ n, step, title, check, children, instructions }: { n: number; step: WizardStep; title: string; check?: StepCheck | null; instructions: React.ReactNode; children: React.ReactNode }) {
  return (
    <section aria-labelledby={`step-${step}`} className="rounded-lg border border-slate-200 bg-white p-4 sm:p-6" data-testid={`step-${step}`}>
      <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <h2 id={`step-${step}`} className="text-lg font-semibold">
          {n}. {title}
        </h2>
        <Light check={check} />
      </div>
      <div className="mb-4 text-sm text-slate-700">{instructions}</div>
      <div className="space-y-4">{children}</div>
    </section>
  );
}

/** A fetcher-backed action button; its answer (light, data) comes back into the step. */
function useStep() {
  const fetcher = useFetcher<WizardResult>();
  const busy = (intent: string) => fetcher.state !== 'idle' && fetcher.formData?.get('intent') === intent;
  const done = (intent: string) => (fetcher.state === 'idle' && fetcher.data?.intent === intent ? fetcher.data : null);
  // a successful save empties the secret fields (a key typed once is not kept in the page)
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (fetcher.state === 'idle' && fetcher.data?.ok && fetcher.data.intent.startsWith('save')) setGeneration((g) => g + 1);
  }, [fetcher.state, fetcher.data]);
  return { fetcher, busy, done, generation };
}

function ActionButton({ fetcher, intent, label, busyLabel, variant = 'secondary' }: { fetcher: ReturnType<typeof useStep>; intent: string; label: string; busyLabel: string; variant?: 'primary' | 'secondary' }) {
  return (
    <fetcher.fetcher.Form method="post">
      <input type="hidden" name="intent" value={intent} />
      <Button type="submit" variant={variant} disabled={fetcher.busy(intent)}>
        {fetcher.busy(intent) ? busyLabel : label}
      </Button>
    </fetcher.fetcher.Form>
  );
}

function Failure({ result }: { result: WizardResult | null | undefined }) {
  return result && !result.ok ? <Alert>{result.message}</Alert> : null;
}

export default function ReportSettings() {
  const view = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-700">
        Set up the AI sales reports step by step. Each step has a <strong>Check</strong> and a test; the light next to it is saved, so you see what works at a glance. Keys and tokens are stored encrypted and never shown again.
      </p>
      <StoreStep view={view} />
      <KommoStep view={view} />
      <RadistStep view={view} />
      <AiStep view={view} />
      <TelegramStep view={view} />
      <AutomationStep view={view} />
    </div>
  );
}

function StoreStep({ view }: { view: View }) {
  const f = useStep();
  const [kind, setKind] = useState(view.store.kind);
  const save = f.done('saveStore');
  const checkResult = f.done('checkStore')?.value as { serverVersion: string | null; schemaVersion: number | null } | undefined;
  const apply = f.done('applyStore');
  return (
    <Step
      n={1}
      step="store"
      title="Data store"
      check={view.checks.store}
      instructions={
        <>
          Report texts, raw dialogs and the model&apos;s analyses are kept in the built-in store, or in your own Postgres (a Supabase project works: copy its connection string from Project settings → Database, with <code>?sslmode=require</code>). CRM Hub keeps only summaries, figures and statuses.
        </>
      }
    >
      <f.fetcher.Form method="post" className="space-y-3">
        <input type="hidden" name="intent" value="saveStore" />
        <fieldset className="flex flex-wrap gap-4 text-sm">
          <legend className="sr-only">Where reports are stored</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name="kind" value="builtin" checked={kind === 'builtin'} onChange={() => setKind('builtin')} /> Built-in store
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="kind" value="external" checked={kind === 'external'} onChange={() => setKind('external')} /> My own Postgres
          </label>
        </fieldset>
        {kind === 'external' ? (
          <Field key={`url-${f.generation}`} label="Connection string" name="postgresUrl" type="password" autoComplete="off" placeholder={view.store.postgresUrl ? '•••• saved — type a new one to replace it' : 'postgres://user:password@host:5432/postgres?sslmode=require'} error={save?.fieldErrors?.postgresUrl} />
        ) : null}
        <Button type="submit" disabled={f.busy('saveStore')}>
          {f.busy('saveStore') ? 'Saving…' : 'Save'}
        </Button>
        <Failure result={save} />
      </f.fetcher.Form>
      <div className="flex flex-wrap gap-2">
        <ActionButton fetcher={f} intent="checkStore" label="Check" busyLabel="Checking…" />
        <ActionButton fetcher={f} intent="applyStore" label="Apply the SQL and test" busyLabel="Applying…" />
      </div>
      {checkResult?.serverVersion ? (
        <p className="text-sm">
          Server: PostgreSQL {checkResult.serverVersion}; report tables: {checkResult.schemaVersion ? `version ${checkResult.schemaVersion}` : 'not created'} (current {view.store.currentVersion}).
        </p>
      ) : null}
      {apply?.ok ? <Alert tone="success">{(apply.value as { check: StepCheck }).check.message}</Alert> : <Failure result={apply} />}
      <details className="text-sm">
        <summary className="cursor-pointer font-medium">The SQL (version {view.store.currentVersion})</summary>
        <pre className="mt-2 max-h-96 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100" tabIndex={0}>
          {view.store.sql}
        </pre>
      </details>
    </Step>
  );
}

function KommoStep({ view }: { view: View }) {
  const f = useStep();
  const test = f.done('testKommo');
  const leads = (test?.value as { leads?: { id: number; name: string; updatedAt: string; manager: string | null; contact: string | null; phone: string | null }[] } | undefined)?.leads ?? view.test.leads ?? [];
  return (
    <Step
      n={2}
      step="kommo"
      title="Kommo"
      check={view.checks.kommo}
      instructions={
        <>
          Reports read the leads through your Kommo connection ({view.kommo.connected ? <>connected to <strong>{view.kommo.account}</strong></> : 'not connected yet'}). Connect or change it under{' '}
          <Link to="/integrations" className="font-medium text-brand-700 underline">
            Integrations
          </Link>
          . The test loads the 3 most recently updated leads with their contacts and phones.
        </>
      }
    >
      <div className="flex flex-wrap gap-2">
        <ActionButton fetcher={f} intent="checkKommo" label="Check" busyLabel="Checking…" />
        <ActionButton fetcher={f} intent="testKommo" label="Load 3 recent leads" busyLabel="Loading…" />
      </div>
      <Failure result={test} />
      {leads.length ? (
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Recent Kommo leads">
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th className="px-2 py-1">Updated</th>
                <th className="px-2 py-1">Lead</th>
                <th className="px-2 py-1">Manager</th>
                <th className="px-2 py-1">Contact</th>
                <th className="px-2 py-1">Phone</th>
              </tr>
            </thead>
            <tbody>
              {leads.map((l) => (
                <tr key={l.id} className="border-t border-slate-100" data-testid="kommo-lead">
                  <td className="px-2 py-1">{new Date(l.updatedAt).toLocaleString('en-GB')}</td>
                  <td className="px-2 py-1">{l.name || l.id}</td>
                  <td className="px-2 py-1">{l.manager ?? '—'}</td>
                  <td className="px-2 py-1">{l.contact ?? '—'}</td>
                  <td className="px-2 py-1">{l.phone ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Step>
  );
}

function RadistStep({ view }: { view: View }) {
  const f = useStep();
  const save = f.done('saveRadist');
  const test = f.done('testRadist');
  const write = f.done('writeRadist');
  type RadistFound = { found?: { leadId: number; phone: string; chats: { chatId: number; source: string | null; messages: number; lastAt: string | null; lastText: string | null }[] }[]; wouldStore?: { leads: number; chats: number; messages: number } | null };
  const found: RadistFound = (test?.value as RadistFound | undefined) ?? ((view.test.dialogs ?? {}) as RadistFound);
  return (
    <Step
      n={3}
      step="radist"
      title="Radist"
      check={view.checks.radist}
      instructions={<>In Radist, open Settings → API, create a key with the “messaging” scope and copy it with your company id. The test reads (never sends) the chats of the test leads&apos; phones.</>}
    >
      <f.fetcher.Form method="post" className="grid gap-3 sm:grid-cols-2">
        <input type="hidden" name="intent" value="saveRadist" />
        <Field key={`radist-${f.generation}`} label="API key" name="apiKey" type="password" autoComplete="off" placeholder={view.radist.apiKey ? '•••• saved — type a new one to replace it' : ''} error={save?.fieldErrors?.apiKey} />
        <Field label="Company id" name="company" inputMode="numeric" defaultValue={view.radist.company ?? ''} required error={save?.fieldErrors?.company} />
        <div className="sm:col-span-2">
          <Button type="submit" disabled={f.busy('saveRadist')}>
            {f.busy('saveRadist') ? 'Saving…' : 'Save'}
          </Button>
        </div>
      </f.fetcher.Form>
      <Failure result={save} />
      <div className="flex flex-wrap gap-2">
        <ActionButton fetcher={f} intent="checkRadist" label="Check" busyLabel="Checking…" />
        <ActionButton fetcher={f} intent="testRadist" label="Find the test leads' chats" busyLabel="Reading…" />
        <ActionButton fetcher={f} intent="writeRadist" label="Write them to the store" busyLabel="Writing…" />
      </div>
      <Failure result={test} />
      <Failure result={write} />
      {found.found?.length ? (
        <div className="space-y-2 text-sm">
          <ul className="space-y-1">
            {found.found.map((entry) => (
              <li key={`${entry.leadId}-${entry.phone}`}>
                Lead {entry.leadId}, {entry.phone}: {entry.chats.length ? entry.chats.map((c) => `${c.source ?? 'chat'} #${c.chatId} (${c.messages} messages${c.lastText ? `, last: “${c.lastText}”` : ''})`).join('; ') : 'no chats'}
              </li>
            ))}
          </ul>
          {found.wouldStore ? (
            <p>
              Would store {found.wouldStore.leads} leads, {found.wouldStore.chats} chats and {found.wouldStore.messages} messages.
            </p>
          ) : null}
        </div>
      ) : null}
      {write?.ok ? <Alert tone="success">{(write.value as { check: StepCheck }).check.message}</Alert> : null}
    </Step>
  );
}

function AiStep({ view }: { view: View }) {
  const f = useStep();
  const save = f.done('saveAi');
  const check = f.done('checkAi');
  const prompt = f.done('savePrompt');
  const test = f.done('testAi');
  const models = (check?.value as { models?: { id: string; displayName: string; inputTokenLimit: number }[] } | undefined)?.models ?? [];
  const analysis = ((test?.value as { analysis?: typeof view.test.analysis } | undefined)?.analysis ?? view.test.analysis) as { model: string; answer: string; usage: { promptTokens: number; outputTokens: number; totalTokens: number }; trimmedNote: string | null } | null;
  return (
    <Step
      n={4}
      step="ai"
      title="AI analysis (Gemini)"
      check={view.checks.ai}
      instructions={<>Create an API key in Google AI Studio (aistudio.google.com → Get API key). Check loads the models your key can use; the prompt below tells the model what to write. Every saved prompt is kept as a version.</>}
    >
      <f.fetcher.Form method="post" className="grid gap-3 sm:grid-cols-2">
        <input type="hidden" name="intent" value="saveAi" />
        <Field key={`ai-${f.generation}`} label="API key" name="apiKey" type="password" autoComplete="off" placeholder={view.ai.apiKey ? '•••• saved — type a new one to replace it' : ''} error={save?.fieldErrors?.apiKey} />
        {models.length ? (
          <SelectField label="Model" name="model" defaultValue={view.ai.model ?? ''}>
            <option value="">Choose a model</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.displayName} ({m.inputTokenLimit.toLocaleString('en-US')} tokens)
              </option>
            ))}
          </SelectField>
        ) : (
          <p className="self-end text-sm text-slate-700">Model: {view.ai.model ?? 'none yet'} — press Check to load the list.</p>
        )}
        <div className="sm:col-span-2">
          <Button type="submit" disabled={f.busy('saveAi')}>
            {f.busy('saveAi') ? 'Saving…' : 'Save'}
          </Button>
        </div>
      </f.fetcher.Form>
      <Failure result={save} />
      <div className="flex flex-wrap gap-2">
        <ActionButton fetcher={f} intent="checkAi" label="Check and load models" busyLabel="Checking…" />
      </div>
      <f.fetcher.Form method="post" className="space-y-2">
        <input type="hidden" name="intent" value="savePrompt" />
        <label htmlFor="prompt" className="block text-sm font-medium">
          Prompt {view.ai.prompt.version ? `(version ${view.ai.prompt.version})` : '(default)'}
        </label>
        <textarea id="prompt" name="body" rows={14} defaultValue={view.ai.prompt.body} className="block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm" />
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={f.busy('savePrompt')}>
            {f.busy('savePrompt') ? 'Saving…' : 'Save prompt'}
          </Button>
          {prompt?.ok ? <span className="text-sm text-green-800">{(prompt.value as { created: boolean; version: number }).created ? `Saved as version ${(prompt.value as { version: number }).version}.` : 'No change.'}</span> : null}
        </div>
        <Failure result={prompt} />
      </f.fetcher.Form>
      {view.ai.promptVersions.length > 1 ? (
        <details className="text-sm">
          <summary className="cursor-pointer font-medium">Earlier versions ({view.ai.promptVersions.length - 1})</summary>
          <ul className="mt-2 space-y-1">
            {view.ai.promptVersions.slice(1).map((v) => (
              <li key={v.version}>
                v{v.version} · {new Date(v.createdAt).toLocaleString('en-GB')} · {v.author ?? '—'}: <span className="text-slate-600">{v.preview}…</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <ActionButton fetcher={f} intent="testAi" label="Test analysis on the 3 test dialogs" busyLabel="Asking the model…" />
      <Failure result={test} />
      {analysis ? (
        <div className="rounded-md border border-slate-200 p-3">
          <p className="mb-2 text-xs text-slate-600">
            {analysis.model} · {analysis.usage.promptTokens.toLocaleString('en-US')} prompt + {analysis.usage.outputTokens.toLocaleString('en-US')} answer tokens
            {analysis.trimmedNote ? ` · ${analysis.trimmedNote}` : ''}
          </p>
          <Narrative text={analysis.answer} />
        </div>
      ) : null}
    </Step>
  );
}

function TelegramStep({ view }: { view: View }) {
  const f = useStep();
  const save = f.done('saveTelegram');
  const test = f.done('testTelegram');
  const check = f.done('checkTelegram');
  return (
    <Step
      n={5}
      step="telegram"
      title="Telegram"
      check={view.checks.telegram}
      instructions={<>Create a bot with @BotFather and copy its token; add the bot to your sales group (or channel, as an admin). The chat id of a group starts with -100. Check calls getMe and posts a test message.</>}
    >
      <f.fetcher.Form method="post" className="grid gap-3 sm:grid-cols-2">
        <input type="hidden" name="intent" value="saveTelegram" />
        <Field key={`bot-${f.generation}`} label="Bot token" name="botToken" type="password" autoComplete="off" placeholder={view.telegram.botToken ? '•••• saved — type a new one to replace it' : ''} error={save?.fieldErrors?.botToken} />
        <Field label="Chat id" name="chat" defaultValue={view.telegram.chat ?? ''} required error={save?.fieldErrors?.chat} hint={view.telegram.botUsername ? `Bot: @${view.telegram.botUsername}` : undefined} />
        <div className="sm:col-span-2">
          <Button type="submit" disabled={f.busy('saveTelegram')}>
            {f.busy('saveTelegram') ? 'Saving…' : 'Save'}
          </Button>
        </div>
      </f.fetcher.Form>
      <Failure result={save} />
      <div className="flex flex-wrap gap-2">
        <ActionButton fetcher={f} intent="checkTelegram" label="Check (sends a test message)" busyLabel="Checking…" />
        <ActionButton fetcher={f} intent="testTelegram" label="Send a test report" busyLabel="Sending…" />
      </div>
      <Failure result={check} />
      <Failure result={test} />
    </Step>
  );
}

const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function AutomationStep({ view }: { view: View }) {
  const f = useStep();
  const save = f.done('saveAutomation');
  const a = view.automation;
  const [schedule, setSchedule] = useState(a.schedule);
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [a.timeZone];
  const next = (save?.value as { next?: { type: string; at: string }[] } | undefined)?.next;
  return (
    <Step n={6} step="automation" title="Automation" check={view.checks.automation} instructions={<>When reports run on their own. Periods follow your time zone and the hour your business day starts, including across daylight-saving changes.</>}>
      <f.fetcher.Form method="post" className="grid gap-3 sm:grid-cols-2">
        <input type="hidden" name="intent" value="saveAutomation" />
        <Field label="Time zone" name="timeZone" list="report-time-zones" defaultValue={a.timeZone} required error={save?.fieldErrors?.timeZone} />
        <datalist id="report-time-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <SelectField label="The day starts at" name="dayBoundaryHour" defaultValue={String(a.dayBoundaryHour)}>
          {Array.from({ length: 24 }, (_, h) => (
            <option key={h} value={h}>
              {String(h).padStart(2, '0')}:00
            </option>
          ))}
        </SelectField>
        <SelectField label="Schedule" name="schedule" value={schedule} onChange={(e) => setSchedule(e.target.value as typeof schedule)}>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
          <option value="monthly">Monthly</option>
          <option value="manual">Manual only</option>
        </SelectField>
        <SelectField label="Weekly reports on" name="weeklyDay" defaultValue={String(a.weeklyDay)}>
          {weekdays.map((d, i) => (
            <option key={d} value={i + 1}>
              {d}
            </option>
          ))}
        </SelectField>
        {schedule !== 'manual' ? (
          <fieldset className="sm:col-span-2">
            <legend className="text-sm font-medium">Report types to produce</legend>
            <div className="mt-1 flex flex-wrap gap-4 text-sm">
              {(['daily', 'weekly', 'monthly'] as const).map((t) => (
                <label key={t} className="flex items-center gap-2">
                  <input type="checkbox" name="reportTypes" value={t} defaultChecked={a.reportTypes.includes(t) || (!a.reportTypes.length && t === schedule)} /> {t.charAt(0).toUpperCase() + t.slice(1)}
                </label>
              ))}
            </div>
            {save?.fieldErrors?.reportTypes ? <p className="text-sm text-red-700">{save.fieldErrors.reportTypes.join(' ')}</p> : null}
          </fieldset>
        ) : null}
        <div className="sm:col-span-2">
          <Button type="submit" disabled={f.busy('saveAutomation')}>
            {f.busy('saveAutomation') ? 'Saving…' : 'Save'}
          </Button>
        </div>
      </f.fetcher.Form>
      <Failure result={save} />
      {next?.length ? (
        <p className="text-sm">
          Next: {next.map((n) => `${n.type} report at ${new Date(n.at).toLocaleString('en-GB', { timeZone: a.timeZone })}`).join('; ')}.
        </p>
      ) : null}
    </Step>
  );
}

export const meta: MetaFunction = () => [{ title: 'Report settings · CRM Hub' }];
