import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { localClients, startEmulators } from '../../infra/local/stack.ts';
import { signedPost } from '../support/signed-request.ts';

const { secrets } = localClients(inject('endpoints'));
const stagesOf = async (name: string) =>
  (await secrets.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages;

describe('the local Secrets Manager endpoint, through the real SDK client', () => {
  it('creates a secret and reads its current value', async () => {
    const name = `t/${randomUUID()}`;
    const created = await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'one' }));
    const read = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
    expect(read).toMatchObject({
      Name: name,
      SecretString: 'one',
      VersionId: created.VersionId,
      VersionStages: ['AWSCURRENT'],
    });
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn.SecretString).toBe('one');
  });

  it('moves AWSCURRENT to a new version and AWSPREVIOUS to the old one on each put', async () => {
    const name = `t/${randomUUID()}`;
    const v1 = (await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'one' }))).VersionId;
    const v2 = (await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two' }))).VersionId;
    const v3 = (await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'three' }))).VersionId;
    const stage = async (VersionStage: string) =>
      (await secrets.send(new GetSecretValueCommand({ SecretId: name, VersionStage }))).VersionId;
    expect(await stage('AWSCURRENT')).toBe(v3);
    expect(await stage('AWSPREVIOUS')).toBe(v2);
    const old = await secrets.send(new GetSecretValueCommand({ SecretId: name, VersionId: v1 }));
    expect(old).toMatchObject({ SecretString: 'one', VersionStages: [] });
    const description = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
    expect(description.VersionIdsToStages).toEqual({ [v3 as string]: ['AWSCURRENT'], [v2 as string]: ['AWSPREVIOUS'] });
  });

  it('stages versions as a rotation does: a valueless AWSPENDING, a put that keeps AWSCURRENT, a move that leaves AWSPREVIOUS', async () => {
    const name = `t/${randomUUID()}`;
    const v1 = (await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'one' }))).VersionId as string;
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: name }))).RotationEnabled).toBe(false);
    const token = randomUUID();
    await secrets.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token }));
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: name }))).RotationEnabled).toBe(true);
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    // Opened, not yet given a value: not readable.
    await expect(
      secrets.send(new GetSecretValueCommand({ SecretId: name, VersionId: token, VersionStage: 'AWSPENDING' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);

    const put = { SecretId: name, ClientRequestToken: token, SecretString: 'two', VersionStages: ['AWSPENDING'] };
    expect((await secrets.send(new PutSecretValueCommand(put))).VersionStages).toEqual(['AWSPENDING']);
    // The same request again is idempotent; another value under the same token is refused.
    await secrets.send(new PutSecretValueCommand(put));
    await expect(secrets.send(new PutSecretValueCommand({ ...put, SecretString: 'other' }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('one');
    const pending = await secrets.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }));
    expect(pending).toMatchObject({ VersionId: token, SecretString: 'two' });

    await secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: v1,
      }),
    );
    expect(await stagesOf(name)).toEqual({ [token]: ['AWSPENDING', 'AWSCURRENT'], [v1]: ['AWSPREVIOUS'] });
    await secrets.send(
      new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }),
    );
    expect(await stagesOf(name)).toEqual({ [token]: ['AWSCURRENT'], [v1]: ['AWSPREVIOUS'] });
  });

  it("answers with the SDK's typed errors", async () => {
    const name = `t/${randomUUID()}`;
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    await expect(secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'y' }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
    await expect(
      secrets.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('the local emulators serve local callers only', () => {
  const post = (endpoint: string, target: string, headers: Record<string, string>) =>
    signedPost(endpoint, { target, signedHeaders: headers });

  it.each([
    ['Secrets Manager', () => inject('endpoints').secretsManager, 'secretsmanager.ListSecrets'],
    ['DynamoDB', () => inject('endpoints').dynamodb, 'DynamoDB_20120810.ListTables'],
  ])('%s refuses a rebound domain and any web page, and answers the SDK', async (_, endpoint, target) => {
    const port = new URL(endpoint()).port;
    expect((await post(endpoint(), target, { host: `rebound.example.org:${port}` })).status).toBe(403);
    expect(
      (await post(endpoint(), target, { host: `127.0.0.1:${port}`, origin: 'https://rebound.example.org' })).status,
    ).toBe(403);
    expect(
      (await post(endpoint(), target, { host: `localhost:${port}`, origin: 'http://localhost:3000' })).status,
    ).toBe(403);
    const local = await post(endpoint(), target, { host: `127.0.0.1:${port}` });
    expect(local.status).not.toBe(403);
  });

  it('keeps the local data in a directory of this user alone', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'xuc-auth-modes-')), 'data');
    const emulators = await startEmulators({ dataDir });
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    } finally {
      await emulators.stop();
      rmSync(dirname(dataDir), { recursive: true, force: true });
    }
  });
});
