import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest: AES-256-GCM, a fresh 96-bit IV per encryption, associated data
 * that binds a ciphertext to its table, row and field, and a key id per ciphertext
 * so keys can be rotated. Wire format: `v1.<kid>.<iv>.<ciphertext+tag>` (base64url).
 */

export interface Keyring {
  primaryKid: string;
  keys: Map<string, Buffer>;
}

export interface SecretBinding {
  table: string;
  rowId: string;
  field: string;
}

const VERSION = 'v1';
const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export class SecretDecryptionError extends Error {
  constructor(reason: string) {
    super(`Secret could not be decrypted: ${reason}`);
    this.name = 'SecretDecryptionError';
  }
}

function decodeKey(base64: string, kid: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new Error(`Encryption key "${kid}" must be 32 bytes of base64 (got ${key.length} bytes)`);
  return key;
}

/** `APP_ENCRYPTION_KEY` is either one base64 key or a keyring `kid:key,kid:key`; the first is primary. */
export function parseKeyring(value: string): Keyring {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('APP_ENCRYPTION_KEY is empty');
  const keys = new Map<string, Buffer>();
  let primaryKid = '';
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const [kid, material] = colon > 0 && KID_PATTERN.test(entry.slice(0, colon)) ? [entry.slice(0, colon), entry.slice(colon + 1)] : ['k0', entry];
    if (keys.has(kid)) throw new Error(`Encryption key id "${kid}" appears twice`);
    keys.set(kid, decodeKey(material, kid));
    if (!primaryKid) primaryKid = kid;
  }
  return { primaryKid, keys };
}

/**
 * The keyring for this process. Outside production a missing key is generated once
 * into DATA_DIR/secret.key (mode 0600); in production a missing key stops start-up.
 */
export function loadKeyring(options: { value?: string; production: boolean; dataDir: string }): Keyring {
  if (options.value) return parseKeyring(options.value);
  if (options.production) throw new Error('APP_ENCRYPTION_KEY is required in production (base64 of 32 bytes, or kid:key,...)');
  const file = path.join(options.dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    fs.writeFileSync(file, `local:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return parseKeyring(fs.readFileSync(file, 'utf8'));
}

function associatedData(binding: SecretBinding): Buffer {
  return Buffer.from(`${binding.table}\u0000${binding.rowId}\u0000${binding.field}`, 'utf8');
}

export function encryptSecret(keyring: Keyring, plaintext: string, binding: SecretBinding): string {
  const key = keyring.keys.get(keyring.primaryKid)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(binding));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [VERSION, keyring.primaryKid, iv.toString('base64url'), body.toString('base64url')].join('.');
}

export function keyIdOf(ciphertext: string): string {
  const parts = ciphertext.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretDecryptionError('unknown format');
  return parts[1]!;
}

export function decryptSecret(keyring: Keyring, ciphertext: string, binding: SecretBinding): string {
  const kid = keyIdOf(ciphertext);
  const [, , ivText, bodyText] = ciphertext.split('.') as [string, string, string, string];
  const key = keyring.keys.get(kid);
  if (!key) throw new SecretDecryptionError(`key "${kid}" is not in the keyring`);
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== 12 || body.length < 16) throw new SecretDecryptionError('truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(associatedData(binding));
  decipher.setAuthTag(body.subarray(body.length - 16));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError('authentication failed (tampered, or bound to another row or field)');
  }
}

/** Re-encrypts under the primary key; returns null when it already uses it. */
export function reencryptSecret(keyring: Keyring, ciphertext: string, binding: SecretBinding): string | null {
  if (keyIdOf(ciphertext) === keyring.primaryKid) return null;
  return encryptSecret(keyring, decryptSecret(keyring, ciphertext, binding), binding);
}
