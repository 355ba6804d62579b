import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt, stored as a self-describing PHC string
 * `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (base64 without padding), so that a hash carries the
 * parameters it was made with and can be upgraded when the policy changes.
 * Default cost: N=2^17, r=8, p=1 (128 MiB), OWASP's Password Storage Cheat Sheet level.
 */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export const passwordPolicy = (logN: number): ScryptParams => ({ logN, r: 8, p: 1 });

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * params.p + 2 ** 24 };
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

// Stryker disable next-line Regex: base64 puts "=" only at the end.
const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, HASH_BYTES);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

function parse(encoded: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const match = PHC.exec(encoded);
  if (!match) return undefined;
  const [, logN, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  if (params.logN < 1 || params.logN > 22 || params.r < 1 || params.p < 1) return undefined;
  return { params, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** Checks `password` against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = parse(encoded);
  if (!stored || stored.hash.length < 16) return false;
  const candidate = await derive(password, stored.salt, stored.params, stored.hash.length);
  return timingSafeEqual(candidate, stored.hash);
}

/** True when a stored hash was made with other parameters than the current policy's. */
export function needsRehash(encoded: string, policy: ScryptParams): boolean {
  const stored = parse(encoded);
  return !stored || stored.params.logN !== policy.logN || stored.params.r !== policy.r || stored.params.p !== policy.p;
}

/** Hashing and checking passwords: scrypt in production; injectable, so that tests can count the work done. */
export interface PasswordHasher {
  hash(password: string, params: ScryptParams): Promise<string>;
  verify(password: string, encoded: string): Promise<boolean>;
}

export const scryptHasher: PasswordHasher = { hash: hashPassword, verify: verifyPassword };
