import type { callerFor } from '~/lib/trpc.server';
import { formResult } from '~/lib/trpc.server';
import type { DuplicateMatchView } from './duplicate-matches';
import { isUuid } from './format';
import { customFromForm, formObject, issuesToFieldErrors, leadFormSchema, saveAnywaySchema } from './form-values';

type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];

export type LeadSaveOutcome =
  | { kind: 'saved'; id: string }
  | { kind: 'mergedInto'; id: string }
  | { kind: 'duplicate'; status: 200; message: string; matches: DuplicateMatchView[]; fieldErrors: Record<string, string[]> }
  | { kind: 'error'; status: number; message: string; fieldErrors: Record<string, string[]> };

/** The reason recorded when a manager folds a just-typed lead into an existing one. */
const MERGE_REASON = 'Entered again; merged into the existing lead on save.';

/**
 * The new-lead and edit-lead forms' action: validate, save, and on a duplicate answer
 * hand the matches back for the page to show. Intents: `save`, `saveAnyway` (with a
 * reason) and, for a new lead, `mergeInto:<id>` (managers): the typed lead is saved and
 * merged into that match at once, the match's own values winning where it has them.
 */
export async function saveLeadFromForm(
  caller: Caller,
  form: FormData,
  options: { leadId?: string; customKeys: { key: string }[]; canManage: boolean; statusLocked?: boolean },
): Promise<LeadSaveOutcome> {
  const intent = String(form.get('intent') ?? 'save');
  const parsed = leadFormSchema.safeParse(formObject(form));
  if (!parsed.success) return { kind: 'error', status: 400, message: 'Please correct the highlighted fields.', fieldErrors: issuesToFieldErrors(parsed.error) };
  const { assignedTo, ...fields } = parsed.data;
  const custom = customFromForm(form, options.customKeys);
  const input = { ...fields, status: options.statusLocked ? undefined : fields.status, custom };

  const mergeTarget = intent.startsWith('mergeInto:') ? intent.slice('mergeInto:'.length) : null;
  if (mergeTarget !== null && (!options.canManage || options.leadId || !isUuid(mergeTarget))) {
    return { kind: 'error', status: 403, message: 'Only managers merge a new lead into an existing one.', fieldErrors: {} };
  }

  let saveAnyway: { reason: string } | undefined;
  let reasonErrors: Record<string, string[]> = {};
  if (intent === 'saveAnyway') {
    const reason = saveAnywaySchema.safeParse({ reason: form.get('reason') ?? undefined });
    if (reason.success) saveAnyway = reason.data;
    else reasonErrors = issuesToFieldErrors(reason.error);
  } else if (mergeTarget) {
    saveAnyway = { reason: MERGE_REASON };
  }

  const saved = await formResult(
    options.leadId
      ? caller.crm.leads.update({ id: options.leadId, ...input, saveAnyway })
      : caller.crm.leads.create({ ...input, ...(options.canManage && assignedTo !== undefined ? { assignedTo } : {}), saveAnyway }),
  );
  if (!saved.ok) return { kind: 'error', status: saved.status, message: saved.message, fieldErrors: saved.fieldErrors ?? {} };
  if (saved.value.status === 'duplicate') {
    return {
      // a question for the user, not a failure: 200, so the browser logs no failed request
      kind: 'duplicate',
      status: 200,
      message: Object.keys(reasonErrors).length ? 'Give a reason to save despite the duplicates.' : 'This may be a duplicate.',
      matches: saved.value.matches,
      fieldErrors: reasonErrors,
    };
  }
  const id = saved.value.lead.id;
  if (mergeTarget) {
    const merged = await formResult(caller.crm.leads.merge({ survivorId: mergeTarget, mergedId: id }));
    if (!merged.ok) {
      return { kind: 'error', status: merged.status, message: `The lead was saved, but merging it failed: ${merged.message} Open it to merge by hand.`, fieldErrors: {} };
    }
    return { kind: 'mergedInto', id: mergeTarget };
  }
  return { kind: 'saved', id };
}
