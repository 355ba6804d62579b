import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { localClients } from '../../infra/local/stack.ts';

const { secrets } = localClients(inject('endpoints'));

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
