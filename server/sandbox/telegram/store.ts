import { SlidingWindowLimiter } from '../core/rate-limit';
import { KOMMO_USERS } from '../kommo/people';
import type { MessageEntity } from './entities';

/**
 * Telegram Bot API state: bots by token, the chats the bots can write to (a private chat
 * per sales manager of the Kommo sandbox, a supergroup, a channel, a user who blocked
 * the bot), every message sent (for assertions), and the flood-control windows.
 */

export const DEMO_BOT_TOKEN = '7000000001:AAH-sandbox-telegram-demo-token-0001';
export const TOKEN_FORMAT = /^\d{5,12}:[A-Za-z0-9_-]{30,}$/;

export interface Bot {
  token: string;
  id: number;
  firstName: string;
  username: string;
}

export interface Chat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  /** The user blocked the bot: sends answer 403. */
  blocked?: boolean;
}

export interface SentMessage {
  botId: number;
  chatId: number;
  messageId: number;
  date: number;
  text: string;
  /** What the client sent before entity parsing. */
  raw: string;
  parseMode: string | null;
  entities: MessageEntity[];
  replyMarkup: unknown;
}

export const MANAGER_CHAT_BASE = 600_000_001;
export const GROUP_CHAT_ID = -1_001_000_000_001;
export const CHANNEL_CHAT_ID = -1_001_000_000_002;
export const BLOCKED_CHAT_ID = 600_000_999;

export class TelegramStore {
  readonly bots = new Map<string, Bot>();
  readonly chats = new Map<number, Chat>();
  readonly messages: SentMessage[] = [];
  /** Flood control: per bot per second, per group/channel per minute, per private chat per second. */
  readonly limits = { enabled: true, perBotPerSecond: 30, perGroupPerMinute: 20, perPrivateChatPerSecond: 4 };
  readonly botLimiter = new SlidingWindowLimiter(30, 1_000);
  readonly groupLimiter = new SlidingWindowLimiter(20, 60_000);
  readonly privateLimiter = new SlidingWindowLimiter(4, 1_000);
  private nextMessageId = new Map<number, number>();

  constructor() {
    this.addBot(DEMO_BOT_TOKEN, 'CRM Hub Sandbox Bot', 'crmhub_sandbox_bot');
    KOMMO_USERS.forEach((u, i) => {
      const [firstName, ...last] = u.name.split(' ');
      this.addChat({ id: MANAGER_CHAT_BASE + i, type: 'private', firstName: firstName!, lastName: last.join(' '), username: u.email.split('@')[0]!.replace(/\./g, '_') });
    });
    this.addChat({ id: GROUP_CHAT_ID, type: 'supergroup', title: 'Sales team' });
    this.addChat({ id: CHANNEL_CHAT_ID, type: 'channel', title: 'CRM Hub reports', username: 'crmhub_reports' });
    this.addChat({ id: BLOCKED_CHAT_ID, type: 'private', firstName: 'Blocked', lastName: 'User', blocked: true });
  }

  addBot(token: string, firstName: string, username: string): Bot {
    const bot = { token, id: Number(token.split(':')[0]), firstName, username };
    this.bots.set(token, bot);
    return bot;
  }

  addChat(chat: Chat): Chat {
    this.chats.set(chat.id, chat);
    return chat;
  }

  /** A chat by numeric id or "@username". */
  findChat(chatId: number | string): Chat | undefined {
    if (typeof chatId === 'number') return this.chats.get(chatId);
    const name = chatId.replace(/^@/, '').toLowerCase();
    for (const chat of this.chats.values()) if (chat.username?.toLowerCase() === name) return chat;
    return undefined;
  }

  nextId(chatId: number): number {
    const id = (this.nextMessageId.get(chatId) ?? 0) + 1;
    this.nextMessageId.set(chatId, id);
    return id;
  }

  /** Messages sent to a chat, oldest first (test helper). */
  sentTo(chatId: number): SentMessage[] {
    return this.messages.filter((m) => m.chatId === chatId);
  }
}
