import type { ReportFigures } from '../../shared/reports';
import type { PeriodLead } from './lead-source';
import type { RawChatRow, RawMessageRow } from './store';

/**
 * The figures our own code computes from the stored data — dialogs per manager,
 * response times, unanswered chats, leads without dialogs — so a report is useful and
 * checkable without the model, and the model is told the exact numbers.
 */

export interface Dialog {
  chatId: number;
  source: string | null;
  leadIds: number[];
  leadNames: string[];
  /** The responsible manager of the dialog's lead (Kommo), else the operator who wrote, else null. */
  manager: string | null;
  contactName: string | null;
  messages: RawMessageRow[];
  lastAt: number;
}

export const UNASSIGNED = 'Unassigned';

/** Chats with their messages (oldest first) and the leads they belong to; chats without messages are dropped. */
export function assembleDialogs(leads: PeriodLead[], chats: RawChatRow[], messages: RawMessageRow[]): Dialog[] {
  const leadById = new Map(leads.map((l) => [l.id, l]));
  const byChat = new Map<number, RawMessageRow[]>();
  for (const m of messages) byChat.set(m.chatId, [...(byChat.get(m.chatId) ?? []), m]);
  const dialogs: Dialog[] = [];
  for (const chat of chats) {
    const list = (byChat.get(chat.chatId) ?? []).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.messageId - b.messageId);
    if (!list.length) continue;
    const chatLeads = chat.leadIds.map((id) => leadById.get(id)).filter((l): l is PeriodLead => Boolean(l));
    const operator = list.find((m) => m.direction === 'outbound' && m.sender)?.sender ?? null;
    const contactName = list.find((m) => m.direction === 'inbound' && m.sender)?.sender ?? (typeof chat.payload.contactName === 'string' ? chat.payload.contactName : null);
    dialogs.push({
      chatId: chat.chatId,
      source: chat.source,
      leadIds: chatLeads.map((l) => l.id),
      leadNames: chatLeads.map((l) => l.name),
      manager: chatLeads.find((l) => l.responsible)?.responsible ?? operator,
      contactName,
      messages: list,
      lastAt: list[list.length - 1]!.createdAt.getTime(),
    });
  }
  return dialogs.sort((a, b) => b.lastAt - a.lastAt || a.chatId - b.chatId);
}

/** Minutes from each client turn (first message of a run of inbound ones) to the next manager reply. */
export function responseMinutes(messages: RawMessageRow[]): number[] {
  const samples: number[] = [];
  let turnStart: number | null = null;
  for (const m of messages) {
    if (m.direction === 'inbound') {
      if (turnStart === null) turnStart = m.createdAt.getTime();
    } else if (m.direction === 'outbound' && turnStart !== null) {
      samples.push((m.createdAt.getTime() - turnStart) / 60_000);
      turnStart = null;
    }
  }
  return samples;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return round1(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo));
}

export function computeFigures(input: { leads: PeriodLead[]; dialogs: Dialog[]; period: { start: Date; end: Date }; timeZone: string }): ReportFigures {
  const { leads, dialogs } = input;
  const withDialogs = new Set(dialogs.flatMap((d) => d.leadIds));
  const without = leads.filter((l) => !withDialogs.has(l.id));
  const all = dialogs.flatMap((d) => d.messages);
  const samples = dialogs.flatMap((d) => responseMinutes(d.messages)).sort((a, b) => a - b);
  const unanswered = (d: Dialog) => d.messages[d.messages.length - 1]!.direction === 'inbound';

  const managers = new Map<string, { leads: number; dialogs: Dialog[] }>();
  const entry = (name: string | null) => {
    const key = name ?? UNASSIGNED;
    let e = managers.get(key);
    if (!e) managers.set(key, (e = { leads: 0, dialogs: [] }));
    return e;
  };
  for (const lead of leads) entry(lead.responsible).leads += 1;
  for (const d of dialogs) entry(d.manager).dialogs.push(d);

  return {
    period: { from: input.period.start.toISOString(), to: input.period.end.toISOString(), timeZone: input.timeZone },
    leads: leads.length,
    leadsWithDialogs: leads.length - without.length,
    leadsWithoutDialogs: without.slice(0, 50).map((l) => ({ id: l.id, name: l.name, manager: l.responsible })),
    leadsWithoutDialogsCount: without.length,
    dialogs: dialogs.length,
    messages: { total: all.length, inbound: all.filter((m) => m.direction === 'inbound').length, outbound: all.filter((m) => m.direction === 'outbound').length },
    unansweredChats: dialogs.filter(unanswered).length,
    responseMinutes: {
      median: quantile(samples, 0.5),
      mean: samples.length ? round1(samples.reduce((a, b) => a + b, 0) / samples.length) : null,
      p90: quantile(samples, 0.9),
      samples: samples.length,
    },
    perManager: [...managers]
      .map(([manager, e]) => ({
        manager,
        leads: e.leads,
        dialogs: e.dialogs.length,
        messagesSent: e.dialogs.reduce((n, d) => n + d.messages.filter((m) => m.direction === 'outbound').length, 0),
        unanswered: e.dialogs.filter(unanswered).length,
        medianResponseMinutes: quantile(e.dialogs.flatMap((d) => responseMinutes(d.messages)).sort((a, b) => a - b), 0.5),
      }))
      .sort((a, b) => b.dialogs - a.dialogs || b.leads - a.leads || a.manager.localeCompare(b.manager)),
  };
}

/** One line of figures for lists and the Telegram message. */
export function figuresLine(f: ReportFigures): string {
  const reply = f.responseMinutes.median === null ? 'no replies' : `median reply ${formatMinutes(f.responseMinutes.median)}`;
  return `Leads ${f.leads} · dialogs ${f.dialogs} · messages ${f.messages.total} · unanswered ${f.unansweredChats} · leads without dialogs ${f.leadsWithoutDialogsCount} · ${reply}`;
}

export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${Math.round(minutes)} min`;
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}
