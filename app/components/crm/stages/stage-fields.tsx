import { useId } from 'react';
import { Field } from '~/components/ui/field';
import type { FieldErrors } from './fetcher-dialog';
import { colorName, stagePalette } from './palette';

export interface StageValues {
  name: string;
  color: string;
  isQualified: boolean;
  isWon: boolean;
  isLost: boolean;
}


/**
 * The inputs of a stage (add and edit share them): name, a colour from the palette,
 * "counts as qualified", and the outcome (open / won / lost: never both won and lost).
 */
export function StageFields({ values, errors }: { values?: StageValues; errors?: FieldErrors }) {
  const outcome = values?.isWon ? 'won' : values?.isLost ? 'lost' : 'open';
  const id = useId();
  return (
    <div className="space-y-4">
      <Field label="Name" name="name" defaultValue={values?.name} required maxLength={80} autoComplete="off" error={errors?.name} />
      <ColorPicker defaultValue={values?.color ?? stagePalette[0].value} error={errors?.color} />
      <div className="flex items-start gap-2">
        <input
          id={`${id}-qualified`}
          type="checkbox"
          name="isQualified"
          defaultChecked={values?.isQualified}
          aria-describedby={`${id}-qualified-hint`}
          className="mt-1 h-4 w-4 rounded border-slate-400"
        />
        <div>
          <label htmlFor={`${id}-qualified`} className="text-sm font-medium text-slate-800">
            Qualified stage
          </label>
          <p id={`${id}-qualified-hint`} className="text-xs text-slate-700">
            A lead moved here becomes qualified.
          </p>
        </div>
      </div>
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Outcome</legend>
        <div className="mt-1 flex flex-wrap gap-4">
          {(
            [
              ['open', 'Open'],
              ['won', 'Won'],
              ['lost', 'Lost (marks leads lost)'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex items-center gap-2 text-sm">
              <input type="radio" name="outcome" value={value} defaultChecked={outcome === value} className="h-4 w-4" />
              {label}
            </label>
          ))}
        </div>
        {errors?.isLost || errors?.isWon ? <p className="mt-1 text-sm text-red-700">{[...(errors.isWon ?? []), ...(errors.isLost ?? [])].join(' ')}</p> : null}
      </fieldset>
    </div>
  );
}

/** A radio group of swatches: arrow keys move between colours, the name is read out. */
function ColorPicker({ defaultValue, error }: { defaultValue: string; error?: string[] }) {
  const inPalette = stagePalette.some((c) => c.value.toLowerCase() === defaultValue.toLowerCase());
  const colors = inPalette ? stagePalette : [{ name: colorName(defaultValue), value: defaultValue }, ...stagePalette];
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-800">Color</legend>
      <div className="mt-1 flex flex-wrap gap-2">
        {colors.map((c) => (
          <label key={c.value} className="relative cursor-pointer" title={c.name}>
            <input
              type="radio"
              name="color"
              value={c.value}
              defaultChecked={c.value.toLowerCase() === defaultValue.toLowerCase()}
              className="peer sr-only"
            />
            <span className="sr-only">{c.name}</span>
            <span
              aria-hidden="true"
              className="flex h-9 w-9 items-center justify-center rounded-full border-2 border-white shadow ring-1 ring-slate-300 peer-checked:ring-2 peer-checked:ring-slate-900 peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-brand-600 peer-checked:[&_svg]:block"
              style={{ backgroundColor: c.value }}
            >
              <svg viewBox="0 0 20 20" className="hidden h-4 w-4 text-white" fill="none" stroke="currentColor" strokeWidth="3">
                <path d="M4 10l4 4 8-8" />
              </svg>
            </span>
          </label>
        ))}
      </div>
      {error?.length ? <p className="mt-1 text-sm text-red-700">{error.join(' ')}</p> : null}
    </fieldset>
  );
}
