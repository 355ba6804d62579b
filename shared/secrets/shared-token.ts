import { createHash, timingSafeEqual } from 'node:crypto';
import type { VersionedSecret } from './versioned-secret.ts';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The server-side shared token (XiVO's PLAY_AUTH_TOKEN). A presented value matches when it
 * equals the current or the previous version of the secret. Both versions are always compared,
 * over fixed-length digests, so the answer's timing says nothing about the secret.
 */
export class SharedToken {
  constructor(
    private readonly secret: VersionedSecret,
    /** Node's constant-time comparison; injectable so that a test can hold the comparison to its contract. */
    private readonly compare: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
  ) {}

  async matches(presented: string): Promise<boolean> {
    const { current, previous } = await this.secret.versions();
    const candidate = digest(presented);
    const matchesCurrent = this.compare(candidate, digest(current.value));
    const matchesPrevious = previous ? this.compare(candidate, digest(previous.value)) : false;
    return matchesCurrent || matchesPrevious;
  }
}
