import type { TransformStep } from '../../../server/services/sync/transforms';
import type { MappingDirection, MappingOverride, SyncEntity } from '../../../server/shared/sync';

/** Words the field mappings screen uses for the engine's vocabulary (server/shared/sync.ts). */

export const entityTabLabel: Record<SyncEntity, string> = { account: 'Accounts', contact: 'Contacts' };

export const mappingDirectionLabel: Record<MappingDirection, string> = {
  both: 'Both ways',
  push: 'App → CRM',
  pull: 'CRM → App',
  none: "Don't sync",
};

export const mappingDirectionHint: Record<MappingDirection, string> = {
  both: 'Changes on either side are copied to the other.',
  push: 'Only app changes are written to the CRM.',
  pull: 'Only CRM changes are written to the app.',
  none: 'The mapping is kept but nothing flows.',
};

export const mappingOverrideLabel: Record<MappingOverride, string> = {
  strategy: 'Follow the connection’s conflict strategy',
  prefer_crm_unless_blank: 'Prefer CRM unless blank',
  always_app: 'Always use the app value',
  always_crm: 'Always use the CRM value',
};

export const transformOpLabel: Record<TransformStep['op'], string> = {
  trim: 'Trim spaces',
  lower: 'Lower case',
  upper: 'Upper case',
  phone_e164: 'Phone to E.164',
  domain: 'URL to domain',
  date: 'Date format',
  value_map: 'Value map',
  concat: 'Concatenate fields',
  default: 'Default value',
};

export const dateFormatLabel: Record<string, string> = {
  iso_date: 'ISO date (2026-01-31)',
  iso_datetime: 'ISO date-time',
  epoch_ms: 'Milliseconds since 1970',
  us_date: 'US date (01/31/2026)',
  eu_date: 'European date (31.01.2026)',
};

/** "Trim spaces → Lower case", or "None". */
export function transformSummary(steps: TransformStep[]): string {
  if (!steps.length) return 'None';
  return steps
    .map((s) => {
      switch (s.op) {
        case 'date':
          return `Date (${dateFormatLabel[s.format]?.replace(/ \(.*\)$/, '') ?? s.format})`;
        case 'value_map':
          return `Value map (${Object.keys(s.map).length})`;
        case 'concat':
          return `Concatenate with ${s.fields.join(', ')}`;
        case 'default':
          return `Default “${s.value}”`;
        default:
          return transformOpLabel[s.op];
      }
    })
    .join(' → ');
}
