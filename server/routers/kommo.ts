import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { z, ZodRealError } from 'zod';
import { kommoAccounts } from '../../db/schema/kommo';
import { tenantRoleCan } from '../security/rbac';
import { kommoProfileTypes, kommoWebhookStatuses } from '../shared/kommo';
import type { CrmActor } from '../services/crm/context';
import {
  completeKommoOAuth,
  disconnectKommo,
  kommoConnectionOf,
  prepareKommoConnection,
  requireKommoConnection,
  rotateWebhookSecret,
  startKommoOAuth,
  storeLongLivedToken,
  verifyKommoConnection,
} from '../services/kommo/connection';
import { KommoError, type KommoDeps } from '../services/kommo/deps';
import { issueManualAction } from '../services/kommo/manual-action';
import { refreshMirrorLead } from '../services/kommo/mirror';
import { linkedSummary, linkProfileToKommoLead, loadProfile, syncProfileToKommo, type SyncLeadOutcome } from '../services/kommo/outbound';
import { connectionView, listMirrorLeads, listWebhookEvents, mirrorLeadRow, outboundActivity } from '../services/kommo/queries';
import { approveBulkException, executeBulkChunk, listBulkExceptions, rejectBulkException, requestBulkException, requestBulkRollback, bulkExceptionRow, type BulkRow } from '../services/kommo/bulk';
import { middleware, platformProcedure, router, tenantProcedure, type Context, type SessionUser, type TenantScope } from '../trpc';

/**
 * Kommo (decision 007): the connection (OAuth with the tenant's own integration, or a
 * long-lived token), the inbound mirror, and the ONE procedure that writes to Kommo —
 * `syncLead`, one profile per call, from a person's click. It alone issues the
 * ManualAction the write client requires.
 */

// ---------------------------------------------------------------- plumbing

const CODES = {
  not_found: 'NOT_FOUND',
  not_connected: 'PRECONDITION_FAILED',
  reauthorize: 'PRECONDITION_FAILED',
  conflict: 'CONFLICT',
  too_many: 'TOO_MANY_REQUESTS',
  blocked: 'SERVICE_UNAVAILABLE',
  provider: 'BAD_GATEWAY',
  forbidden: 'FORBIDDEN',
} as const;

function toTrpcError(error: KommoError): TRPCError {
  if (error.kind === 'invalid') {
    const issues = Object.entries(error.fieldErrors).flatMap(([field, messages]) => messages.map((message) => ({ code: 'custom' as const, path: [field], message, input: undefined })));
    return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: issues.length ? new ZodRealError(issues) : undefined });
  }
  return new TRPCError({ code: CODES[error.kind], message: error.message });
}

/** Domain errors to tRPC codes; anything unexpected keeps its details in the cause only. */
const withKommoErrors = middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof KommoError) throw toTrpcError(cause);
  if ((cause as { kind?: string } | undefined)?.kind === 'not_found') throw new TRPCError({ code: 'NOT_FOUND', message: (cause as Error).message });
  if (result.error.code === 'INTERNAL_SERVER_ERROR') throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The Kommo request could not be completed.', cause });
  return result;
});

const kommoProcedure = (permission: Parameters<typeof tenantProcedure>[0]) => tenantProcedure(permission).use(withKommoErrors);
const kommoPlatformProcedure = (permission: Parameters<typeof platformProcedure>[0]) => platformProcedure(permission).use(withKommoErrors);

function depsOf(ctx: Context): KommoDeps {
  return { db: ctx.db, sql: ctx.app.sql, keyring: ctx.app.keyring, env: ctx.app.env, sandboxOrigin: ctx.app.sandboxes?.kommo ?? null, boss: ctx.app.boss, log: (line) => console.log(line) };
}

function actorOf(ctx: { tenant: TenantScope; user: SessionUser }): CrmActor {
  return { organizationId: ctx.tenant.organizationId, userId: ctx.user.id, seesAllLeads: tenantRoleCan(ctx.tenant.role, 'crm.manage_all') };
}

/** The line every outbound call leaves in the server log (DESIGN §5). */
export function kommoSyncLogLine(input: { profileId: string; userEmail: string; userId: string; requestId: string; outcome: string; kommoLeadId?: number | null }) {
  return `[Kommo Sync] MANUAL SYNC initiated for profile: ${input.profileId} user=${input.userEmail} (${input.userId}) request=${input.requestId} outcome=${input.outcome}${input.kommoLeadId ? ` kommo_lead=${input.kommoLeadId}` : ''}`;
}

// ---------------------------------------------------------------- inputs

