import { timingSafeEqual, createHash } from 'node:crypto';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { AuthorizerRequest, CallerContext } from '../shared/authorizer/authorize.ts';
import type { Config } from '../shared/config.ts';
import { presentedToken } from '../shared/http/request.ts';
import type { TokenRecord } from '../shared/tokens/token-record.ts';

export type BaselineDecision =
  { kind: 'allow'; context: CallerContext } | { kind: 'deny'; reason: string } | { kind: 'unauthenticated' };

/**
 * The yardstick: the same decision written the obvious way, with no cache of any kind. Every call
 * reads the secrets from Secrets Manager, imports the key, verifies the JWS and reads the token
 * record from DynamoDB. It is not production code and lives here only to be measured against.
 */
export class BaselineAuthorizer {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly secrets: SecretsManagerClient,
    private readonly config: Pick<
      Config,
      'tokensTable' | 'signingKeySecretId' | 'playAuthTokenSecretId' | 'sharedTokenRoutes'
    >,
  ) {}

  async authorize(request: AuthorizerRequest): Promise<BaselineDecision> {
    const presented = presentedToken(request);
    if (!presented) return { kind: 'unauthenticated' };
    try {
      if (presented.source === 'header' && (await this.isSharedToken(presented.token))) {
        return { kind: 'allow', context: { principal: 'server' } };
      }
      const path = request.rawPath ?? '/';
      if (this.config.sharedTokenRoutes.some((prefix) => path.startsWith(prefix))) {
        return { kind: 'deny', reason: 'route admits only the shared token' };
      }
      const record = await this.verify(presented.token);
      return {
        kind: 'allow',
        context: { principal: 'user', login: record.login, method: record.method, tokenId: record.tokenId },
      };
    } catch (error) {
      return { kind: 'deny', reason: String(error) };
    }
  }

  private async isSharedToken(token: string): Promise<boolean> {
    const secret = await this.readSecret(this.config.playAuthTokenSecretId);
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(token), digest(secret.value));
  }

  private async verify(token: string): Promise<TokenRecord> {
    const { kid } = decodeProtectedHeader(token);
    const key = await this.readSecret(this.config.signingKeySecretId);
    if (kid !== key.versionId) throw new Error('unknown signing key version');
    const { payload } = await jwtVerify(token, new TextEncoder().encode(key.value), { algorithms: ['HS256'] });
    const out = await this.db.send(
      new GetCommand({ TableName: this.config.tokensTable, Key: { tokenId: payload.jti }, ConsistentRead: true }),
    );
    const record = out.Item as TokenRecord | undefined;
    if (!record || record.login !== payload.sub || record.revokedAt !== undefined)
      throw new Error('no live record for token');
    return record;
  }

  private async readSecret(secretId: string): Promise<{ versionId: string; value: string }> {
    const out = await this.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.VersionId || out.SecretString === undefined) throw new Error(`secret ${secretId} has no value`);
    return { versionId: out.VersionId, value: out.SecretString };
  }
}
