import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown;
}

let template: { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown; Export?: unknown }> };
let raw: string;
const dir = mkdtempSync(join(tmpdir(), 'xuc-auth-package-'));

/** What `osls package --stage prod` produces, with no AWS account. */
beforeAll(() => {
  execFileSync('npx', ['osls', 'package', '--stage', 'prod', '--package', dir], {
    env: {
      ...process.env,
      KERBEROS_KEYTAB_SECRET_ID: 'xuc-auth/prod/keytab',
      OIDC_ISSUER: 'https://idp.example.org',
      OIDC_AUDIENCE: 'urn:xuc:api',
      OIDC_CLIENT_SECRET: 'introspection-client-secret',
      TOKEN_TTL: '600',
      UPSTREAM_TIMEOUT_MS: '',
      CONFIGMGT_URL: 'https://xivo.example.org/configmgt/',
      RECORDING_URL: 'https://xivo.example.org/recording',
      AWS_ENDPOINT_URL_DYNAMODB: '',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: '',
    },
    stdio: 'pipe',
  });
  raw = readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
  template = JSON.parse(raw) as typeof template;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

describe('the deployable template (osls package --stage prod)', () => {
  it('has on-demand, encrypted tables with point-in-time recovery, and TTL where items expire', () => {
    const tables = Object.fromEntries(ofType('AWS::DynamoDB::Table'));
    expect(Object.keys(tables).sort()).toEqual(['AttemptsTable', 'TokensTable', 'UsersTable']);
    for (const table of Object.values(tables)) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    }
    for (const name of ['TokensTable', 'AttemptsTable']) {
      expect(tables[name]?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    }
    expect(tables.TokensTable?.Properties.TableName).toBe('xuc-auth-prod-tokens');
  });

  it('lets Secrets Manager generate both secrets: no secret value in the template', () => {
    const secrets = ofType('AWS::SecretsManager::Secret');
    expect(secrets.map(([name]) => name).sort()).toEqual(['PlayAuthTokenSecret', 'SigningKeySecret']);
    for (const [, secret] of secrets) {
      expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: expect.any(Number) });
      expect(secret.Properties.SecretString).toBeUndefined();
    }
    expect(raw).not.toMatch(/"SecretString"\s*:/);
    expect(raw).not.toMatch(/PLAY_AUTH_TOKEN"\s*:/);
  });

  it('gives every function a role of its own with only the actions it uses', () => {
    const functions = Object.fromEntries(ofType('AWS::Lambda::Function'));
    const actions = (fn: string) => {
      const roleName = (functions[fn]?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const role = template.Resources[roleName] as Resource;
      const statements = (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
      for (const statement of statements) {
        expect(statement.Action.every((action) => !action.includes('*'))).toBe(true);
        expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
      }
      return [...new Set(statements.flatMap((s) => s.Action).filter((action) => !action.startsWith('logs:')))].sort();
    };
    const roles = Object.values(functions).map((fn) => JSON.stringify(fn.Properties.Role));
    expect(new Set(roles).size).toBe(roles.length);
    expect({
      authorizer: actions('AuthorizerLambdaFunction'),
      login: actions('LoginLambdaFunction'),
      check: actions('CheckLambdaFunction'),
      logout: actions('LogoutLambdaFunction'),
      tokens: actions('TokensLambdaFunction'),
      health: actions('HealthLambdaFunction'),
      oidc: actions('OidcLambdaFunction'),
      cas: actions('CasLambdaFunction'),
      sso: actions('SsoLambdaFunction'),
    }).toEqual({
      authorizer: ['dynamodb:BatchGetItem', 'secretsmanager:GetSecretValue'],
      login: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'secretsmanager:GetSecretValue'],
      check: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'secretsmanager:GetSecretValue'],
      logout: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      tokens: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      health: ['dynamodb:DescribeTable', 'secretsmanager:DescribeSecret'],
      oidc: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'secretsmanager:GetSecretValue'],
      cas: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'secretsmanager:GetSecretValue'],
      sso: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'secretsmanager:GetSecretValue'],
    });
  });

  it('lets only the sso function read the keytab secret, and only the authorizer read the shared token', () => {
    expect(raw.match(/secret:xuc-auth\/prod\/keytab-\?{6}"/g)).toHaveLength(1);
    const readers = ofType('AWS::IAM::Role').filter(([, role]) =>
      (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
        .flatMap((p) => p.PolicyDocument.Statement)
        .some((s) => s.Action.includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes('PlayAuthTokenSecret')),
    );
    expect(readers.map(([name]) => name)).toEqual(['AuthorizerIamRoleLambdaExecution']);
  });

  it('shows the OIDC settings, the introspection client secret among them, to the oidc function only', () => {
    const withOidc = ofType('AWS::Lambda::Function').filter(([, fn]) =>
      Object.keys((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).some((name) => name.startsWith('OIDC_')),
    );
    expect(withOidc.map(([name]) => name)).toEqual(['OidcLambdaFunction']);
  });

  it("passes on the settings the shell sets and leaves the rest to config.ts's defaults", () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({ STAGE: 'prod', TOKENS_TABLE: 'xuc-auth-prod-tokens', SIGNING_KEY_SECRET_ID: 'xuc-auth/prod/signing-key', TOKEN_TTL: '600' });
      expect(Object.keys(variables)).not.toContain('UPSTREAM_TIMEOUT_MS');
      expect(Object.keys(variables)).not.toContain('ALLOW_INSECURE_LOOPBACK');
    }
  });

  it('declares the authorizer as API Gateway must call it: simple responses, payload 2.0, no identity source, no cache', () => {
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [[, authorizer]] = authorizers as [[string, Resource]];
    expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'REQUEST', AuthorizerPayloadFormatVersion: '2.0', EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 0 });
    // With an identity source API Gateway would refuse any request that lacks it: ?token= and Bearer would stop working.
    expect(authorizer.Properties.IdentitySource ?? []).toEqual([]);
    const routes = Object.fromEntries(ofType('AWS::ApiGatewayV2::Route').map(([, route]) => [route.Properties.RouteKey as string, route.Properties.AuthorizationType ?? 'NONE']));
    for (const key of ['POST /xuc/api/2.0/auth/logout', 'GET /xuc/api/2.0/auth/tokens', 'DELETE /xuc/api/2.0/auth/tokens', 'DELETE /xuc/api/2.0/auth/tokens/{id}']) {
      expect(routes[key]).toBe('CUSTOM');
    }
    for (const key of ['POST /xuc/api/2.0/auth/login', 'GET /xuc/api/2.0/auth/check', 'GET /xuc/api/2.0/auth/health']) expect(routes[key]).toBe('NONE');
  });

  it("exports the authorizer's ARN for other APIs to attach it", () => {
    expect(template.Outputs.AuthorizerFunctionArn).toMatchObject({
      Value: { 'Fn::GetAtt': ['AuthorizerLambdaFunction', 'Arn'] },
      Export: { Name: 'xuc-auth-prod-authorizer-arn' },
    });
  });

  it('sets a log retention on every function log group', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBe(ofType('AWS::Lambda::Function').length);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('proxies /configmgt/ and /recording/ to XiVO behind the authorizer when their URLs are set', () => {
    expect(template.Resources.ConfigmgtProxyRoute?.Properties).toMatchObject({
      RouteKey: 'ANY /configmgt/{proxy+}',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: 'HttpApiAuthorizerXucToken' },
    });
    expect(template.Resources.ConfigmgtProxyIntegration?.Properties).toMatchObject({
      IntegrationType: 'HTTP_PROXY',
      IntegrationUri: 'https://xivo.example.org/configmgt/{proxy}',
    });
    expect(template.Resources.RecordingProxyRoute?.Properties).toMatchObject({ RouteKey: 'ANY /recording/{proxy+}', AuthorizationType: 'CUSTOM' });
    expect(template.Resources.RecordingProxyIntegration?.Properties.IntegrationUri).toBe('https://xivo.example.org/recording/{proxy}');
  });

  it('runs every function on nodejs24.x', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) expect(fn.Properties.Runtime).toBe('nodejs24.x');
  });
});
