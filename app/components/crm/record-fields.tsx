import { AccountPicker } from './account-picker';
import { Field } from '../ui/field';
import { CustomFieldInputs, MemberOptions, SelectInput, TextAreaInput, type CustomFieldDef } from './fields';
import type { MemberOption } from './lead-fields';

const v = (x: string | number | null | undefined) => (x === null || x === undefined ? '' : String(x));

export interface AccountFieldValues {
  name?: string | null;
  domain?: string | null;
  industry?: string | null;
  phone?: string | null;
  address?: string | null;
  taxId?: string | null;
  notes?: string | null;
  ownerId?: string | null;
  custom?: Record<string, string | number> | null;
}

/** Inputs of the account forms (new and edit). The owner select shows when `members` is given (managers). */
export function AccountFields({
  values,
  errors = {},
  members,
  customFields,
}: {
  values: AccountFieldValues;
  errors?: Record<string, string[]>;
  members?: MemberOption[] | null;
  customFields: CustomFieldDef[];
}) {
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" required maxLength={200} defaultValue={v(values.name)} error={errors.name} autoComplete="off" />
        <Field label="Domain" name="domain" maxLength={253} defaultValue={v(values.domain)} error={errors.domain} hint="e.g. example.com" autoComplete="off" />
        <Field label="Industry" name="industry" maxLength={120} defaultValue={v(values.industry)} error={errors.industry} autoComplete="off" />
        <Field label="Phone" name="phone" type="tel" maxLength={40} defaultValue={v(values.phone)} error={errors.phone} autoComplete="off" />
        <Field label="Tax ID" name="taxId" maxLength={64} defaultValue={v(values.taxId)} error={errors.taxId} autoComplete="off" />
        {members ? (
          <SelectInput label="Owner" name="ownerId" defaultValue={v(values.ownerId) || 'none'} error={errors.ownerId}>
            <option value="none">No owner</option>
            <MemberOptions members={members} />
          </SelectInput>
        ) : null}
      </div>
      <TextAreaInput label="Address" name="address" maxLength={500} defaultValue={v(values.address)} error={errors.address} rows={2} />
      <TextAreaInput label="Notes" name="notes" maxLength={10000} defaultValue={v(values.notes)} error={errors.notes} rows={4} />
      <CustomFieldInputs definitions={customFields} values={values.custom} errors={errors} />
    </div>
  );
}

export interface ContactFieldValues {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  position?: string | null;
  accountId?: string | null;
  custom?: Record<string, string | number> | null;
}

/** Inputs of the contact forms (new and edit). */
export function ContactFields({
  values,
  errors = {},
  accounts,
  customFields,
}: {
  values: ContactFieldValues;
  errors?: Record<string, string[]>;
  accounts: { id: string; name: string }[];
  customFields: CustomFieldDef[];
}) {
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="First name" name="firstName" required maxLength={120} defaultValue={v(values.firstName)} error={errors.firstName} autoComplete="off" />
        <Field label="Last name" name="lastName" maxLength={120} defaultValue={v(values.lastName)} error={errors.lastName} autoComplete="off" />
        <Field label="E-mail" name="email" type="email" maxLength={320} defaultValue={v(values.email)} error={errors.email} autoComplete="off" />
        <Field label="Phone" name="phone" type="tel" maxLength={40} defaultValue={v(values.phone)} error={errors.phone} autoComplete="off" />
        <Field label="Position" name="position" maxLength={200} defaultValue={v(values.position)} error={errors.position} autoComplete="off" />
        <AccountPicker accounts={accounts} defaultValue={v(values.accountId) || 'none'} error={errors.accountId} />
      </div>
      <CustomFieldInputs definitions={customFields} values={values.custom} errors={errors} />
    </div>
  );
}
