/**
 * Seeds the app side of a HubSpot connection as a completed full import of a large
 * sandbox would leave it — app contacts, record links with their base snapshots, and the
 * pull/push/deletes cursors — without importing through the API (1,000,000 records at
 * HubSpot's search limit would take ~17 minutes of paced calls, and the import itself is
 * measured separately at 100,000). Every value goes through the engine's own mapping code
 * (MappingSet.remoteValues → appPatch → buildAppWrite, the create path's base), and rows
 * are streamed with COPY, so the incremental sync afterwards meets what a real import
 * would have written.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { connections, contacts, fieldMappings, recordLinks } from '../../db/schema';
import { toRemoteRecord } from '../../server/providers/hubspot/mapping';
import type { HubSpotStore } from '../../server/sandbox/hubspot/store';
import { listCustomFields } from '../../server/services/crm/custom-fields';
import { tenantCountry } from '../../server/services/crm/phone';
import { buildAppWrite } from '../../server/services/sync/app-fields';
import { writeCursor } from '../../server/services/sync/links';
import { MappingSet } from '../../server/services/sync/mapping-set';

const escapeCopy = (value: string | null | undefined): string =>
  value === null || value === undefined ? '\\N' : value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

async function write(stream: Writable, chunk: string) {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function finish(stream: Writable) {
  const done = Promise.race([once(stream, 'finish'), once(stream, 'close')]);
  stream.end();
  await done;
}

export async function seedImportedHubSpotContacts(database: Database, store: HubSpotStore, connectionId: string): Promise<{ contacts: number; ms: number }> {
  const started = performance.now();
  const [conn] = await database.db.select().from(connections).where(eq(connections.id, connectionId));
  if (!conn) throw new Error('connection');
  const rows = await database.db
    .select()
    .from(fieldMappings)
    .where(and(eq(fieldMappings.connectionId, conn.id), eq(fieldMappings.entity, 'contact')))
    .orderBy(asc(fieldMappings.position), asc(fieldMappings.createdAt));
  const country = await tenantCountry(database.db, conn.organizationId);
  const remoteTypes = new Map((conn.remoteFields.contact?.fields ?? []).map((f) => [f.name, f.type] as const));
  const set = new MappingSet('contact', rows, { country }, conn.entities.includes('account'), remoteTypes);
  const customFields = new Map((await listCustomFields(database.db, conn.organizationId, 'contact')).map((d) => [d.key, d]));
  const pulls = new Set(set.mappings.filter((m) => m.direction === 'both' || m.direction === 'pull').map((m) => m.key));

  const columns = getTableColumns(contacts);
  const collection = store.contacts;
  const live = collection.modifiedOrder; // (updatedAt, id) order: the last one is the pull cursor
  const properties = [...new Set([...set.remoteFields, 'hs_lastmodifieddate', 'associatedcompanyid'])];

  // which contact columns the mapped values fill (the union over a sample; the rest stay default)
  const sample = buildAppWrite(set.appPatch(set.remoteValues(toRemoteRecord('contact', { id: String(live[0]!.id), properties: Object.fromEntries(properties.map((p) => [p, collection.value(live[0]!, p)])) }, set.remoteFields))), { country, customFields });
  if (!sample.ok) throw new Error(sample.message);
  const keys = Object.keys(columns).filter((k) => !['id', 'organizationId', 'custom', 'createdAt', 'updatedAt', 'changeSeq', 'deletedAt', 'mergedIntoId', 'accountId', 'ownerId', 'createdBy'].includes(k) && (k in sample.write.columns || set.mappings.some((m) => m.appField === k)));
  const contactColumns = ['id', 'organization_id', 'custom', ...keys.map((k) => columns[k as keyof typeof columns].name)];
  const linkColumns = ['organization_id', 'connection_id', 'entity', 'app_id', 'remote_id', 'base', 'remote_modified_at'];

  const contactCopy = await database.sql`copy contacts (${database.sql(contactColumns)}) from stdin`.writable();
  const linkCopy = await database.sql`copy record_links (${database.sql(linkColumns)}) from stdin`.writable();
  const emails = new Set<string>();
  let seeded = 0;
  let contactChunk = '';
  let linkChunk = '';
  for (const record of live) {
    const hs = { id: String(record.id), properties: Object.fromEntries(properties.map((p) => [p, collection.value(record, p)])) };
    const remote = toRemoteRecord('contact', hs, set.remoteFields);
    const values = set.remoteValues(remote);
    const built = buildAppWrite(set.appPatch(values), { country, customFields });
    if (!built.ok) continue; // the engine would fail this record alone
    const email = built.write.columns.email?.trim().toLowerCase();
    if (email) {
      if (emails.has(email)) continue; // the engine refuses a second contact with a taken e-mail
      emails.add(email);
    }
    const id = randomUUID();
    const custom = JSON.stringify(Object.fromEntries(Object.entries(built.write.custom).filter(([, v]) => v !== null)));
    contactChunk += [id, conn.organizationId, custom, ...keys.map((k) => built.write.columns[k] ?? null)].map(escapeCopy).join('\t') + '\n';
    const base: Record<string, string | null> = {};
    for (const f of set.fields) base[f.key] = pulls.has(f.key) ? (values[f.key] ?? null) : null;
    linkChunk += [conn.organizationId, conn.id, 'contact', id, remote.id, JSON.stringify(base), remote.modifiedAt].map(escapeCopy).join('\t') + '\n';
    seeded += 1;
    if (contactChunk.length > 1 << 20) {
      await write(contactCopy, contactChunk);
      await write(linkCopy, linkChunk);
      contactChunk = '';
      linkChunk = '';
    }
  }
  await write(contactCopy, contactChunk);
  await write(linkCopy, linkChunk);
  await finish(contactCopy);
  await finish(linkCopy);

  const last = live.at(-1)!;
  await writeCursor(database.db, conn.id, 'contact', 'pull', { modifiedAt: new Date(last.updatedAt).toISOString(), id: String(last.id) });
  const [max] = await database.db.execute<{ seq: string | null }>(sql`select max(${contacts.changeSeq})::text as seq from ${contacts} where ${contacts.organizationId} = ${conn.organizationId}`);
  await writeCursor(database.db, conn.id, 'contact', 'push', { seq: Number(max?.seq ?? 0) });
  await writeCursor(database.db, conn.id, 'contact', 'deletes', { since: new Date().toISOString() });
  await database.db.execute(sql`analyze ${contacts}`);
  await database.db.execute(sql`analyze ${recordLinks}`);
  return { contacts: seeded, ms: performance.now() - started };
}
