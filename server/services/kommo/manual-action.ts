import { and, eq } from 'drizzle-orm';
import { kommoBulkExceptions } from '../../../db/schema/kommo';
import type { Executor } from '../crm/context';

/**
 * The permit for one write to Kommo (DESIGN §5, decision 007).
 *
 * Kommo's customers require that everything we send to Kommo is a person's click on one
 * lead. A ManualAction is that click: it names the acting user, the tenant, the request
 * and the one profile (app lead or contact) being sent, and it allows exactly ONE write
 * request, within two minutes of the click. The Kommo write requests (the transport's
 * `writeOnce`, used only by server/providers/kommo/write.ts) spend it and refuse to run
 * without it.
 *
 * - The constructor is private; the only ways to get one are `issueManualAction`, whose
 *   only caller is the `kommo.syncLead` mutation (server/routers/kommo.ts), and
 *   `issueBulkExceptionAction`, whose only caller is the executor of an approved bulk
 *   exception (services/kommo/bulk.ts), run by a person's click — a test scans the
 *   repository for every other mention.
 * - A structurally identical object is not a ManualAction: issued permits are remembered
 *   in a WeakSet, so forging one (`Object.create`, a plain object) is refused at run time.
 * - jobs/ cannot reach write.ts at all (the import-graph test), so nothing automatic
 *   writes even if it somehow held a permit.
 */

export interface ManualActionInput {
  organizationId: string;
  userId: string;
  userEmail: string;
  /** The HTTP request the click arrived in (x-request-id). */
  requestId: string;
  profile: { type: 'lead' | 'contact'; id: string };
}

/** How long a click stays good for its one write. */
export const MANUAL_ACTION_TTL_MS = 2 * 60_000;

export class ManualActionRefused extends Error {
  constructor(reason: string) {
    super(`Kommo write refused: ${reason}`);
    this.name = 'ManualActionRefused';
  }
}

const issued = new WeakSet<object>();
let construct: (input: ManualActionInput) => ManualAction;

export class ManualAction {
  readonly organizationId: string;
  readonly userId: string;
  readonly userEmail: string;
  readonly requestId: string;
  readonly profile: Readonly<{ type: 'lead' | 'contact'; id: string }>;
  readonly issuedAt = Date.now();
  #spentOn: string | null = null;

  private constructor(input: ManualActionInput) {
    this.organizationId = input.organizationId;
    this.userId = input.userId;
    this.userEmail = input.userEmail;
    this.requestId = input.requestId;
    this.profile = Object.freeze({ ...input.profile });
    Object.freeze(this);
  }

  static {
    construct = (input) => {
      const action = new ManualAction(input);
      issued.add(action);
      return action;
    };
  }

  get spent(): boolean {
    return this.#spentOn !== null;
  }

  /**
   * Uses the permit for one write (`purpose`, e.g. "POST /api/v4/leads/complex"); throws
   * ManualActionRefused when `value` is not a genuine, fresh, unspent permit.
   */
  static spend(value: unknown, purpose: string): ManualAction {
    if (!(value instanceof ManualAction) || !issued.has(value)) throw new ManualActionRefused('no manual action (writes to Kommo need a person’s click)');
    if (value.#spentOn !== null) throw new ManualActionRefused(`this click was already used for ${value.#spentOn} (one write per click)`);
    if (Date.now() - value.issuedAt > MANUAL_ACTION_TTL_MS) throw new ManualActionRefused('the click is too old');
    value.#spentOn = purpose;
    return value;
  }
}

/** The kommo.syncLead mutation's click. Nothing else may call this (a test enforces it). */
export function issueManualAction(input: ManualActionInput): ManualAction {
  for (const [key, value] of Object.entries({ organizationId: input.organizationId, userId: input.userId, requestId: input.requestId, profileId: input.profile.id })) {
    if (!value) throw new ManualActionRefused(`missing ${key}`);
  }
  return construct(input);
}

/**
 * The permit for one write of a bulk exception (one lead of it): only when the database
 * shows the exception approved by a tenant owner AND a platform super_admin — two
 * different people — and the lead is on its list. Nothing else may call this (a test
 * enforces it).
 */
export async function issueBulkExceptionAction(
  db: Executor,
  input: { exceptionId: string; organizationId: string; leadId: string; userId: string; userEmail: string },
): Promise<ManualAction> {
  const [row] = await db
    .select()
    .from(kommoBulkExceptions)
    .where(and(eq(kommoBulkExceptions.id, input.exceptionId), eq(kommoBulkExceptions.organizationId, input.organizationId)));
  if (!row) throw new ManualActionRefused('no such bulk exception');
  if (row.status !== 'approved' && row.status !== 'running') throw new ManualActionRefused(`the bulk exception is ${row.status.replace('_', ' ')}, not approved`);
  if (!row.ownerApprovedBy || !row.superAdminApprovedBy || row.ownerApprovedBy === row.superAdminApprovedBy) throw new ManualActionRefused('the bulk exception lacks its two approvals');
  if (!row.leadIds.includes(input.leadId)) throw new ManualActionRefused('the lead is not on the approved list');
  return construct({
    organizationId: input.organizationId,
    userId: input.userId,
    userEmail: input.userEmail,
    requestId: `bulk:${input.exceptionId}:${input.leadId}`,
    profile: { type: 'lead', id: input.leadId },
  });
}
