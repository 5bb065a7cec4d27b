import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { kommoContacts, kommoLeads, kommoWebhookEvents } from '../../db/schema/kommo';
import type { RunningSandbox } from '../../server/sandbox/index';
import type { KommoStore } from '../../server/sandbox/kommo/store';
import { toBracketForm } from '../../server/sandbox/kommo/query';
import type { AppServices } from '../../server/app-services';
import { startBoss } from '../../jobs/boss';
import { registerHandler } from '../../jobs/handler';
import { kommoWebhook } from '../../jobs/handlers/kommo-webhook';
import { queues } from '../../jobs/queues';
import { kommoConnectionOf } from '../../server/services/kommo/connection';
import { processWebhookEvent } from '../../server/services/kommo/mirror';
import { parseBracketForm, parseKommoWebhook } from '../../server/providers/kommo/webhook-format';
import { useTestDatabase } from '../support/database';
import { callerAs, makeTenant, makeUser } from '../support/factories';
import { depsOf, KOMMO_ACCOUNT_ID, KOMMO_LONG_LIVED, kommoServices, postWebhook, relaxKommoLimits, startKommoSandbox, webhookReceiver } from '../support/kommo';

/**
 * Kommo webhooks → stored events → a job that re-reads the entity → the mirror
 * (DESIGN §5). Payloads are the sandbox's own deliveries (Kommo's form-encoded bracket
 * format) and hand-written ones in the format of wire-spec §3.7.
 */

const database = useTestDatabase();
let sb: RunningSandbox<KommoStore>;
let services: AppServices;
let tenant: { id: string; slug: string };
let path: string;
let connectionId: string;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
const logs: string[] = [];

const form = (payload: Record<string, unknown>) => toBracketForm(payload).toString();
const account = (id = KOMMO_ACCOUNT_ID) => ({ id, subdomain: 'crmhubsandbox', _links: { self: 'https://crmhubsandbox.kommo.com' } });
const eventsOf = () => database.current.db.select().from(kommoWebhookEvents).where(eq(kommoWebhookEvents.organizationId, tenant.id));

async function processAll() {
  const pending = (await eventsOf()).filter((e) => e.status === 'received');
  for (const e of pending) await processWebhookEvent(depsOf(services), e.id);
  return pending.length;
}

async function mirrorLead(kommoId: number) {
  const [row] = await database.current.db.select().from(kommoLeads).where(and(eq(kommoLeads.connectionId, connectionId), eq(kommoLeads.kommoId, kommoId)));
  return row ?? null;
}

beforeAll(async () => {
  sb = await startKommoSandbox(300);
  services = kommoServices(database.current, sb.url);
  tenant = await makeTenant(database.current);
  const owner = await makeUser(database.current, 'owner', tenant.id);
  const { caller } = await callerAs(database.current, owner, services);
  await caller.kommo.connection.connectLongLived({ subdomain: 'crmhubsandbox', token: KOMMO_LONG_LIVED });
  const view = await caller.kommo.connection.get();
  if (!view.exists) throw new Error('not connected');
  path = new URL(view.webhookUrl).pathname;
  connectionId = view.connectionId;
  receiver = await webhookReceiver(services);
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
});
afterAll(async () => {
  vi.restoreAllMocks();
  await receiver?.close();
  await sb?.close();
});
beforeEach(() => relaxKommoLimits(sb));

