import type { GeneratedPerson } from '../core/generator';
import { SlidingWindowLimiter } from '../core/rate-limit';
import { digitsOf, GENERATOR_ANCHOR, managerOf, mix, peopleFor } from '../kommo/people';
import { SortedIndex } from '../kommo/sorted';
import { dialogLines, lineGapsMs, type Lang } from './dialogs';
import type { Message } from './schemas';

/**
 * Radist.online in memory: one company, three messenger connections, contacts for the
 * generated people who have chats (about 70%: the same people and phones as the Kommo
 * sandbox with the same seed and record count), one or two chats each. Messages are
 * not stored: a chat's conversation is generated on demand from (seed, chat id) and
 * ends at a fixed "last activity" time chosen at start, so contacts can be kept sorted
 * by last activity (cursor paging in O(log n + page)). Messages sent through the API
 * are appended per chat.
 */

export const COMPANY = { id: 100_501, name: 'CRM Hub Sandbox' } as const;
export const CONNECTIONS = [
  { id: 5_101, type: 'whatsapp', name: 'WhatsApp Sales', status: 'active', phone: '79001234567' },
  { id: 5_102, type: 'waba', name: 'WhatsApp Business API', status: 'active', phone: '79007654321' },
  { id: 5_103, type: 'telegram', name: 'Telegram @crmhub_sales', status: 'active', phone: null },
] as const;
export type SourceType = (typeof CONNECTIONS)[number]['type'];
/** Demo keys: full access, and one with the `connections` scope only (403 on messaging). */
export const DEMO_API_KEY = 'radist-sandbox-api-key';
export const CONNECTIONS_ONLY_KEY = 'radist-sandbox-connections-key';

export interface RadistContact {
  id: number;
  person: GeneratedPerson;
  chats: RadistChat[];
  /** Last activity over its chats, ms (the sort key). */
  lastAt: number;
  deleted: boolean;
}

export interface RadistChat {
  id: number;
  contact: RadistContact;
  connectionId: number;
  source: SourceType;
  /** Time of the last generated message, ms. */
  generatedLastMs: number;
  /** Messages sent through the API (or added by the modify admin op), oldest first. */
  extra: Message[];
}

const DAY = 86_400_000;

export class RadistStore {
  readonly apiKeys = new Map<string, Set<'messaging' | 'connections'>>([
    [DEMO_API_KEY, new Set(['messaging', 'connections'] as const)],
    [CONNECTIONS_ONLY_KEY, new Set(['connections'] as const)],
  ]);
  readonly contacts = new Map<number, RadistContact>();
  readonly contactsById: RadistContact[] = [];
  readonly chats = new Map<number, RadistChat>();
  readonly byActivity = new SortedIndex<RadistContact>((c) => c.lastAt);
  /** Requests per second per API key (UNCONFIRMED number), and the temporary block for repeated violations. */
  readonly limits = { perSecond: 10, violationsToBlock: 20, violationWindowSeconds: 60, blockSeconds: 60, enabled: true };
  readonly limiter = new SlidingWindowLimiter(10, 1000);
  violations = new Map<string, number[]>();
  blockedUntil = new Map<string, number>();
  sentCount = 0;
  private lastAppendMs = 0;
  private nextMessageId = 9_000_000_001;
  private phoneIndex: Map<number, number | number[]> | null = null;
  private emailIndex: Map<string, number> | null = null;
  private cache = new Map<number, Message[]>();

  constructor(
    readonly seed: number,
    records: number,
  ) {
    const people = peopleFor(seed, records);
    const anchor = GENERATOR_ANCHOR;
    let chatId = 700_001;
    for (const person of people) {
      const h = mix(seed, person.index, 21);
      if (h % 10 >= 7) continue; // about 30% never wrote to a messenger
      const contact: RadistContact = { id: 300_001 + person.index, person, chats: [], lastAt: 0, deleted: false };
      const main = h % 3 === 0 ? CONNECTIONS[1] : CONNECTIONS[0];
      const sources = mix(seed, person.index, 22) % 5 === 0 ? [main, CONNECTIONS[2]] : [main];
      for (const connection of sources) {
        const id = chatId++;
        const lastMs = anchor - (mix(seed, id, 23) % (60 * DAY));
        contact.chats.push({ id, contact, connectionId: connection.id, source: connection.type, generatedLastMs: lastMs, extra: [] });
      }
      contact.lastAt = Math.max(...contact.chats.map((c) => c.generatedLastMs));
      for (const chat of contact.chats) this.chats.set(chat.id, chat);
      this.contacts.set(contact.id, contact);
      this.contactsById.push(contact);
    }
    this.byActivity.load(this.contactsById);
  }

  lang(contact: RadistContact): Lang {
    return contact.person.country === 'RU' ? 'ru' : 'en';
  }

