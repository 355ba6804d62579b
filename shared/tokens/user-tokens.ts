import { XucError } from '../errors.ts';
import { isLive, type TokenRecord, type TokenStore } from './token-store.ts';

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

export async function liveTokens(store: TokenStore, login: string, now: () => number = Date.now): Promise<TokenRecord[]> {
  const at = nowSeconds(now);
  return (await store.listByLogin(login)).filter((record) => isLive(record, at));
}

/** Revokes one token of `login`; `TokenNotFound` when the login has no such live token. */
export async function revokeToken(store: TokenStore, login: string, tokenId: string, now: () => number = Date.now): Promise<void> {
  const record = await store.get(tokenId);
  if (!record || record.login !== login || !isLive(record, nowSeconds(now))) throw new XucError('TokenNotFound');
  await store.revoke(tokenId, login, nowSeconds(now));
}

/** Revokes every live token of `login`; resolves with how many were revoked. */
export async function revokeAllTokens(store: TokenStore, login: string, now: () => number = Date.now): Promise<number> {
  const live = await liveTokens(store, login, now);
  await Promise.all(live.map((record) => store.revoke(record.tokenId, login, nowSeconds(now))));
  return live.length;
}