describe('parsing Kommo’s form-encoded payloads', () => {
  it('reads every lead and contact event type in the wire format', () => {
    const body =
      'leads[status][0][id]=23802129&leads[status][0][status_id]=47873533&leads[status][0][pipeline_id]=5389528' +
      '&leads[status][0][old_status_id]=47888833&leads[status][0][old_pipeline_id]=5389528' +
      '&leads[add][0][id]=1&leads[add][0][name]=Deal&leads[add][0][custom_fields][0][id]=5&leads[add][0][custom_fields][0][values][0][value]=x' +
      '&leads[update][0][id]=2&leads[update][0][last_modified]=1790000000&leads[delete][0][id]=3&leads[delete][0][status_id]=142' +
      '&contacts[add][0][id]=10&contacts[add][0][name]=Sam&contacts[add][0][custom_fields][0][code]=PHONE&contacts[add][0][custom_fields][0][values][0][value]=%2B15551234567&contacts[add][0][custom_fields][0][values][0][enum]=WORK' +
      '&contacts[update][0][id]=11&contacts[update][0][type]=contact' +
      '&account[id]=29013640&account[subdomain]=drvorobjev&account[_links][self]=https%3A%2F%2Fdrvorobjev.amocrm.ru';
    const parsed = parseKommoWebhook(body, 'application/x-www-form-urlencoded; charset=UTF-8');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.accountId).toBe(29_013_640);
    expect(parsed.events.map((e) => `${e.entity}.${e.action}#${e.kommoId}`)).toEqual(['leads.add#1', 'leads.update#2', 'leads.status#23802129', 'leads.delete#3', 'contacts.add#10', 'contacts.update#11']);
    expect(new Set(parsed.events.map((e) => e.key)).size).toBe(6);
    expect(parsed.events[2]!.fields).toMatchObject({ old_status_id: '47888833', status_id: '47873533' });
  });

  it('refuses what is not Kommo’s format, without crashing', () => {
    const cases: [string, string | null][] = [
      ['{"leads":{"add":[{"id":1}]},"account":{"id":1}}', 'application/json'],
      ['leads[add][0][id]=1&account[id]=5&account[subdomain]=x', null],
      ['', 'application/x-www-form-urlencoded'],
      ['leads[add][0][id]=1', 'application/x-www-form-urlencoded'],
      ['leads[add][0][id]=abc&account[id]=5&account[subdomain]=x', 'application/x-www-form-urlencoded'],
      ['leads[add][0][id]=1&leads[add][0]=2&account[id]=5&account[subdomain]=x', 'application/x-www-form-urlencoded'],
      ['leads[__proto__][polluted]=1&account[id]=5&account[subdomain]=x', 'application/x-www-form-urlencoded'],
      ['leads[add][99999999][id]=1&account[id]=5&account[subdomain]=x', 'application/x-www-form-urlencoded'],
      ['a[b][c][d][e][f][g][h][i]=1&account[id]=5&account[subdomain]=x', 'application/x-www-form-urlencoded'],
      ['account[id]=-5&account[subdomain]=x', 'application/x-www-form-urlencoded'],
    ];
    for (const [body, type] of cases) expect(parseKommoWebhook(body, type).ok, body).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseBracketForm('x[constructor][prototype]=1')).toThrow();
  });
});

