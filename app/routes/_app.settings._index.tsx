import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Field, SelectField } from '~/components/ui/field';
import { sectionLoader } from '~/lib/section.server';
import { callerFor, formResult, orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('org.settings.manage')(args);
  const { organization } = await orThrowResponse(caller.org.overview());
  // Intl lists canonical region zones only (no "UTC"): the current value must be an option,
  // or the select would silently submit the first zone of the list
  const timezones = Intl.supportedValuesOf('timeZone');
  return { organization, timezones: timezones.includes(organization.timezone) ? timezones : [organization.timezone, ...timezones] };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const { caller, headers } = await callerFor(request, context);
  const result = await formResult(
    caller.org.updateSettings({
      name: String(form.get('name') ?? ''),
      timezone: String(form.get('timezone') ?? ''),
      dayBoundaryHour: Number(form.get('dayBoundaryHour')),
    }),
  );
  if (!result.ok) return data({ ok: false as const, error: result.message, fieldErrors: result.fieldErrors ?? {} }, { status: result.status, headers });
  return data({ ok: true as const, error: null, fieldErrors: {} as Record<string, string[]> }, { headers });
}

export default function GeneralSettings() {
  const { organization, timezones } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <Form method="post" className="max-w-lg space-y-4 rounded-lg border border-slate-200 bg-white p-6">
      {result?.ok ? <Alert tone="success">Settings saved.</Alert> : null}
      {result && !result.ok ? <Alert>{result.error}</Alert> : null}
      <Field label="Workspace name" name="name" defaultValue={organization.name} required error={result?.fieldErrors?.name} />
      <SelectField label="Time zone" name="timezone" defaultValue={organization.timezone}>
        {timezones.map((tz) => (
          <option key={tz}>{tz}</option>
        ))}
      </SelectField>
      <Field
        label="Hour the business day starts"
        name="dayBoundaryHour"
        type="number"
        min={0}
        max={23}
        defaultValue={organization.dayBoundaryHour}
        hint="Daily reports cover the 24 hours from this hour, in the time zone above."
        error={result?.fieldErrors?.dayBoundaryHour}
      />
      <Button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save settings'}
      </Button>
    </Form>
  );
}

export const meta: MetaFunction = () => [{ title: 'Settings · CRM Hub' }];
