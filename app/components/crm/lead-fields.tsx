import { leadSources } from '../../../server/shared/crm';
import { Field } from '../ui/field';
import { CustomFieldInputs, MemberOptions, SelectInput, type CustomFieldDef } from './fields';
import { humanize } from './format';

export interface LeadFieldValues {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  position?: string | null;
  taxId?: string | null;
  source?: string | null;
  status?: string | null;
  stageId?: string | null;
  amount?: number | string | null;
  assignedTo?: string | null;
  custom?: Record<string, string | number> | null;
}

export interface MemberOption {
  userId: string;
  name: string | null;
  email: string;
}

/** The inputs of the new-lead and edit-lead forms (the surrounding <Form> is the page's). */
export function LeadFields({
  values,
  errors = {},
  stages,
  members,
  customFields,
  statusLocked,
  currentUserId,
}: {
  values: LeadFieldValues;
  errors?: Record<string, string[]>;
  stages: { id: string; name: string }[];
  /** When given (managers creating a lead), an assignee select is shown. */
  members?: MemberOption[] | null;
  customFields: CustomFieldDef[];
  statusLocked?: boolean;
  currentUserId?: string;
}) {
  const v = (x: string | number | null | undefined) => (x === null || x === undefined ? '' : String(x));
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" required maxLength={200} defaultValue={v(values.name)} error={errors.name} autoComplete="off" />
        <Field label="Company" name="company" maxLength={200} defaultValue={v(values.company)} error={errors.company} autoComplete="off" />
        <Field label="E-mail" name="email" type="email" maxLength={320} defaultValue={v(values.email)} error={errors.email} autoComplete="off" />
        <Field
          label="Phone"
          name="phone"
          type="tel"
          maxLength={40}
          defaultValue={v(values.phone)}
          error={errors.phone}
          hint="Without a country code, the workspace's country is assumed."
          autoComplete="off"
        />
        <Field label="Position" name="position" maxLength={200} defaultValue={v(values.position)} error={errors.position} autoComplete="off" />
        <Field label="Tax ID" name="taxId" maxLength={64} defaultValue={v(values.taxId)} error={errors.taxId} autoComplete="off" />
        <SelectInput label="Source" name="source" defaultValue={v(values.source) || 'other'} error={errors.source}>
          {leadSources.map((s) => (
            <option key={s} value={s}>
              {s === 'inbound_email' ? 'Inbound e-mail' : humanize(s)}
            </option>
          ))}
        </SelectInput>
        {statusLocked ? (
          <div className="space-y-1 text-sm">
            <span className="block font-medium text-slate-800">Status</span>
            <span className="block py-2">Converted (fixed)</span>
          </div>
        ) : (
          <SelectInput label="Status" name="status" defaultValue={v(values.status) || 'new'} error={errors.status}>
            <option value="new">New</option>
            <option value="contacted">Contacted</option>
            <option value="qualified">Qualified</option>
            <option value="lost">Lost</option>
          </SelectInput>
        )}
        <SelectInput label="Stage" name="stageId" defaultValue={v(values.stageId) || stages[0]?.id} error={errors.stageId}>
          {stages.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectInput>
        <Field label="Amount" name="amount" inputMode="decimal" defaultValue={v(values.amount)} error={errors.amount} hint="Expected deal value." autoComplete="off" />
        {members ? (
          <SelectInput label="Assignee" name="assignedTo" defaultValue={v(values.assignedTo) || currentUserId || 'unassigned'} error={errors.assignedTo}>
            <option value="unassigned">Unassigned</option>
            <MemberOptions members={members} />
          </SelectInput>
        ) : null}
      </div>
      <CustomFieldInputs definitions={customFields} values={values.custom} errors={errors} />
    </div>
  );
}
