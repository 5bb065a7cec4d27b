import type { ValidationError } from './errors';
import { KOMMO_USERS } from './people';
import type { ContactInput, CustomFieldInput, LeadInput, LeadPatch } from './schemas';
import { CONTACT_FIELDS, LEAD_FIELDS, LOSS_REASONS, PIPELINES, type CustomFieldValue, type FieldValue, type KommoStore, type Lead } from './store';

/**
 * Turns validated request bodies into store fields, checking references (pipelines,
 * statuses, users, custom fields, enums) the way Kommo's validator does; problems are
 * collected as `validation-errors` entries.
 */

export class Problems {
  readonly list: ValidationError[] = [];
  add(requestId: string, path: string, detail: string, code = 'NotSupportedChoice'): void {
    this.list.push({ requestId, code, path, detail });
  }
  get any(): boolean {
    return this.list.length > 0;
  }
}

const userIds = new Set(KOMMO_USERS.map((u) => u.id));

export function checkUser(id: number | undefined, requestId: string, path: string, problems: Problems): void {
  if (id !== undefined && !userIds.has(id)) problems.add(requestId, path, 'The value you selected is not a valid choice.');
}

export function leadCustomFields(input: CustomFieldInput[] | null | undefined, requestId: string, prefix: string, problems: Problems): CustomFieldValue[] | null | undefined {
  if (input === undefined) return undefined;
  if (input === null) return null;
  const out: CustomFieldValue[] = [];
  input.forEach((field, i) => {
    const def = LEAD_FIELDS.find((d) => d.id === field.field_id || (field.field_code !== undefined && d.code === field.field_code));
    if (!def) {
      problems.add(requestId, `${prefix}custom_fields_values.${i}.field_id`, 'The value you selected is not a valid choice.');
      return;
    }
    out.push({ field_id: def.id, values: field.values.map((v) => ({ value: v.value })) });
  });
  return out;
}

export function contactFields(input: CustomFieldInput[] | null | undefined, requestId: string, prefix: string, problems: Problems): { phones?: FieldValue[]; emails?: FieldValue[]; position?: string | null } {
  if (input === undefined) return {};
  if (input === null) return { phones: [], emails: [], position: null };
  const out: { phones?: FieldValue[]; emails?: FieldValue[]; position?: string | null } = {};
  input.forEach((field, i) => {
    const def = Object.values(CONTACT_FIELDS).find((d) => d.id === field.field_id || d.code === field.field_code);
    const path = `${prefix}custom_fields_values.${i}`;
    if (!def) {
      problems.add(requestId, `${path}.field_id`, 'The value you selected is not a valid choice.');
      return;
    }
    if (def.code === 'POSITION') {
      out.position = String(field.values[0]!.value);
      return;
    }
    const enums = def.enums as Record<string, number>;
    const values: FieldValue[] = [];
    field.values.forEach((v, j) => {
      let code = v.enum_code ?? 'WORK';
      if (v.enum_id !== undefined) code = Object.entries(enums).find(([, id]) => id === v.enum_id)?.[0] ?? '';
      if (!enums[code]) {
        problems.add(requestId, `${path}.values.${j}.enum_code`, 'The value you selected is not a valid choice.');
        return;
      }
      const value = String(v.value).trim();
      if (def.code === 'EMAIL' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
        problems.add(requestId, `${path}.values.${j}.value`, 'This value is not a valid email address.', 'InvalidEmail');
        return;
      }
      if (def.code === 'PHONE' && value.replace(/\D/g, '').length < 5) {
        problems.add(requestId, `${path}.values.${j}.value`, 'This value is not a valid phone number.', 'InvalidPhone');
        return;
      }
      values.push({ value, enum_code: code });
    });
    if (def.code === 'PHONE') out.phones = values;
    else out.emails = values;
  });
  return out;
}

/** Pipeline and status of a lead: fills the missing one, checks the pair. */
export function pipelineAndStatus(input: { pipeline_id?: number; status_id?: number }, current: { pipelineId: number; statusId: number } | null, requestId: string, problems: Problems): { pipelineId: number; statusId: number } {
  let pipeline = input.pipeline_id !== undefined ? PIPELINES.find((p) => p.id === input.pipeline_id) : undefined;
  if (input.pipeline_id !== undefined && !pipeline) {
    problems.add(requestId, 'pipeline_id', 'The value you selected is not a valid choice.');
    return current ?? { pipelineId: PIPELINES[0]!.id, statusId: PIPELINES[0]!.statuses[1]!.id };
  }
  // without pipeline_id the status must belong to the lead's current pipeline (the main one for new leads)
  pipeline ??= current ? PIPELINES.find((p) => p.id === current.pipelineId)! : PIPELINES[0]!;
  const statusId = input.status_id ?? (current && current.pipelineId === pipeline.id ? current.statusId : pipeline.statuses[1]!.id);
  if (!pipeline.statuses.some((s) => s.id === statusId)) problems.add(requestId, 'status_id', 'The value you selected is not a valid choice.');
  return { pipelineId: pipeline.id, statusId };
}

export function checkLossReason(id: number | null | undefined, requestId: string, problems: Problems): void {
  if (id !== undefined && id !== null && !LOSS_REASONS.some((r) => r.id === id)) problems.add(requestId, 'loss_reason_id', 'The value you selected is not a valid choice.');
}

/** Tag references ({id} or {name}) to tag ids, creating tags named for the first time. */
export function resolveTags(store: KommoStore, refs: { id?: number; name?: string }[], requestId: string, path: string, problems: Problems): number[] {
  const ids: number[] = [];
  refs.forEach((ref, i) => {
    if (ref.id !== undefined) {
      if (!store.tags.has(ref.id)) problems.add(requestId, `${path}.${i}.id`, 'Tag not found', 'NotFound');
      else ids.push(ref.id);
    } else ids.push(store.addTag(ref.name!, null).id);
  });
  return [...new Set(ids)];
}

export function tagChanges(store: KommoStore, lead: Pick<Lead, 'tagIds'> | null, input: Pick<LeadInput | LeadPatch, 'tags_to_add' | 'tags_to_delete'> & { _embedded?: { tags?: { id?: number; name?: string }[] | null } }, requestId: string, problems: Problems): number[] | undefined {
  let tags: number[] | undefined;
  if (input._embedded?.tags !== undefined) tags = resolveTags(store, input._embedded.tags ?? [], requestId, '_embedded.tags', problems);
  if (input.tags_to_add) tags = [...new Set([...(tags ?? lead?.tagIds ?? []), ...resolveTags(store, input.tags_to_add, requestId, 'tags_to_add', problems)])];
  if (input.tags_to_delete) {
    const drop = new Set(input.tags_to_delete.map((t) => t.id ?? store.tagsByName.get(t.name!.toLowerCase())?.id));
    tags = (tags ?? [...(lead?.tagIds ?? [])]).filter((id) => !drop.has(id));
  }
  return tags;
}

export function contactNames(input: ContactInput): { firstName: string; lastName: string; name?: string } {
  if (input.first_name !== undefined || input.last_name !== undefined) return { firstName: input.first_name ?? '', lastName: input.last_name ?? '', ...(input.name ? { name: input.name } : {}) };
  const name = (input.name ?? '').trim();
  const [first = '', ...rest] = name.split(/\s+/);
  return { firstName: first, lastName: rest.join(' '), name };
}
