import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seedDemo } from '../../db/seed';
import { tenantSecrets, users } from '../../db/schema';
import { verifyPassword } from '../../server/auth/password';
import { keyIdOf, parseKeyring } from '../../server/security/crypto';
import { putTenantSecret, readTenantSecret, reencryptTenantSecrets } from '../../server/services/secrets/tenant-secrets';
import { createTestDatabase } from '../support/database';
import { makeTenant } from '../support/factories';

describe('demo seed', () => {
  it('creates 2 platform users and one user per tenant role once, with a 0600 credentials file', async () => {
    const database = await createTestDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-seed-'));
    try {
      const logins = await seedDemo(database.db, dir);
      expect(logins!.map((l) => l.role)).toEqual(['super_admin', 'admin_lite', 'owner', 'admin', 'manager', 'sales', 'viewer']);
      const file = path.join(dir, 'demo-credentials.txt');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(logins);
      const [owner] = await database.db.select().from(users).where(eq(users.email, 'owner@acme.test'));
      expect(owner!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verifyPassword(owner!.passwordHash, logins!.find((l) => l.role === 'owner')!.password)).toBe(true);
      expect(await seedDemo(database.db, dir)).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await database.drop();
    }
  });
});

describe('tenant secrets and key rotation', () => {
  it('re-encrypts every secret under the new primary key, and they still decrypt', async () => {
    const database = await createTestDatabase();
    try {
      const oldKey = randomBytes(32).toString('base64');
      const before = parseKeyring(`old:${oldKey}`);
      const tenant = await makeTenant(database);
      for (let i = 0; i < 12; i++) await putTenantSecret(database.db, before, tenant.id, `api-key-${i}`, `secret-value-${i}`);
      const rows = await database.db.select().from(tenantSecrets);
      expect(rows.every((r) => !r.ciphertext.includes('secret-value'))).toBe(true);

      const after = parseKeyring(`new:${randomBytes(32).toString('base64')},old:${oldKey}`);
      expect(await reencryptTenantSecrets(database.db, after)).toEqual({ reencrypted: 12 });
      const rotated = await database.db.select().from(tenantSecrets);
      expect(rotated.every((r) => r.keyId === 'new' && keyIdOf(r.ciphertext) === 'new')).toBe(true);
      for (let i = 0; i < 12; i++) expect(await readTenantSecret(database.db, after, tenant.id, `api-key-${i}`)).toBe(`secret-value-${i}`);
      // the old key can be dropped now
      const newOnly = parseKeyring(`new:${Buffer.from(after.keys.get('new')!).toString('base64')}`);
      expect(await readTenantSecret(database.db, newOnly, tenant.id, 'api-key-3')).toBe('secret-value-3');
      expect(await reencryptTenantSecrets(database.db, after)).toEqual({ reencrypted: 0 });
    } finally {
      await database.drop();
    }
  });

  it("a ciphertext copied onto another row does not decrypt", async () => {
    const database = await createTestDatabase();
    try {
      const keyring = parseKeyring(randomBytes(32).toString('base64'));
      const tenant = await makeTenant(database);
      await putTenantSecret(database.db, keyring, tenant.id, 'a', 'value-a');
      await putTenantSecret(database.db, keyring, tenant.id, 'b', 'value-b');
      const [a] = await database.db.select().from(tenantSecrets).where(eq(tenantSecrets.name, 'a'));
      await database.db.update(tenantSecrets).set({ ciphertext: a!.ciphertext }).where(eq(tenantSecrets.name, 'b'));
      await expect(readTenantSecret(database.db, keyring, tenant.id, 'b')).rejects.toThrow(/authentication failed/);
    } finally {
      await database.drop();
    }
  });
});
