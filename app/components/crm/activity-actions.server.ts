import { z } from 'zod';
import { userActivityKinds } from '../../../server/shared/crm';
import type { callerFor } from '~/lib/trpc.server';
import { formResult } from '~/lib/trpc.server';
import { issuesToFieldErrors } from './form-values';

type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];
export type ActivitySubject = { leadId: string } | { contactId: string } | { accountId: string };

export const activityFormSchema = z.object({
  kind: z.enum(userActivityKinds, { error: 'Choose a type.' }),
  title: z.string({ error: 'Say what happened.' }).trim().min(1, 'Say what happened.').max(300, 'At most 300 characters.'),
  description: z
    .string()
    .trim()
    .max(10_000)
    .optional()
    .transform((v) => v || null),
  dueAt: z
    .string()
    .optional()
    .refine((v) => !v || /^\d{4}-\d{2}-\d{2}$/.test(v), 'A date like 2026-12-31.')
    .transform((v) => (v ? new Date(`${v}T12:00:00.000Z`) : null)),
  completed: z
    .string()
    .optional()
    .transform((v) => v === '1'),
});

export type ActivityActionResult =
  | { ok: true; intent: string; message: string }
  | { ok: false; intent: string; message: string; fieldErrors: Record<string, string[]>; status: number };

/** The timeline's intents (add, complete, reopen), shared by the lead, account and contact pages; null for any other intent. */
export async function activityAction(caller: Caller, intent: string, form: FormData, subject: ActivitySubject): Promise<ActivityActionResult | null> {
  if (intent === 'addActivity') {
    const parsed = activityFormSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) return { ok: false, intent, status: 400, message: 'Please correct the activity.', fieldErrors: issuesToFieldErrors(parsed.error) };
    const { completed, ...fields } = parsed.data;
    const result = await formResult(caller.crm.activities.create({ ...subject, ...fields, completedAt: completed ? new Date() : null }));
    return result.ok
      ? { ok: true, intent, message: 'Activity added.' }
      : { ok: false, intent, status: result.status, message: result.message, fieldErrors: result.fieldErrors ?? {} };
  }
  if (intent === 'completeActivity' || intent === 'reopenActivity') {
    const id = String(form.get('activityId') ?? '');
    const result = await formResult(caller.crm.activities.update({ id, completedAt: intent === 'completeActivity' ? new Date() : null }));
    return result.ok
      ? { ok: true, intent, message: intent === 'completeActivity' ? 'Marked complete.' : 'Reopened.' }
      : { ok: false, intent, status: result.status, message: result.message, fieldErrors: result.fieldErrors ?? {} };
  }
  return null;
}
