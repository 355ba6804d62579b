import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
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
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import aws4 from 'aws4';
import { LOCAL_SIGNING, localClients, startEmulators } from '../../infra/local/stack.ts';

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

describe('the local emulators serve local callers only', () => {
  /** A raw request, signed as the SDK would sign it, with the Host and Origin a browser page would send. */
  function post(
    endpoint: string,
    target: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string }> {
    const url = new URL(endpoint);
    const signed = aws4.sign(
      {
        service: target.startsWith('secretsmanager') ? 'secretsmanager' : 'dynamodb',
        region: LOCAL_SIGNING.region,
        method: 'POST',
        path: '/',
        body: '{}',
        headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1', ...headers },
      },
      LOCAL_SIGNING.credentials,
    );
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          headers: signed.headers as Record<string, string>,
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += String(chunk)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
  }

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
