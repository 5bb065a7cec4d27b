import { leadSources, leadStatuses, type LeadSource, type LeadStatus } from '../../../server/shared/crm';
import { isUuid } from './format';

/**
 * The leads list's query string ⇄ the filter and sort input of crm.leads.list and
 * crm.leads.export. One reader for the page and its CSV, so "Export CSV" gives
 * exactly the view on screen. Repeated parameters (?stage=a&stage=b) are multi-selects.
 */

export const leadSortColumns = ['createdAt', 'updatedAt', 'name', 'company', 'amount'] as const;
export type LeadSortColumn = (typeof leadSortColumns)[number];

/** Query parameters that describe the view (not the page within it). */
export const leadViewParams = ['q', 'stage', 'status', 'source', 'assignee', 'from', 'to', 'sort', 'dir'] as const;

const isoDay = /^\d{4}-\d{2}-\d{2}$/;

export function leadViewFrom(url: URL) {
  const params = url.searchParams;
  const q = params.get('q')?.trim().slice(0, 200) || undefined;
  const stageIds = params.getAll('stage').filter(isUuid);
  const statuses = params.getAll('status').filter((s): s is LeadStatus => (leadStatuses as readonly string[]).includes(s));
  const sources = params.getAll('source').filter((s): s is LeadSource => (leadSources as readonly string[]).includes(s));
  const assignees = params.getAll('assignee').filter((a): a is string => a === 'me' || a === 'unassigned' || isUuid(a));
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const sortParam = params.get('sort') ?? '';
  const sort: LeadSortColumn = (leadSortColumns as readonly string[]).includes(sortParam) ? (sortParam as LeadSortColumn) : 'createdAt';
  const direction: 'asc' | 'desc' = params.get('dir') === 'asc' ? 'asc' : params.get('dir') === 'desc' ? 'desc' : sort === 'name' || sort === 'company' ? 'asc' : 'desc';
  return {
    q,
    stageIds: stageIds.length ? stageIds : undefined,
    statuses: statuses.length ? statuses : undefined,
    sources: sources.length ? sources : undefined,
    assignees: assignees.length ? assignees : undefined,
    createdFrom: isoDay.test(from) ? new Date(`${from}T00:00:00.000Z`) : undefined,
    // a day picked as "to" means the whole of that day
    createdTo: isoDay.test(to) ? new Date(`${to}T23:59:59.999Z`) : undefined,
    sort,
    direction,
  };
}

export type LeadView = ReturnType<typeof leadViewFrom>;

export const hasLeadFilters = (view: LeadView) =>
  !!(view.q || view.stageIds || view.statuses || view.sources || view.assignees || view.createdFrom || view.createdTo);

/** The view's parameters only (no cursor/page), for the CSV link and "first page". */
export function viewQuery(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of leadViewParams) for (const value of params.getAll(key)) if (value !== '') out.append(key, value);
  return out;
}
