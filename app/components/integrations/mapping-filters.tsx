import { useState } from 'react';
import type { ConnectionFilters, FilterOperator, FilterRule, SyncEntity } from '../../../server/shared/sync';
import { Button } from '../ui/button';
import { entityTabLabel } from './mapping-labels';

/**
 * The filters rule builder of the sync settings: per entity, rules (field, operator,
 * value) on mapped app fields that a record must all pass, on both sides. The rules post
 * as JSON in a hidden `filters` input; connections.update validates them.
 */

export const filterOperatorLabel: Record<FilterOperator, string> = {
  eq: 'is',
  neq: 'is not',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  is_empty: 'is empty',
  not_empty: 'is not empty',
  in: 'is one of',
};
const operators = Object.keys(filterOperatorLabel) as FilterOperator[];
const valueless = (op: FilterOperator) => op === 'is_empty' || op === 'not_empty';

interface DraftRule {
  key: number;
  field: string;
  operator: FilterOperator;
  /** `in`: comma-separated */
  value: string;
}

let nextKey = 1;
const toDraft = (r: FilterRule): DraftRule => ({ key: nextKey++, field: r.field, operator: r.operator, value: Array.isArray(r.value) ? r.value.join(', ') : (r.value ?? '') });

function toRule(d: DraftRule): FilterRule {
  if (valueless(d.operator)) return { field: d.field, operator: d.operator };
  if (d.operator === 'in')
    return {
      field: d.field,
      operator: 'in',
      value: d.value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    };
  return { field: d.field, operator: d.operator, value: d.value };
}

const inputClass = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm disabled:bg-slate-50';

export function FilterRulesBuilder({
  initial,
  entities,
  fields,
  disabled,
  error,
}: {
  initial: ConnectionFilters;
  entities: SyncEntity[];
  /** The mapped app fields a rule may name, per entity. */
  fields: Record<SyncEntity, { name: string; label: string }[]>;
  disabled: boolean;
  error?: string[];
}) {
  const [rules, setRules] = useState<Record<SyncEntity, DraftRule[]>>(() => ({
    account: (initial.account ?? []).map(toDraft),
    contact: (initial.contact ?? []).map(toDraft),
  }));
  const patch = (entity: SyncEntity, key: number, change: Partial<DraftRule>) =>
    setRules((all) => ({ ...all, [entity]: all[entity].map((r) => (r.key === key ? { ...r, ...change } : r)) }));
  const value: ConnectionFilters = {};
  for (const e of entities) value[e] = rules[e].map(toRule);
  return (
    <div className="space-y-4">
      <input type="hidden" name="filters" value={JSON.stringify(value)} />
      {entities.map((entity) => (
        <fieldset key={entity} className="space-y-2" data-testid={`filters-${entity}`}>
          <legend className="text-sm font-semibold">{entityTabLabel[entity]}</legend>
          {rules[entity].length === 0 ? <p className="text-sm text-slate-700">No rules: every {entity} syncs.</p> : null}
          <ol className="space-y-2">
            {rules[entity].map((r, i) => {
              const n = i + 1;
              const what = `${entityTabLabel[entity]} rule ${n}`;
              return (
                <li key={r.key} className="grid gap-2 rounded-md border border-slate-200 p-2 sm:grid-cols-[1fr_1fr_1fr_auto] sm:items-end" data-testid="filter-rule">
                  <label className="block text-sm">
                    Field
                    <select aria-label={`${what}: field`} className={inputClass} value={r.field} disabled={disabled} onChange={(e) => patch(entity, r.key, { field: e.target.value })}>
                      {fields[entity].some((f) => f.name === r.field) ? null : <option value={r.field}>{r.field} (not mapped)</option>}
                      {fields[entity].map((f) => (
                        <option key={f.name} value={f.name}>
                          {f.label}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="block text-sm">
                    Operator
                    <select aria-label={`${what}: operator`} className={inputClass} value={r.operator} disabled={disabled} onChange={(e) => patch(entity, r.key, { operator: e.target.value as FilterOperator })}>
                      {operators.map((op) => (
                        <option key={op} value={op}>
                          {filterOperatorLabel[op]}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="block text-sm">
                    {r.operator === 'in' ? 'Values (comma-separated)' : 'Value'}
                    <input
                      aria-label={`${what}: value`}
                      className={inputClass}
                      value={valueless(r.operator) ? '' : r.value}
                      disabled={disabled || valueless(r.operator)}
                      maxLength={500}
                      onChange={(e) => patch(entity, r.key, { value: e.target.value })}
                    />
                  </label>
                  {disabled ? null : (
                    <Button type="button" variant="ghost" aria-label={`Remove ${what.toLowerCase()}`} onClick={() => setRules((all) => ({ ...all, [entity]: all[entity].filter((x) => x.key !== r.key) }))}>
                      Remove
                    </Button>
                  )}
                </li>
              );
            })}
          </ol>
          {disabled ? null : (
            <Button
              type="button"
              variant="secondary"
              disabled={fields[entity].length === 0 || rules[entity].length >= 20}
              onClick={() => setRules((all) => ({ ...all, [entity]: [...all[entity], { key: nextKey++, field: fields[entity][0]?.name ?? '', operator: 'eq', value: '' }] }))}
            >
              Add {entity} rule
            </Button>
          )}
        </fieldset>
      ))}
      {error?.length ? <p className="text-sm text-red-700">{error.join(' ')}</p> : null}
    </div>
  );
}
