import { z } from 'zod';
import {
  accountSchema,
  contactSchema,
  leadSchema,
  linkSchema,
  listPage,
  pipelineSchema,
  tagSchema,
  userSchema,
  type KommoAccount,
  type KommoContact,
  type KommoLead,
  type KommoLink,
  type KommoPipeline,
  type KommoTag,
  type KommoUser,
} from './schemas';
import type { KommoTransport, QueryInit } from './transport';

/**
 * Kommo reads (wire-spec §3.3–3.4): account, users, pipelines with statuses, leads with
 * their contacts, lead links, contacts (by id, or searched by phone / e-mail), tags.
 * Lists page to the end at 250 per page (Kommo's maximum) by following `_links.next`.
 * This module never writes: the inbound mirror, the report pipeline and the outbound
 * flow's searches use it; writes live in write.ts, which jobs cannot reach.
 */

export const PAGE_LIMIT = 250;
/** Kommo takes at most this many ids in one `filter[id][]` list in practice (URL length). */
const IDS_PER_REQUEST = 100;

const leadsPage = listPage('leads', leadSchema);
const contactsPage = listPage('contacts', contactSchema);
const usersPage = listPage('users', userSchema);
const pipelinesPage = listPage('pipelines', pipelineSchema);
const tagsPage = listPage('tags', tagSchema);
const linksPage = listPage('links', linkSchema);

export interface LeadQuery {
  /** Only leads changed at or after this Unix second. */
  updatedFrom?: number;
  ids?: number[];
  withContacts?: boolean;
  order?: 'updated_at' | 'id';
}

const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export class KommoReadClient {
  constructor(readonly transport: KommoTransport) {}

  get calls(): number {
    return this.transport.calls;
  }

  async account(): Promise<KommoAccount> {
    const account = await this.transport.get('/api/v4/account', { schema: accountSchema });
    if (!account) throw new Error('Kommo returned no account');
    return account;
  }

  async user(id: number): Promise<KommoUser | null> {
    return this.transport.get(`/api/v4/users/${id}`, { schema: userSchema });
  }

  async users(): Promise<KommoUser[]> {
    return this.collect<KommoUser>('/api/v4/users', 'users', usersPage, { limit: PAGE_LIMIT });
  }

  async pipelines(): Promise<KommoPipeline[]> {
    return this.collect<KommoPipeline>('/api/v4/leads/pipelines', 'pipelines', pipelinesPage);
  }

  async tags(): Promise<KommoTag[]> {
    return this.collect<KommoTag>('/api/v4/leads/tags', 'tags', tagsPage, { limit: PAGE_LIMIT });
  }

  /** Pages of leads, to the end. */
  async *leadPages(query: LeadQuery = {}): AsyncGenerator<KommoLead[]> {
    const base: QueryInit = {
      limit: PAGE_LIMIT,
      ...(query.withContacts ? { with: 'contacts' } : {}),
      ...(query.updatedFrom !== undefined ? { 'filter[updated_at][from]': query.updatedFrom } : {}),
      ...(query.order ? { [`order[${query.order}]`]: 'asc' } : {}),
    };
    if (!query.ids) {
      yield* this.transport.paginate<KommoLead>('/api/v4/leads', 'leads', leadsPage, base);
      return;
    }
    for (const part of chunks([...new Set(query.ids)], IDS_PER_REQUEST)) {
      yield* this.transport.paginate<KommoLead>('/api/v4/leads', 'leads', leadsPage, { ...base, 'filter[id][]': part });
    }
  }

  /** One lead, or null when Kommo has none by that id (deleted or never existed). */
  async lead(id: number, options: { withContacts?: boolean } = {}): Promise<KommoLead | null> {
    return this.transport.get(`/api/v4/leads/${id}`, { schema: leadSchema, query: options.withContacts ? { with: 'contacts' } : undefined });
  }

  async leadLinks(id: number, filter: { toEntityType?: 'contacts' | 'companies' | 'catalog_elements' } = {}): Promise<KommoLink[]> {
    return this.collect<KommoLink>(`/api/v4/leads/${id}/links`, 'links', linksPage, filter.toEntityType ? { 'filter[to_entity_type]': filter.toEntityType } : undefined);
  }

  async contact(id: number, options: { withLeads?: boolean } = {}): Promise<KommoContact | null> {
    return this.transport.get(`/api/v4/contacts/${id}`, { schema: contactSchema, query: options.withLeads ? { with: 'leads' } : undefined });
  }

  async contactsByIds(ids: number[]): Promise<KommoContact[]> {
    const out: KommoContact[] = [];
    for (const part of chunks([...new Set(ids)], IDS_PER_REQUEST)) {
      out.push(...(await this.collect<KommoContact>('/api/v4/contacts', 'contacts', contactsPage, { limit: PAGE_LIMIT, 'filter[id][]': part })));
    }
    return out;
  }

  /**
   * Contacts whose fields match `query` (Kommo's full-text search over phone and e-mail
   * fields). Kommo's phone matching is fuzzy: callers verify the matches themselves.
   */
  async searchContacts(query: string, options: { withLeads?: boolean; max?: number } = {}): Promise<KommoContact[]> {
    const out: KommoContact[] = [];
    const max = options.max ?? 50;
    for await (const page of this.transport.paginate<KommoContact>('/api/v4/contacts', 'contacts', contactsPage, { query, limit: Math.min(PAGE_LIMIT, max), ...(options.withLeads ? { with: 'leads' } : {}) })) {
      out.push(...page);
      if (out.length >= max) break;
    }
    return out.slice(0, max);
  }

  private async collect<T>(path: string, key: string, schema: z.ZodType, query?: QueryInit): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.transport.paginate<T>(path, key, schema, query)) out.push(...page);
    return out;
  }
}
