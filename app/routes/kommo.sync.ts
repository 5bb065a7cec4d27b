import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import { z } from 'zod';
import { callerFor, formResult } from '~/lib/trpc.server';

/**
 * The "Sync to Kommo" button's endpoint (app/components/kommo/sync-to-kommo.tsx):
 * GET → what the button shows before a click (connected? linked?); POST intent=sync →
 * kommo.syncLead (one profile, one click); POST intent=link → kommo.linkLead. Every
 * rule lives in the procedures; this route only parses the form.
 */

const profileSchema = z.object({ profileType: z.enum(['lead', 'contact']), profileId: z.string().uuid() });
const linkSchema = profileSchema.extend({ kommoLeadId: z.coerce.number().int().positive(), kommoContactId: z.coerce.number().int().positive().optional() });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const parsed = profileSchema.safeParse({ profileType: url.searchParams.get('profileType') ?? 'lead', profileId: url.searchParams.get('profileId') });
  if (!parsed.success) return data({ ok: false as const, message: 'Not a lead or contact.' }, { status: 400 });
  const { caller, headers } = await callerFor(request, context);
  const result = await formResult(caller.kommo.linkStatus(parsed.data));
  return data(result.ok ? { ok: true as const, status: result.value } : { ok: false as const, message: result.message }, { status: result.ok ? 200 : result.status, headers });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = Object.fromEntries(await request.formData());
  const { caller, headers } = await callerFor(request, context);
  if (form.intent === 'link') {
    const parsed = linkSchema.safeParse(form);
    if (!parsed.success) return data({ intent: 'link' as const, ok: false as const, message: 'Choose the Kommo lead to link.' }, { status: 400 });
    const result = await formResult(caller.kommo.linkLead(parsed.data));
    return data(result.ok ? { intent: 'link' as const, ok: true as const, linked: result.value } : { intent: 'link' as const, ok: false as const, message: result.message }, { status: result.ok ? 200 : result.status, headers });
  }
  const parsed = profileSchema.safeParse(form);
  if (!parsed.success) return data({ intent: 'sync' as const, ok: false as const, message: 'Not a lead or contact.' }, { status: 400 });
  const result = await formResult(caller.kommo.syncLead(parsed.data));
  return data(result.ok ? { intent: 'sync' as const, ok: true as const, sync: result.value } : { intent: 'sync' as const, ok: false as const, message: result.message }, { status: result.ok ? 200 : result.status, headers });
}
