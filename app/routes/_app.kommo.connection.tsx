import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { formatDateTime } from '~/components/crm/format';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/confirm-dialog';
import { Field } from '~/components/ui/field';
import { sectionLoader } from '~/lib/section.server';
import { callerFor, formResult, orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('integrations.manage')(args);
  const [connection, events] = await Promise.all([orThrowResponse(caller.kommo.connection.get()), orThrowResponse(caller.kommo.webhookEvents({ offset: 0, limit: 10 }))]);
  return { connection, events };
}

const connectSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('long_lived'), subdomain: z.string(), token: z.string() }),
  z.object({ intent: z.literal('oauth'), subdomain: z.string(), integrationId: z.string(), integrationSecret: z.string().optional() }),
  z.object({ intent: z.enum(['test', 'rotate', 'acknowledge', 'disconnect']) }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = connectSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ ok: false as const, message: 'Unknown request.', fieldErrors: {} as Record<string, string[]> }, { status: 400 });
  const { caller, headers } = await callerFor(request, context);
  const input = parsed.data;
  const answer = (result: Awaited<ReturnType<typeof formResult>>, message: string) =>
    data(result.ok ? { ok: true as const, message, fieldErrors: {} as Record<string, string[]> } : { ok: false as const, message: result.message, fieldErrors: result.fieldErrors ?? {} }, { status: result.ok ? 200 : result.status, headers });
  switch (input.intent) {
    case 'long_lived': {
      const result = await formResult(caller.kommo.connection.connectLongLived({ subdomain: input.subdomain, token: input.token }));
      // a redirect, so the token does not stay in the form
      if (result.ok) throw redirect('/kommo/connection?connected=1', { headers });
      return answer(result, '');
    }
    case 'oauth': {
      const result = await formResult(caller.kommo.connection.startOAuth({ subdomain: input.subdomain, integration: { id: input.integrationId, secret: input.integrationSecret || undefined } }));
      if (result.ok) throw redirect(result.value.authorizationUrl, { headers });
      return answer(result, '');
    }
    case 'test': {
      const result = await formResult(caller.kommo.connection.test());
      return answer(result, result.ok ? `Kommo answers: account ${result.value.accountName}, acting as ${result.value.connectedAs ?? 'unknown user'}.` : '');
    }
    case 'rotate':
      return answer(await formResult(caller.kommo.connection.rotateWebhookSecret()), 'New webhook URL created. Paste it into Kommo; the previous one keeps working for 24 hours.');
    case 'acknowledge':
      return answer(await formResult(caller.kommo.connection.acknowledgeAlert()), 'Alert acknowledged.');
    case 'disconnect':
      return answer(await formResult(caller.kommo.connection.disconnect()), 'Kommo disconnected. The mirror stays readable; webhooks are refused.');
  }
}

function Copyable({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <div className="space-y-1">
      <div className="text-sm font-medium text-slate-800">{label}</div>
      <input readOnly value={value} aria-label={label} onFocus={(e) => e.currentTarget.select()} className="block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs" />
      <p className="text-xs text-slate-600">{hint}</p>
    </div>
  );
}

function ConnectForm({ redirectUri, defaults, errors }: { redirectUri: string; defaults: { subdomain?: string; authMode?: string; integrationId?: string | null }; errors: Record<string, string[]> }) {
  const [mode, setMode] = useState(defaults.authMode === 'oauth' ? 'oauth' : 'long_lived');
  const busy = useNavigation().state !== 'idle';
  return (
    <Form method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
      <fieldset className="space-y-2">
        <legend className="text-sm font-semibold">How to connect</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="mode" value="long_lived" checked={mode === 'long_lived'} onChange={() => setMode('long_lived')} /> Long-lived token of a private Kommo integration
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="mode" value="oauth" checked={mode === 'oauth'} onChange={() => setMode('oauth')} /> OAuth with your Kommo integration
        </label>
      </fieldset>
      <Field label="Kommo account address" name="subdomain" required defaultValue={defaults.subdomain} placeholder="acme or acme.kommo.com" hint="Your account’s subdomain on kommo.com, amocrm.ru or amocrm.com." error={errors.subdomain} />
      {mode === 'long_lived' ? (
        <Field label="Long-lived token" name="token" type="password" required autoComplete="off" error={errors.token} hint="Kommo → Settings → Integrations → your private integration → Keys and scopes." />
      ) : (
        <>
          <Copyable label="Redirect URL" value={redirectUri} hint="Enter this exact URL as the redirect URL of your Kommo integration." />
          <Field label="Integration ID" name="integrationId" required defaultValue={defaults.integrationId ?? ''} error={errors['integration.id']} />
          <Field label="Secret key" name="integrationSecret" type="password" autoComplete="off" error={errors['integration.secret']} hint="Required the first time; leave empty to keep the stored one." />
        </>
      )}
      <Button type="submit" name="intent" value={mode} disabled={busy}>
        {mode === 'oauth' ? 'Continue to Kommo' : 'Connect'}
      </Button>
    </Form>
  );
}

