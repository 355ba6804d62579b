import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as authorizer } from '../../functions/authorizer/handler.ts';
import { handler as check } from '../../functions/check/handler.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localAwsEnvironment, provisionStack } from '../../infra/local/stack.ts';
import { createDocumentClient, createSecretsClient, sdkGetSecretValue } from '../../shared/clients/aws.ts';
import { AwsJsonRpcClient, DYNAMODB, SECRETS_MANAGER } from '../../shared/clients/aws-json-rpc.ts';
import { rpcBatchGet, rpcGetSecretValue } from '../../shared/clients/rpc-reads.ts';
import { VersionedSecret } from '../../shared/secrets/versioned-secret.ts';
import { services } from '../../shared/services.ts';
import { BatchGetTokenStateReader } from '../../shared/tokens/token-state-reader.ts';
import { DynamoTokenStore } from '../../shared/tokens/token-store.ts';
import {
  authorizerEvent,
  bodyOf,
  createUser,
  httpEvent,
  lambdaContext,
  postLogin,
  refusal,
  testConfig,
} from '../support/fixtures.ts';
import { startHostileServer } from '../support/hostile-server.ts';
import { ifAssigned } from '../support/hooks.ts';
import { stoppableEmulators } from '../support/stoppable-emulators.ts';

let emulators: Awaited<ReturnType<typeof stoppableEmulators>>;
let user: { login: string; password: string };

const post = (body: unknown) => postLogin(body);
const authorize = (token: string) => authorizer(authorizerEvent({ headers: { 'x-auth-token': token } }));

beforeAll(async () => {
  emulators = await stoppableEmulators();
  await provisionStack(testConfig(), emulators.endpoints, { playAuthToken: 'faults-shared-token-0123456789' });
  // The functions of this file talk to emulators of their own, which it stops and restarts.
  Object.assign(process.env, localAwsEnvironment(emulators.endpoints), {
    DEPENDENCY_TIMEOUT_MS: '500',
    SECRETS_CACHE_TTL: '0',
  });
  user = await createUser(services());
}, 30_000);

afterAll(async () => {
  await ifAssigned(emulators)?.close();
});

describe('faults of the AWS dependencies', () => {
  it('answers 503 while DynamoDB is down, fails the authorizer closed, and recovers by itself', async () => {
    const token = bodyOf(await post(user)).token as string;
    expect(await authorize(token)).toMatchObject({ isAuthorized: true });

    await emulators.stopDynamo();
    try {
      const refused = await post(user);
      expect(refused.statusCode).toBe(503);
      expect(bodyOf(refused)).toEqual({ error: 'ServiceUnavailable', message: 'Service temporarily unavailable' });
      expect(await authorize(token)).toEqual({ isAuthorized: false });
      expect((await check(httpEvent({ headers: { 'x-auth-token': token } }), lambdaContext)).statusCode).toBe(503);
    } finally {
      await emulators.startDynamo();
    }
    expect((await post(user)).statusCode).toBe(200);
    expect(await authorize(token)).toMatchObject({ isAuthorized: true });
  });

  it('answers 503 while Secrets Manager is down, writes no token record, and recovers by itself', async () => {
    // A valid token, issued before the outage: refused during it only because the key cannot be read.
    const issuedBefore = bodyOf(await post(user)).token as string;
    const before = (await services().tokenStore.listByLogin(user.login)).length;
    await emulators.stopSecrets();
    try {
      const refused = await post(user);
      expect(refused.statusCode).toBe(503);
      expect(bodyOf(refused)).toEqual({ error: 'ServiceUnavailable', message: 'Service temporarily unavailable' });
      expect(await authorize(issuedBefore)).toEqual({ isAuthorized: false });
      expect(await authorize('faults-shared-token-0123456789')).toEqual({ isAuthorized: false });
    } finally {
      await emulators.startSecrets();
    }
    expect((await services().tokenStore.listByLogin(user.login)).length).toBe(before);
    const recovered = await post(user);
    expect(recovered.statusCode).toBe(200);
    const token = bodyOf(recovered).token as string;
    expect(await authorize(token)).toMatchObject({ isAuthorized: true });
    expect(await authorize(issuedBefore)).toMatchObject({ isAuthorized: true });
    expect(await authorize('faults-shared-token-0123456789')).toEqual({
      isAuthorized: true,
      context: { principal: 'server' },
    });
  });

  it('fails closed when DynamoDB or Secrets Manager accepts the connection but never answers', async () => {
    const silent = await startHostileServer(() => undefined);
    try {
      const options = {
        timeoutMs: 200,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      };
      const endpoints = { dynamodb: silent.origin, secretsManager: silent.origin };
      const sdkStore = new DynamoTokenStore(createDocumentClient({ ...options, endpoints }), 'tokens');
      const sdkSecret = new VersionedSecret(
        sdkGetSecretValue(createSecretsClient({ ...options, endpoints })),
        'secret',
        0,
      );
      const rpcLookups = new BatchGetTokenStateReader(
        rpcBatchGet(new AwsJsonRpcClient(DYNAMODB, { ...options, endpoint: silent.origin })),
        'tokens',
      );
      const rpcSecret = new VersionedSecret(
        rpcGetSecretValue(new AwsJsonRpcClient(SECRETS_MANAGER, { ...options, endpoint: silent.origin })),
        'secret',
        0,
      );

      const refusals = await Promise.all(
        [
          sdkStore.readState('x', 'alice'),
          sdkSecret.versions(),
          rpcLookups.readState('x', 'alice'),
          rpcSecret.versions(),
        ].map(refusal),
      );
      expect(refusals.map((error) => error.code)).toEqual(Array(4).fill('ServiceUnavailable'));
    } finally {
      await silent.close();
    }
  });
});
