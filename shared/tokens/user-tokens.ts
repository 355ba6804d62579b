import { XucError } from '../errors.ts';
import { isLive, isTokenId, sessionOf, type TokenRecord } from './token-record.ts';
import type { TokenStore } from './token-store.ts';

/** What a user may see of one of their tokens: never the token value. */
export interface TokenView {
  id: string;
  /** The session the token belongs to, and when it began. */
  session: string;
  startedAt: string;
  method: TokenRecord['method'];
  issuedAt: string;
  expiresAt: string;
  softwareType?: string;
  applicationType?: string;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const nowSeconds = (now: () => number): number => Math.floor(now() / 1000);

export function tokenView(record: TokenRecord): TokenView {
  return {
    id: record.tokenId,
    session: sessionOf(record),
    startedAt: iso(record.sessionStartedAt ?? record.issuedAt),
    method: record.method,
    issuedAt: iso(record.issuedAt),
    expiresAt: iso(record.expiresAt),
    ...(record.softwareType ? { softwareType: record.softwareType } : {}),
    ...(record.applicationType ? { applicationType: record.applicationType } : {}),
  };
}

export async function liveTokens(
  store: TokenStore,
  login: string,
  now: () => number = Date.now,
): Promise<TokenRecord[]> {
  const at = nowSeconds(now);
  const [records, revokedBefore] = await Promise.all([store.listByLogin(login), store.revokedBefore(login)]);
  return withoutEndedSessions(
    store,
    records.filter((record) => isLive({ record, revokedBefore }, at)),
  );
}

async function withoutEndedSessions(store: TokenStore, records: TokenRecord[]): Promise<TokenRecord[]> {
  if (records.length === 0) return records;
  const ended = await store.endedSessions(records.map(sessionOf));
  return records.filter((record) => !ended.has(sessionOf(record)));
}

/** One record per session, the newest: what a user sees of their sessions. */
export function newestOfEachSession(records: TokenRecord[]): TokenRecord[] {
  const newest = new Map<string, TokenRecord>();
  for (const record of records) {
    const seen = newest.get(sessionOf(record));
    if (!seen || record.issuedAtMs > seen.issuedAtMs) newest.set(sessionOf(record), record);
  }
  return [...newest.values()].sort((a, b) => b.issuedAtMs - a.issuedAtMs);
}

/** Every live token of every login, for operators. */
export async function allLiveTokens(store: TokenStore, now: () => number = Date.now): Promise<TokenRecord[]> {
  const records = await store.listAll();
  const logins = [...new Set(records.map((record) => record.login))];
  const marks = new Map(
    await Promise.all(logins.map(async (login) => [login, await store.revokedBefore(login)] as const)),
  );
  const at = nowSeconds(now);
  return withoutEndedSessions(
    store,
    records.filter((record) => isLive({ record, revokedBefore: marks.get(record.login) }, at)),
  );
}

/** Revokes one token of `login`, ending its session; `TokenNotFound` when the login has no such live token. */
export async function revokeToken(
  store: TokenStore,
  login: string,
  tokenId: string,
  now: () => number = Date.now,
): Promise<void> {
  // Not a token id: no I/O (a malformed key would be DynamoDB's validation error, not a 404).
  if (!isTokenId(tokenId)) throw new XucError('TokenNotFound');
  const state = await store.readState(tokenId, login);
  const live = isLive(state, nowSeconds(now)) && (await withoutEndedSessions(store, [state.record])).length === 1;
  if (!live) throw new XucError('TokenNotFound');
  await store.revoke(tokenId, login, nowSeconds(now));
}

/**
 * Revokes every token of `login` issued before now, those being issued at this very moment by
 * other containers included: the login's revoke-all mark is what verification checks. The mark
 * is written first, so that the revocation takes effect before the tokens are counted. Resolves
 * with how many live tokens it ended.
 */
export async function revokeAllTokens(store: TokenStore, login: string, now: () => number = Date.now): Promise<number> {
  const previousMark = await store.revokedBefore(login);
  const at = now();
  await store.revokeAllBefore(login, at);
  const candidates = (await store.listByLogin(login)).filter(
    (record) => record.issuedAtMs < at && isLive({ record, revokedBefore: previousMark }, Math.floor(at / 1000)),
  );
  return (await withoutEndedSessions(store, candidates)).length;
}

export type SessionView = TokenView & { current: boolean };

/** One page of `GET /tokens`; `nextCursor` asks for the next one. */
export interface SessionPage {
  tokens: SessionView[];
  nextCursor?: string;
}

export const SESSION_PAGE = { default: 50, max: 100 } as const;

/** Where a page ends: the last session's start and id, the order sessions are listed in. */
interface Cursor {
  startedAt: number;
  session: string;
}

const startedAt = (record: TokenRecord): number => record.sessionStartedAt ?? record.issuedAt;

/** Newest session first; a session's start never changes, so pages stay stable while sessions renew. */
const bySessionStart = (a: Cursor, b: Cursor): number =>
  b.startedAt - a.startedAt || (a.session < b.session ? 1 : a.session > b.session ? -1 : 0);

const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(`${cursor.startedAt}.${cursor.session}`).toString('base64url');

function decodeCursor(value: string): Cursor {
  const [, seconds, session] = /^(\d{1,12})\.([0-9a-f-]{36})$/.exec(Buffer.from(value, 'base64url').toString()) ?? [];
  if (seconds === undefined || session === undefined || !isTokenId(session)) {
    throw new XucError('InvalidRequest', { message: 'Query parameter "cursor" is not one this API gave' });
  }
  return { startedAt: Number(seconds), session };
}

/**
 * `GET /tokens`: the live sessions of `login`, newest first, each as its newest token, `current`
 * for the caller's session; `limit` per page, from `cursor` (a page's `nextCursor`) on.
 */
export async function liveSessions(
  store: TokenStore,
  login: string,
  callerTokenId: string,
  { limit = SESSION_PAGE.default, cursor }: { limit?: number | undefined; cursor?: string | undefined } = {},
  now: () => number = Date.now,
): Promise<SessionPage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const live = await liveTokens(store, login, now);
  const caller = live.find((record) => record.tokenId === callerTokenId);
  const current = caller ? sessionOf(caller) : undefined;
  const sessions = newestOfEachSession(live)
    .map((record) => ({ record, key: { startedAt: startedAt(record), session: sessionOf(record) } }))
    .sort((a, b) => bySessionStart(a.key, b.key))
    .filter(({ key }) => after === undefined || bySessionStart(key, after) > 0);
  const page = sessions.slice(0, limit);
  const last = page.at(-1);
  return {
    tokens: page.map(({ record }) => ({ ...tokenView(record), current: sessionOf(record) === current })),
    ...(sessions.length > limit && last ? { nextCursor: encodeCursor(last.key) } : {}),
  };
}
