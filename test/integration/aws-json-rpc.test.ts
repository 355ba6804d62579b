import type { IncomingMessage, ServerResponse } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { localRpcClients } from '../../infra/local/stack.ts';
import { AwsJsonRpcClient, AwsServiceError, DYNAMODB, SECRETS_MANAGER } from '../../shared/clients/aws-json-rpc.ts';
import { rpcBatchGet } from '../../shared/clients/rpc-reads.ts';
import { BatchGetTokenStateReader } from '../../shared/tokens/token-state-reader.ts';
import { createUser, refusal, testConfig, testServices, uniqueLogin } from '../support/fixtures.ts';
import { startHostileServer } from '../support/hostile-server.ts';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key', sessionToken: 'test-session' };

type Hostile = Awaited<ReturnType<typeof startHostileServer>>;
let hostile: Hostile | undefined;

afterEach(async () => {
  await hostile?.close();
  hostile = undefined;
});

/** A DynamoDB client pointed at a server that answers `answers` in turn (the last one repeats). */
async function clientAnswering(answers: ((res: ServerResponse) => void)[], timeoutMs = 2000) {
  const seen: { req: IncomingMessage; body: string }[] = [];
  hostile = await startHostileServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ req, body });
      answers[Math.min(seen.length, answers.length) - 1]?.(res);
    });
  });
  const client = new AwsJsonRpcClient(DYNAMODB, {
    timeoutMs,
    endpoint: hostile.origin,
    region: 'eu-west-3',
    credentials,
  });
  return { client, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
    res.end(JSON.stringify(body));
  };

