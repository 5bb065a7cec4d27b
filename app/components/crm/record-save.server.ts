import type { callerFor } from '~/lib/trpc.server';
import { formResult } from '~/lib/trpc.server';
import type { DuplicateMatchView } from './duplicate-matches';
import { accountFormSchema, contactFormSchema, customFromForm, formObject, issuesToFieldErrors, saveAnywaySchema } from './form-values';

type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];

export type RecordSaveOutcome =
  | { kind: 'saved'; id: string }
  | { kind: 'duplicate'; status: 200; message: string; matches: DuplicateMatchView[]; fieldErrors: Record<string, string[]> }
  | { kind: 'error'; status: number; message: string; fieldErrors: Record<string, string[]> };

const invalid = (fieldErrors: Record<string, string[]>): RecordSaveOutcome => ({ kind: 'error', status: 400, message: 'Please correct the highlighted fields.', fieldErrors });

/** The account forms' action: validate, create or update. Only managers send an owner. */
export async function saveAccountFromForm(caller: Caller, form: FormData, options: { accountId?: string; customKeys: { key: string }[]; canManage: boolean }): Promise<RecordSaveOutcome> {
  const parsed = accountFormSchema.safeParse(formObject(form));
  if (!parsed.success) return invalid(issuesToFieldErrors(parsed.error));
  const { ownerId, ...fields } = parsed.data;
  const input = { ...fields, ...(options.canManage && ownerId !== undefined ? { ownerId } : {}), custom: customFromForm(form, options.customKeys) };
  const result = await formResult(options.accountId ? caller.crm.accounts.update({ id: options.accountId, ...input }) : caller.crm.accounts.create(input));
  return result.ok ? { kind: 'saved', id: result.value.id } : { kind: 'error', status: result.status, message: result.message, fieldErrors: result.fieldErrors ?? {} };
}

/**
 * The contact forms' action. A duplicate phone can be saved anyway with a reason; a
 * duplicate e-mail cannot (contacts' e-mails are unique) and comes back as a conflict.
 */
export async function saveContactFromForm(caller: Caller, form: FormData, options: { contactId?: string; customKeys: { key: string }[] }): Promise<RecordSaveOutcome> {
  const parsed = contactFormSchema.safeParse(formObject(form));
  if (!parsed.success) return invalid(issuesToFieldErrors(parsed.error));
  let saveAnyway: { reason: string } | undefined;
  let reasonErrors: Record<string, string[]> = {};
  if (form.get('intent') === 'saveAnyway') {
    const reason = saveAnywaySchema.safeParse({ reason: form.get('reason') ?? undefined });
    if (reason.success) saveAnyway = reason.data;
    else reasonErrors = issuesToFieldErrors(reason.error);
  }
  const input = { ...parsed.data, custom: customFromForm(form, options.customKeys), saveAnyway };
  const result = await formResult(options.contactId ? caller.crm.contacts.update({ id: options.contactId, ...input }) : caller.crm.contacts.create(input));
  if (!result.ok) return { kind: 'error', status: result.status, message: result.message, fieldErrors: result.fieldErrors ?? {} };
  if (result.value.status === 'duplicate') {
    return {
      // a question for the user, not a failure: 200, so the browser logs no failed request
      kind: 'duplicate',
      status: 200,
      message: Object.keys(reasonErrors).length ? 'Give a reason to save despite the duplicates.' : 'This may be a duplicate.',
      matches: result.value.matches,
      fieldErrors: reasonErrors,
    };
  }
  return { kind: 'saved', id: result.value.contact.id };
}
