import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { localClients } from '../../infra/local/stack.ts';
import { rotateSecret, RotationTooSoon } from '../../shared/secrets/rotation.ts';
import { rotateSigningKeyStep, RotationRefused } from '../../shared/secrets/signing-key-rotation.ts';
import { testServices, uniqueLogin } from '../support/fixtures.ts';
import { createSecret } from '../support/secrets.ts';

const { secrets } = localClients(inject('endpoints'));
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const DAY_MS = 86_400_000;

/** A signing key of its own, and settings under which its current version is old enough to replace. */
async function signingKey() {
  const secretId = await createSecret(`initial-signing-key-${randomUUID()}`);
  const settings = { secretId, minAgeSeconds: 86_700, now: () => Date.now() + 2 * DAY_MS };
  return {
    secretId,
    settings,
    keys: testServices({ config: { signingKeySecretId: secretId, secretsCacheTtlSeconds: 0 } }),
  };
}

/** What Secrets Manager does first: a version for the token, AWSPENDING, without a value. */
async function openRotation(client: SecretsManagerClient, secretId: string): Promise<string> {
  const token = randomUUID();
  await client.send(
    new RotateSecretCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      RotationLambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:rotate',
      RotationRules: { AutomaticallyAfterDays: 30 },
    }),
  );
  return token;
}

const step = (secretId: string, token: string, Step: SecretsManagerRotationEvent['Step']) => ({
  SecretId: secretId,
  ClientRequestToken: token,
  Step,
});
const stagesOf = async (secretId: string) =>
  (await secrets.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};

describe('the signing key rotated by Secrets Manager through the rotation function', () => {
  it('rotates the key in four steps: tokens signed before still verify (AWSPREVIOUS), new ones carry the new key', async () => {
    const { secretId, settings, keys } = await signingKey();
    const old = await keys.signingKeys.current();
    const before = await keys.tokens.issue({ login: uniqueLogin(), method: 'password' });

    const token = await openRotation(secrets, secretId);
    for (const name of STEPS) {
      await rotateSigningKeyStep(secrets, step(secretId, token, name), settings);
      // Until finishSecret, the key that signs does not change.
      if (name !== 'finishSecret') expect((await keys.signingKeys.current()).kid).toBe(old.kid);
    }

    expect(await stagesOf(secretId)).toEqual({ [token]: ['AWSCURRENT'], [old.kid]: ['AWSPREVIOUS'] });
    const after = await keys.tokens.issue({ login: uniqueLogin(), method: 'password' });
    expect((await keys.signingKeys.current()).kid).toBe(token);
    await expect(keys.tokens.verify(before.token)).resolves.toMatchObject({ login: before.record.login });
    await expect(keys.tokens.verify(after.token)).resolves.toMatchObject({ login: after.record.login });
    const value = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? '';
    expect(Buffer.byteLength(value)).toBeGreaterThanOrEqual(32);

    // The next rotation pushes the first key out: its tokens stop verifying, as after `secrets rotate`.
    const next = await openRotation(secrets, secretId);
    for (const name of STEPS) await rotateSigningKeyStep(secrets, step(secretId, next, name), settings);
    await expect(keys.tokens.verify(before.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(keys.tokens.verify(after.token)).resolves.toBeDefined();
  });

  it('makes each step idempotent: called twice, createSecret puts one version, finishSecret moves nothing more', async () => {
    const { secretId, settings } = await signingKey();
    const token = await openRotation(secrets, secretId);
    await rotateSigningKeyStep(secrets, step(secretId, token, 'createSecret'), settings);
    const pending = await secrets.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }),
    );
    for (const name of STEPS) {
      await rotateSigningKeyStep(secrets, step(secretId, token, name), settings);
      await rotateSigningKeyStep(secrets, step(secretId, token, name), settings);
    }
    const stages = await stagesOf(secretId);
    expect(Object.keys(stages)).toHaveLength(2);
    expect(stages[token]).toEqual(['AWSCURRENT']);
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    expect(current.SecretString).toBe(pending.SecretString);
  });

  it('refuses a token that is not AWSPENDING, a secret with no rotation, and another secret', async () => {
    const { secretId, settings, keys } = await signingKey();
    const refused = (token: string, name: SecretsManagerRotationEvent['Step'] = 'createSecret', s = settings) =>
      rotateSigningKeyStep(secrets, step(secretId, token, name), s);
    // Rotation never enabled on the secret.
    await expect(refused(randomUUID())).rejects.toThrow(/rotation is not enabled/);
    const token = await openRotation(secrets, secretId);
    // A token Secrets Manager never opened, or one a newer rotation superseded.
    await expect(refused(randomUUID())).rejects.toThrow(/has no stage for rotation/);
    const newer = await openRotation(secrets, secretId);
    await expect(refused(token)).rejects.toThrow(/has no stage for rotation/);
    // A version that holds a label, but not AWSPENDING: the previous key.
    const { kid: initial } = await keys.signingKeys.current();
    await rotateSecret(secrets, secretId, `another-signing-key-${randomUUID()}`);
    for (const name of STEPS) await expect(refused(initial, name)).rejects.toThrow(/is not AWSPENDING/);
    expect((await stagesOf(secretId))[initial]).toEqual(['AWSPREVIOUS']);
    // Another secret than the signing key this function was deployed for.
    await expect(refused(newer, 'createSecret', { ...settings, secretId: 'xuc-auth/test/other' })).rejects.toThrow(
      RotationRefused,
    );
  });

  it('refuses to start a rotation while the current key is younger than SECRETS_CACHE_TTL + TOKEN_MAX_TTL', async () => {
    const { secretId, settings, keys } = await signingKey();
    const { kid } = await keys.signingKeys.current();
    const token = await openRotation(secrets, secretId);
    const now = { ...settings, now: () => Date.now() };
    await expect(rotateSigningKeyStep(secrets, step(secretId, token, 'createSecret'), now)).rejects.toThrow(
      RotationTooSoon,
    );
    // No value was put: finishSecret has nothing sound to promote, testSecret finds nothing.
    await expect(rotateSigningKeyStep(secrets, step(secretId, token, 'testSecret'), now)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect((await keys.signingKeys.current()).kid).toBe(kid);
  });

  it('refuses, at testSecret, a pending version too short to sign with', async () => {
    const { secretId, settings } = await signingKey();
    const token = await openRotation(secrets, secretId);
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: 'short',
        VersionStages: ['AWSPENDING'],
      }),
    );
    await expect(rotateSigningKeyStep(secrets, step(secretId, token, 'testSecret'), settings)).rejects.toThrow(
      /not a usable signing key/,
    );
  });

  it('is what the deployed function runs: its handler holds the CLI spacing rule from the environment', async () => {
    const { secretId, keys } = await signingKey();
    const { kid } = await keys.signingKeys.current();
    // The function reads its configuration once, from its environment, as on Lambda.
    process.env.SIGNING_KEY_SECRET_ID = secretId;
    const { handler } = await import('../../functions/rotate-signing-key/handler.ts');
    const token = await openRotation(secrets, secretId);
    // A key created a moment ago is far younger than SECRETS_CACHE_TTL + TOKEN_MAX_TTL.
    await expect(handler(step(secretId, token, 'createSecret'))).rejects.toThrow(RotationTooSoon);
    await expect(handler(step(secretId, randomUUID(), 'createSecret'))).rejects.toThrow(RotationRefused);
    expect((await keys.signingKeys.current()).kid).toBe(kid);
  });
});
