import { XucError } from '../errors.ts';
import { isLive, isTokenId, type TokenRecord } from './token-record.ts';
import type { TokenStore } from './token-store.ts';

/** What a user may see of one of their tokens: never the token value. */
export interface TokenView {
  id: string;
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
  return records.filter((record) => isLive({ record, revokedBefore }, at));
}

/** Every live token of every login, for operators. */
export async function allLiveTokens(store: TokenStore, now: () => number = Date.now): Promise<TokenRecord[]> {
  const records = await store.listAll();
  const logins = [...new Set(records.map((record) => record.login))];
  const marks = new Map(
    await Promise.all(logins.map(async (login) => [login, await store.revokedBefore(login)] as const)),
  );
  const at = nowSeconds(now);
  return records.filter((record) => isLive({ record, revokedBefore: marks.get(record.login) }, at));
}

/** Revokes one token of `login`; `TokenNotFound` when the login has no such live token. */
export async function revokeToken(
  store: TokenStore,
  login: string,
  tokenId: string,
  now: () => number = Date.now,
): Promise<void> {
  // Not a token id: no I/O (a malformed key would be DynamoDB's validation error, not a 404).
  if (!isTokenId(tokenId)) throw new XucError('TokenNotFound');
  if (!isLive(await store.readState(tokenId, login), nowSeconds(now))) throw new XucError('TokenNotFound');
  await store.revoke(tokenId, login, nowSeconds(now));
}

/**
 * Revokes every token of `login` issued before now, those being issued at this very moment by
 * other containers included: the login's revoke-all mark is what verification checks. Resolves
 * with how many live tokens it ended.
 */
export async function revokeAllTokens(store: TokenStore, login: string, now: () => number = Date.now): Promise<number> {
  const live = await liveTokens(store, login, now);
  await store.revokeAllBefore(login, now());
  return live.length;
}
