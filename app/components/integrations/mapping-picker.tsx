import { useId, useState } from 'react';

/**
 * A searchable single choice: a search box that narrows a list of radio buttons. Radios
 * keep the keyboard behaviour browsers already give them (arrows move, the form posts
 * the checked one under `name`), so the picker needs no ARIA combobox machinery.
 */
export interface PickerOption {
  value: string;
  label: string;
  /** e.g. the field's type, "required", "read-only" */
  detail?: string;
  disabled?: boolean;
  highlight?: boolean;
}

export function FieldPicker({
  legend,
  name,
  options,
  defaultValue,
  error,
  searchLabel,
}: {
  legend: string;
  name: string;
  options: PickerOption[];
  defaultValue?: string;
  error?: string[];
  searchLabel: string;
}) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState(defaultValue ?? '');
  const q = query.trim().toLowerCase();
  const shown = options.filter((o) => o.value === chosen || !q || o.label.toLowerCase().includes(q) || o.value.toLowerCase().includes(q));
  return (
    <fieldset className="min-w-0 space-y-2" aria-describedby={error?.length ? `${id}-error` : undefined} aria-invalid={error?.length ? true : undefined}>
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <input
        type="search"
        aria-label={searchLabel}
        placeholder="Search…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          // Enter in the search box picks the only match instead of submitting the form
          if (e.key !== 'Enter') return;
          e.preventDefault();
          const matches = shown.filter((o) => !o.disabled);
          if (matches.length === 1) setChosen(matches[0]!.value);
        }}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
      />
      <div className="max-h-48 overflow-y-auto rounded-md border border-slate-200">
        {shown.length === 0 ? (
          <p className="px-3 py-2 text-sm text-slate-700">No field matches “{query}”.</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {shown.map((o) => (
              <li key={o.value}>
                <label className={`flex cursor-pointer items-start gap-2 px-3 py-2 text-sm ${o.highlight ? 'bg-amber-50' : ''} ${o.disabled ? 'cursor-not-allowed text-slate-600' : ''}`}>
                  <input
                    type="radio"
                    name={name}
                    value={o.value}
                    checked={chosen === o.value}
                    disabled={o.disabled}
                    onChange={() => setChosen(o.value)}
                    className="mt-1"
                  />
                  <span className="min-w-0">
                    <span className="font-medium">{o.label}</span> <span className="break-all text-slate-600">({o.value})</span>
                    {o.detail ? <span className="block text-xs text-slate-700">{o.detail}</span> : null}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </div>
      {error?.length ? (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}