describe('the webhook endpoint', () => {
  it('stores the sandbox’s real deliveries (lead add/update/status/delete, contact add/update), answers fast, and the job fills the mirror', async () => {
    await fetch(`${sb.url}/_sandbox/webhooks`, { method: 'POST', body: JSON.stringify({ url: `${receiver.origin}${path}` }) });
    // add: a lead with a new contact through Kommo's API (as a Kommo user would)
    const created = await (
      await fetch(`${sb.url}/api/v4/leads/complex`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KOMMO_LONG_LIVED}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ name: 'Webhook deal', price: 1200, _embedded: { contacts: [{ first_name: 'Wanda', last_name: 'Hook', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+14155550177' }] }, { field_code: 'EMAIL', values: [{ value: 'wanda@example.test' }] }] }] } }]),
      })
    ).json();
    const leadId = created[0].id as number;
    const contactId = created[0].contact_id as number;
    await sb.store.webhooks.idle();
    await fetch(`${sb.url}/_sandbox/records/modify`, { method: 'POST', body: JSON.stringify({ count: 6 }) });
    await fetch(`${sb.url}/_sandbox/contacts/modify`, { method: 'POST', body: JSON.stringify({ count: 2 }) });
    const deleted = await (await fetch(`${sb.url}/_sandbox/records/delete`, { method: 'POST', body: JSON.stringify({ count: 1 }) })).json();
    await sb.store.webhooks.idle();
    await fetch(`${sb.url}/_sandbox/webhooks`, { method: 'DELETE', body: JSON.stringify({}) });

    const deliveries = sb.store.webhooks.deliveries.filter((d) => d.destination.startsWith(receiver.origin));
    expect(deliveries.length).toBeGreaterThanOrEqual(4);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    const kinds = new Set((await eventsOf()).map((e) => `${e.entity}.${e.action}`));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['contacts.add', 'contacts.update', 'leads.add', 'leads.delete', 'leads.status', 'leads.update']));

    const processed = await processAll();
    expect(processed).toBeGreaterThanOrEqual(10);
    expect((await eventsOf()).filter((e) => e.status !== 'processed')).toEqual([]);
    const lead = await mirrorLead(leadId);
    expect(lead).toMatchObject({ name: 'Webhook deal', price: 1200, pipelineName: expect.any(String), statusName: expect.any(String), responsibleName: expect.any(String), contactIds: [contactId], isDeleted: false });
    expect(lead!.lastEventAt).toBeInstanceOf(Date);
    expect(lead!.searchText).toContain('+14155550177');
    const [contact] = await database.current.db.select().from(kommoContacts).where(and(eq(kommoContacts.connectionId, connectionId), eq(kommoContacts.kommoId, contactId)));
    expect(contact).toMatchObject({ name: 'Wanda Hook', phonesE164: ['+14155550177'], emails: ['wanda@example.test'] });
    // the status change the sandbox made is in the mirror as Kommo has it now (re-read, not the payload)
    const statusEvent = (await eventsOf()).find((e) => e.action === 'status')!;
    const live = sb.store.liveLead(statusEvent.kommoId!)!;
    expect((await mirrorLead(statusEvent.kommoId!))!.statusId).toBe(live.statusId);
    expect(await mirrorLead(Number(deleted.ids[0]))).toBeNull(); // deleted before it was ever mirrored: nothing to keep

    // the "Kommo leads" page: searchable by phone (as typed), name and e-mail, with names and contacts
    const owner = (await callerAs(database.current, await makeUser(database.current, 'manager', tenant.id), services)).caller;
    for (const q of ['+1 415 555 0177', 'webhook DEAL', 'wanda@example']) {
      const page = await owner.kommo.leads.list({ q, offset: 0, limit: 10, includeDeleted: false });
      expect(page.items.map((i) => i.kommoId), q).toEqual([leadId]);
    }
    const listed = await owner.kommo.leads.list({ offset: 0, limit: 5, includeDeleted: false });
    expect(listed.total).toBeGreaterThan(5);
    expect(listed.items).toHaveLength(5);
    const [first] = (await owner.kommo.leads.list({ q: 'webhook deal', offset: 0, limit: 1, includeDeleted: false })).items;
    expect(first).toMatchObject({ name: 'Webhook deal', contacts: [{ kommoId: contactId, name: 'Wanda Hook', phones: ['+14155550177'], emails: ['wanda@example.test'] }] });
    expect(await owner.kommo.leads.refresh({ id: first!.id })).toEqual({ result: 'upserted' });
  });

  it('the same event delivered five times at once is stored and processed once', async () => {
    const lead = sb.store.leadsById[7]!;
    const body = form({ leads: { update: [{ id: lead.id, name: lead.name, status_id: lead.statusId, pipeline_id: lead.pipelineId, last_modified: lead.updatedAt, updated_at: lead.updatedAt }] }, account: account() });
    const answers = await Promise.all(Array.from({ length: 5 }, () => postWebhook(services, path, body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.reduce((n, a) => n + Number(a.body.accepted), 0)).toBe(1);
    expect(answers.reduce((n, a) => n + Number(a.body.duplicates), 0)).toBe(4);
    const rows = (await eventsOf()).filter((e) => e.kommoId === lead.id && e.action === 'update');
    expect(rows).toHaveLength(1);
    const results = await Promise.all(Array.from({ length: 3 }, () => processWebhookEvent(depsOf(services), rows[0]!.id).catch((e: unknown) => ({ status: String(e) }))));
    expect(results.filter((r) => r.status === 'processed').length).toBeGreaterThanOrEqual(1);
    expect(await processWebhookEvent(depsOf(services), rows[0]!.id)).toEqual({ status: 'skipped' });
    expect((await mirrorLead(lead.id))!.name).toBe(lead.name);
  });

  it('runs through pg-boss: one job per new event, completed by the kommo-webhook handler', async () => {
    const boss: PgBoss = await startBoss(database.current.url, { schedule: false });
    try {
      const withBoss = { ...services, boss };
      await registerHandler(boss, 'kommoWebhook', kommoWebhook, { database: { db: services.db, sql: services.sql, close: async () => {} }, log: () => {}, env: services.env, keyring: services.keyring, boss });
      const lead = sb.store.leadsById[21]!;
      const body = form({ leads: { status: [{ id: lead.id, status_id: lead.statusId, pipeline_id: lead.pipelineId, old_status_id: 1, old_pipeline_id: lead.pipelineId }] }, account: account() });
      const answers = await Promise.all(Array.from({ length: 5 }, () => postWebhook(withBoss, path, body)));
      expect(answers.reduce((n, a) => n + Number(a.body.accepted), 0)).toBe(1);
      const [row] = (await eventsOf()).filter((e) => e.kommoId === lead.id && e.action === 'status');
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [now] = await database.current.db.select().from(kommoWebhookEvents).where(eq(kommoWebhookEvents.id, row!.id));
        if (now!.status === 'processed') break;
        if (Date.now() > deadline) throw new Error(`event still ${now!.status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await mirrorLead(lead.id))!.statusId).toBe(lead.statusId);
      const jobs = await boss.findJobs(queues.kommoWebhook.name, { key: row!.id });
      expect(jobs).toHaveLength(1);
    } finally {
      await boss.stop({ graceful: false, timeout: 2000 });
    }
  });

  it('a wrong secret or slug is 404 and stores nothing; the secret never reaches a log line', async () => {
    const before = (await eventsOf()).length;
    const secret = path.split('/').pop()!;
    const body = form({ leads: { add: [{ id: 1 }] }, account: account() });
    logs.length = 0;
    expect((await postWebhook(services, path.replace(secret, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), body)).status).toBe(404);
    expect((await postWebhook(services, path.replace(tenant.slug, 'another-tenant'), body)).status).toBe(404);
    expect((await postWebhook(services, path.replace(secret, 'short'), body)).status).toBe(404);
    expect((await eventsOf()).length).toBe(before);
    expect(logs.some((l) => l.includes('[redacted]'))).toBe(true);
    expect(logs.join('\n')).not.toContain(secret.slice(0, 12));
  });

  it('a foreign account[id] is refused (403) and kept for inspection', async () => {
    const answer = await postWebhook(services, path, form({ leads: { add: [{ id: 5 }] }, account: account(99_999) }));
    expect(answer.status).toBe(403);
    const [row] = (await eventsOf()).filter((e) => e.id === answer.body.reference);
    expect(row).toMatchObject({ status: 'rejected', entity: null });
    expect(row!.rawBody).toContain('account%5Bid%5D=99999');
  });

  it('malformed bodies get 400 and are kept with the reason; nothing crashes', async () => {
    for (const [body, type] of [
      ['{"not":"form"}', 'application/json'],
      ['leads[add][0][id]=x&account[id]=31905001&account[subdomain]=crmhubsandbox', 'application/x-www-form-urlencoded'],
      ['%%%garbage', 'application/x-www-form-urlencoded'],
      ['', 'application/x-www-form-urlencoded'],
    ] as const) {
      const answer = await postWebhook(services, path, body, type);
      expect(answer.status, body).toBe(400);
      const [row] = (await eventsOf()).filter((e) => e.id === answer.body.reference);
      expect(row).toMatchObject({ status: 'malformed', rawBody: body });
      expect(row!.error).toBeTruthy();
    }
    const ignored = await postWebhook(services, path, form({ task: { add: [{ id: 1 }] }, account: account() }));
    expect(ignored).toEqual({ status: 200, body: { accepted: 0, duplicates: 0 } });
    const admin = (await callerAs(database.current, await makeUser(database.current, 'admin', tenant.id), services)).caller;
    const kept = await admin.kommo.webhookEvents({ status: 'malformed', offset: 0, limit: 10 });
    expect(kept.total).toBe(4);
    expect(kept.items.map((i) => i.rawBody)).toContain('%%%garbage');
  });

  it('the previous secret keeps working for a day after a rotation', async () => {
    const owner = await makeUser(database.current, 'owner', tenant.id);
    const { caller } = await callerAs(database.current, owner, services);
    const rotated = await caller.kommo.connection.rotateWebhookSecret();
    if (!rotated.exists) throw new Error('view');
    const lead = sb.store.leadsById[30]!;
    expect((await postWebhook(services, path, form({ leads: { update: [{ id: lead.id, updated_at: 1 }] }, account: account() }))).status).toBe(200);
    expect((await postWebhook(services, new URL(rotated.webhookUrl).pathname, form({ leads: { update: [{ id: lead.id, updated_at: 2 }] }, account: account() }))).status).toBe(200);
    path = new URL(rotated.webhookUrl).pathname;
  });

  it('keeps the newest state: an older Kommo version never replaces a newer mirror row; a lead Kommo no longer has is marked deleted', async () => {
    const found = (await kommoConnectionOf(database.current.db, tenant.id))!;
    const lead = sb.store.leadsById[40]!;
    await postWebhook(services, path, form({ leads: { update: [{ id: lead.id, v: 1 }] }, account: account() }));
    await processAll();
    const first = await mirrorLead(lead.id);
    await database.current.db.update(kommoLeads).set({ remoteUpdatedAt: new Date(Date.now() + 86_400_000), name: 'newer' }).where(eq(kommoLeads.id, first!.id));
    await postWebhook(services, path, form({ leads: { update: [{ id: lead.id, v: 2 }] }, account: account() }));
    await processAll();
    expect((await mirrorLead(lead.id))!.name).toBe('newer');
    await fetch(`${sb.url}/api/v4/leads/${lead.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${KOMMO_LONG_LIVED}`, 'content-type': 'application/json' }, body: '{}' });
    sb.store.deleteLead(lead);
    await postWebhook(services, path, form({ leads: { delete: [{ id: lead.id, status_id: 142 }] }, account: account() }));
    await processAll();
    expect((await mirrorLead(lead.id))!.isDeleted).toBe(true);
    expect(found.conn.id).toBe(connectionId);
  });
});
