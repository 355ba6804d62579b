import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigError } from '../errors.ts';

/** An AWS service spoken to over its JSON RPC protocol. */
export interface JsonRpcService {
  /** Signing name, and the first label of the service's regional endpoint. */
  name: string;
  /** `X-Amz-Target` is `<targetPrefix>.<Operation>`. */
  targetPrefix: string;
  contentType: string;
  /** The SDK's service-specific endpoint variable, honoured as the SDK honours it. */
  endpointVariable: string;
}

export const DYNAMODB: JsonRpcService = {
  name: 'dynamodb',
  targetPrefix: 'DynamoDB_20120810',
  contentType: 'application/x-amz-json-1.0',
  endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB',
};

export const SECRETS_MANAGER: JsonRpcService = {
  name: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  contentType: 'application/x-amz-json-1.1',
  endpointVariable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
};

export interface JsonRpcClientOptions {
  /** Per attempt, to connect and to get the whole answer. */
  timeoutMs: number;
  /** Otherwise the service's endpoint variable, then `AWS_ENDPOINT_URL`, then the regional endpoint. */
  endpoint?: string;
  region?: string;
  /** Otherwise the environment's, as Lambda provides them. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Sends the requests in place of a handler built from `timeoutMs` (benchmarks count round trips there). */
  requestHandler?: NodeHttpHandler;
}

/** An error the service answered with; `name` is its type, as on the SDK's exceptions. */
export class AwsServiceError extends Error {
  constructor(
    name: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = name;
  }
}

const THROTTLING = /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests/;
const MAX_ATTEMPTS = 2;

function isRetryable(error: unknown): boolean {
  if (!(error instanceof AwsServiceError)) return true; // no answer: timeout, refused or dropped connection
  return error.statusCode >= 500 || error.statusCode === 429 || THROTTLING.test(error.name);
}

function errorOf(statusCode: number, headers: Record<string, string>, body: string): AwsServiceError {
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON (a proxy's error page): the status code says enough.
  }
  // `__type` may be namespaced (`com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`);
  // the header form may carry a `:` suffix.
  const type = (parsed.__type ?? headers['x-amzn-errortype'] ?? `Http${statusCode}`).split('#').pop()?.split(':')[0];
  return new AwsServiceError(
    type || `Http${statusCode}`,
    statusCode,
    parsed.message ?? parsed.Message ?? `HTTP ${statusCode}`,
  );
}

async function readBody(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body ?? []) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Calls one AWS service over its JSON RPC protocol with the SDK's own SigV4 signer and Node HTTP
 * handler, but without its generated client: no endpoint rule set, schema serde, middleware stack
 * or credential chain. The authorizer, in front of every API call, makes only reads of two kinds
 * and pays for each kilobyte of bundle at every cold start (BENCHMARKS.md); the other functions
 * keep the full clients of `aws.ts`. Like them: credentials from the environment (as Lambda
 * provides them), the SDK's endpoint variables, a timeout per attempt, and one retry of transient
 * failures.
 */
export class AwsJsonRpcClient {
  readonly #endpoint: URL;
  readonly #signer: SignatureV4;
  readonly #http: NodeHttpHandler;

  constructor(
    private readonly service: JsonRpcService,
    options: JsonRpcClientOptions,
    /** Where the region and endpoint variables are read. */
    env: Record<string, string | undefined> = process.env,
  ) {
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new ConfigError('AWS_REGION is not set');
    const endpoint = options.endpoint ?? env[service.endpointVariable] ?? env.AWS_ENDPOINT_URL;
    const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    this.#endpoint = new URL(endpoint ?? `https://${service.name}.${region}.${suffix}`);
    this.#signer = new SignatureV4({
      service: service.name,
      region,
      credentials: options.credentials ?? fromEnv(),
      sha256: Sha256,
    });
    this.#http =
      options.requestHandler ??
      new NodeHttpHandler({
        connectionTimeout: options.timeoutMs,
        requestTimeout: options.timeoutMs,
        throwOnRequestTimeout: true,
      });
  }

  /** Where the requests go. */
  get endpoint(): string {
    return this.#endpoint.href;
  }

  /** Runs `operation` with `input`; resolves its output or rejects with an `AwsServiceError` or a network error. */
  async call<T>(operation: string, input: object): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.attempt(operation, input)) as T;
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 100));
      }
    }
  }

  private async attempt(operation: string, input: object): Promise<unknown> {
    const url = this.#endpoint;
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      headers: {
        host: url.host,
        'content-type': this.service.contentType,
        'x-amz-target': `${this.service.targetPrefix}.${operation}`,
      },
      body: JSON.stringify(input),
    });
    const signed = await this.#signer.sign(request);
    const { response } = await this.#http.handle(HttpRequest.clone(signed));
    const body = await readBody(response.body as AsyncIterable<Uint8Array> | undefined);
    if (response.statusCode >= 300) throw errorOf(response.statusCode, response.headers, body);
    return body ? JSON.parse(body) : {};
  }
}
