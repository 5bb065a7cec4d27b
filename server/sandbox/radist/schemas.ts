import { z } from 'zod';

/**
 * Every request and response shape of the Radist.online API v2 sandbox, in one place,
 * because the public facts are thin (wire-spec §4): correct them here.
 *
 * Sources: the error list from docs.radist.online (api/v2 "Ошибки"); the chats
 * `with_contacts` page, the messages list (plain array, newest first, `until` paging),
 * the companies/sources/connections lists and the send-message body from third-party
 * client code. Marked UNCONFIRMED: everything else, in particular the contacts
 * endpoints, the message fields beyond `message_id`/`created_at`/`text.text`/`direction`,
 * the auth error bodies and the HTTP status of validation errors.
 */

// ---- errors ---------------------------------------------------------------------------

/** Documented codes; 401/403 follow the "HTTP status as error_code" pattern of 413/429 (UNCONFIRMED). */
export const ERROR_CODES = {
  REQUEST_VALIDATION_ERROR: { code: 1, status: 400 },
  NOT_PAID: { code: 10, status: 402 },
  NOT_IN_SUBSCRIPTION: { code: 11, status: 403 },
  UNAUTHORIZED: { code: 401, status: 401 },
  FORBIDDEN: { code: 403, status: 403 },
  NOT_FOUND: { code: 404, status: 404 },
  REQUEST_TOO_LARGE: { code: 413, status: 413 },
  TOO_MANY_REQUESTS: { code: 429, status: 429 },
  INTERNAL_ERROR: { code: 500, status: 500 },
  CONTACT_NOT_FOUND: { code: 1000, status: 404 },
  CONTACT_PHONE_EMAIL_CONFLICT: { code: 1001, status: 409 },
  CHAT_NOT_FOUND: { code: 4000, status: 404 },
  MEMBER_NOT_FOUND: { code: 5000, status: 404 },
} as const;
export type ErrorName = keyof typeof ERROR_CODES;

export const errorBodySchema = z.object({
  error_code: z.number().int(),
  error_name: z.string(),
  message: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---- query strings --------------------------------------------------------------------

const int = z.coerce.number().int();
export const offsetPageQuery = z.object({ limit: int.min(1).max(100).default(100), offset: int.min(0).default(0) });

export const contactsQuery = offsetPageQuery.extend({
  /** Phone in any format; matched by digits (last 10 digits, one number ending with the other). UNCONFIRMED parameter name. */
  phone: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  /** Substring of the name. UNCONFIRMED. */
  search: z.string().min(1).optional(),
});

export const withContactsQuery = z.object({
  limit: int.min(1).max(100).default(100),
  /** Opaque; empty or absent = first page. */
  cursor: z.string().optional(),
});

export const chatsQuery = withContactsQuery.extend({
  /** The chats of one contact. UNCONFIRMED (a sandbox filter for "list a contact's chats"). */
  contact_id: int.positive().optional(),
});

export const messagesQuery = z.object({
  chat_id: int.positive(),
  limit: int.min(1).max(100).default(100),
  /** ISO-8601; messages created at or before this instant. */
  until: z.iso.datetime({ offset: true }).optional(),
});

// ---- request bodies -------------------------------------------------------------------

export const sendMessageBody = z.object({
  connection_id: z.number().int().positive(),
  chat_id: z.number().int().positive(),
  mode: z.enum(['async', 'sync']).default('async'),
  message_type: z.literal('text'),
  text: z.object({ text: z.string().min(1).max(4096) }),
});
export type SendMessageBody = z.infer<typeof sendMessageBody>;

// ---- responses ------------------------------------------------------------------------

export const companySchema = z.object({ id: z.number().int(), name: z.string() });
export const companiesResponse = z.object({ companies: z.array(companySchema) });

export const sourceSchema = z.object({ connection_id: z.number().int(), type: z.enum(['whatsapp', 'waba', 'telegram', 'instagram', 'avito', 'vk']) });
export const sourcesResponse = z.array(sourceSchema);

export const connectionSchema = z.object({ id: z.number().int(), type: sourceSchema.shape.type, name: z.string(), status: z.enum(['active', 'inactive']), phone: z.string().nullable() });
export const connectionsResponse = z.object({ count: z.number().int(), connections: z.array(connectionSchema) });

export const contactSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  phones: z.array(z.string()),
  emails: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export const contactsResponse = z.object({ count: z.number().int(), contacts: z.array(contactSchema) });

export const messageSchema = z.object({
  message_id: z.number().int(),
  chat_id: z.number().int(),
  connection_id: z.number().int(),
  contact_id: z.number().int(),
  direction: z.enum(['inbound', 'outbound']),
  status: z.enum(['sent', 'delivered', 'read', 'error']),
  message_type: z.literal('text'),
  created_at: z.string(),
  text: z.object({ text: z.string() }),
  sender: z.object({ type: z.enum(['contact', 'operator']), name: z.string(), operator_id: z.number().int().nullable() }),
});
export type Message = z.infer<typeof messageSchema>;
export const messagesResponse = z.array(messageSchema);

export const chatSchema = z.object({
  chat_id: z.number().int(),
  connection_id: z.number().int(),
  source: sourceSchema.shape.type,
  source_chat_id: z.string(),
  phone: z.string().nullable(),
  contact_id: z.number().int(),
  unanswered_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  last_message: messageSchema.pick({ message_id: true, created_at: true, direction: true, text: true }).nullable(),
});
export type Chat = z.infer<typeof chatSchema>;

export const contactWithChatsSchema = z.object({
  contact_id: z.number().int(),
  contact_name: z.string(),
  avatar_url: z.string().nullable(),
  is_group: z.boolean(),
  unanswered_count: z.number().int(),
  last_chat_updated_at: z.string(),
  chats: z.array(chatSchema),
});
export const cursorPage = <T extends z.ZodTypeAny>(item: T) => z.object({ data: z.array(item), response_metadata: z.object({ next_cursor: z.string() }) });
export const withContactsResponse = cursorPage(contactWithChatsSchema);
export const chatsResponse = cursorPage(chatSchema);
export const contactDetailResponse = contactSchema.extend({ chats: z.array(chatSchema) });
