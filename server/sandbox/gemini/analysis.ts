import { createHash } from 'node:crypto';

/**
 * The sandbox "model": a deterministic analysis of the prompt text, clearly marked as
 * not a real model. It counts dialogs and messages, tallies speakers (staff vs client),
 * looks for a few risk signals, quotes the first lines of the first dialogs and answers
 * in a fixed structure (Summary, Per manager, Risks, Next steps) — as Markdown, or as
 * JSON when `responseMimeType` is application/json.
 *
 * Prompt conventions it understands (any mix):
 *   - a dialog starts at a header line: "### Dialog 3 …", "Chat: …", "Lead 123 …",
 *     "Диалог 2", or a separator line "---" / "===" between dialogs;
 *   - a message line is "[time] Speaker: text", "2026-10-31 19:00 Speaker: text" or
 *     "Speaker: text" (speaker ≤ 40 characters);
 *   - speakers named client/customer/contact/клиент/покупатель count as clients,
 *     everyone else as staff ("manager Anna Smirnova", "Anna Smirnova (manager)");
 *   - "Manager: Anna Smirnova" / "Responsible: …" / "Менеджер: …" on a header line
 *     assigns the dialog to that manager.
 */

export const SANDBOX_BANNER = 'SANDBOX OUTPUT — not a real model';

const DIALOG_HEADER = /^\s*(?:#{1,6}\s*)?(?:dialog(?:ue)?|chat|conversation|lead|deal|диалог|чат|переписка|сделка)\b/i;
const SEPARATOR = /^\s*(?:-{3,}|={3,})\s*$/;
const MESSAGE = /^\s*(?:\[[^\]]{1,40}\]\s*|\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?\s*)?([^:\n[\]]{1,40}?)\s*:\s+(\S.*)$/;
const TIMESTAMP = /(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})/;
const OWNER = /^\s*(?:manager|responsible|owner|менеджер|ответственный)\s*:\s*(.+)$/i;
const CLIENT = /\b(client|customer|contact|lead|клиент|покупатель|контакт)\b/i;
const STAFF_WORDS = /\b(manager|agent|operator|менеджер|оператор)\b|[()]/gi;
const NOT_SPEAKERS = /^(phone|tel|e-?mail|status|pipeline|price|budget|source|date|period|time|телефон|статус|сумма|бюджет|note|notes|summary|task|instructions?)$/i;

const RISKS: { key: string; label: string; pattern: RegExp }[] = [
  { key: 'price', label: 'Price objections', pattern: /expensive|discount|too much|more than we planned|дорог|скидк/i },
  { key: 'competitor', label: 'Competitor mentioned', pattern: /competitor|another vendor|other vendor|конкурент|другого подрядчика/i },
  { key: 'delay', label: 'Decision postponed', pattern: /discuss it with|think about it|need to discuss|director first|обсудить|подумать/i },
  { key: 'silence', label: 'Client went silent after a follow-up', pattern: /checking in|still relevant|are you there|актуален|удалось посмотреть/i },
  { key: 'complaint', label: 'Complaints about response time', pattern: /nobody called|no one called|не перезвонили|sorry for the wait/i },
];

interface Dialog {
  index: number;
  header: string | null;
  owner: string | null;
  messages: { speaker: string; text: string; client: boolean }[];
  risks: Set<string>;
}

export interface Analysis {
  dialogs: number;
  messages: number;
  clientMessages: number;
  staffMessages: number;
  characters: number;
  period: { from: string; to: string } | null;
  perManager: { manager: string; dialogs: number; messages: number }[];
  risks: { risk: string; dialogs: number }[];
  excerpts: { dialog: number; header: string | null; firstLine: string }[];
  nextSteps: string[];
}

const staffName = (speaker: string) => speaker.replace(STAFF_WORDS, ' ').replace(/\s+/g, ' ').trim() || speaker.trim();

