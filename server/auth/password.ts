import { hash, verify } from '@node-rs/argon2';

/** argon2id with the OWASP minimum (19 MiB, t=2, p=1). Algorithm 2 = argon2id. */
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, OPTIONS);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A real hash of a random password, verified against when the e-mail is unknown so
 * that known and unknown e-mails take the same time.
 */
let decoyHash: Promise<string> | undefined;
export const decoyPasswordHash = () => (decoyHash ??= hashPassword(`decoy-${Math.random()}-${Date.now()}`));

export const passwordPolicy = { minLength: 12, maxLength: 256 } as const;
