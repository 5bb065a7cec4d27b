import { useFetcher } from '@remix-run/react';
import { useEffect } from 'react';
import type { action, loader } from '~/routes/kommo.sync';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';

/**
 * "Sync to Kommo" for one app lead or contact (decision 007). Place it on the lead or
 * contact page: `<SyncToKommo profileType="lead" profileId={lead.id} />`. It asks
 * /kommo/sync whether Kommo is connected and the record already linked; a click sends
 * ONE record: Kommo is searched by phone then e-mail, an existing lead is shown with an
 * offer to link it (nothing is created), otherwise one lead with its contact is created.
 * Renders nothing for roles without the permission.
 */

interface KommoLeadView {
  id: number;
  name: string;
  pipeline: string | null;
  status: string | null;
  responsible: string | null;
  url: string;
}

function LeadFacts({ lead }: { lead: KommoLeadView }) {
  return (
    <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
      <dt className="text-slate-600">Lead</dt>
      <dd>
        <a href={lead.url} target="_blank" rel="noreferrer noopener" className="font-medium text-brand-700 hover:underline">
          {lead.name || `#${lead.id}`}
          <span className="sr-only"> (opens Kommo in a new tab)</span>
        </a>
      </dd>
      <dt className="text-slate-600">Pipeline</dt>
      <dd>{lead.pipeline ?? '—'}</dd>
      <dt className="text-slate-600">Status</dt>
      <dd>{lead.status ?? '—'}</dd>
      <dt className="text-slate-600">Responsible</dt>
      <dd>{lead.responsible ?? '—'}</dd>
    </dl>
  );
}

export function SyncToKommo({ profileType, profileId }: { profileType: 'lead' | 'contact'; profileId: string }) {
  const status = useFetcher<typeof loader>();
  const sync = useFetcher<typeof action>();
  const link = useFetcher<typeof action>();
  const query = `/kommo/sync?profileType=${profileType}&profileId=${encodeURIComponent(profileId)}`;

  useEffect(() => {
    if (status.state === 'idle' && !status.data) status.load(query);
  }, [status, query]);
  useEffect(() => {
    if (link.state === 'idle' && link.data?.ok) status.load(query);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [link.state, link.data]);

  const state = status.data;
  // a role without kommo.sync, a record out of reach: no button at all
  if (!state || !state.ok) return null;
  if (!state.status.connected) return <p className="text-sm text-slate-600">Kommo is not connected for this workspace.</p>;

  const linked = state.status.link;
  const result = sync.data?.intent === 'sync' ? sync.data : null;
  const busy = sync.state !== 'idle';

  return (
    <section aria-labelledby={`kommo-${profileId}`} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id={`kommo-${profileId}`} className="text-sm font-semibold">
        Kommo
      </h2>
      {linked?.lead ? (
        <div className="text-sm">
          <p>Linked to a Kommo lead.</p>
          <LeadFacts lead={linked.lead} />
        </div>
      ) : (
        <sync.Form method="post" action="/kommo/sync">
          <input type="hidden" name="intent" value="sync" />
          <input type="hidden" name="profileType" value={profileType} />
          <input type="hidden" name="profileId" value={profileId} />
          <Button type="submit" variant="secondary" disabled={busy} aria-describedby={`kommo-help-${profileId}`}>
            {busy ? 'Sending to Kommo…' : 'Sync to Kommo'}
          </Button>
          <p id={`kommo-help-${profileId}`} className="mt-1 text-xs text-slate-600">
            Looks for this {profileType} in Kommo by phone, then e-mail; creates one lead only if none exists.
          </p>
        </sync.Form>
      )}
      <div aria-live="polite">
        {result && !result.ok ? <Alert>{result.message}</Alert> : null}
        {result?.ok && result.sync.outcome === 'created' ? (
          <Alert tone="success">
            Created in Kommo.
            <LeadFacts lead={result.sync.lead} />
          </Alert>
        ) : null}
        {result?.ok && result.sync.outcome === 'found' && !linked ? (
          <Alert tone="info">
            Already in Kommo (matched by {result.sync.matchedBy === 'phone' ? 'phone number' : 'e-mail'}). Nothing was created.
            {result.sync.lead ? <LeadFacts lead={result.sync.lead} /> : <p className="mt-2">Contact: <a className="font-medium text-brand-700 hover:underline" href={result.sync.contact?.url} target="_blank" rel="noreferrer noopener">{result.sync.contact?.name}</a> (no lead yet)</p>}
            {result.sync.lead ? (
              <link.Form method="post" action="/kommo/sync" className="mt-3">
                <input type="hidden" name="intent" value="link" />
                <input type="hidden" name="profileType" value={profileType} />
                <input type="hidden" name="profileId" value={profileId} />
                <input type="hidden" name="kommoLeadId" value={result.sync.lead.id} />
                {result.sync.contact ? <input type="hidden" name="kommoContactId" value={result.sync.contact.id} /> : null}
                <Button type="submit" variant="secondary" disabled={link.state !== 'idle'}>
                  Link to this Kommo lead
                </Button>
              </link.Form>
            ) : null}
          </Alert>
        ) : null}
        {link.data?.intent === 'link' && !link.data.ok ? <Alert>{link.data.message}</Alert> : null}
      </div>
    </section>
  );
}
