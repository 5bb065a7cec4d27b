import { randomUUID } from 'node:crypto';
import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { tenantSecrets } from '../../../db/schema';
import { decryptSecret, encryptSecret, reencryptSecret, type Keyring } from '../../security/crypto';

const binding = (id: string) => ({ table: 'tenant_secrets', rowId: id, field: 'value' });

export async function putTenantSecret(db: Db, keyring: Keyring, organizationId: string, name: string, value: string) {
  const [existing] = await db
    .select({ id: tenantSecrets.id })
    .from(tenantSecrets)
    .where(and(eq(tenantSecrets.organizationId, organizationId), eq(tenantSecrets.name, name)));
  const id = existing?.id ?? randomUUID();
  const ciphertext = encryptSecret(keyring, value, binding(id));
  await db
    .insert(tenantSecrets)
    .values({ id, organizationId, name, ciphertext, keyId: keyring.primaryKid })
    .onConflictDoUpdate({
      target: [tenantSecrets.organizationId, tenantSecrets.name],
      set: { ciphertext, keyId: keyring.primaryKid, updatedAt: new Date() },
    });
  return id;
}

export async function readTenantSecret(db: Db, keyring: Keyring, organizationId: string, name: string) {
  const [row] = await db
    .select()
    .from(tenantSecrets)
    .where(and(eq(tenantSecrets.organizationId, organizationId), eq(tenantSecrets.name, name)));
  return row ? decryptSecret(keyring, row.ciphertext, binding(row.id)) : null;
}

/** Key rotation: re-encrypts every secret not under the primary key, in pages. */
export async function reencryptTenantSecrets(db: Db, keyring: Keyring): Promise<{ reencrypted: number }> {
  let reencrypted = 0;
  for (;;) {
    const batch = await db
      .select()
      .from(tenantSecrets)
      .where(ne(tenantSecrets.keyId, keyring.primaryKid))
      .limit(500);
    if (batch.length === 0) return { reencrypted };
    await db.transaction(async (tx) => {
      for (const row of batch) {
        const next = reencryptSecret(keyring, row.ciphertext, binding(row.id)) ?? row.ciphertext;
        await tx
          .update(tenantSecrets)
          .set({ ciphertext: next, keyId: keyring.primaryKid, updatedAt: new Date() })
          .where(eq(tenantSecrets.id, row.id));
        reencrypted += 1;
      }
    });
  }
}
