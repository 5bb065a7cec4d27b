import { useId } from 'react';

/**
 * Select and textarea with label, hint and error wired for screen readers (the shared
 * `Field` covers inputs), plus the inputs of a tenant's custom fields.
 */

const control = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm aria-[invalid]:border-red-600';

function Described({ id, hint, errors }: { id: string; hint?: string; errors?: string[] }) {
  if (errors?.length)
    return (
      <p id={`${id}-error`} className="text-sm text-red-700">
        {errors.join(' ')}
      </p>
    );
  return hint ? (
    <p id={`${id}-hint`} className="text-xs text-slate-600">
      {hint}
    </p>
  ) : null;
}

const describedBy = (id: string, hint?: string, errors?: string[]) => (errors?.length ? `${id}-error` : hint ? `${id}-hint` : undefined);

type ControlA11y = { id: string; 'aria-invalid': true | undefined; 'aria-describedby': string | undefined };

/** The label, hint and error around one control; `control` gets the id and aria attributes that tie them together. */
function Labelled({ label, error, hint, control: render }: { label: string; error?: string[]; hint?: string; control: (a11y: ControlA11y) => React.ReactNode }) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {render({ id, 'aria-invalid': error?.length ? true : undefined, 'aria-describedby': describedBy(id, hint, error) })}
      <Described id={id} hint={hint} errors={error} />
    </div>
  );
}

export function SelectInput({
  label,
  error,
  hint,
  children,
  ...select
}: React.SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string[]; hint?: string }) {
  return (
    <Labelled
      label={label}
      error={error}
      hint={hint}
      control={(a11y) => (
        <select {...a11y} className={control} {...select}>
          {children}
        </select>
      )}
    />
  );
}

export function TextAreaInput({
  label,
  error,
  hint,
  ...area
}: React.TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; error?: string[]; hint?: string }) {
  return <Labelled label={label} error={error} hint={hint} control={({ id, ...aria }) => <textarea id={id} rows={3} {...aria} className={control} {...area} />} />;
}

/** The `<option>`s of a member picker: "Name (e-mail)", or the e-mail alone. */
export function MemberOptions({ members }: { members: { userId: string; name: string | null; email: string }[] }) {
  return members.map((m) => (
    <option key={m.userId} value={m.userId}>
      {m.name ? `${m.name} (${m.email})` : m.email}
    </option>
  ));
}

export interface CustomFieldDef {
  key: string;
  label: string;
  type: string;
  options: string[];
  required: boolean;
}

/** One input per custom field the tenant defined for the entity, named `custom.<key>`. */
export function CustomFieldInputs({
  definitions,
  values,
  errors,
}: {
  definitions: CustomFieldDef[];
  values?: Record<string, string | number> | null;
  errors?: Record<string, string[]>;
}) {
  if (definitions.length === 0) return null;
  return (
    <fieldset className="space-y-4 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">Custom fields</legend>
      <div className="grid gap-4 sm:grid-cols-2">
        {definitions.map((def) => (
          <CustomFieldInput key={def.key} def={def} value={values?.[def.key]} error={errors?.[`custom.${def.key}`]} />
        ))}
      </div>
    </fieldset>
  );
}

function CustomFieldInput({ def, value, error }: { def: CustomFieldDef; value: string | number | undefined; error?: string[] }) {
  const id = useId();
  const name = `custom.${def.key}`;
  const label = `${def.label}${def.required ? ' (required)' : ''}`;
  const common = {
    id,
    name,
    required: def.required,
    'aria-invalid': error?.length ? true : undefined,
    'aria-describedby': error?.length ? `${id}-error` : undefined,
    className: control,
  } as const;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {def.type === 'select' ? (
        <select {...common} defaultValue={value === undefined ? '' : String(value)}>
          <option value="">—</option>
          {def.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={def.type === 'number' ? 'number' : def.type === 'date' ? 'date' : 'text'}
          step={def.type === 'number' ? 'any' : undefined}
          defaultValue={value === undefined ? '' : String(value)}
        />
      )}
      <Described id={id} errors={error} />
    </div>
  );
}

/** Read-only list of a record's custom values, in the definitions' order. */
export function CustomFieldValues({ definitions, values }: { definitions: CustomFieldDef[]; values: Record<string, string | number> | null }) {
  if (definitions.length === 0) return null;
  return (
    <>
      {definitions.map((def) => (
        <div key={def.key}>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{def.label}</dt>
          <dd className="mt-0.5 break-words">{values?.[def.key] === undefined ? '—' : String(values[def.key])}</dd>
        </div>
      ))}
    </>
  );
}

/** One label/value pair of a record's details list (inside a <dl>). */
export function Fact({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className="mt-0.5 break-words">{value || '—'}</dd>
    </div>
  );
}