  /** All messages of a chat, oldest first (generated conversation + API-sent ones). */
  messages(chat: RadistChat): Message[] {
    const cached = this.cache.get(chat.id);
    if (cached) return cached;
    const { person } = chat.contact;
    const manager = managerOf(this.seed, person.index);
    const lines = dialogLines(this.seed, chat.id, this.lang(chat.contact), person.firstName, manager.name.split(' ')[0]!);
    const gaps = lineGapsMs(this.seed, chat.id, lines);
    const total = gaps.reduce((a, b) => a + b, 0);
    let t = chat.generatedLastMs - total;
    const phoneDigits = digitsOf(person.phone);
    const generated = lines.map((line, k): Message => {
      t += gaps[k]!;
      const outbound = line.from === 'manager';
      return {
        message_id: chat.id * 100 + k,
        chat_id: chat.id,
        connection_id: chat.connectionId,
        contact_id: chat.contact.id,
        direction: outbound ? 'outbound' : 'inbound',
        status: outbound ? (k === lines.length - 1 ? 'delivered' : 'read') : 'read',
        message_type: 'text',
        created_at: new Date(t).toISOString(),
        text: { text: line.text },
        sender: outbound ? { type: 'operator', name: manager.name, operator_id: manager.id } : { type: 'contact', name: `${person.firstName} ${person.lastName}`.trim() || phoneDigits, operator_id: null },
      };
    });
    const all = [...generated, ...chat.extra];
    if (this.cache.size > 2_000) this.cache.clear();
    this.cache.set(chat.id, all);
    return all;
  }

  /** Appends a message (API send, or simulated client activity) and moves the contact to the top. */
  append(chat: RadistChat, input: { direction: 'inbound' | 'outbound'; text: string; operator?: { id: number; name: string } }): Message {
    // strictly after every earlier append, so "newest activity first" has no ties
    const now = Math.max(Date.now(), GENERATOR_ANCHOR + 1, this.lastAppendMs + 1, ...this.messages(chat).map((m) => Date.parse(m.created_at) + 1));
    this.lastAppendMs = now;
    const { person } = chat.contact;
    const message: Message = {
      message_id: this.nextMessageId++,
      chat_id: chat.id,
      connection_id: chat.connectionId,
      contact_id: chat.contact.id,
      direction: input.direction,
      status: input.direction === 'outbound' ? 'sent' : 'read',
      message_type: 'text',
      created_at: new Date(now).toISOString(),
      text: { text: input.text },
      sender: input.direction === 'outbound' ? { type: 'operator', name: input.operator?.name ?? 'API', operator_id: input.operator?.id ?? null } : { type: 'contact', name: `${person.firstName} ${person.lastName}`.trim(), operator_id: null },
    };
    chat.extra.push(message);
    this.cache.delete(chat.id);
    this.byActivity.remove(chat.contact);
    chat.contact.lastAt = Math.max(chat.contact.lastAt, now);
    this.byActivity.insert(chat.contact);
    if (input.direction === 'outbound') this.sentCount += 1;
    return message;
  }

  deleteContact(contact: RadistContact): void {
    if (contact.deleted) return;
    this.byActivity.remove(contact);
    contact.deleted = true;
    for (const chat of contact.chats) this.chats.delete(chat.id);
    this.contacts.delete(contact.id);
    const at = this.contactsById.indexOf(contact);
    if (at >= 0) this.contactsById.splice(at, 1);
    this.phoneIndex = null;
    this.emailIndex = null;
  }

  /** Contacts whose phone matches by digits (last 10 equal, one ends with the other). */
  findByPhone(phone: string): RadistContact[] {
    const digits = digitsOf(phone);
    if (digits.length < 6) return [];
    if (!this.phoneIndex) {
      this.phoneIndex = new Map();
      for (const c of this.contactsById) {
        const key = Number(digitsOf(c.person.phone).slice(-10));
        const entry = this.phoneIndex.get(key);
        this.phoneIndex.set(key, entry === undefined ? c.id : typeof entry === 'number' ? [entry, c.id] : [...entry, c.id]);
      }
    }
    const entry = this.phoneIndex.get(Number(digits.slice(-10)));
    const ids = entry === undefined ? [] : typeof entry === 'number' ? [entry] : entry;
    const tail = digits.slice(-10);
    return ids
      .map((id) => this.contacts.get(id))
      .filter((c): c is RadistContact => {
        if (!c) return false;
        const d = digitsOf(c.person.phone);
        return d.endsWith(tail) || tail.endsWith(d);
      });
  }

  findByEmail(email: string): RadistContact[] {
    if (!this.emailIndex) {
      this.emailIndex = new Map();
      for (const c of this.contactsById) this.emailIndex.set(c.person.email.toLowerCase(), c.id);
    }
    const id = this.emailIndex.get(email.trim().toLowerCase());
    const c = id === undefined ? undefined : this.contacts.get(id);
    return c ? [c] : [];
  }
}