export default function KommoConnection() {
  const { connection, events } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const c = connection;
  return (
    <div className="space-y-6">
      {params.get('connected') ? <Alert tone="success">Kommo is connected.</Alert> : null}
      {result?.message ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
      {c.exists && c.alert ? (
        <Alert>
          <p className="font-semibold">{c.alert}</p>
          <p className="mt-1">Calls to Kommo are paused{c.blockedUntil ? ` until ${formatDateTime(c.blockedUntil)}` : ''}. Kommo blocks accounts that send too many requests; nothing retries automatically.</p>
          <Form method="post" className="mt-2">
            <Button type="submit" name="intent" value="acknowledge" variant="secondary">
              Acknowledge
            </Button>
          </Form>
        </Alert>
      ) : null}
      {c.exists ? (
        <section aria-labelledby="kommo-status" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
          <h2 id="kommo-status" className="text-base font-semibold">
            {c.accountName ?? c.subdomain} <span className="text-sm font-normal text-slate-600">({c.status.replace('_', ' ')})</span>
          </h2>
          {c.statusReason ? <p className="text-sm text-red-800">{c.statusReason}</p> : null}
          <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
            <dt className="text-slate-600">Account</dt>
            <dd>
              {c.baseUrl} {c.kommoAccountId ? `· id ${c.kommoAccountId}` : ''} {c.usesSandbox ? '· local sandbox' : ''}
            </dd>
            <dt className="text-slate-600">Connected as</dt>
            <dd>{c.connectedAs ?? '—'}</dd>
            <dt className="text-slate-600">Authorization</dt>
            <dd>{c.authMode === 'oauth' ? `OAuth (integration ${c.oauthClientId})` : 'Long-lived token'}</dd>
            <dt className="text-slate-600">Sending to Kommo</dt>
            <dd>Manual only: one lead at a time, by a person (fixed for Kommo).</dd>
          </dl>
          <Copyable label="Webhook URL" value={c.webhookUrl} hint="Kommo → Settings → Integrations → Webhooks: add this URL for lead (added, changed, status, deleted) and contact (added, changed) events. Treat it like a password." />
          {c.previousWebhookUrlValidUntil ? <p className="text-xs text-slate-600">The previous webhook URL works until {formatDateTime(c.previousWebhookUrlValidUntil)}.</p> : null}
          <div className="flex flex-wrap gap-2">
            <Form method="post">
              <Button type="submit" name="intent" value="test" variant="secondary">
                Test connection
              </Button>
            </Form>
            <ConfirmDialog trigger={<Button variant="secondary">New webhook URL</Button>} title="Create a new webhook URL?" description="The current URL keeps working for 24 hours; update it in Kommo before then." confirmLabel="Create new URL" intent="rotate" hidden={{}} />
            <ConfirmDialog trigger={<Button variant="danger">Disconnect</Button>} title="Disconnect Kommo?" description="Tokens are deleted and webhooks refused. The mirrored leads stay readable." confirmLabel="Disconnect" intent="disconnect" hidden={{}} />
          </div>
        </section>
      ) : null}
      <section aria-labelledby="kommo-connect" className="space-y-2">
        <h2 id="kommo-connect" className="text-base font-semibold">
          {c.exists ? 'Reconnect' : 'Connect Kommo'}
        </h2>
        <ConnectForm redirectUri={c.redirectUri} defaults={c.exists ? { subdomain: c.subdomain, authMode: c.authMode, integrationId: c.oauthClientId } : {}} errors={result && !result.ok ? result.fieldErrors : {}} />
      </section>
      <section aria-labelledby="kommo-events" className="space-y-2">
        <h2 id="kommo-events" className="text-base font-semibold">
          Latest webhook deliveries
        </h2>
        {events.items.length === 0 ? (
          <p className="text-sm text-slate-600">None yet.</p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Latest webhook deliveries">
            <table className="min-w-full text-sm">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-4 py-2">Received</th>
                  <th className="px-4 py-2">Event</th>
                  <th className="px-4 py-2">Status</th>
                  <th className="px-4 py-2">Details</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {events.items.map((e) => (
                  <tr key={e.id}>
                    <td className="whitespace-nowrap px-4 py-2">{formatDateTime(e.receivedAt)}</td>
                    <td className="px-4 py-2">{e.entity ? `${e.entity} ${e.action} #${e.kommoId}` : '—'}</td>
                    <td className="px-4 py-2">{e.status}</td>
                    <td className="px-4 py-2">
                      {e.error ? <span className="text-red-800">{e.error}</span> : null}
                      <details>
                        <summary className="cursor-pointer text-slate-700">Raw body</summary>
                        <pre className="max-w-xl whitespace-pre-wrap break-all text-xs">{e.rawBody}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Kommo connection · CRM Hub' }];