const profileInput = { profileType: z.enum(kommoProfileTypes).default('lead'), profileId: z.string().uuid() };
const subdomain = z.string().trim().min(1, 'Required.').max(200);
const kommoId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------- routers

const connectionRouter = router({
  /** The connection card: status, account, the URLs to copy (redirect and webhook), the 403 alert. */
  get: kommoProcedure('integrations.manage').query(async ({ ctx }) => {
    const found = await kommoConnectionOf(ctx.db, ctx.tenant.organizationId);
    return connectionView(depsOf(ctx), found, ctx.tenant.organizationSlug);
  }),

  /** A long-lived token of the customer's private integration: stored encrypted, then tested. */
  connectLongLived: kommoProcedure('integrations.manage')
    .input(z.object({ subdomain, token: z.string().trim().min(20, 'Paste the whole token.').max(4000) }).strict())
    .mutation(async ({ ctx, input }) => {
      const deps = depsOf(ctx);
      const found = await prepareKommoConnection(deps, { organizationId: ctx.tenant.organizationId, userId: ctx.user.id }, { subdomain: input.subdomain, authMode: 'long_lived' });
      const verified = await storeLongLivedToken(deps, found.conn.id, input.token, ctx.user.id);
      await ctx.audit({ action: 'kommo.connection.connect', targetType: 'connection', targetId: found.conn.id, details: { authMode: 'long_lived', subdomain: verified.account.subdomain, account: verified.account.accountName } });
      return { accountName: verified.account.accountName, connectedAs: verified.conn.connectedAs };
    }),

  /** OAuth with the tenant's own Kommo integration: returns where to send the browser. */
  startOAuth: kommoProcedure('integrations.manage')
    .input(z.object({ subdomain, integration: z.object({ id: z.string().trim().min(1, 'Required.').max(200), secret: z.string().trim().max(500).optional() }) }).strict())
    .mutation(async ({ ctx, input }) => {
      const deps = depsOf(ctx);
      const actor = { organizationId: ctx.tenant.organizationId, userId: ctx.user.id, slug: ctx.tenant.organizationSlug };
      const found = await prepareKommoConnection(deps, actor, { subdomain: input.subdomain, authMode: 'oauth', clientId: input.integration.id, clientSecret: input.integration.secret || undefined });
      const started = await startKommoOAuth(deps, actor, found);
      await ctx.audit({ action: 'kommo.connection.oauth_start', targetType: 'connection', targetId: found.conn.id, details: { subdomain: found.account.subdomain, integration: input.integration.id } });
      return started;
    }),

  /** The callback page calls this with what Kommo sent back. */
  completeOAuth: kommoProcedure('integrations.manage')
    .input(z.object({ state: z.string().min(10).max(200), code: z.string().min(1).max(4000), referer: z.string().max(300).nullish() }).strict())
    .mutation(async ({ ctx, input }) => {
      const actor = { organizationId: ctx.tenant.organizationId, userId: ctx.user.id, slug: ctx.tenant.organizationSlug };
      const verified = await completeKommoOAuth(depsOf(ctx), actor, input);
      await ctx.audit({ action: 'kommo.connection.connect', targetType: 'connection', targetId: verified.conn.id, details: { authMode: 'oauth', subdomain: verified.account.subdomain, account: verified.account.accountName } });
      return { accountName: verified.account.accountName, connectedAs: verified.conn.connectedAs };
    }),

  /** "Test connection": the account name and the user the token acts as. */
  test: kommoProcedure('integrations.manage').mutation(async ({ ctx }) => {
    const found = await requireKommoConnection(ctx.db, ctx.tenant.organizationId);
    const verified = await verifyKommoConnection(depsOf(ctx), found.conn.id, ctx.user.id);
    await ctx.audit({ action: 'kommo.connection.test', targetType: 'connection', targetId: found.conn.id, details: { account: verified.account.accountName } });
    return { accountName: verified.account.accountName, connectedAs: verified.conn.connectedAs, kommoAccountId: verified.account.kommoAccountId };
  }),

  /** A new webhook URL; the old one keeps working for a day. */
  rotateWebhookSecret: kommoProcedure('integrations.manage').mutation(async ({ ctx }) => {
    const found = await requireKommoConnection(ctx.db, ctx.tenant.organizationId);
    await rotateWebhookSecret(depsOf(ctx), found);
    await ctx.audit({ action: 'kommo.webhook.rotate_secret', targetType: 'connection', targetId: found.conn.id });
    const after = await requireKommoConnection(ctx.db, ctx.tenant.organizationId);
    return connectionView(depsOf(ctx), after, ctx.tenant.organizationSlug);
  }),

  /** An admin has seen Kommo's 403: the alert goes; calls resume once the block time is over. */
  acknowledgeAlert: kommoProcedure('integrations.manage').mutation(async ({ ctx }) => {
    const found = await requireKommoConnection(ctx.db, ctx.tenant.organizationId);
    await ctx.db.update(kommoAccounts).set({ alert: null, alertAt: null, updatedAt: new Date() }).where(eq(kommoAccounts.connectionId, found.conn.id));
    await ctx.audit({ action: 'kommo.connection.acknowledge_alert', targetType: 'connection', targetId: found.conn.id, details: { alert: found.account.alert } });
    return { blockedUntil: found.account.blockedUntil };
  }),

  disconnect: kommoProcedure('integrations.manage').mutation(async ({ ctx }) => {
    const found = await requireKommoConnection(ctx.db, ctx.tenant.organizationId);
    await disconnectKommo(depsOf(ctx), found);
    await ctx.audit({ action: 'kommo.connection.disconnect', targetType: 'connection', targetId: found.conn.id });
    return { ok: true };
  }),
});