describe('the JSON RPC client against the real emulators', () => {
  it('reads what the SDK document client reads: a live token, its revoke-all mark and its user', async () => {
    const services = testServices();
    const config = testConfig();
    const { login } = await createUser(services);
    const issued = await services.tokens.issue({ login, method: 'password' });
    await services.tokenStore.revokeAllBefore(login, issued.record.issuedAtMs - 1);
    const rpc = new BatchGetTokenStateReader(
      rpcBatchGet(localRpcClients(inject('endpoints')).dynamodb),
      config.tokensTable,
    );

    const viaRpc = await rpc.readState(issued.record.tokenId, login, { usersTable: config.usersTable });
    expect(viaRpc).toEqual(
      await services.tokenStore.readState(issued.record.tokenId, login, { usersTable: config.usersTable }),
    );
    expect(viaRpc).toMatchObject({
      record: issued.record,
      revokedBefore: issued.record.issuedAtMs - 1,
      user: { login },
    });
    expect(await rpc.readState(issued.record.tokenId, uniqueLogin())).toEqual({});
  });

  it("names DynamoDB's own errors as the SDK does, without retrying them", async () => {
    const { dynamodb } = localRpcClients(inject('endpoints'));
    const error = await dynamodb
      .call('GetItem', { TableName: 'no-such-table', Key: { tokenId: { S: 'x' } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', statusCode: 400 });
  });

  it('reads secrets by stage, and names a missing stage ResourceNotFoundException', async () => {
    const { secretsManager } = localRpcClients(inject('endpoints'));
    const config = testConfig();
    const current = await secretsManager.call<{ SecretString?: string }>('GetSecretValue', {
      SecretId: config.playAuthTokenSecretId,
      VersionStage: 'AWSCURRENT',
    });
    expect(current.SecretString).toBe(inject('playAuthToken'));
    const missing = await secretsManager
      .call('GetSecretValue', { SecretId: 'no/such/secret', VersionStage: 'AWSCURRENT' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('the JSON RPC client against a misbehaving endpoint', () => {
  it('sends a SigV4-signed request that the same signer verifies on arrival', async () => {
    const { client, seen } = await clientAnswering([json(200, { Item: {} })]);
    await client.call('GetItem', { TableName: 't', Key: { tokenId: { S: 'x' } } });
    const [{ req, body } = { req: undefined, body: '' }] = seen;
    if (!req) throw new Error('no request arrived');
    expect(req.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
      'x-amz-security-token': 'test-session',
    });
    const authorization = String(req.headers.authorization);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-3\/dynamodb\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );

    // Re-sign what arrived, with the signed headers only and the request's own date.
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(req.headers[name])]));
    const url = new URL(hostile?.origin ?? '');
    const arrived = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: req.url ?? '/',
      headers,
      body,
    });
    const stamp = String(req.headers['x-amz-date']);
    const date = new Date(
      `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    );
    const resigned = await new SignatureV4({
      service: 'dynamodb',
      region: 'eu-west-3',
      credentials,
      sha256: Sha256,
    }).sign(arrived, { signingDate: date });
    expect(resigned.headers.authorization).toBe(authorization);
  });

  it('retries a server error once and returns the answer of the second attempt', async () => {
    const { client, seen } = await clientAnswering([
      json(500, { __type: 'InternalServerError' }),
      json(200, { Responses: {} }),
    ]);
    expect(await client.call('BatchGetItem', { RequestItems: {} })).toEqual({ Responses: {} });
    expect(seen).toHaveLength(2);
  });

  it('gives up after two attempts, with the error of the last one', async () => {
    const { client, seen } = await clientAnswering([
      json(503, { __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: 'down' }),
    ]);
    const error = await client.call('GetItem', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServiceUnavailable', statusCode: 503, message: 'down' });
    expect(seen).toHaveLength(2);
  });

  it('retries throttling once, whatever its status, and not a client error', async () => {
    const throttled = await clientAnswering([
      json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException' }),
      json(200, {}),
    ]);
    expect(await throttled.client.call('GetItem', {})).toEqual({});
    expect(throttled.seen).toHaveLength(2);
    await hostile?.close();

    const invalid = await clientAnswering([
      json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad key' }),
    ]);
    expect(await invalid.client.call('GetItem', {}).catch((e: unknown) => e)).toMatchObject({
      name: 'ValidationException',
      statusCode: 400,
      message: 'bad key',
    });
    expect(invalid.seen).toHaveLength(1);
  });

  it('names an error from its header, or from its status when the body is not JSON', async () => {
    const fromHeader = await clientAnswering([
      json(403, {}, { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/' }),
    ]);
    expect(await fromHeader.client.call('GetItem', {}).catch((e: unknown) => e)).toMatchObject({
      name: 'AccessDeniedException',
      statusCode: 403,
    });
    await hostile?.close();

    const page = await clientAnswering([
      (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>'),
    ]);
    expect(await page.client.call('GetItem', {}).catch((e: unknown) => e)).toMatchObject({
      name: 'Http502',
      statusCode: 502,
    });
  });

  it('times out an endpoint that never answers, on each attempt', async () => {
    const { client, seen } = await clientAnswering([() => undefined], 200);
    const error = await client.call('GetItem', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(seen).toHaveLength(2);
  });

  it('fails a lookup closed when DynamoDB leaves keys unprocessed', async () => {
    const { client } = await clientAnswering([
      json(200, { Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [{ tokenId: { S: 'x' } }] } } }),
    ]);
    const error = await refusal(new BatchGetTokenStateReader(rpcBatchGet(client), 't').readState('x', 'alice'));
    expect(error.code).toBe('ServiceUnavailable');
  });
});

describe('the JSON RPC client endpoint', () => {
  it("follows the SDK's variables, then the regional endpoint", () => {
    const options = { timeoutMs: 1000, credentials };
    expect(new AwsJsonRpcClient(DYNAMODB, options, { AWS_REGION: 'eu-west-3' }).endpoint).toBe(
      'https://dynamodb.eu-west-3.amazonaws.com/',
    );
    expect(new AwsJsonRpcClient(SECRETS_MANAGER, options, { AWS_REGION: 'cn-north-1' }).endpoint).toBe(
      'https://secretsmanager.cn-north-1.amazonaws.com.cn/',
    );
    const env = {
      AWS_REGION: 'eu-west-3',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1/',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:2/',
    };
    expect(new AwsJsonRpcClient(DYNAMODB, options, env).endpoint).toBe('http://127.0.0.1:2/');
    expect(new AwsJsonRpcClient(SECRETS_MANAGER, options, env).endpoint).toBe('http://127.0.0.1:1/');
    expect(new AwsJsonRpcClient(DYNAMODB, options, { AWS_DEFAULT_REGION: 'us-west-2' }).endpoint).toBe(
      'https://dynamodb.us-west-2.amazonaws.com/',
    );
    expect(() => new AwsJsonRpcClient(DYNAMODB, options, {})).toThrow('AWS_REGION is not set');
  });
});
