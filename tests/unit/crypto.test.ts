import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decryptSecret,
  encryptSecret,
  keyIdOf,
  loadKeyring,
  parseKeyring,
  reencryptSecret,
  SecretDecryptionError,
} from '../../server/security/crypto';

const key = () => randomBytes(32).toString('base64');
const binding = { table: 'tenant_secrets', rowId: 'row-1', field: 'value' };

describe('secrets at rest (AES-256-GCM)', () => {
  const keyring = parseKeyring(`k1:${key()}`);

  it('round-trips and never repeats an IV', () => {
    const a = encryptSecret(keyring, 'sk_live_123', binding);
    const b = encryptSecret(keyring, 'sk_live_123', binding);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(Buffer.from(a.split('.')[2]!, 'base64url')).toHaveLength(12);
    expect(a).not.toContain('sk_live_123');
    expect(decryptSecret(keyring, a, binding)).toBe('sk_live_123');
    expect(keyIdOf(a)).toBe('k1');
  });

  it('fails when a single bit of the ciphertext is flipped', () => {
    const ct = encryptSecret(keyring, 'secret', binding);
    const parts = ct.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    const tampered = [parts[0], parts[1], parts[2], body.toString('base64url')].join('.');
    expect(() => decryptSecret(keyring, tampered, binding)).toThrow(SecretDecryptionError);
  });

  it('fails when moved to another row or field', () => {
    const ct = encryptSecret(keyring, 'secret', binding);
    expect(() => decryptSecret(keyring, ct, { ...binding, rowId: 'row-2' })).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(keyring, ct, { ...binding, field: 'other' })).toThrow(SecretDecryptionError);
  });

  it('fails for an unknown key id and for garbage', () => {
    const other = parseKeyring(`k9:${key()}`);
    const ct = encryptSecret(other, 'secret', binding);
    expect(() => decryptSecret(keyring, ct, binding)).toThrow(/not in the keyring/);
    expect(() => decryptSecret(keyring, 'not-a-ciphertext', binding)).toThrow(SecretDecryptionError);
  });

  it('re-encrypts an old-key ciphertext under the new primary key', () => {
    const oldKey = key();
    const before = parseKeyring(`old:${oldKey}`);
    const ct = encryptSecret(before, 'rotate me', binding);
    const after = parseKeyring(`new:${key()},old:${oldKey}`);
    const next = reencryptSecret(after, ct, binding)!;
    expect(keyIdOf(next)).toBe('new');
    expect(decryptSecret(after, next, binding)).toBe('rotate me');
    expect(reencryptSecret(after, next, binding)).toBeNull();
  });

  it('parses a single key and refuses short or duplicate keys', () => {
    expect(parseKeyring(key()).primaryKid).toBe('k0');
    expect(() => parseKeyring(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    const k = key();
    expect(() => parseKeyring(`a:${k},a:${k}`)).toThrow(/twice/);
  });

  it('generates a 0600 key file outside production and refuses a missing key in production', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-key-'));
    const first = loadKeyring({ production: false, dataDir: dir });
    const file = path.join(dir, 'secret.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = loadKeyring({ production: false, dataDir: dir });
    expect(second.keys.get(second.primaryKid)).toEqual(first.keys.get(first.primaryKid));
    expect(() => loadKeyring({ production: true, dataDir: dir })).toThrow(/required in production/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