const leadsRouter = router({
  /** The mirror: searchable, newest change first. */
  list: kommoProcedure('kommo.read')
    .input(z.object({ q: z.string().trim().max(200).optional(), includeDeleted: z.boolean().default(false), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(100).default(25) }).default({ includeDeleted: false, offset: 0, limit: 25 }))
    .query(async ({ ctx, input }) => {
      const found = await kommoConnectionOf(ctx.db, ctx.tenant.organizationId);
      if (!found) return { connected: false, total: 0, items: [] };
      return { connected: true, ...(await listMirrorLeads(ctx.db, found, input)) };
    }),

  /** "Refresh from Kommo" for one mirrored lead: a read, by a person. */
  refresh: kommoProcedure('kommo.read')
    .input(z.object({ id: z.string().uuid() }).strict())
    .mutation(async ({ ctx, input }) => {
      const row = await mirrorLeadRow(ctx.db, ctx.tenant.organizationId, input.id);
      if (!row) throw new KommoError('not_found', 'Kommo lead not found.');
      const result = await refreshMirrorLead(depsOf(ctx), row.connectionId, row.kommoId, { eventAt: null });
      await ctx.audit({ action: 'kommo.mirror.refresh', targetType: 'kommo_lead', targetId: String(row.kommoId), details: { result } });
      return { result };
    }),
});

/** What the screens show of a bulk exception (the full dry run and results included: at most 300 lines each). */
const bulkView = (row: BulkRow) => ({
  id: row.id,
  kind: row.kind,
  name: row.name,
  reason: row.reason,
  status: row.status,
  leadCount: row.leadIds.length,
  requestedByEmail: row.requestedByEmail,
  createdAt: row.createdAt,
  dryRun: row.dryRun,
  dryRunAt: row.dryRunAt,
  plan: { create: row.dryRun.filter((i) => i.action === 'create').length, link: row.dryRun.filter((i) => i.action === 'link').length, skip: row.dryRun.filter((i) => i.action === 'skip').length, close: row.dryRun.filter((i) => i.action === 'close').length },
  ownerApproved: !!row.ownerApprovedBy,
  ownerApprovedAt: row.ownerApprovedAt,
  superAdminApproved: !!row.superAdminApprovedBy,
  superAdminApprovedAt: row.superAdminApprovedAt,
  rejectionReason: row.rejectionReason,
  position: row.position,
  results: row.results,
  created: row.created,
  rollbackOf: row.rollbackOf,
  finishedAt: row.finishedAt,
});

const bulkId = z.object({ id: z.string().uuid() }).strict();
const bulkActor = (ctx: { tenant: TenantScope; user: SessionUser }) => ({ organizationId: ctx.tenant.organizationId, userId: ctx.user.id, email: ctx.user.email });

/**
 * Bulk exceptions (decision 007): requested by a tenant admin with a reason and a dry
 * run; approved by the tenant owner here and by a platform super_admin in kommoAdmin;
 * executed by the owner one chunk per click; rolled back the same way.
 */
