import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authorize, type AuthorizerDeps } from '../../shared/authorizer/authorize.ts';
import { createAuthorizerServices } from '../../shared/authorizer/authorizer-services.ts';
import { DecisionCache } from '../../shared/authorizer/decision-cache.ts';
import { localRpcClients } from '../../infra/local/stack.ts';
import { CallCounter } from '../../infra/local/call-counter.ts';
import { authorizerEvent, testConfig, testServices, uniqueLogin } from '../support/fixtures.ts';

/** The authorizer's AWS budgets: one DynamoDB read per token per cache window, no Secrets Manager call once warm. */
const BUDGET = { readsPerTokenPerWindow: 1, secretsManagerPerDecision: 0 };
/** A deployed stage's AUTHORIZER_CACHE_TTL; the test stage runs with none. */
const WINDOW_MS = 30_000;
const TOKENS = 5;
const WINDOWS = 4;
const DECISIONS_PER_WINDOW = 250;
const HOUR_MS = 3_600_000;

const counter = new CallCounter(5000);
let deps: Omit<AuthorizerDeps, 'cache'>;
let valid: string[];
let expired: string;

const request = (token: string) => authorizerEvent({ headers: { 'x-auth-token': token } });

/** Keeps a token's header (and so the real `kid`) and claims, signed with another key. */
function forge(token: string): string {
  const [header, payload] = token.split('.');
  return `${header}.${payload}.${createHmac('sha256', randomBytes(32)).update(`${header}.${payload}`).digest('base64url')}`;
}

/** Runs `decide` and counts the AWS round trips it made. */
async function counted(decide: () => Promise<unknown>) {
  counter.reset();
  await decide();
  return { dynamodb: counter.count('dynamodb'), secretsManager: counter.count('secretsManager') };
}

beforeAll(async () => {
  // The authorizer's services as its handler wires them, on clients whose every HTTP attempt is counted.
  const { cache: _, ...services } = createAuthorizerServices(
    testConfig(),
    localRpcClients(inject('endpoints'), counter.handler),
  );
  deps = services;
  const login = uniqueLogin('calls');
  const { tokens } = testServices();
  valid = await Promise.all(
    Array.from({ length: TOKENS }, async () => (await tokens.issue({ login, method: 'password' })).token),
  );
  const past = testServices({ now: () => Date.now() - 2 * HOUR_MS });
  expired = (await past.tokens.issue({ login, method: 'password', expiration: 3600 })).token;
  // Warm, as a container that already served a request: both secrets read once.
  await authorize(deps, request(inject('playAuthToken')));
  await authorize(deps, request(forge(valid[0]!)));
});

afterAll(() => counter.handler.destroy());

describe('AWS calls per authorizer decision', () => {
  it(`reads DynamoDB at most ${BUDGET.readsPerTokenPerWindow}× per token per cache window, and Secrets Manager ${BUDGET.secretsManagerPerDecision}× per decision`, async () => {
    // A clock of its own lets a whole window pass without waiting for it.
    let clock = Date.now();
    const cache = new DecisionCache(WINDOW_MS, 10_000, () => clock);
    const { dynamodb, secretsManager } = await counted(async () => {
      for (let window = 0; window < WINDOWS; window++) {
        for (let i = 0; i < DECISIONS_PER_WINDOW; i++) {
          const decision = await authorize({ ...deps, cache }, request(valid[i % TOKENS]!));
          expect(decision.kind).toBe('allow');
        }
        clock += WINDOW_MS;
      }
    });
    expect(dynamodb / (TOKENS * WINDOWS), 'DynamoDB reads per token per window').toBeLessThanOrEqual(
      BUDGET.readsPerTokenPerWindow,
    );
    expect(secretsManager / (WINDOWS * DECISIONS_PER_WINDOW), 'Secrets Manager calls per decision').toBeLessThanOrEqual(
      BUDGET.secretsManagerPerDecision,
    );
  });

  it('decides a forged, an expired and the shared token with no AWS call, and an uncached valid one with one DynamoDB read', async () => {
    const cases = { forged: forge(valid[0]!), expired, shared: inject('playAuthToken'), uncached: valid[1]! };
    const calls: Record<string, Awaited<ReturnType<typeof counted>>> = {};
    // One at a time: the counter is shared.
    for (const [name, token] of Object.entries(cases))
      calls[name] = await counted(() => authorize(deps, request(token)));
    expect(calls).toEqual({
      forged: { dynamodb: 0, secretsManager: 0 },
      expired: { dynamodb: 0, secretsManager: 0 },
      shared: { dynamodb: 0, secretsManager: 0 },
      uncached: { dynamodb: 1, secretsManager: 0 },
    });
  });

  it('reads both secrets side by side in a cold container for a header token: one round trip, not two', async () => {
    const cold = () => createAuthorizerServices(testConfig(), localRpcClients(inject('endpoints'), counter.handler));
    // A Bearer token cannot be the shared token: only the signing key is read (its versions side by side).
    counter.reset();
    const bearer = authorizerEvent({ headers: { authorization: `Bearer ${valid[2]!}` } });
    expect((await authorize(cold(), bearer)).kind).toBe('allow');
    const signingKeyReads = counter.count('secretsManager');
    expect(counter.rounds('secretsManager')).toBe(1);
    // A header token may be either: the shared token's reads and the signing key's are under way at once.
    counter.reset();
    expect((await authorize(cold(), request(valid[2]!))).kind).toBe('allow');
    expect(counter.count('secretsManager')).toBe(2 * signingKeyReads);
    expect(counter.rounds('secretsManager')).toBe(1);
  });

  it('reads the revocation feed at most once a REVOCATION_WINDOW while serving, whatever the number of tokens, and never while idle', async () => {
    let clock = Date.now();
    const revocationWindowMs = 1000;
    const config = {
      ...testConfig(),
      authorizerCacheTtlSeconds: 30,
      revocationWindowSeconds: revocationWindowMs / 1000,
    };
    const container = createAuthorizerServices(config, {
      ...localRpcClients(inject('endpoints'), counter.handler),
      now: () => clock,
    });
    await authorize(container, request(inject('playAuthToken')));
    const windows = 10;
    const { dynamodb } = await counted(async () => {
      for (let window = 0; window < windows; window++) {
        for (let i = 0; i < 100; i++)
          expect((await authorize(container, request(valid[i % TOKENS]!))).kind).toBe('allow');
        clock += revocationWindowMs;
      }
    });
    // One record read per token (the cache lasts 30 s), then at most one feed read per window.
    expect(dynamodb - TOKENS, 'feed reads per revocation window while serving').toBeLessThanOrEqual(windows);
    expect(dynamodb - TOKENS).toBeGreaterThan(0);

    // Idle for a minute: nothing is read meanwhile, and the next request reads the token's record, not the feed's backlog.
    clock += 60_000;
    expect(await counted(() => authorize(container, request(valid[0]!)))).toEqual({ dynamodb: 1, secretsManager: 0 });
  });
});
