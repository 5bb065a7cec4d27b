import type { ReportFigures } from '../../../server/shared/reports';
import { formatMinutes } from './format';

/**
 * Our own figures next to the narrative: the headline numbers, then per manager as bars
 * (dialogs and unanswered chats; median reply time) with the exact numbers beside them,
 * and the leads that had no dialog.
 */

function Stat({ label, value, hint }: { label: string; value: string | number; hint?: string }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white p-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums">{typeof value === 'number' ? value.toLocaleString('en-US') : value}</dd>
      {hint ? <dd className="text-xs text-slate-600">{hint}</dd> : null}
    </div>
  );
}

function Bar({ value, max, tone }: { value: number; max: number; tone: string }) {
  const width = max > 0 ? Math.max(value > 0 ? 2 : 0, Math.round((value / max) * 100)) : 0;
  return (
    <div className="h-3 w-full rounded bg-slate-100" aria-hidden="true">
      <div className={`h-3 rounded ${tone}`} style={{ width: `${width}%` }} />
    </div>
  );
}

export function Figures({ figures }: { figures: ReportFigures }) {
  const maxDialogs = Math.max(1, ...figures.perManager.map((m) => m.dialogs));
  const maxReply = Math.max(1, ...figures.perManager.map((m) => m.medianResponseMinutes ?? 0));
  return (
    <section aria-labelledby="figures-title" className="space-y-4">
      <h2 id="figures-title" className="text-lg font-semibold">
        Figures
      </h2>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Leads" value={figures.leads} />
        <Stat label="Without dialogs" value={figures.leadsWithoutDialogsCount} />
        <Stat label="Dialogs" value={figures.dialogs} />
        <Stat label="Messages" value={figures.messages.total} hint={`${figures.messages.inbound} in · ${figures.messages.outbound} out`} />
        <Stat label="Unanswered chats" value={figures.unansweredChats} />
        <Stat label="Median reply" value={formatMinutes(figures.responseMinutes.median)} hint={`p90 ${formatMinutes(figures.responseMinutes.p90)} · ${figures.responseMinutes.samples} replies`} />
      </dl>
      {figures.perManager.length ? (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Figures per manager">
          <table className="min-w-full text-sm">
            <caption className="sr-only">Dialogs, unanswered chats and reply time per manager</caption>
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">Manager</th>
                <th scope="col" className="px-3 py-2">Leads</th>
                <th scope="col" className="w-1/4 px-3 py-2">Dialogs</th>
                <th scope="col" className="px-3 py-2">Sent</th>
                <th scope="col" className="px-3 py-2">Unanswered</th>
                <th scope="col" className="w-1/4 px-3 py-2">Median reply</th>
              </tr>
            </thead>
            <tbody>
              {figures.perManager.map((m) => (
                <tr key={m.manager} className="border-t border-slate-100">
                  <th scope="row" className="px-3 py-2 text-left font-medium">{m.manager}</th>
                  <td className="px-3 py-2 tabular-nums">{m.leads}</td>
                  <td className="px-3 py-2">
                    <div className="flex items-center gap-2">
                      <span className="w-8 tabular-nums">{m.dialogs}</span>
                      <Bar value={m.dialogs} max={maxDialogs} tone="bg-brand-600" />
                    </div>
                  </td>
                  <td className="px-3 py-2 tabular-nums">{m.messagesSent}</td>
                  <td className="px-3 py-2 tabular-nums">{m.unanswered}</td>
                  <td className="px-3 py-2">
                    <div className="flex items-center gap-2">
                      <span className="w-16 tabular-nums">{formatMinutes(m.medianResponseMinutes)}</span>
                      <Bar value={m.medianResponseMinutes ?? 0} max={maxReply} tone="bg-amber-500" />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {figures.leadsWithoutDialogs.length ? (
        <details className="rounded-lg border border-slate-200 bg-white p-3 text-sm">
          <summary className="cursor-pointer font-medium">
            Leads without dialogs ({figures.leadsWithoutDialogsCount}
            {figures.leadsWithoutDialogsCount > figures.leadsWithoutDialogs.length ? `, first ${figures.leadsWithoutDialogs.length} shown` : ''})
          </summary>
          <ul className="mt-2 grid gap-1 sm:grid-cols-2">
            {figures.leadsWithoutDialogs.map((l) => (
              <li key={l.id}>
                <span className="font-medium">{l.name || `Lead ${l.id}`}</span> <span className="text-slate-600">· {l.manager ?? 'unassigned'}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