const bulkRouter = router({
  list: kommoProcedure('kommo.activity.read').query(async ({ ctx }) => (await listBulkExceptions(ctx.db, ctx.tenant.organizationId)).map(bulkView)),

  byId: kommoProcedure('kommo.activity.read')
    .input(bulkId)
    .query(async ({ ctx, input }) => bulkView(await bulkExceptionRow(ctx.db, ctx.tenant.organizationId, input.id))),

  request: kommoProcedure('integrations.manage')
    .input(z.object({ name: z.string().trim().min(3).max(120), reason: z.string().trim().min(10, 'Explain why (at least 10 characters).').max(2000), leadIds: z.array(z.string().uuid()).min(1).max(300) }).strict())
    .mutation(async ({ ctx, input }) => {
      const row = await requestBulkException(depsOf(ctx), bulkActor(ctx), input);
      await ctx.audit({ action: 'kommo.bulk.request', targetType: 'kommo_bulk_exception', targetId: row.id, details: { name: row.name, reason: row.reason, leads: row.leadIds.length } });
      return bulkView(row);
    }),

  requestRollback: kommoProcedure('integrations.manage')
    .input(z.object({ id: z.string().uuid(), reason: z.string().trim().min(10, 'Explain why (at least 10 characters).').max(2000) }).strict())
    .mutation(async ({ ctx, input }) => {
      const row = await requestBulkRollback(depsOf(ctx), bulkActor(ctx), input.id, input.reason);
      await ctx.audit({ action: 'kommo.bulk.request_rollback', targetType: 'kommo_bulk_exception', targetId: row.id, details: { rollbackOf: input.id, leads: row.leadIds.length } });
      return bulkView(row);
    }),

  /** The tenant owner's half of the two approvals. */
  approve: kommoProcedure('kommo.bulk.approve')
    .input(bulkId)
    .mutation(async ({ ctx, input }) => {
      const row = await approveBulkException(depsOf(ctx), { userId: ctx.user.id, as: 'owner', organizationId: ctx.tenant.organizationId }, input.id);
      await ctx.audit({ action: 'kommo.bulk.approve', targetType: 'kommo_bulk_exception', targetId: row.id, details: { as: 'owner', status: row.status } });
      return bulkView(row);
    }),

  reject: kommoProcedure('kommo.bulk.approve')
    .input(z.object({ id: z.string().uuid(), reason: z.string().trim().min(3).max(2000) }).strict())
    .mutation(async ({ ctx, input }) => {
      const row = await rejectBulkException(depsOf(ctx), { userId: ctx.user.id, organizationId: ctx.tenant.organizationId }, input.id, input.reason);
      await ctx.audit({ action: 'kommo.bulk.reject', targetType: 'kommo_bulk_exception', targetId: row.id, details: { reason: input.reason } });
      return bulkView(row);
    }),

  /** One click: the next chunk of an approved exception. */
  execute: kommoProcedure('kommo.bulk.approve')
    .input(bulkId)
    .mutation(async ({ ctx, input }) => {
      const row = await executeBulkChunk(depsOf(ctx), bulkActor(ctx), input.id);
      await ctx.audit({ action: 'kommo.bulk.execute', targetType: 'kommo_bulk_exception', targetId: row.id, details: { position: row.position, of: row.dryRun.length, status: row.status } });
      return bulkView(row);
    }),
});

/** The platform half: a super_admin sees exceptions awaiting approval across tenants and approves or rejects them. */
export const kommoAdminRouter = router({
  bulkExceptions: kommoPlatformProcedure('platform.kommo.bulk.approve').query(async ({ ctx }) =>
    (await listBulkExceptions(ctx.db, null, { status: ['dry_run', 'awaiting_approval', 'approved', 'running'], limit: 200 })).map((row) => ({ ...bulkView(row), organizationId: row.organizationId })),
  ),

  approveBulkException: kommoPlatformProcedure('platform.kommo.bulk.approve')
    .input(bulkId)
    .mutation(async ({ ctx, input }) => {
      const row = await approveBulkException(depsOf(ctx), { userId: ctx.user!.id, as: 'super_admin', organizationId: null }, input.id);
      await ctx.audit({ action: 'kommo.bulk.approve', organizationId: row.organizationId, targetType: 'kommo_bulk_exception', targetId: row.id, details: { as: 'super_admin', status: row.status } });
      return bulkView(row);
    }),

  rejectBulkException: kommoPlatformProcedure('platform.kommo.bulk.approve')
    .input(z.object({ id: z.string().uuid(), reason: z.string().trim().min(3).max(2000) }).strict())
    .mutation(async ({ ctx, input }) => {
      const row = await rejectBulkException(depsOf(ctx), { userId: ctx.user!.id, organizationId: null }, input.id, input.reason);
      await ctx.audit({ action: 'kommo.bulk.reject', organizationId: row.organizationId, targetType: 'kommo_bulk_exception', targetId: row.id, details: { reason: input.reason, as: 'super_admin' } });
      return bulkView(row);
    }),
});

