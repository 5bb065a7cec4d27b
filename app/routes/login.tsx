import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Field } from '~/components/ui/field';
import { callerFor, formResult } from '~/lib/trpc.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await callerFor(request, context);
  const me = await caller.auth.me();
  if (me.user) throw redirect(me.tenant ? '/' : '/admin');
  return null;
}

const safeRedirect = z
  .string()
  .regex(/^\/(?!\/)[^\s\\]*$/)
  .catch('');

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const { caller, headers } = await callerFor(request, context);
  const result = await formResult(caller.auth.login({ email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') }));
  if (!result.ok) {
    return data({ error: result.message, fieldErrors: result.fieldErrors ?? {} }, { status: result.status, headers });
  }
  const next = safeRedirect.parse(form.get('redirectTo') ?? '');
  return redirect(next || result.value.redirectTo, { headers });
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const busy = navigation.state !== 'idle';
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-bold">CRM Hub</h1>
        <p className="mt-1 text-sm text-slate-700">Log in to your workspace.</p>
        <Form method="post" className="mt-6 space-y-4" noValidate>
          <input type="hidden" name="redirectTo" value={params.get('redirectTo') ?? ''} />
          {actionData?.error ? <Alert>{actionData.error}</Alert> : null}
          <Field label="E-mail" name="email" type="email" autoComplete="username" required autoFocus error={actionData?.fieldErrors?.email} />
          <Field label="Password" name="password" type="password" autoComplete="current-password" required error={actionData?.fieldErrors?.password} />
          <Button type="submit" className="w-full" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </Button>
        </Form>
      </div>
    </main>
  );
}

export const meta: MetaFunction = () => [{ title: 'Log in · CRM Hub' }];
