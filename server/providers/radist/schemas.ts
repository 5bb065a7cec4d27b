import { z } from 'zod';

/**
 * Radist.online API v2 response shapes (wire-spec §4). The vendor's OpenAPI schema is
 * not public to us: the shapes come from its docs and third-party clients, so every
 * object is parsed loosely (unknown fields kept, optional ones tolerated) and only the
 * fields the report pipeline reads are required.
 */

const int = z.number().int();

export const companiesResponse = z.object({ companies: z.array(z.object({ id: int, name: z.string() }).loose()) }).loose();

export const errorBody = z
  .object({ error_code: int.optional(), error_name: z.string().optional(), message: z.string().optional(), detail: z.unknown().optional() })
  .loose();

export const radistMessage = z
  .object({
    message_id: int,
    chat_id: int.optional(),
    created_at: z.string(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    status: z.string().optional(),
    message_type: z.string().optional(),
    text: z.object({ text: z.string() }).loose().nullable().optional(),
    sender: z.object({ type: z.string().optional(), name: z.string().nullable().optional(), operator_id: int.nullable().optional() }).loose().nullable().optional(),
  })
  .loose();
export type RadistMessage = z.infer<typeof radistMessage>;
export const messagesResponse = z.array(radistMessage);

export const radistChat = z
  .object({
    chat_id: int,
    connection_id: int.optional(),
    source: z.string().optional(),
    phone: z.string().nullable().optional(),
    contact_id: int.optional(),
    unanswered_count: int.optional(),
    updated_at: z.string().optional(),
    last_message: z.object({ created_at: z.string() }).loose().nullable().optional(),
  })
  .loose();
export type RadistChat = z.infer<typeof radistChat>;

export const contactWithChats = z
  .object({
    contact_id: int,
    contact_name: z.string().nullable().optional(),
    unanswered_count: int.optional(),
    last_chat_updated_at: z.string().nullable().optional(),
    chats: z.array(radistChat),
  })
  .loose();
export type RadistContactWithChats = z.infer<typeof contactWithChats>;

const cursorPage = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), response_metadata: z.object({ next_cursor: z.string().nullable().optional() }).loose().optional() }).loose();
export const withContactsResponse = cursorPage(contactWithChats);
export const chatsResponse = cursorPage(radistChat);

export const radistContact = z
  .object({ id: int, name: z.string().nullable().optional(), phones: z.array(z.string()).optional() })
  .loose();
export const contactsResponse = z.object({ contacts: z.array(radistContact) }).loose();
