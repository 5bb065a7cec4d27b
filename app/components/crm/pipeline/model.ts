/**
 * The kanban's data: what a card and a column hold, and the pure state changes the
 * board makes (optimistic move, rollback, appending a page). Browser-safe: no server
 * imports, so the loader and the client share the same shapes.
 */

/** Cards per column on first load and per "Load more". */
export const PIPELINE_PAGE_SIZE = 20;

/** Columns are ordered by last change, so a card just moved shows at the top after a reload too. */
export const pipelineSort = { sort: 'updatedAt', direction: 'desc' } as const;

export interface PipelineCard {
  id: string;
  name: string;
  company: string | null;
  amount: number | null;
  assignee: string | null;
}

export interface PipelineStage {
  id: string;
  name: string;
  color: string;
  isQualified: boolean;
  isWon: boolean;
  isLost: boolean;
}

export interface PipelineColumn {
  stage: PipelineStage;
  /** Leads in the stage under the current filters (the API's pipeline summary). */
  count: number;
  /** Sum of the leads' amounts. */
  total: number;
  cards: PipelineCard[];
  /** The API's keyset cursor for the next page of this stage; null when every card is loaded. */
  nextCursor: string | null;
}

export type Board = Record<string, PipelineColumn>;

/** A lead as crm.leads.list returns it → the few fields a card shows. */
export function toCard(lead: {
  id: string;
  name: string;
  company: string | null;
  amount: number | string | null;
  assignee: { name: string | null; email: string | null } | null;
}): PipelineCard {
  const amount = lead.amount === null ? null : Number(lead.amount);
  return {
    id: lead.id,
    name: lead.name,
    company: lead.company,
    amount: amount !== null && Number.isFinite(amount) ? amount : null,
    assignee: lead.assignee ? lead.assignee.name || lead.assignee.email : null,
  };
}

export interface Move {
  card: PipelineCard;
  from: string;
  to: string;
  /** Where the card sat in its column, to put it back on rollback. */
  index: number;
}

/** The card leaves `from` and goes on top of `to`; counts and totals follow. */
export function applyMove(board: Board, move: Move): Board {
  const source = board[move.from];
  const target = board[move.to];
  if (!source || !target || move.from === move.to) return board;
  const amount = move.card.amount ?? 0;
  return {
    ...board,
    [move.from]: {
      ...source,
      cards: source.cards.filter((c) => c.id !== move.card.id),
      count: Math.max(0, source.count - 1),
      total: source.total - amount,
    },
    [move.to]: {
      ...target,
      cards: [move.card, ...target.cards.filter((c) => c.id !== move.card.id)],
      count: target.count + 1,
      total: target.total + amount,
    },
  };
}

/** Undoes applyMove after the server refused it: the card returns to its old place. */
export function revertMove(board: Board, move: Move): Board {
  const source = board[move.from];
  const target = board[move.to];
  if (!source || !target) return board;
  const amount = move.card.amount ?? 0;
  const cards = source.cards.filter((c) => c.id !== move.card.id);
  cards.splice(Math.min(move.index, cards.length), 0, move.card);
  return {
    ...board,
    [move.to]: {
      ...target,
      cards: target.cards.filter((c) => c.id !== move.card.id),
      count: Math.max(0, target.count - 1),
      total: target.total - amount,
    },
    [move.from]: { ...source, cards, count: source.count + 1, total: source.total + amount },
  };
}

/**
 * Appends the next page of a column. A card already on the board (moved here
 * meanwhile, or shifted between pages because it changed) is not shown twice.
 */
export function appendPage(board: Board, stageId: string, page: { cards: PipelineCard[]; nextCursor: string | null }): Board {
  const column = board[stageId];
  if (!column) return board;
  const onBoard = new Set(Object.values(board).flatMap((c) => c.cards.map((card) => card.id)));
  return {
    ...board,
    [stageId]: { ...column, cards: [...column.cards, ...page.cards.filter((c) => !onBoard.has(c.id))], nextCursor: page.nextCursor },
  };
}

/** Which column holds a card, and where. */
export function locate(board: Board, cardId: string): { stageId: string; index: number } | null {
  for (const [stageId, column] of Object.entries(board)) {
    const index = column.cards.findIndex((c) => c.id === cardId);
    if (index !== -1) return { stageId, index };
  }
  return null;
}

/** The kanban's filters, as crm.leads.list / crm.leads.pipeline take them. */
export interface PipelineFilter {
  q?: string;
  assignees?: string[];
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * ?q=…&assignee=… → filter. Only managers choose an assignee: a sales user sees their
 * own leads whatever the URL says (the API enforces it; this keeps the screen honest).
 */
export function pipelineFilterFrom(url: URL, canFilterAssignee: boolean): PipelineFilter {
  const q = url.searchParams.get('q')?.trim().slice(0, 200) || undefined;
  const assignee = url.searchParams.get('assignee') ?? '';
  const valid = assignee === 'me' || assignee === 'unassigned' || uuid.test(assignee);
  return { q, assignees: canFilterAssignee && valid ? [assignee] : undefined };
}
