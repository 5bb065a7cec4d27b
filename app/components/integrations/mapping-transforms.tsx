import { useId, useState } from 'react';
import type { TransformStep } from '../../../server/services/sync/transforms';
import { Button } from '../ui/button';
import { dateFormatLabel, transformOpLabel } from './mapping-labels';

/**
 * The transforms of one mapping, built from the declarative set the engine interprets
 * (server/services/sync/transforms.ts) — never code. The steps travel to the action as
 * JSON in a hidden `transform` input; the server validates them with the same schema.
 */

type Op = TransformStep['op'];
const ops = Object.keys(transformOpLabel) as Op[];
const dateFormats = Object.keys(dateFormatLabel);

interface Draft {
  key: number;
  op: Op;
  format: string;
  /** value_map: one "CRM value = app value" per line */
  mapText: string;
  otherwise: 'keep' | 'null';
  /** concat: comma-separated CRM field names */
  fields: string;
  separator: string;
  value: string;
}

let nextKey = 1;
const blankDraft = (op: Op): Draft => ({ key: nextKey++, op, format: 'iso_date', mapText: '', otherwise: 'keep', fields: '', separator: ' ', value: '' });

function toDraft(step: TransformStep): Draft {
  const d = blankDraft(step.op);
  if (step.op === 'date') d.format = step.format;
  if (step.op === 'value_map') {
    d.mapText = Object.entries(step.map)
      .map(([crm, app]) => `${crm} = ${app}`)
      .join('\n');
    d.otherwise = step.otherwise;
  }
  if (step.op === 'concat') {
    d.fields = step.fields.join(', ');
    d.separator = step.separator;
  }
  if (step.op === 'default') d.value = step.value;
  return d;
}

/** Drafts → the JSON steps (malformed parts are sent as typed; the server says what is wrong). */
function toSteps(drafts: Draft[]): unknown[] {
  return drafts.map((d) => {
    switch (d.op) {
      case 'date':
        return { op: 'date', format: d.format };
      case 'value_map': {
        const map: Record<string, string> = {};
        for (const line of d.mapText.split('\n')) {
          const at = line.indexOf('=');
          if (at < 0) continue;
          const crm = line.slice(0, at).trim();
          if (crm) map[crm] = line.slice(at + 1).trim();
        }
        return { op: 'value_map', map, otherwise: d.otherwise };
      }
      case 'concat':
        return {
          op: 'concat',
          fields: d.fields
            .split(/[,\s]+/)
            .map((f) => f.trim())
            .filter(Boolean),
          separator: d.separator,
        };
      case 'default':
        return { op: 'default', value: d.value };
      default:
        return { op: d.op };
    }
  });
}

const inputClass = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm';

export function TransformEditor({ initial, error }: { initial: TransformStep[]; error?: string[] }) {
  const id = useId();
  const [drafts, setDrafts] = useState<Draft[]>(() => initial.map(toDraft));
  const [adding, setAdding] = useState<Op>('trim');
  const patch = (key: number, change: Partial<Draft>) => setDrafts((all) => all.map((d) => (d.key === key ? { ...d, ...change } : d)));
  const move = (index: number, by: -1 | 1) =>
    setDrafts((all) => {
      const next = [...all];
      const [item] = next.splice(index, 1);
      next.splice(index + by, 0, item!);
      return next;
    });
  return (
    <fieldset className="space-y-2" aria-describedby={error?.length ? `${id}-error` : `${id}-hint`}>
      <legend className="text-sm font-medium text-slate-800">Transforms</legend>
      <p id={`${id}-hint`} className="text-xs text-slate-600">
        Applied in order when a value comes from the CRM, backwards when it goes to the CRM.
      </p>
      <input type="hidden" name="transform" value={JSON.stringify(toSteps(drafts))} />
      {drafts.length === 0 ? <p className="text-sm text-slate-700">No transforms: values are copied as they are.</p> : null}
      <ol className="space-y-2">
        {drafts.map((d, i) => (
          <li key={d.key} className="space-y-2 rounded-md border border-slate-200 p-2" data-testid="transform-step">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <span className="text-sm font-medium">
                {i + 1}. {transformOpLabel[d.op]}
              </span>
              <span className="flex gap-1">
                <Button type="button" variant="ghost" className="min-h-8 px-2 py-1" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move step ${i + 1} up`}>
                  ↑
                </Button>
                <Button type="button" variant="ghost" className="min-h-8 px-2 py-1" disabled={i === drafts.length - 1} onClick={() => move(i, 1)} aria-label={`Move step ${i + 1} down`}>
                  ↓
                </Button>
                <Button type="button" variant="ghost" className="min-h-8 px-2 py-1" onClick={() => setDrafts((all) => all.filter((x) => x.key !== d.key))} aria-label={`Remove step ${i + 1}`}>
                  Remove
                </Button>
              </span>
            </div>
            {d.op === 'date' ? (
              <label className="block text-sm">
                CRM date format
                <select className={inputClass} value={d.format} onChange={(e) => patch(d.key, { format: e.target.value })}>
                  {dateFormats.map((f) => (
                    <option key={f} value={f}>
                      {dateFormatLabel[f]}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            {d.op === 'value_map' ? (
              <>
                <label className="block text-sm">
                  One “CRM value = app value” per line
                  <textarea className={inputClass} rows={3} value={d.mapText} onChange={(e) => patch(d.key, { mapText: e.target.value })} />
                </label>
                <label className="block text-sm">
                  Values not in the map
                  <select className={inputClass} value={d.otherwise} onChange={(e) => patch(d.key, { otherwise: e.target.value as Draft['otherwise'] })}>
                    <option value="keep">Keep them</option>
                    <option value="null">Leave the field empty</option>
                  </select>
                </label>
              </>
            ) : null}
            {d.op === 'concat' ? (
              <>
                <label className="block text-sm">
                  Then these CRM fields (comma-separated)
                  <input className={inputClass} value={d.fields} onChange={(e) => patch(d.key, { fields: e.target.value })} />
                </label>
                <label className="block text-sm">
                  Separator
                  <input className={inputClass} value={d.separator} maxLength={10} onChange={(e) => patch(d.key, { separator: e.target.value })} />
                </label>
                <p className="text-xs text-slate-600">A concatenation can only flow from the CRM to the app.</p>
              </>
            ) : null}
            {d.op === 'default' ? (
              <label className="block text-sm">
                Value used when the field is blank
                <input className={inputClass} value={d.value} maxLength={500} onChange={(e) => patch(d.key, { value: e.target.value })} />
              </label>
            ) : null}
          </li>
        ))}
      </ol>
      <div className="flex flex-wrap items-end gap-2">
        <label className="text-sm">
          Add a step
          <select className={inputClass} value={adding} onChange={(e) => setAdding(e.target.value as Op)}>
            {ops.map((op) => (
              <option key={op} value={op}>
                {transformOpLabel[op]}
              </option>
            ))}
          </select>
        </label>
        <Button type="button" variant="secondary" disabled={drafts.length >= 10} onClick={() => setDrafts((all) => [...all, blankDraft(adding)])}>
          Add step
        </Button>
      </div>
      {error?.length ? (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}
