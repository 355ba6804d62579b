import { setTimeout as sleep } from 'node:timers/promises';
import { JwtVerifier } from 'aws-jwt-verify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { CallCounter } from '../infra/local/call-counter.ts';
import { localRpcClients } from '../infra/local/stack.ts';
import { authorize } from '../shared/authorizer/authorize.ts';
import { createAuthorizerServices } from '../shared/authorizer/authorizer-services.ts';
import { DecisionCache } from '../shared/authorizer/decision-cache.ts';
import { SHARED_TOKEN, type BenchStack } from './bench-stack.ts';
import { measure, type Summary } from './harness.ts';
import { warmupFor, type Profile } from './profile.ts';
import { authorizerRequest, BENCH_LOGIN } from './tokens.ts';

export interface RevocationResults {
  windowMs: number;
  containers: number;
  /** From a revoking call's return to each container's first denial, in milliseconds. */
  propagationMs: { p50: number; p99: number; max: number; samples: number };
  /** Reads of the revocation feed by one container while it serves steadily (record reads left out). */
  reads: { perContainerPerSecond: number; perDecision: number; decisionsPerSecond: number };
  /** A cached decision in process without the revocation view (as before the feed), and aws-jwt-verify's stateless check. */
  cached: { withoutView: Summary; awsJwtVerify: Summary };
}

/** The same user's token, asked about by every container in turn, as steady traffic would. */
export const PACE_MS = 2;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;

/**
 * Revocation through the feed (issue: "logout means logout"): how soon separate authorizer
 * containers under load refuse a token revoked elsewhere, what the feed costs them in DynamoDB
 * reads, and what a cached decision costs before and after, beside aws-jwt-verify.
 */
export async function benchRevocation(stack: BenchStack, profile: Profile): Promise<RevocationResults> {
  const { containers, rounds } = profile.revocation;
  const windowMs = stack.config.revocationWindowSeconds * 1000;
  const services = stack.services();
  const counter = new CallCounter(5000);
  // A container's view starts fresh when it is built: its first feed read is due a window later.
  const servingStarted = performance.now();
  const instances = Array.from({ length: containers }, () =>
    createAuthorizerServices(stack.config, localRpcClients(stack.endpoints, counter.handler)),
  );
  await Promise.all(instances.map((deps) => authorize(deps, authorizerRequest(SHARED_TOKEN))));

  const propagation: number[] = [];
  let decisions = 0;
  counter.reset();
  for (let round = 0; round < rounds; round++) {
    const { token, record } = await services.tokens.issue({ login: BENCH_LOGIN, method: 'password' });
    const request = authorizerRequest(token);
    const firstDenial: (number | undefined)[] = instances.map(() => undefined);
    const revocation = { started: false, returnedAt: 0 };
    // Each container serves the token until it refuses it, a little longer than a window after the revocation.
    const serving = instances.map(async (deps, i) => {
      for (;;) {
        const decision = await authorize(deps, request);
        decisions += 1;
        if (decision.kind !== 'allow' && !revocation.started)
          throw new Error(`container ${i} refused a live token: ${JSON.stringify(decision)}`);
        if (decision.kind !== 'allow') {
          firstDenial[i] = performance.now();
          return;
        }
        await sleep(PACE_MS);
      }
    });
    await sleep(windowMs / 2);
    revocation.started = true;
    await services.tokenStore.revoke(record.tokenId, record.login, Math.floor(Date.now() / 1000));
    revocation.returnedAt = performance.now();
    await Promise.all(serving);
    // A container may refuse before the call has returned: that counts as no delay at all.
    for (const at of firstDenial) propagation.push(Math.max(0, (at ?? Infinity) - revocation.returnedAt));
  }
  const served = (performance.now() - servingStarted) / 1000;
  // Each container reads each round's token record twice: when it first admits it, and when,
  // dropped by the feed, it reads it again and refuses it. The rest are feed reads.
  const reads = counter.count('dynamodb') - 2 * containers * rounds;
  counter.handler.destroy();

  const sorted = [...propagation].sort((a, b) => a - b);
  return {
    windowMs,
    containers,
    propagationMs: {
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.at(-1) ?? NaN,
      samples: sorted.length,
    },
    reads: {
      perContainerPerSecond: reads / containers / served,
      perDecision: reads / decisions,
      decisionsPerSecond: decisions / containers / served,
    },
    cached: await cachedDecisions(stack, profile),
  };
}

async function cachedDecisions(stack: BenchStack, profile: Profile): Promise<RevocationResults['cached']> {
  const iterations = profile.authorizer.inProcess;
  const options = { iterations, warmup: warmupFor(iterations) };
  const { token } = await stack.services().tokens.issue({ login: BENCH_LOGIN, method: 'password' });
  const request = authorizerRequest(token);
  const withoutView = {
    ...stack.authorizerServices(),
    cache: new DecisionCache(stack.config.authorizerCacheTtlSeconds * 1000),
  };
  if ((await authorize(withoutView, request)).kind !== 'allow') throw new Error('the bench token was refused');

  // What most Lambda authorizers do: RS256 against a cached JWKS, nothing else (no revocation).
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kty: 'RSA', kid: 'bench', alg: 'RS256', use: 'sig' };
  const issuer = 'https://idp.bench.invalid';
  const verifier = JwtVerifier.create({ issuer, audience: 'xuc', jwksUri: `${issuer}/jwks.json` });
  verifier.cacheJwks({ keys: [jwk] });
  const jwt = await new SignJWT({ scope: 'xuc' })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .setIssuer(issuer)
    .setAudience('xuc')
    .setSubject(BENCH_LOGIN)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  // verify() resolves the payload or rejects.
  const jwtVerifyDecision = async () => {
    await verifier.verify(jwt);
    return { kind: 'allow' };
  };

  return {
    withoutView: (await measure(() => authorize(withoutView, request), options)).summary,
    awsJwtVerify: (await measure(jwtVerifyDecision, options)).summary,
  };
}
