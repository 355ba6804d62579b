import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import aws4 from 'aws4';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Lambda's credentials are temporary: every request must carry, and sign, their session token. */
  sessionToken?: string;
}

export interface SignedService {
  /** The signing name: `dynamodb`, `secretsmanager`. */
  name: string;
  region: string;
  credentials: SigningCredentials;
}

/** How far a request's X-Amz-Date may be from the clock, as AWS allows. */
const MAX_SKEW_MS = 5 * 60_000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** A refusal as AWS words it: the SDK reads `__type` into the exception it throws. */
export class SignatureRefusal extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const amzDateMs = (value: string): number =>
  Date.parse(value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(',') : value;

/**
 * Checks a request's Signature Version 4 as AWS does, with aws4 (an implementation independent
 * of the SDK's signer): the key, the scope, the date, the session token and the signature over
 * the method, path, query, signed headers and body. Throws a `SignatureRefusal` otherwise.
 */
export function verifySignature(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  service: SignedService,
  now = Date.now(),
): void {
  const authorization = single(request.headers.authorization);
  if (!authorization) throw new SignatureRefusal('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, keyId, scopeDate, region, name, signedList, signature] = AUTHORIZATION.exec(authorization) ?? [];
  if (!keyId || !scopeDate || !region || !name || !signedList || !signature) {
    throw new SignatureRefusal('IncompleteSignatureException', 'Authorization header is not a SigV4 signature');
  }
  const { credentials } = service;
  if (keyId !== credentials.accessKeyId) {
    throw new SignatureRefusal('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const amzDate = single(request.headers['x-amz-date']) ?? '';
  const signedAt = amzDateMs(amzDate);
  if (!Number.isFinite(signedAt) || Math.abs(now - signedAt) > MAX_SKEW_MS) {
    throw new SignatureRefusal('InvalidSignatureException', `Signature expired or X-Amz-Date invalid: ${amzDate}`);
  }
  if (scopeDate !== amzDate.slice(0, 8) || region !== service.region || name !== service.name) {
    throw new SignatureRefusal(
      'InvalidSignatureException',
      `Credential should be scoped to ${amzDate.slice(0, 8)}/${service.region}/${service.name}, not ${scopeDate}/${region}/${name}`,
    );
  }
  const signedHeaders = signedList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    throw new SignatureRefusal('InvalidSignatureException', 'The host and x-amz-date headers must be signed');
  }
  if (
    credentials.sessionToken !== undefined &&
    (request.headers['x-amz-security-token'] !== credentials.sessionToken ||
      !signedHeaders.includes('x-amz-security-token'))
  ) {
    throw new SignatureRefusal('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }

  // Exactly the headers the client signed, in the canonical form aws4 builds from them.
  const headers = Object.fromEntries(signedHeaders.map((header) => [header, single(request.headers[header]) ?? '']));
  // `extraHeadersToInclude` (aws4 ≥ 1.12) is missing from its types: a header the client signed is signed here too.
  const toSign: aws4.Request & { extraHeadersToInclude: Record<string, boolean> } = {
    service: service.name,
    region: service.region,
    method: request.method,
    path: request.url,
    headers,
    body: request.body,
    doNotModifyHeaders: true,
    extraHeadersToInclude: Object.fromEntries(signedHeaders.map((header) => [header, true])),
  };
  const signer = new aws4.RequestSigner(toSign, {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
  });
  // With doNotModifyHeaders aws4 leaves the date to the clock: the request's own is the one signed.
  signer.datetime = amzDate;
  const expected = Buffer.from(signer.signature());
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new SignatureRefusal(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
}

/**
 * Puts `verifySignature` in front of every request listener the server has: a request whose
 * signature AWS would refuse gets AWS's 403 answer and never reaches the emulator. The body is
 * read to check its hash, then handed to the listeners as the request they would have read.
 */
export function serveSignedRequestsOnly(server: Server, service: SignedService, contentType: string): Server {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        verifySignature({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, service);
      } catch (error) {
        const refusal =
          error instanceof SignatureRefusal ? error : new SignatureRefusal('InvalidSignatureException', String(error));
        res.writeHead(403, { 'content-type': contentType, 'x-amzn-errortype': refusal.type });
        res.end(JSON.stringify({ __type: refusal.type, message: refusal.message }));
        return;
      }
      const replay = Object.assign(new PassThrough(), {
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        socket: req.socket,
      }) as unknown as IncomingMessage;
      for (const listener of listeners) listener.call(server, replay, res);
      (replay as unknown as PassThrough).end(body);
    });
  });
  return server;
}
