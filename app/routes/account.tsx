import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Alert, PageHeader } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Field } from '~/components/ui/field';
import { requireUser } from '~/lib/guards.server';
import { formResult } from '~/lib/trpc.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, tenant } = await requireUser(request, context);
  return { email: user.email, home: tenant ? '/' : '/admin' };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { caller, headers } = await requireUser(request, context);
  const form = await request.formData();
  const result = await formResult(
    caller.auth.changePassword({
      currentPassword: String(form.get('currentPassword') ?? ''),
      newPassword: String(form.get('newPassword') ?? ''),
      confirmPassword: String(form.get('confirmPassword') ?? ''),
    }),
  );
  return data(
    result.ok ? { ok: true as const, message: 'Password changed. Your other sessions were logged out.', fieldErrors: {} as Record<string, string[]> } : { ok: false as const, message: result.message, fieldErrors: result.fieldErrors ?? {} },
    { status: result.ok ? 200 : result.status, headers },
  );
}

export default function Account() {
  const { email, home } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <main className="mx-auto max-w-lg px-4 py-10">
      <Link to={home} className="text-sm font-medium text-brand-700 hover:underline">
        ← Back
      </Link>
      <div className="mt-4">
        <PageHeader title="Your account" description={email} />
      </div>
      <Form method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <h2 className="font-semibold">Change password</h2>
        {result ? <Alert tone={result.ok ? 'success' : 'error'}>{result.message}</Alert> : null}
        <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={result?.fieldErrors?.currentPassword} />
        <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required hint="At least 12 characters." error={result?.fieldErrors?.newPassword} />
        <Field label="Repeat new password" name="confirmPassword" type="password" autoComplete="new-password" required error={result?.fieldErrors?.confirmPassword} />
        <Button type="submit" disabled={busy}>
          Change password
        </Button>
      </Form>
    </main>
  );
}

export const meta: MetaFunction = () => [{ title: 'Account · CRM Hub' }];
