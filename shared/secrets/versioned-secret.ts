import { unavailable } from '../errors.ts';

type VersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

/** Secrets Manager's GetSecretValue, through whichever client the function carries. */
export type GetSecretValue = (input: {
  SecretId: string;
  VersionStage: VersionStage;
}) => Promise<{ VersionId?: string | undefined; SecretString?: string | undefined }>;

export interface SecretVersion {
  versionId: string;
  value: string;
}

/** The versions of a secret that are honoured: the current one and, during a rotation, the previous one. */
export interface SecretVersions {
  current: SecretVersion;
  previous?: SecretVersion;
}

/**
 * A Secrets Manager secret read through a cache of bounded age, so that a warm container makes
 * no Secrets Manager call per request and still picks up a rotation within `maxAgeMs`.
 * A failed read is not cached and fails closed (503): nothing is served from a value that
 * could not be confirmed.
 */
export class VersionedSecret {
  #loaded: { at: number; versions: Promise<SecretVersions> } | undefined;
  #refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly getSecretValue: GetSecretValue,
    readonly secretId: string,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  versions(): Promise<SecretVersions> {
    if (this.#loaded && this.now() - this.#loaded.at < this.maxAgeMs) return this.#loaded.versions;
    return this.reload();
  }

  /**
   * Reads the secret again, unless it was already forced to less than `minIntervalMs` ago; used
   * when a token names a version the cache does not know (a rotation elsewhere), without letting
   * forged `kid`s hammer the service. The limit counts from the last forced read, not the last
   * read: a container that read the secret just before a rotation still learns the new version
   * at its first token.
   */
  refresh(minIntervalMs: number): Promise<SecretVersions> {
    if (this.now() - this.#refreshedAt < minIntervalMs) return this.versions();
    this.#refreshedAt = this.now();
    return this.reload();
  }

  private reload(): Promise<SecretVersions> {
    const versions = this.fetch();
    const loaded = { at: this.now(), versions };
    this.#loaded = loaded;
    versions.catch(() => {
      if (this.#loaded === loaded) this.#loaded = undefined;
    });
    return versions;
  }

  private async fetch(): Promise<SecretVersions> {
    try {
      const [current, previous] = await Promise.all([this.read('AWSCURRENT'), this.read('AWSPREVIOUS')]);
      if (!current) throw new Error(`secret ${this.secretId} has no current value`);
      return previous ? { current, previous } : { current };
    } catch (error) {
      throw unavailable('Secrets Manager', error);
    }
  }

  private async read(stage: VersionStage): Promise<SecretVersion | undefined> {
    try {
      const out = await this.getSecretValue({ SecretId: this.secretId, VersionStage: stage });
      if (!out.VersionId || out.SecretString === undefined) return undefined;
      return { versionId: out.VersionId, value: out.SecretString };
    } catch (error) {
      // A secret that was never rotated has no AWSPREVIOUS version.
      if (stage === 'AWSPREVIOUS' && error instanceof Error && error.name === 'ResourceNotFoundException')
        return undefined;
      throw error;
    }
  }
}
