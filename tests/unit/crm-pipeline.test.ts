import { describe, expect, it } from 'vitest';
import { appendPage, applyMove, locate, pipelineFilterFrom, revertMove, toCard, type Board, type PipelineCard } from '~/components/crm/pipeline/model';
import { contrastWithWhite, stagePalette } from '~/components/crm/stages/palette';

const card = (id: string, amount: number | null = null): PipelineCard => ({ id, name: `Lead ${id}`, company: null, amount, assignee: null });
const stage = (id: string) => ({ id, name: id, color: '#64748b', isQualified: id === 'qualified', isWon: false, isLost: false });

function board(): Board {
  return {
    new: { stage: stage('new'), count: 3, total: 300, cards: [card('a', 100), card('b', 200), card('c')], nextCursor: 'c' },
    qualified: { stage: stage('qualified'), count: 1, total: 50, cards: [card('d', 50)], nextCursor: null },
  };
}

describe('kanban board state', () => {
  it('an optimistic move puts the card on top of the target and moves its count and amount', () => {
    const next = applyMove(board(), { card: card('b', 200), from: 'new', to: 'qualified', index: 1 });
    expect(next.new!.cards.map((c) => c.id)).toEqual(['a', 'c']);
    expect(next.qualified!.cards.map((c) => c.id)).toEqual(['b', 'd']);
    expect([next.new!.count, next.new!.total]).toEqual([2, 100]);
    expect([next.qualified!.count, next.qualified!.total]).toEqual([2, 250]);
  });

  it('a rollback puts the card back where it was, with the old counts', () => {
    const move = { card: card('b', 200), from: 'new', to: 'qualified', index: 1 };
    const back = revertMove(applyMove(board(), move), move);
    expect(back).toEqual(board());
  });

  it('a move within the same column changes nothing', () => {
    const before = board();
    expect(applyMove(before, { card: card('a', 100), from: 'new', to: 'new', index: 0 })).toBe(before);
  });

  it('a next page skips cards already on the board and takes the new cursor', () => {
    const moved = applyMove(board(), { card: card('d', 50), from: 'qualified', to: 'new', index: 0 });
    const next = appendPage(moved, 'new', { cards: [card('d', 50), card('e')], nextCursor: null });
    expect(next.new!.cards.map((c) => c.id)).toEqual(['d', 'a', 'b', 'c', 'e']);
    expect(next.new!.nextCursor).toBeNull();
    expect(locate(next, 'e')).toEqual({ stageId: 'new', index: 4 });
    expect(locate(next, 'zz')).toBeNull();
  });

  it('a card keeps only what it shows; numeric amounts from the API become numbers', () => {
    expect(toCard({ id: 'x', name: 'X', company: 'Co', amount: '12.50', assignee: { name: null, email: 'a@b.test' } })).toEqual({
      id: 'x',
      name: 'X',
      company: 'Co',
      amount: 12.5,
      assignee: 'a@b.test',
    });
  });
});

describe('kanban filters from the URL', () => {
  const url = (qs: string) => new URL(`http://localhost/crm/pipeline${qs}`);

  it('managers filter by assignee; an unknown assignee value is ignored', () => {
    expect(pipelineFilterFrom(url('?q=%20acme%20&assignee=me'), true)).toEqual({ q: 'acme', assignees: ['me'] });
    expect(pipelineFilterFrom(url('?assignee=robert'), true)).toEqual({ q: undefined, assignees: undefined });
  });

  it('a sales user gets no assignee filter whatever the URL says', () => {
    expect(pipelineFilterFrom(url('?assignee=unassigned'), false)).toEqual({ q: undefined, assignees: undefined });
  });
});

describe('stage colour palette', () => {
  it.each(stagePalette.map((c) => [c.name, c.value]))('%s (%s) reaches 3:1 against white (WCAG 1.4.11)', (_name, value) => {
    expect(contrastWithWhite(value)).toBeGreaterThanOrEqual(3);
  });
});
