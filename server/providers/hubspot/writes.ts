import { ProviderRateLimited, ReauthorizationNeeded, type CrmEntity, type WriteInput, type WriteResult } from '../types';
import { describeError, HubSpotApiError, isRetryable } from './errors';
import { APP_ID_PROPERTY, CONTACT_TO_COMPANY, DEDUPE_PROPERTY, dedupeKey, OBJECT_TYPE, stampOf, toHubSpotProperties, type HsObject } from './mapping';
import type { ObjectApis, Sdk } from './sdk';

/**
 * Writes: batch update (inputs with an id), batch upsert by `email` (contacts) /
 * `domain` (accounts) for inputs with a dedupe key — a retried create finds the
 * record it created the first time — batch upsert by our unique `crmhub_id`
 * property (the app record id) for inputs without a key, and plain batch create
 * only when that property cannot be had (it is created on first use, which needs
 * the crm.schemas.<type>.write scope; older connections lack it). Each kind goes in chunks of 100 (HubSpot's batch limit), so 250 creates
 * are 3 calls. Contacts' `accountId` is applied afterwards through the v4
 * associations API, one batch call per chunk: a string makes that company the
 * contact's Primary company (the former primary stays associated, unlabelled —
 * HubSpot allows many companies per contact and we do not delete CRM data
 * silently); `null` removes all of the contact's company associations.
 *
 * HubSpot rejects a whole batch when one input is invalid (400 VALIDATION_ERROR,
 * 409 CONFLICT for a taken e-mail). To give one result per input, a rejected batch
 * is narrowed down: inputs carrying a property HubSpot names as non-existent or
 * read-only fail at once, otherwise the batch is split in halves until the bad
 * inputs stand alone (k bad inputs cost about 2·k·log₂(100) extra calls). Missing
 * ids come back as 207 errors and fail only their inputs. Results are matched by id
 * (updates), `objectWriteTraceId` (creates/upserts; by key or order as fallback).
 *
 * A 5xx/transport failure marks its chunk's inputs `retryable` and the other
 * chunks go on; ProviderRateLimited and ReauthorizationNeeded are thrown (the
 * engine must wait or stop; every write here is safe to repeat).
 */

type Call = <T>(fn: (sdk: Sdk) => Promise<T>) => Promise<T>;
type Kind = 'update' | 'upsert' | 'create';

interface Item {
  index: number;
  input: WriteInput;
  properties: Record<string, string>;
  /** Upserts: the unique property and the value looked up by it. */
  idProperty?: string;
  key?: string;
}

interface BatchError {
  category?: string;
  message?: string;
  context?: Record<string, string[] | undefined>;
}

const BATCH_SIZE = 100;
const REJECTED = new Set([400, 409, 422]);
const SCHEMA_ERRORS = new Set(['PROPERTY_DOESNT_EXIST', 'READ_ONLY_VALUE']);

const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const success = (object: HsObject, created: boolean): WriteResult => ({ ok: true, id: object.id, created, modifiedAt: new Date(stampOf(object)).toISOString() });
const failure = (error: string, retryable: boolean): WriteResult => ({ ok: false, error, retryable });

const mentions = (error: BatchError, value: string | undefined | null) =>
  !!value && Object.values(error.context ?? {}).some((list) => Array.isArray(list) && list.includes(value));

/** `name → message` of the property errors HubSpot lists in "Property values were not valid: [...]". */
function propertyErrors(error: HubSpotApiError): { name: string; error: string; message: string }[] {
  const match = /Property values were not valid: (\[[\s\S]*\])\s*$/.exec(error.body?.message ?? '');
  if (!match) return [];
  try {
    const list = JSON.parse(match[1]!) as { name?: string; error?: string; message?: string }[];
    return list.filter((e) => typeof e.name === 'string').map((e) => ({ name: e.name!, error: e.error ?? '', message: e.message ?? '' }));
  } catch {
    return [];
  }
}

const mustThrow = (error: unknown) => error instanceof ProviderRateLimited || error instanceof ReauthorizationNeeded;

export class HubSpotWriter {
  /** Per entity: whether the portal has our unique app-id property (looked up, else created, once per client). */
  private readonly appIdProperty = new Map<CrmEntity, Promise<boolean>>();

  constructor(private readonly call: Call) {}

  /** The unique `crmhub_id` property exists (or was just created); false when the portal refuses it. */
  private hasAppIdProperty(entity: CrmEntity): Promise<boolean> {
    let known = this.appIdProperty.get(entity);
    if (!known) {
      known = this.ensureAppIdProperty(entity);
      this.appIdProperty.set(entity, known);
      known.catch(() => this.appIdProperty.delete(entity)); // a rate limit or an expired session: ask again next time
    }
    return known;
  }

