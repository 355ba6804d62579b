import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagedStack } from '../support/packaged-stack.ts';

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

/** `osls package --stage prod` into `into`, with no AWS account. */
const osls = (into: string, env: Record<string, string>) =>
  execFileSync('npx', ['osls', 'package', '--stage', 'prod', '--package', into], {
    env: { ...process.env, OIDC_CLIENT_SECRET: '', ...env },
    stdio: 'pipe',
  });

/** What `osls package` prints when it refuses `env` (empty when it does not refuse). */
function packagingRefusal(env: Record<string, string>): string {
  const elsewhere = mkdtempSync(join(tmpdir(), 'xuc-auth-package-'));
  try {
    osls(elsewhere, env);
    return '';
  } catch (error) {
    return String((error as { stdout?: unknown }).stdout) + String((error as { stderr?: unknown }).stderr);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
}

/** What `osls package --stage prod` produces with every option set, with no AWS account. */
beforeAll(async () => {
  ({ raw, template } = (await packagedStack('every-option')) as unknown as { raw: string; template: typeof template });
}, 120_000);

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

  it('gives every function a role of its own, with exactly the (action, resource) pairs it uses and no wildcard', () => {
    const functions = Object.fromEntries(ofType('AWS::Lambda::Function'));
    /** A resource as the template names it: `TokensTable`, `TokensTable/index/byLogin`, `SigningKeySecret`, or the ARN pattern. */
    const resourceName = (resource: unknown): string => {
      const value = resource as {
        'Fn::GetAtt'?: [string, string];
        Ref?: string;
        'Fn::Join'?: [string, unknown[]];
        'Fn::Sub'?: string;
      };
      if (value['Fn::GetAtt']) return value['Fn::GetAtt'][0];
      if (value.Ref) return value.Ref;
      if (value['Fn::Join']) return value['Fn::Join'][1].map(resourceName).join(value['Fn::Join'][0]);
      if (value['Fn::Sub'])
        return value['Fn::Sub'].replace(/^arn:\$\{AWS::Partition\}:[a-z]+:\$\{AWS::Region\}:\$\{AWS::AccountId\}:/, '');
      return String(resource);
    };
    const grants = (fn: string) => {
      const roleName = (functions[fn]?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const role = template.Resources[roleName] as Resource;
      const statements = (
        role.Properties.Policies as { PolicyDocument: { Statement: (Statement & { Condition?: unknown })[] } }[]
      ).flatMap((p) => p.PolicyDocument.Statement);
      return statements
        .flatMap((statement) => {
          expect(statement.Effect).toBe('Allow');
          const resources = [statement.Resource].flat().map(resourceName);
          if (statement.Action.every((action) => action.startsWith('logs:'))) {
            // Log streams are named by Lambda: the function's own log group, any stream in it.
            expect(resources).toEqual([`log-group:/aws/lambda/${String(functions[fn]?.Properties.FunctionName)}:*:*`]);
            return [];
          }
          for (const text of [...statement.Action, ...resources]) expect(text).not.toContain('*');
          const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
          return statement.Action.flatMap((action) => resources.map((resource) => `${action} ${resource}${condition}`));
        })
        .sort();
    };
    const roles = Object.values(functions).map((fn) => JSON.stringify(fn.Properties.Role));
    expect(new Set(roles).size).toBe(roles.length);
    const onlyPasswordHash = JSON.stringify({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['login', 'passwordHash', 'updatedAt'] },
      StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
    });
    const issue = [
      'dynamodb:GetItem UsersTable',
      'dynamodb:PutItem TokensTable',
      'secretsmanager:GetSecretValue SigningKeySecret',
    ];
    const readTokens = ['dynamodb:BatchGetItem TokensTable'];
    // A login's sessions: its revoke-all mark (GetItem) and its tokens (Query on the byLogin index).
    const listTokens = ['dynamodb:GetItem TokensTable', 'dynamodb:Query TokensTable/index/byLogin'];
    // MAX_SESSIONS_PER_USER: a new session's count, and the login's oldest sessions it ends.
    const capSessions = [...readTokens, ...listTokens, 'dynamodb:UpdateItem TokensTable'];
    expect({
      authorizer: grants('AuthorizerLambdaFunction'),
      login: grants('LoginLambdaFunction'),
      check: grants('CheckLambdaFunction'),
      logout: grants('LogoutLambdaFunction'),
      tokens: grants('TokensLambdaFunction'),
      health: grants('HealthLambdaFunction'),
      oidc: grants('OidcLambdaFunction'),
      cas: grants('CasLambdaFunction'),
      sso: grants('SsoLambdaFunction'),
      docs: grants('DocsLambdaFunction'),
      rotateSigningKey: grants('RotateSigningKeyLambdaFunction'),
    }).toEqual({
      authorizer: [
        'dynamodb:BatchGetItem TokensTable',
        'secretsmanager:GetSecretValue PlayAuthTokenSecret',
        'secretsmanager:GetSecretValue SigningKeySecret',
      ],
      login: [
        ...issue,
        ...capSessions,
        'dynamodb:BatchGetItem AttemptsTable',
        'dynamodb:UpdateItem AttemptsTable',
        `dynamodb:UpdateItem UsersTable if ${onlyPasswordHash}`,
      ].sort(),
      check: [
        ...readTokens,
        'dynamodb:BatchGetItem UsersTable',
        'dynamodb:PutItem TokensTable',
        'secretsmanager:GetSecretValue SigningKeySecret',
      ].sort(),
      logout: [...readTokens, 'dynamodb:UpdateItem TokensTable'].sort(),
      tokens: [...readTokens, ...listTokens, 'dynamodb:UpdateItem TokensTable'].sort(),
      health: [
        'dynamodb:DescribeTable AttemptsTable',
        'dynamodb:DescribeTable TokensTable',
        'dynamodb:DescribeTable UsersTable',
        'secretsmanager:DescribeSecret PlayAuthTokenSecret',
        'secretsmanager:DescribeSecret SigningKeySecret',
      ],
      oidc: [
        ...issue,
        ...capSessions,
        `dynamodb:UpdateItem UsersTable if ${JSON.stringify({
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['login', 'oidcSubject', 'updatedAt'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
        })}`,
        'secretsmanager:GetSecretValue secret:xuc-auth/prod/oidc-client-secret-??????',
      ].sort(),
      cas: [...issue, ...capSessions].sort(),
      sso: [...issue, ...capSessions, 'secretsmanager:GetSecretValue secret:xuc-auth/prod/keytab-??????'].sort(),
      docs: [],
      rotateSigningKey: [
        'secretsmanager:DescribeSecret SigningKeySecret',
        'secretsmanager:GetSecretValue SigningKeySecret',
        'secretsmanager:PutSecretValue SigningKeySecret',
        'secretsmanager:UpdateSecretVersionStage SigningKeySecret',
      ],
    });
    // Every function of the template is pinned above.
    expect(Object.keys(functions).length).toBe(11);
  });

  it('throttles the unauthenticated routes on the stage, and reserves concurrency for the authorizer and caps login', () => {
    const stage = template.Resources.HttpApiStage as Resource & { DependsOn?: string[] };
    const routeSettings = stage.Properties.RouteSettings as Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    >;
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    expect(routeSettings['POST /xuc/api/2.0/auth/login']).toEqual({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
    expect(routeSettings['GET /xuc/api/2.0/auth/health']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    // Every throttled route exists, and the stage waits for it.
    const routes = new Map(
      ofType('AWS::ApiGatewayV2::Route').map(([name, route]) => [route.Properties.RouteKey as string, name]),
    );
    for (const key of [
      'POST /xuc/api/2.0/auth/login',
      'GET /xuc/api/2.0/auth/check',
      'GET /xuc/api/2.0/auth/sso',
      'GET /xuc/api/2.0/auth/cas',
      'GET /xuc/api/2.0/auth/oidc',
      'POST /xuc/api/2.0/auth/oidc',
      'GET /xuc/api/2.0/auth/health',
    ]) {
      expect(Object.keys(routeSettings)).toContain(key);
      expect(stage.DependsOn).toContain(routes.get(key));
    }
    expect(Object.keys(routeSettings).every((key) => routes.has(key))).toBe(true);
    expect(template.Resources.AuthorizerLambdaFunction?.Properties.ReservedConcurrentExecutions).toBe(50);
    expect(template.Resources.LoginLambdaFunction?.Properties.ReservedConcurrentExecutions).toBe(20);
  });

  it('lets only the sso function read the keytab secret, and only the authorizer read the shared token', () => {
    expect(raw.match(/secret:xuc-auth\/prod\/keytab-\?{6}"/g)).toHaveLength(1);
    const readers = ofType('AWS::IAM::Role').filter(([, role]) =>
      (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
        .flatMap((p) => p.PolicyDocument.Statement)
        .some(
          (s) =>
            s.Action.includes('secretsmanager:GetSecretValue') &&
            JSON.stringify(s.Resource).includes('PlayAuthTokenSecret'),
        ),
    );
    expect(readers.map(([name]) => name)).toEqual(['AuthorizerIamRoleLambdaExecution']);
  });

  it('shows the OIDC settings, the introspection client secret among them, to the oidc function only', () => {
    const withOidc = ofType('AWS::Lambda::Function').filter(([, fn]) =>
      Object.keys((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).some((name) =>
        name.startsWith('OIDC_'),
      ),
    );
    expect(withOidc.map(([name]) => name)).toEqual(['OidcLambdaFunction']);
  });

  it('carries the introspection client secret nowhere: the oidc function reads it from Secrets Manager', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables)).not.toContain('OIDC_CLIENT_SECRET');
    }
    expect(template.Resources.OidcLambdaFunction?.Properties.Environment).toMatchObject({
      Variables: { OIDC_CLIENT_ID: 'xuc-web', OIDC_CLIENT_SECRET_ID: 'xuc-auth/prod/oidc-client-secret' },
    });
    expect(raw.match(/secret:xuc-auth\/prod\/oidc-client-secret-\?{6}"/g)).toHaveLength(1);
  });

  it('has Secrets Manager rotate the signing key on a schedule, through its function only', () => {
    expect(template.Resources.SigningKeyRotationSchedule).toMatchObject({
      Type: 'AWS::SecretsManager::RotationSchedule',
      DependsOn: ['SigningKeyRotationPermission'],
      Properties: {
        SecretId: { Ref: 'SigningKeySecret' },
        RotationLambdaARN: { 'Fn::GetAtt': ['RotateSigningKeyLambdaFunction', 'Arn'] },
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediatelyOnUpdate: false,
      },
    });
    expect(template.Resources.SigningKeyRotationPermission).toEqual({
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['RotateSigningKeyLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
        SourceArn: { Ref: 'SigningKeySecret' },
      },
    });
    expect(ofType('AWS::SecretsManager::RotationSchedule')).toHaveLength(1);
    expect(
      ofType('AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal !== 'apigateway.amazonaws.com'),
    ).toHaveLength(1);
  });

  it('refuses a rotation schedule that would drop a signing key still in use', () => {
    // With tokens of up to 3 days, 3-day rotations leave a key previous for only 2 certain days.
    const output = packagingRefusal({ TOKEN_MAX_TTL: '259200', SIGNING_KEY_ROTATION_DAYS: '3' });
    expect(output).toContain('SIGNING_KEY_ROTATION_DAYS=3 would drop a signing key still in use');
  }, 60_000);

  it('refuses to package a stack given OIDC_CLIENT_SECRET itself', () => {
    const output = packagingRefusal({ OIDC_CLIENT_SECRET: 'introspection-client-secret' });
    expect(output).toContain('OIDC_CLIENT_SECRET is for the local stack only');
    expect(output).not.toContain('introspection-client-secret');
  }, 60_000);

  it("passes on the settings the shell sets and leaves the rest to config.ts's defaults", () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({
        STAGE: 'prod',
        TOKENS_TABLE: 'xuc-auth-prod-tokens',
        SIGNING_KEY_SECRET_ID: 'xuc-auth/prod/signing-key',
        TOKEN_TTL: '600',
      });
      expect(Object.keys(variables)).not.toContain('UPSTREAM_TIMEOUT_MS');
      expect(Object.keys(variables)).not.toContain('ALLOW_INSECURE_LOOPBACK');
    }
  });

  it('declares the authorizer as API Gateway must call it: simple responses, payload 2.0, no identity source, no cache', () => {
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [[, authorizer]] = authorizers as [[string, Resource]];
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
    });
    // With an identity source API Gateway would refuse any request that lacks it: ?token= and Bearer would stop working.
    expect(authorizer.Properties.IdentitySource ?? []).toEqual([]);
    const routes = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route').map(([, route]) => [
        route.Properties.RouteKey as string,
        route.Properties.AuthorizationType ?? 'NONE',
      ]),
    );
    for (const key of [
      'POST /xuc/api/2.0/auth/logout',
      'GET /xuc/api/2.0/auth/tokens',
      'DELETE /xuc/api/2.0/auth/tokens',
      'DELETE /xuc/api/2.0/auth/tokens/{id}',
    ]) {
      expect(routes[key]).toBe('CUSTOM');
    }
    for (const key of [
      'POST /xuc/api/2.0/auth/login',
      'GET /xuc/api/2.0/auth/check',
      'GET /xuc/api/2.0/auth/health',
      'GET /docs',
      'GET /openapi.json',
    ])
      expect(routes[key]).toBe('NONE');
  });

  it("exports the authorizer's ARN for other APIs to attach it", () => {
    expect(template.Outputs.AuthorizerFunctionArn).toMatchObject({
      Value: { 'Fn::GetAtt': ['AuthorizerLambdaFunction', 'Arn'] },
      Export: { Name: 'xuc-auth-prod-authorizer-arn' },
    });
  });

  it('sets a log retention on every log group: each function, and the access logs', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBe(ofType('AWS::Lambda::Function').length + 1);
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
    expect(template.Resources.RecordingProxyRoute?.Properties).toMatchObject({
      RouteKey: 'ANY /recording/{proxy+}',
      AuthorizationType: 'CUSTOM',
    });
    expect(template.Resources.RecordingProxyIntegration?.Properties.IntegrationUri).toBe(
      'https://xivo.example.org/recording/{proxy}',
    );
  });

  it("answers CORS for the origins of CORS_ALLOWED_ORIGINS only, with the HTTP API's own configuration", () => {
    expect(template.Resources.HttpApi?.Properties.CorsConfiguration).toEqual({
      AllowOrigins: ['https://xivo.example.org', 'https://cti.example.org:8443'],
      AllowHeaders: ['X-Auth-Token', 'Authorization', 'Content-Type'],
      AllowMethods: ['GET', 'POST', 'DELETE'],
      ExposeHeaders: ['WWW-Authenticate'],
      AllowCredentials: true,
      MaxAge: 600,
    });
    // API Gateway answers preflights itself: no OPTIONS route, no function sees them.
    const keys = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey as string);
    expect(keys.filter((key) => key.startsWith('OPTIONS'))).toEqual([]);
  });

  it('writes JSON access logs of the stage that name the route and never carry a token, a query or a header', () => {
    const stage = template.Resources.HttpApiStage as Resource & { DependsOn?: unknown };
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    expect(template.Resources.HttpApiLogGroup?.Properties).toEqual({
      LogGroupName: '/aws/http-api/xuc-auth-prod',
      RetentionInDays: 30,
    });
    const format = JSON.parse(settings.Format) as Record<string, string>;
    // Each field is exactly one $context variable, from the variables that hold no part of the
    // request's path, query string, headers or body (API Gateway's HTTP API logging variables).
    const SAFE = new Set([
      '$context.requestId',
      '$context.requestTimeEpoch',
      '$context.identity.sourceIp',
      '$context.httpMethod',
      '$context.routeKey',
      '$context.status',
      '$context.protocol',
      '$context.responseLength',
      '$context.responseLatency',
      '$context.integrationLatency',
      '$context.integrationStatus',
      '$context.integrationErrorMessage',
      '$context.authorizer.error',
      '$context.error.message',
      '$context.error.responseType',
    ]);
    for (const value of Object.values(format)) {
      expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
      expect(value).not.toMatch(/path|query|header|override|domainName|authorizer\.(?!error$)|body/i);
      expect(SAFE).toContain(value);
    }
    expect(Object.values(format)).toEqual(expect.arrayContaining(['$context.routeKey', '$context.status']));
  });

  describe('alarms', () => {
    const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:xuc-auth-alarms';
    const alarms = () => Object.fromEntries(ofType('AWS::CloudWatch::Alarm'));
    type Query = {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } };
    };
    const metricsOf = (alarm: Resource | undefined) => (alarm?.Properties.Metrics ?? []) as Query[];

    it('watches every function for unhandled errors and throttles', () => {
      for (const [name] of ofType('AWS::Lambda::Function')) {
        const prefix = name.replace(/LambdaFunction$/, '');
        for (const [metric, threshold] of [
          ['Errors', 1],
          ['Throttles', 10],
        ] as const) {
          expect(alarms()[`${prefix}${metric}Alarm`]?.Properties).toMatchObject({
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: name } }],
            Statistic: 'Sum',
            Period: 300,
            Threshold: threshold,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          });
        }
      }
    });

    it("alarms on the API's 5xx rate, from a minimum of requests, at the threshold set at deploy time", () => {
      const alarm = alarms().ServerErrorRateAlarm;
      expect(alarm?.Properties.Threshold).toBe(10);
      const metrics = metricsOf(alarm);
      expect(metrics.map((m) => m.MetricStat?.Metric.MetricName ?? m.Expression)).toEqual([
        '5xx',
        'Count',
        'IF(requests >= 20, 100 * errors / requests, 0)',
      ]);
      expect(metrics[0]?.MetricStat?.Metric.Dimensions).toEqual([
        { Name: 'ApiId', Value: { Ref: 'HttpApi' } },
        { Name: 'Stage', Value: '$default' },
      ]);
    });

    it('alarms on a spike of authorizer denials over every reason shared/metrics.ts emits, and on any authorizer failure', () => {
      const reasons = (alarm: Resource | undefined) =>
        metricsOf(alarm)
          .filter((m) => m.MetricStat)
          .map((m) => {
            expect(m.MetricStat?.Metric.MetricName).toBe('AuthorizerDenials');
            const dims = m.MetricStat?.Metric.Dimensions as { Name: string; Value: string }[];
            expect(dims[0]).toEqual({ Name: 'service', Value: 'xuc-auth' });
            return dims[1]?.Value;
          });
      // The reasons shared/metrics.ts documents, and the README's list.
      const documented = /`AuthorizerDenials` \(Count\) by `Reason` \(a small fixed set: ([^)]+)\)/
        .exec(readFileSync('shared/metrics.ts', 'utf8').replace(/\n \* +/g, ' '))?.[1]
        ?.split(/, /)
        .map((r) => r.trim());
      expect(documented?.length).toBeGreaterThan(5);
      expect(reasons(alarms().AuthorizerDenialsAlarm)).toEqual(expect.arrayContaining(documented ?? []));
      expect(alarms().AuthorizerDenialsAlarm?.Properties.Threshold).toBe(500);
      expect(reasons(alarms().AuthorizerFailuresAlarm)).toEqual(['ServiceUnavailable', 'UnhandledError']);
    });

    it("alarms on the stage's 429s, counted from the access logs, and on DynamoDB system errors and throttles of each table", () => {
      expect(template.Resources.StageThrottlesMetricFilter?.Properties).toMatchObject({
        LogGroupName: { Ref: 'HttpApiLogGroup' },
        FilterPattern: '{ $.status = "429" }',
      });
      expect(alarms().StageThrottlesAlarm?.Properties).toMatchObject({ MetricName: 'StageThrottles', Threshold: 100 });
      for (const table of ['TokensTable', 'UsersTable', 'AttemptsTable']) {
        const system = metricsOf(alarms()[`${table}SystemErrorsAlarm`]).filter((m) => m.MetricStat);
        expect(new Set(system.map((m) => m.MetricStat?.Metric.MetricName))).toEqual(new Set(['SystemErrors']));
        // Every operation the functions use on a table reports its errors under its own name.
        expect(system.map((m) => (m.MetricStat?.Metric.Dimensions[1] as { Value: string }).Value)).toEqual(
          expect.arrayContaining(['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'Query']),
        );
        expect(system.length).toBeLessThanOrEqual(10);
        const throttled = metricsOf(alarms()[`${table}ThrottlesAlarm`]);
        expect(throttled.map((m) => m.MetricStat?.Metric.MetricName ?? m.Expression)).toEqual([
          'ReadThrottleEvents',
          'WriteThrottleEvents',
          'd0 + d1',
        ]);
      }
    });

    it('sends every alarm, and its recovery, to ALARM_TOPIC_ARN', () => {
      expect(Object.keys(alarms()).length).toBeGreaterThanOrEqual(2 * 11 + 8);
      for (const alarm of Object.values(alarms())) {
        expect(alarm.Properties).toMatchObject({ AlarmActions: [TOPIC], OKActions: [TOPIC] });
        expect(alarm.Properties.AlarmName).toMatch(/^xuc-auth-prod-[a-z0-9-]+$/);
        expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
      }
    });

    it('keeps the alarms, with no action, when ALARM_TOPIC_ARN is unset', () => {
      const elsewhere = mkdtempSync(join(tmpdir(), 'xuc-auth-package-'));
      try {
        osls(elsewhere, { ALARM_TOPIC_ARN: '' });
        const other = JSON.parse(
          readFileSync(join(elsewhere, 'cloudformation-template-update-stack.json'), 'utf8'),
        ) as {
          Resources: Record<string, Resource>;
        };
        const unsent = Object.values(other.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
        expect(unsent.length).toBe(Object.keys(alarms()).length);
        for (const alarm of unsent) {
          expect(alarm.Properties.AlarmActions).toBeUndefined();
          expect(alarm.Properties.OKActions).toBeUndefined();
        }
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    }, 90_000);
  });

  it("builds a dashboard of the API, the authorizer, logins, every function and every table, with the stack's names", () => {
    const dashboard = template.Resources.Dashboard as Resource;
    expect(dashboard.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('xuc-auth-prod');
    const body = (dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    // Every reference names a resource of the stack or a pseudo parameter; CloudFormation fills them in.
    const references = new Set([...body.matchAll(/\$\{([^}]+)\}/g)].map(([, name]) => name as string));
    for (const name of references) {
      if (!name.startsWith('AWS::')) expect(Object.keys(template.Resources)).toContain(name);
    }
    const parsed = JSON.parse(body.replace(/\$\{([^}]+)\}/g, 'resolved-$1')) as {
      widgets: { type: string; properties: { title: string; metrics: unknown[][] } }[];
    };
    const shown = (title: RegExp) => {
      const widget = parsed.widgets.find((w) => title.test(w.properties.title));
      expect(widget, String(title)).toBeDefined();
      return (widget?.properties.metrics ?? []).map((metric) =>
        metric.filter((part) => typeof part === 'string').join(' '),
      );
    };
    expect(shown(/API requests/)).toEqual([
      'AWS/ApiGateway Count ApiId resolved-HttpApi Stage $default',
      'AWS/ApiGateway 4xx ApiId resolved-HttpApi Stage $default',
      'AWS/ApiGateway 5xx ApiId resolved-HttpApi Stage $default',
      'XucAuth StageThrottles',
    ]);
    expect(shown(/API latency/)).toContain('AWS/ApiGateway Latency ApiId resolved-HttpApi Stage $default');
    expect(shown(/Authorizer/)).toEqual(
      expect.arrayContaining([
        'AWS/Lambda Invocations FunctionName resolved-AuthorizerLambdaFunction',
        'XucAuth AuthorizerDenials service xuc-auth Reason InvalidToken',
        'XucAuth AuthorizerDenials service xuc-auth Reason UnhandledError',
      ]),
    );
    expect(shown(/Password logins/)).toEqual(
      expect.arrayContaining([
        'XucAuth ExchangeFailures service xuc-auth Method password ErrorCode InvalidCredentials',
        'XucAuth ExchangeFailures service xuc-auth Method password ErrorCode TooManyAttempts',
      ]),
    );
    const functions = ofType('AWS::Lambda::Function').map(([name]) => `FunctionName resolved-${name}`);
    for (const [title, metric] of [
      [/Function errors/, 'Errors'],
      [/Function duration/, 'Duration'],
      [/Function throttles/, 'Throttles'],
    ] as const) {
      expect(shown(title).sort()).toEqual(functions.map((fn) => `AWS/Lambda ${metric} ${fn}`).sort());
    }
    for (const table of ['TokensTable', 'UsersTable', 'AttemptsTable']) {
      expect(shown(/DynamoDB consumed/)).toContain(
        `AWS/DynamoDB ConsumedReadCapacityUnits TableName resolved-${table}`,
      );
      expect(shown(/DynamoDB throttles/)).toContain(`AWS/DynamoDB WriteThrottleEvents TableName resolved-${table}`);
    }
  });

  it('runs every function on nodejs24.x', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) expect(fn.Properties.Runtime).toBe('nodejs24.x');
  });
});