export const kommoRouter = router({
  connection: connectionRouter,
  leads: leadsRouter,
  bulk: bulkRouter,

  /** Stored webhook deliveries (malformed and rejected ones kept for inspection). */
  webhookEvents: kommoProcedure('integrations.manage')
    .input(z.object({ status: z.enum(kommoWebhookStatuses).optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(100).default(25) }).default({ offset: 0, limit: 25 }))
    .query(({ ctx, input }) => listWebhookEvents(ctx.db, ctx.tenant.organizationId, input)),

  /** The admin's "Kommo activity": outbound syncs per user over time, bursts highlighted. */
  activity: kommoProcedure('kommo.activity.read')
    .input(z.object({ days: z.number().int().min(1).max(90).default(14) }).default({ days: 14 }))
    .query(({ ctx, input }) => outboundActivity(ctx.db, ctx.tenant.organizationId, input)),

  /** What the "Sync to Kommo" button shows before a click: connected? already linked? */
  linkStatus: kommoProcedure('kommo.sync')
    .input(z.object(profileInput).strict())
    .query(async ({ ctx, input }) => {
      const deps = depsOf(ctx);
      const profile = { type: input.profileType, id: input.profileId };
      await loadProfile(deps, actorOf(ctx), profile);
      const found = await kommoConnectionOf(ctx.db, ctx.tenant.organizationId);
      if (!found || found.conn.status !== 'connected') return { connected: false as const, link: null };
      return { connected: true as const, link: await linkedSummary(deps, found, profile) };
    }),

  /**
   * "Sync to Kommo": ONE app lead or contact per call (the input names exactly one;
   * lists are refused by the schema). Issues the click's ManualAction — the only place
   * that does — and answers found / created / already linked. Audited and logged
   * whatever the outcome.
   */
  syncLead: kommoProcedure('kommo.sync')
    .input(z.object(profileInput).strict())
    .mutation(async ({ ctx, input }) => {
      const profile = { type: input.profileType, id: input.profileId };
      const action = issueManualAction({
        organizationId: ctx.tenant.organizationId,
        userId: ctx.user.id,
        userEmail: ctx.user.email,
        requestId: ctx.meta.requestId,
        profile,
      });
      const line = (outcome: string, kommoLeadId?: number | null) =>
        console.log(kommoSyncLogLine({ profileId: profile.id, userEmail: ctx.user.email, userId: ctx.user.id, requestId: ctx.meta.requestId, outcome, kommoLeadId }));
      let result: SyncLeadOutcome;
      try {
        result = await syncProfileToKommo(depsOf(ctx), action, actorOf(ctx), profile);
      } catch (error) {
        const kind = error instanceof KommoError ? error.kind : 'error';
        const outcome = kind === 'too_many' ? 'refused' : 'error';
        line(`${outcome} (${error instanceof Error ? error.message.slice(0, 160) : 'unknown'})`);
        await ctx.audit({
          action: 'kommo.sync_lead',
          targetType: profile.type,
          targetId: profile.id,
          outcome: kind === 'too_many' || kind === 'forbidden' ? 'denied' : 'failure',
          details: { outcome, reason: kind, message: error instanceof Error ? error.message.slice(0, 300) : null },
        });
        throw error;
      }
      const kommoLeadId = result.lead?.id ?? null;
      line(result.outcome === 'found' ? `found existing (by ${result.matchedBy})` : result.outcome === 'created' ? 'created' : 'already linked', kommoLeadId);
      await ctx.audit({
        action: 'kommo.sync_lead',
        targetType: profile.type,
        targetId: profile.id,
        details: {
          outcome: result.outcome,
          kommoLeadId,
          kommoContactId: result.contact?.id ?? null,
          ...('syncId' in result ? { syncId: result.syncId, joined: result.joined } : {}),
          ...(result.outcome === 'found' ? { matchedBy: result.matchedBy } : {}),
        },
      });
      return result;
    }),

  /** Links a profile to an existing Kommo lead (what "found" offers). Writes nothing to Kommo. */
  linkLead: kommoProcedure('kommo.sync')
    .input(z.object({ ...profileInput, kommoLeadId: kommoId, kommoContactId: kommoId.nullish() }).strict())
    .mutation(async ({ ctx, input }) => {
      const profile = { type: input.profileType, id: input.profileId };
      const linked = await linkProfileToKommoLead(depsOf(ctx), actorOf(ctx), profile, { kommoLeadId: input.kommoLeadId, kommoContactId: input.kommoContactId });
      await ctx.audit({ action: 'kommo.link_lead', targetType: profile.type, targetId: profile.id, details: { kommoLeadId: input.kommoLeadId, kommoContactId: input.kommoContactId ?? null } });
      return linked;
    }),
});