  private async ensureAppIdProperty(entity: CrmEntity): Promise<boolean> {
    const type = OBJECT_TYPE[entity];
    try {
      const found = await this.call((sdk) => sdk.properties.getByName(type, APP_ID_PROPERTY));
      return found.hasUniqueValue === true;
    } catch (error) {
      if (mustThrow(error)) throw error;
      if (!(error instanceof HubSpotApiError) || error.status !== 404) return false;
    }
    try {
      const created = await this.call((sdk) =>
        sdk.properties.create(type, {
          name: APP_ID_PROPERTY,
          label: 'CRM Hub record id',
          description: 'Set by CRM Hub on the records it creates, so a repeated create finds the first one.',
          type: 'string' as never,
          fieldType: 'text' as never,
          groupName: entity === 'contact' ? 'contactinformation' : 'companyinformation',
          hasUniqueValue: true,
          formField: false,
        }),
      );
      return created.hasUniqueValue === true;
    } catch (error) {
      if (mustThrow(error)) throw error;
      // created meanwhile by another process: fine; missing scope or any other refusal: plain creates
      return error instanceof HubSpotApiError && error.status === 409;
    }
  }

  private apis(sdk: Sdk, entity: CrmEntity): ObjectApis {
    return (entity === 'contact' ? sdk.contacts : sdk.companies) as ObjectApis;
  }

  async write(entity: CrmEntity, inputs: WriteInput[]): Promise<WriteResult[]> {
    const results: (WriteResult | undefined)[] = new Array(inputs.length).fill(undefined);
    const idProperty = DEDUPE_PROPERTY[entity];
    const groups: Record<Kind, Item[]> = { update: [], upsert: [], create: [] };
    const byAppId: Item[] = [];
    inputs.forEach((input, index) => {
      const properties = toHubSpotProperties(input.fields);
      if (input.id) return groups.update.push({ index, input, properties });
      const fromFields = input.fields[idProperty];
      const key = dedupeKey(input.dedupeKey ?? (typeof fromFields === 'string' ? fromFields : ''));
      if (!key) return input.appId ? byAppId.push({ index, input, properties, idProperty: APP_ID_PROPERTY, key: input.appId }) : groups.create.push({ index, input, properties });
      if (!properties[idProperty]) properties[idProperty] = key;
      return groups.upsert.push({ index, input, properties, idProperty, key });
    });
    if (byAppId.length) {
      if (await this.hasAppIdProperty(entity)) {
        for (const it of byAppId) it.properties[APP_ID_PROPERTY] = it.key!;
      }
      for (const it of byAppId) (it.properties[APP_ID_PROPERTY] ? groups.upsert : groups.create).push(it);
    }
    for (const kind of ['update', 'upsert', 'create'] as const) {
      // upserts go in chunks of one id property each
      const parts = kind === 'upsert' ? [idProperty, APP_ID_PROPERTY].flatMap((p) => chunk(groups.upsert.filter((it) => it.idProperty === p), BATCH_SIZE)) : chunk(groups[kind], BATCH_SIZE);
      for (const part of parts) {
        await this.send(entity, kind, part, results);
        if (entity === 'contact') await this.associate(part.filter((it) => results[it.index]?.ok && it.input.accountId !== undefined), results);
      }
    }
    return results.map((r) => r ?? failure('HubSpot returned no result for this input', true));
  }

  private async send(entity: CrmEntity, kind: Kind, items: Item[], results: (WriteResult | undefined)[]): Promise<void> {
    if (items.length === 0) return;
    const idProperty = DEDUPE_PROPERTY[entity];
    const trace = (it: Item) => `crmhub-${it.index}`;
    try {
      if (kind === 'update') {
        const response = await this.call((sdk) => this.apis(sdk, entity).batch.update({ inputs: items.map((it) => ({ id: it.input.id!, properties: it.properties })) }));
        const byId = new Map(response.results.map((r) => [r.id, r as HsObject]));
        const errors = ('errors' in response ? response.errors : undefined) ?? [];
        for (const it of items) {
          const found = byId.get(it.input.id!);
          results[it.index] = found ? success(found, false) : this.missing(it.input.id!, errors);
        }
        return;
      }
      if (kind === 'upsert') {
        const property = items[0]!.idProperty ?? idProperty;
        const norm = (value: string) => (property === APP_ID_PROPERTY ? value : dedupeKey(value));
        const response = await this.call((sdk) =>
          this.apis(sdk, entity).batch.upsert({ inputs: items.map((it) => ({ id: norm(it.properties[property]!), idProperty: property, objectWriteTraceId: trace(it), properties: it.properties })) }),
        );
        const byTrace = new Map(response.results.filter((r) => r.objectWriteTraceId).map((r) => [r.objectWriteTraceId!, r]));
        const byKey = new Map(response.results.filter((r) => r.properties[property]).map((r) => [norm(r.properties[property]!), r]));
        const errors = ('errors' in response ? response.errors : undefined) ?? [];
        for (const it of items) {
          const key = norm(it.properties[property]!);
          const found = byTrace.get(trace(it)) ?? byKey.get(key);
          results[it.index] = found ? success(found as HsObject, found._new) : this.missing(key, errors);
        }
        return;
      }
      const response = await this.call((sdk) =>
        this.apis(sdk, entity).batch.create({ inputs: items.map((it) => ({ properties: it.properties, associations: [], objectWriteTraceId: trace(it) })) }),
      );
      const byTrace = new Map(response.results.filter((r) => r.objectWriteTraceId).map((r) => [r.objectWriteTraceId!, r]));
      const inOrder = response.results.length === items.length;
      items.forEach((it, i) => {
        const found = byTrace.get(trace(it)) ?? (inOrder ? response.results[i] : undefined);
        results[it.index] = found ? success(found as HsObject, true) : failure(`HubSpot returned ${response.results.length} results for ${items.length} creates; this one cannot be matched`, false);
      });
    } catch (error) {
      if (mustThrow(error)) throw error;
      if (!(error instanceof HubSpotApiError) || !REJECTED.has(error.status)) {
        for (const it of items) results[it.index] = failure(describeError(error), isRetryable(error));
        return;
      }
      if (items.length === 1) {
        results[items[0]!.index] = failure(describeError(error), false);
        return;
      }
      // inputs carrying a property HubSpot says does not exist / is read-only fail as a group
      const bad = propertyErrors(error).filter((e) => SCHEMA_ERRORS.has(e.error));
      const failing = items.filter((it) => bad.some((e) => e.name in it.properties));
      if (failing.length) {
        for (const it of failing) {
          const reasons = bad.filter((e) => e.name in it.properties).map((e) => `${e.error}: ${e.message}`);
          results[it.index] = failure(`VALIDATION_ERROR: ${reasons.join('; ')}`, false);
        }
        await this.send(entity, kind, items.filter((it) => !failing.includes(it)), results);
        return;
      }
      const middle = Math.ceil(items.length / 2);
      await this.send(entity, kind, items.slice(0, middle), results);
      await this.send(entity, kind, items.slice(middle), results);
    }
  }

