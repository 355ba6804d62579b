import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_SIGNING } from '../../infra/local/stack.ts';
import { signedPost, type SignedPost } from '../support/signed-request.ts';
import { createDocumentClient, createSecretsClient } from '../../shared/clients/aws.ts';
import { AwsJsonRpcClient, DYNAMODB, SECRETS_MANAGER } from '../../shared/clients/aws-json-rpc.ts';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** One call through each kind of client the service has, signing with `credentials`. */
function callsSignedWith(credentials: Credentials) {
  const endpoints = inject('endpoints');
  const sdk = { timeoutMs: 3000, endpoints, region: LOCAL_SIGNING.region, credentials };
  const rpc = { timeoutMs: 3000, region: LOCAL_SIGNING.region, credentials };
  return {
    'the DynamoDB SDK client': () => createDocumentClient(sdk).send(new ListTablesCommand({})),
    'the Secrets Manager SDK client': () => createSecretsClient(sdk).send(new ListSecretsCommand({})),
    'the DynamoDB JSON RPC client': () =>
      new AwsJsonRpcClient(DYNAMODB, { ...rpc, endpoint: endpoints.dynamodb }).call('ListTables', {}),
    'the Secrets Manager JSON RPC client': () =>
      new AwsJsonRpcClient(SECRETS_MANAGER, { ...rpc, endpoint: endpoints.secretsManager }).call('ListSecrets', {}),
  };
}

/** The error type and HTTP status a refused call ended with, as the SDK or the JSON RPC client report them. */
async function refusalOf(call: () => Promise<unknown>): Promise<{ type: string; status: number | undefined }> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e as Error & { statusCode?: number; $metadata?: { httpStatusCode?: number } },
  );
  if (!error) throw new Error('expected a refusal');
  return { type: error.name, status: error.statusCode ?? error.$metadata?.httpStatusCode };
}

const kinds = Object.keys(callsSignedWith(LOCAL_CREDENTIALS)) as (keyof ReturnType<typeof callsSignedWith>)[];

describe('the local endpoints check SigV4 signatures as AWS does (aws4, independent of the SDK signer)', () => {
  it.each(kinds)('accept %s signing with the local credentials, session token included', async (kind) => {
    await expect(callsSignedWith(LOCAL_CREDENTIALS)[kind]()).resolves.toBeDefined();
  });

  it.each(kinds)('refuse %s signing with a wrong secret key: 403 InvalidSignatureException', async (kind) => {
    const call = callsSignedWith({ ...LOCAL_CREDENTIALS, secretAccessKey: 'not-the-local-secret-key' })[kind];
    expect(await refusalOf(call)).toEqual({ type: 'InvalidSignatureException', status: 403 });
  });

  it.each(kinds)('refuse %s without, or with another, session token: 403 UnrecognizedClientException', async (kind) => {
    const { sessionToken: _, ...withoutToken } = LOCAL_CREDENTIALS;
    for (const credentials of [withoutToken, { ...LOCAL_CREDENTIALS, sessionToken: 'another-session' }]) {
      expect(await refusalOf(callsSignedWith(credentials)[kind])).toEqual({
        type: 'UnrecognizedClientException',
        status: 403,
      });
    }
  });

  it('answers a request as signed, and refuses one whose body, signed header or date was changed', async () => {
    const dynamodb = inject('endpoints').dynamodb;
    const rawCall = async (endpoint: string, changes: Omit<SignedPost, 'target'>) => {
      const { status, type } = await signedPost(endpoint, { target: 'DynamoDB_20120810.ListTables', ...changes });
      return { status, type };
    };
    expect(await rawCall(dynamodb, {})).toEqual({ status: 200, type: undefined });
    expect(await rawCall(dynamodb, { sentBody: '{ }' })).toEqual({ status: 403, type: 'InvalidSignatureException' });
    expect(await rawCall(dynamodb, { sentHeaders: { 'x-amz-target': 'DynamoDB_20120810.DescribeLimits' } })).toEqual({
      status: 403,
      type: 'InvalidSignatureException',
    });
    expect(await rawCall(dynamodb, { date: new Date(Date.now() - 10 * 60_000) })).toEqual({
      status: 403,
      type: 'InvalidSignatureException',
    });
    expect(await rawCall(dynamodb, { sentHeaders: { authorization: '' } })).toEqual({
      status: 403,
      type: 'MissingAuthenticationTokenException',
    });
  });
});
