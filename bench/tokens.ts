import { createHmac, randomBytes } from 'node:crypto';
import type { AuthorizerRequest } from '../shared/authorizer/authorize.ts';
import type { BenchStack } from './bench-stack.ts';

export const BENCH_LOGIN = 'bench-user';
const API_PATH = '/xuc/api/2.0/auth/tokens';
const HOUR_MS = 3_600_000;

/**
 * A REQUEST authorizer event as API Gateway sends it (payload 2.0), with the headers a browser
 * sends: the authorizer scans them all for the token, so their number is part of the cost.
 */
export function authorizerRequest(token: string): AuthorizerRequest {
  return {
    rawPath: API_PATH,
    routeKey: `GET ${API_PATH}`,
    headers: {
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8',
      'content-length': '0',
      host: 'api.xuc.example.org',
      origin: 'https://xuc.example.org',
      referer: 'https://xuc.example.org/ccagent/',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'x-amzn-trace-id': 'Root=1-66a0b1c2-0123456789abcdef01234567',
      'x-auth-token': token,
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
  };
}

export interface BenchTokens {
  /** A few live tokens of one user, as a handful of clients would hold. */
  valid: string[];
  /** Same header and claims as a valid token, signed with another key. */
  forged: string;
  /** Correctly signed, expired an hour ago. */
  expired: string;
  shared: string;
}

/** Forges a token: keeps its header (and so the real `kid`) and claims, signs with a random key. */
function forge(token: string): string {
  const [header, payload] = token.split('.');
  const signature = createHmac('sha256', randomBytes(32)).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export async function issueBenchTokens(stack: BenchStack, count: number, sharedToken: string): Promise<BenchTokens> {
  const { tokens } = stack.services();
  const valid = await Promise.all(
    Array.from({ length: count }, async () => (await tokens.issue({ login: BENCH_LOGIN, method: 'password' })).token),
  );
  const past = stack.services({ now: () => Date.now() - 2 * HOUR_MS });
  const expired = (await past.tokens.issue({ login: BENCH_LOGIN, method: 'password', expiration: 3600 })).token;
  return { valid, forged: forge(valid[0] ?? ''), expired, shared: sharedToken };
}