export function analyse(prompt: string): Analysis {
  const dialogs: Dialog[] = [];
  let current: Dialog | null = null;
  const open = (header: string | null) => {
    current = { index: dialogs.length + 1, header, owner: null, messages: [], risks: new Set() };
    dialogs.push(current);
    return current;
  };
  const stamps: string[] = [];
  for (const raw of prompt.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line.trim()) continue;
    if (SEPARATOR.test(line)) {
      current = null;
      continue;
    }
    const owner = line.match(OWNER);
    if (owner) {
      (current ?? open(null)).owner = owner[1]!.trim();
      continue;
    }
    if (DIALOG_HEADER.test(line) && !MESSAGE.test(line.replace(/^\s*#+\s*/, ''))) {
      const d = open(line.replace(/^\s*#+\s*/, '').trim());
      const inline = line.match(/\((?:manager|менеджер|responsible)\s*:?\s*([^)]+)\)/i);
      if (inline) d.owner = inline[1]!.trim();
      continue;
    }
    if (DIALOG_HEADER.test(line)) {
      // "Lead 12: text" headers that also look like messages: treat as a header
      open(line.replace(/^\s*#+\s*/, '').trim());
      continue;
    }
    const m = line.match(MESSAGE);
    if (!m || NOT_SPEAKERS.test(m[1]!.trim())) continue;
    const d: Dialog = current ?? open(null);
    const speaker = m[1]!.trim();
    const client = CLIENT.test(speaker);
    d.messages.push({ speaker, text: m[2]!.trim(), client });
    for (const r of RISKS) if (r.pattern.test(m[2]!)) d.risks.add(r.key);
    const t = line.match(TIMESTAMP);
    if (t) stamps.push(`${t[1]} ${t[2]}`);
  }
  const withMessages = dialogs.filter((d) => d.messages.length > 0);
  const perManager = new Map<string, { dialogs: Set<number>; messages: number }>();
  for (const d of withMessages) {
    const staff = d.messages.filter((m) => !m.client);
    const names = new Set(staff.map((m) => staffName(m.speaker)));
    if (d.owner) names.add(d.owner);
    for (const name of names) {
      const entry = perManager.get(name) ?? { dialogs: new Set(), messages: 0 };
      entry.dialogs.add(d.index);
      entry.messages += staff.filter((m) => staffName(m.speaker) === name).length;
      perManager.set(name, entry);
    }
  }
  const messages = withMessages.reduce((n, d) => n + d.messages.length, 0);
  const clientMessages = withMessages.reduce((n, d) => n + d.messages.filter((m) => m.client).length, 0);
  const risks = RISKS.map((r) => ({ risk: r.label, key: r.key, dialogs: withMessages.filter((d) => d.risks.has(r.key)).length })).filter((r) => r.dialogs > 0);
  stamps.sort();
  const nextSteps: string[] = [];
  const has = (key: string) => risks.some((r) => r.key === key);
  if (has('silence')) nextSteps.push('Call the clients who stopped answering after a follow-up instead of writing again.');
  if (has('price')) nextSteps.push('Prepare an annual-contract offer for the clients who raised the price.');
  if (has('competitor')) nextSteps.push('Send a short comparison with the competitor to the dialogs where one was mentioned.');
  if (has('delay')) nextSteps.push('Agree a concrete follow-up date with every client who is "discussing it internally".');
  if (has('complaint')) nextSteps.push('Check the first-response time: some clients complained about waiting.');
  if (!nextSteps.length) nextSteps.push(withMessages.length ? 'Keep the current cadence; no risk signals were found.' : 'Send dialogs in the prompt ("Speaker: text" lines) to get an analysis.');
  return {
    dialogs: withMessages.length,
    messages,
    clientMessages,
    staffMessages: messages - clientMessages,
    characters: prompt.length,
    period: stamps.length ? { from: stamps[0]!, to: stamps[stamps.length - 1]! } : null,
    perManager: [...perManager].map(([manager, v]) => ({ manager, dialogs: v.dialogs.size, messages: v.messages })).sort((a, b) => b.messages - a.messages || a.manager.localeCompare(b.manager)),
    risks: risks.map(({ risk, dialogs: n }) => ({ risk, dialogs: n })),
    excerpts: withMessages.slice(0, 3).map((d) => ({ dialog: d.index, header: d.header, firstLine: `${d.messages[0]!.speaker}: ${d.messages[0]!.text}`.slice(0, 160) })),
    nextSteps,
  };
}

export function renderMarkdown(a: Analysis, model: string, promptTokens: number): string {
  const lines = [
    `**${SANDBOX_BANNER}** (model: ${model})`,
    '',
    '## Summary',
    `- Dialogs found: ${a.dialogs}; messages: ${a.messages} (client: ${a.clientMessages}, staff: ${a.staffMessages}).`,
    `- Prompt size: ${a.characters} characters (~${promptTokens} tokens).`,
    ...(a.period ? [`- Period covered: ${a.period.from} — ${a.period.to}.`] : []),
    '',
    '## Per manager',
    ...(a.perManager.length ? ['| Manager | Dialogs | Messages |', '| --- | ---: | ---: |', ...a.perManager.map((m) => `| ${m.manager} | ${m.dialogs} | ${m.messages} |`)] : ['- No staff messages found.']),
    '',
    '## Risks',
    ...(a.risks.length ? a.risks.map((r) => `- ${r.risk}: ${r.dialogs} dialog(s).`) : ['- No risk signals found.']),
    '',
    '## Next steps',
    ...a.nextSteps.map((s, i) => `${i + 1}. ${s}`),
    ...(a.excerpts.length ? ['', '## Dialog excerpts', ...a.excerpts.map((e) => `> ${e.header ?? `Dialog ${e.dialog}`}: ${e.firstLine}`)] : []),
  ];
  return lines.join('\n');
}

export function renderJson(a: Analysis, model: string): string {
  return JSON.stringify({ sandbox: true, note: SANDBOX_BANNER, model, summary: { dialogs: a.dialogs, messages: a.messages, clientMessages: a.clientMessages, staffMessages: a.staffMessages, period: a.period }, perManager: a.perManager, risks: a.risks, nextSteps: a.nextSteps, excerpts: a.excerpts });
}

export const responseIdOf = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);
export const tokensOf = (chars: number) => Math.ceil(chars / 4);
