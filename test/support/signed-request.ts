import { request } from 'node:http';
import aws4 from 'aws4';
import { LOCAL_SIGNING } from '../../infra/local/stack.ts';

export interface SignedPost {
  /** `DynamoDB_20120810.ListTables`, `secretsmanager.ListSecrets`… */
  target: string;
  /** Signed along with the rest (a rebound Host, a page's Origin). */
  signedHeaders?: Record<string, string>;
  /** Sent in place of what was signed, after signing. */
  sentHeaders?: Record<string, string>;
  sentBody?: string;
  /** The X-Amz-Date to sign with (now when absent). */
  date?: Date;
}

/**
 * A raw JSON RPC request signed by aws4 with the local credentials, as an SDK would sign it, then
 * sent with whatever the caller changes after signing.
 */
export function signedPost(
  endpoint: string,
  { target, signedHeaders = {}, sentHeaders = {}, sentBody = '{}', date }: SignedPost,
): Promise<{ status: number; type: string | undefined; body: string }> {
  const url = new URL(endpoint);
  const secretsManager = target.startsWith('secretsmanager.');
  const signed = aws4.sign(
    {
      service: secretsManager ? 'secretsmanager' : 'dynamodb',
      region: LOCAL_SIGNING.region,
      method: 'POST',
      path: '/',
      host: url.host,
      body: '{}',
      headers: {
        'x-amz-target': target,
        'content-type': secretsManager ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
        ...(date ? { 'X-Amz-Date': date.toISOString().replace(/[:-]|\.\d{3}/g, '') } : {}),
        ...signedHeaders,
      },
    },
    LOCAL_SIGNING.credentials,
  );
  return new Promise((resolve, reject) => {
    const headers = {
      ...(signed.headers as Record<string, string>),
      'content-length': String(Buffer.byteLength(sentBody)),
      ...sentHeaders,
    };
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += String(chunk)));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['x-amzn-errortype'] as string | undefined, body }),
      );
    });
    req.on('error', reject);
    req.end(sentBody);
  });
}
