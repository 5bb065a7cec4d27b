import type { ReportFigures } from '../../shared/reports';
import { describePeriod } from './periods';
import type { Dialog } from './figures';

/**
 * The package sent to the model: the tenant's prompt, the exact figures, then the
 * normalized dialogs ("[time] client: …" / "[time] manager Name: …"), most recent
 * activity first. It must fit the model's input window: whole dialogs are left out
 * from the oldest activity up (a single dialog too long on its own keeps its latest
 * messages), and the package says so in a visible note — the figures still count
 * everything.
 *
 * Tokens are estimated at 3 characters each (safe for Cyrillic as for Latin text;
 * English averages ~4); the pipeline then asks the model's own countTokens and
 * shrinks further if the estimate was optimistic.
 */

export const DEFAULT_PROMPT = `You are a sales analyst. Read the period's dialogs between our managers and clients and write a report for the head of sales in plain language:
1. Summary — what happened in the period, in 3–5 sentences.
2. Per manager — strengths, mistakes, missed follow-ups.
3. Risks — clients at risk of being lost and why.
4. Next steps — concrete actions for tomorrow.
Use the figures given below as they are; do not recount them.`;

export const estimateTokens = (text: string) => Math.ceil(text.length / 3);

export interface BuiltPrompt {
  text: string;
  trimmedNote: string | null;
  included: { dialogs: number; messages: number };
  total: { dialogs: number; messages: number };
  estimatedTokens: number;
}

export function budgetFor(inputTokenLimit: number | null | undefined): number {
  const limit = inputTokenLimit && inputTokenLimit > 0 ? inputTokenLimit : 32_000;
  return Math.max(512, Math.floor(limit * 0.9) - 256);
}

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${pad(Number(get('hour')))}:${get('minute')}`;
}

const oneLine = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

function renderDialog(d: Dialog, index: number, timeZone: string, messages = d.messages): string {
  const lead = d.leadIds.length ? `Lead ${d.leadIds.join(', ')}${d.leadNames[0] ? ` "${oneLine(d.leadNames[0])}"` : ''}` : 'no lead';
  const head = `### Dialog ${index} — ${lead}${d.source ? ` via ${d.source}` : ''} (manager: ${d.manager ?? 'unassigned'})`;
  const lines = messages.map((m) => {
    const who = m.direction === 'outbound' ? `manager ${oneLine(m.sender) || d.manager || ''}`.trim() : 'client';
    return `[${stamp(m.createdAt, timeZone)}] ${who}: ${oneLine(m.text) || '(no text)'}`;
  });
  return [head, ...lines].join('\n');
}

/** The figures in plain sentences (no "Label: value" lines, which read like chat lines to a dialog parser). */
function figuresBlock(f: ReportFigures): string {
  const r = f.responseMinutes;
  return [
    `Leads updated in the period = ${f.leads}; with dialogs = ${f.leadsWithDialogs}; without dialogs = ${f.leadsWithoutDialogsCount}.`,
    `Dialogs = ${f.dialogs}; messages = ${f.messages.total} (from clients ${f.messages.inbound}, from managers ${f.messages.outbound}); chats where the client wrote last and got no reply = ${f.unansweredChats}.`,
    `Manager reply time in minutes — median ${r.median ?? 'n/a'}, mean ${r.mean ?? 'n/a'}, 90th percentile ${r.p90 ?? 'n/a'} (${r.samples} replies).`,
    'Per manager (leads / dialogs / messages sent / unanswered / median reply in minutes)',
    ...f.perManager.map((m) => `- ${m.manager} — ${m.leads} / ${m.dialogs} / ${m.messagesSent} / ${m.unanswered} / ${m.medianResponseMinutes ?? 'n/a'}`),
  ].join('\n');
}