  private missing(identifier: string, errors: BatchError[]): WriteResult {
    const error = errors.find((e) => mentions(e, identifier));
    if (error) return failure(`${error.category ?? 'ERROR'}: ${error.message ?? 'failed'}`, false);
    return failure(`HubSpot returned no result for ${identifier}${errors[0]?.message ? ` (${errors[0].message})` : ''}`, errors.length === 0);
  }

  /** Applies `accountId` of written contacts through associations v4. */
  private async associate(items: Item[], results: (WriteResult | undefined)[]): Promise<void> {
    const idOf = (it: Item) => (results[it.index] as { id: string }).id;
    const set = items.filter((it) => typeof it.input.accountId === 'string' && it.input.accountId !== '');
    const clear = items.filter((it) => it.input.accountId === null || it.input.accountId === '');
    const fail = (list: Item[], error: unknown) => {
      if (mustThrow(error)) throw error;
      for (const it of list) results[it.index] = failure(`written, but the company association failed: ${describeError(error)}`, isRetryable(error));
    };
    if (set.length) {
      try {
        const types = [CONTACT_TO_COMPANY.primary, CONTACT_TO_COMPANY.unlabeled].map((associationTypeId) => ({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId }));
        const response = await this.call((sdk) =>
          sdk.associations.create('contacts', 'companies', { inputs: set.map((it) => ({ _from: { id: idOf(it) }, to: { id: it.input.accountId! }, types: types as never })) }),
        );
        const errors: BatchError[] = ('errors' in response ? response.errors : undefined) ?? [];
        for (const it of set) {
          const error = errors.find((e) => mentions(e, it.input.accountId) || mentions(e, idOf(it)));
          if (error) results[it.index] = failure(`written, but not associated with company ${it.input.accountId}: ${error.category ?? 'ERROR'}: ${error.message ?? ''}`, false);
        }
      } catch (error) {
        fail(set, error);
      }
    }
    if (clear.length) {
      try {
        const current = await this.call((sdk) => sdk.associations.getPage('contacts', 'companies', { inputs: clear.map((it) => ({ id: idOf(it) })) }));
        const inputs = current.results.filter((r) => r.to.length).map((r) => ({ _from: { id: r._from.id }, to: r.to.map((t) => ({ id: String(t.toObjectId) })) }));
        if (inputs.length) await this.call((sdk) => sdk.associations.archive('contacts', 'companies', { inputs }));
      } catch (error) {
        fail(clear, error);
      }
    }
  }

  async remove(entity: CrmEntity, ids: string[]): Promise<WriteResult[]> {
    const results: WriteResult[] = new Array(ids.length);
    for (const part of chunk(ids.map((id, index) => ({ id, index })), BATCH_SIZE)) {
      try {
        await this.call((sdk) => this.apis(sdk, entity).batch.archive({ inputs: part.map((p) => ({ id: p.id })) }));
        for (const p of part) results[p.index] = { ok: true, id: p.id, created: false, modifiedAt: null };
      } catch (error) {
        if (mustThrow(error)) throw error;
        for (const p of part) results[p.index] = failure(describeError(error), isRetryable(error));
      }
    }
    return results;
  }
}
