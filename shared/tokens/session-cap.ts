import { logger } from '../logger.ts';
import { sessionOf, type TokenRecord } from './token-record.ts';
import type { TokenStore } from './token-store.ts';
import { liveTokens, newestOfEachSession } from './user-tokens.ts';

/** Recounts one new session may take when others recount at the same moment. */
const RECOUNT_ATTEMPTS = 3;

/**
 * MAX_SESSIONS_PER_USER: a login holds at most `max` live sessions, and opening one more ends
 * the oldest, so that forgotten sessions never lock their owner out.
 *
 * Each new session adds one to a per-login count, in a write made side by side with the
 * token's record, refused once the count stands at `max`. The count only bounds the live
 * sessions from above (logouts and expiries do not lower it); when it is full, the login's live
 * sessions are read, the oldest ended until the new one fits, and the count set to what is left.
 * So the read happens once per `max - live` new sessions, not on every exchange.
 */
export class SessionCap {
  constructor(
    private readonly store: TokenStore,
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  /** Records the first token of a new session with `put`, ending the login's oldest sessions beyond the cap. */
  async open(record: TokenRecord, put: () => Promise<void>): Promise<void> {
    const [, counted] = await Promise.all([put(), this.store.countSession(record.login, this.max)]);
    for (let attempt = 0; !counted && attempt < RECOUNT_ATTEMPTS; attempt++) {
      const live = await this.makeRoom(record);
      if (await this.store.recountSessions(record.login, live, this.max)) return;
      // Another exchange recounted first: this session is counted like any other.
      if (await this.store.countSession(record.login, this.max)) return;
    }
  }

  /** Ends the oldest sessions of the login beyond the cap, never `record`'s; resolves with how many are left. */
  private async makeRoom(record: TokenRecord): Promise<number> {
    // The login index may not show a record written a moment ago: the new one is added by hand.
    const others = (await liveTokens(this.store, record.login, this.now)).filter(
      (token) => sessionOf(token) !== sessionOf(record),
    );
    const sessions = newestOfEachSession(others).sort((a, b) => startOf(b) - startOf(a));
    const excess = sessions.slice(this.max - 1);
    const at = Math.floor(this.now() / 1000);
    for (const oldest of excess) await this.store.revoke(oldest.tokenId, oldest.login, at);
    if (excess.length > 0) {
      logger.info('sessions ended: MAX_SESSIONS_PER_USER reached', { login: record.login, ended: excess.length });
    }
    return sessions.length - excess.length + 1;
  }
}

const startOf = (record: TokenRecord): number => record.sessionStartedAt ?? record.issuedAt;