export function buildPrompt(input: {
  tenantPrompt: string;
  type: string;
  period: { start: Date; end: Date };
  timeZone: string;
  dialogs: Dialog[];
  figures: ReportFigures;
  budgetTokens: number;
  modelLabel: string;
}): BuiltPrompt {
  const header = [
    input.tenantPrompt.trim(),
    '',
    '=== Context ===',
    `This is the ${input.type} report for ${describePeriod(input.type, input.period, input.timeZone)} (${input.timeZone}); the times below are local.`,
    '',
    '=== Figures computed by CRM Hub (exact) ===',
    figuresBlock(input.figures),
  ].join('\n');
  const total = { dialogs: input.dialogs.length, messages: input.dialogs.reduce((n, d) => n + d.messages.length, 0) };
  // room for the note and the section title
  let room = input.budgetTokens - estimateTokens(header) - 120;
  if (room < 0) throw new Error('The prompt alone is larger than the model accepts: shorten it in Settings → Reports → AI.');

  const blocks: string[] = [];
  let includedMessages = 0;
  let left = 0;
  let cut: { dialog: number; kept: number; of: number } | null = null;
  for (const dialog of input.dialogs) {
    const block = renderDialog(dialog, blocks.length + 1, input.timeZone);
    const cost = estimateTokens(block) + 1;
    if (cost <= room) {
      blocks.push(block);
      includedMessages += dialog.messages.length;
      room -= cost;
      continue;
    }
    if (blocks.length === 0 && !cut) {
      // one dialog longer than the whole window: keep its latest messages
      let kept = dialog.messages.length;
      let partial = block;
      while (kept > 1 && estimateTokens(partial) + 1 > room) {
        kept = Math.max(1, Math.floor(kept * 0.8));
        partial = renderDialog(dialog, 1, input.timeZone, dialog.messages.slice(-kept));
      }
      if (estimateTokens(partial) + 1 <= room) {
        blocks.push(partial);
        includedMessages += kept;
        room -= estimateTokens(partial) + 1;
        cut = { dialog: 1, kept, of: dialog.messages.length };
        continue;
      }
    }
    left += 1;
  }

  const notes: string[] = [];
  if (left) notes.push(`${left} of ${total.dialogs} dialogs (${total.messages - includedMessages} of ${total.messages} messages) were left out to fit ${input.modelLabel}'s input window — the ones with the oldest activity.`);
  if (cut) notes.push(`Dialog ${cut.dialog} was cut to its last ${cut.kept} of ${cut.of} messages.`);
  const trimmedNote = notes.length ? `Trimmed to fit the model: ${notes.join(' ')} The figures count everything.` : null;
  const text = [header, '', '=== Dialogs ===', ...(trimmedNote ? [`NOTE: ${trimmedNote}`, ''] : []), blocks.length ? blocks.join('\n---\n') : '(no dialogs in this period)'].join('\n');
  return { text, trimmedNote, included: { dialogs: blocks.length, messages: includedMessages }, total, estimatedTokens: estimateTokens(text) };
}

/** The follow-up package: the previous package and answer, earlier follow-ups, the new question — trimmed to fit. */
export function buildFollowUp(input: { previousPrompt: string; previousAnswer: string | null; earlier: { question: string; answer: string | null }[]; question: string; budgetTokens: number }): { text: string; trimmed: boolean } {
  const tail = [
    '',
    '=== Your previous answer ===',
    input.previousAnswer ?? '(The analysis was unavailable when the report was published; only the figures above were shown.)',
    ...input.earlier.flatMap((q, i) => ['', `=== Follow-up question ${i + 1} ===`, q.question, '', `=== Your answer ${i + 1} ===`, q.answer ?? '(no answer)']),
    '',
    '=== New follow-up question from the head of sales ===',
    input.question.trim(),
    '',
    'Answer the new question using the dialogs and figures above. Be specific and brief.',
  ].join('\n');
  const roomForPackage = input.budgetTokens - estimateTokens(tail);
  if (roomForPackage <= 0) throw new Error('The previous answers are too long to ask a follow-up within the model window.');
  if (estimateTokens(input.previousPrompt) <= roomForPackage) return { text: `${input.previousPrompt}\n${tail}`, trimmed: false };
  const keep = roomForPackage * 3 - 200;
  return { text: `${input.previousPrompt.slice(0, keep)}\n[… the rest of the dialogs was cut to fit the model window …]\n${tail}`, trimmed: true };
}
