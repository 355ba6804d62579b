import { webcrypto } from 'node:crypto';
import { unavailable } from '../errors.ts';
import type { VersionedSecret } from './versioned-secret.ts';

const MIN_KEY_BYTES = 32;
/** How often an unknown `kid` may trigger a re-read of the secret. */
const UNKNOWN_KID_REFRESH_MS = 30_000;

export interface SigningKey {
  kid: string;
  key: webcrypto.CryptoKey;
}

/**
 * The HMAC keys that sign and verify Xuc tokens: the signing-key secret's current version signs,
 * the current and previous versions verify, and the version id is the token's `kid`.
 * Keys are imported once per version as `CryptoKey`s, because jose re-imports raw bytes on
 * every call, which roughly doubles the cost of a verification.
 */
export class SigningKeys {
  readonly #imported = new Map<string, Promise<webcrypto.CryptoKey>>();

  constructor(private readonly secret: VersionedSecret) {}

  async current(): Promise<SigningKey> {
    const { current } = await this.secret.versions();
    return { kid: current.versionId, key: await this.import(current.versionId, current.value) };
  }

  /** The verification key for `kid`, or undefined when no honoured version has that id. */
  async forKid(kid: string): Promise<webcrypto.CryptoKey | undefined> {
    let versions = await this.secret.versions();
    let version = [versions.current, versions.previous].find((v) => v?.versionId === kid);
    if (!version) {
      // Another container may have rotated the key since this one read it.
      versions = await this.secret.refresh(UNKNOWN_KID_REFRESH_MS);
      version = [versions.current, versions.previous].find((v) => v?.versionId === kid);
    }
    return version ? this.import(version.versionId, version.value) : undefined;
  }

  private import(versionId: string, value: string): Promise<webcrypto.CryptoKey> {
    let key = this.#imported.get(versionId);
    if (!key) {
      key = importSigningKey(value);
      this.#imported.set(versionId, key);
    }
    return key;
  }
}

/**
 * A signing-key secret value as the HMAC key tokens are signed with; refused (503) when it is
 * shorter than 32 bytes. The rotation function's testSecret step checks a new version through it.
 */
export function importSigningKey(value: string): Promise<webcrypto.CryptoKey> {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length < MIN_KEY_BYTES) {
    return Promise.reject(
      unavailable('Signing key', new Error(`signing key version is shorter than ${MIN_KEY_BYTES} bytes`)),
    );
  }
  return webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}
