import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateTemplate, type Template } from '../support/cloudformation-spec.ts';
import { packagedStack, type PackagedStage } from '../support/packaged-stack.ts';

const stages: PackagedStage[] = ['default', 'every-option'];

describe("the packaged templates against AWS's CloudFormation resource specification", () => {
  it.each(stages)(
    'finds every resource type and property of the %s stage, of the right type, with the required ones',
    async (stage) => {
      const { dir, template } = await packagedStack(stage);
      expect(validateTemplate(template)).toEqual([]);
      // The template osls deploys first (the deployment bucket alone).
      const create = JSON.parse(
        readFileSync(join(dir, 'cloudformation-template-create-stack.json'), 'utf8'),
      ) as Template;
      expect(validateTemplate(create)).toEqual([]);
    },
    120_000,
  );

  it('checked every option: the proxies, the Kerberos layer and keytab grant, OIDC and CAS settings are in that template', async () => {
    const { template, raw } = await packagedStack('every-option');
    const resources = template.Resources;
    for (const name of [
      'ConfigmgtProxyRoute',
      'ConfigmgtProxyIntegration',
      'RecordingProxyRoute',
      'RecordingProxyIntegration',
    ])
      expect(resources[name]).toBeDefined();
    expect(resources.SsoLambdaFunction?.Properties?.Layers).toEqual([
      'arn:aws:lambda:eu-west-1:123456789012:layer:xuc-auth-kerberos:3',
    ]);
    expect(raw).toContain('secret:xuc-auth/prod/keytab-??????');
    const variables = (name: string) =>
      (resources[name]?.Properties?.Environment as { Variables: Record<string, string> }).Variables;
    expect(variables('OidcLambdaFunction')).toMatchObject({
      OIDC_ISSUER: 'https://idp.example.org',
      OIDC_CLIENT_ID: 'xuc-web',
    });
    expect(variables('CasLambdaFunction')).toMatchObject({ CAS_SERVER_URL: 'https://cas.example.org/cas' });
    expect(variables('SsoLambdaFunction')).toMatchObject({ KERBEROS_SERVICE: 'HTTP@xuc.example.org' });
  }, 120_000);

  it('refuses a template with a misspelt property, a missing required one, a wrong type or a dangling reference', async () => {
    const { template } = await packagedStack('default');
    const broken = structuredClone(template);
    const login = broken.Resources.LoginLambdaFunction!.Properties!;
    login.Memorysize = login.MemorySize;
    delete login.MemorySize;
    delete broken.Resources.UsersTable!.Properties!.KeySchema;
    (login.Code as Record<string, unknown>).S3Bucket = 42;
    broken.Resources.HttpApiStage!.Properties!.AutoDeploy = 'yes';
    login.Role = { 'Fn::GetAtt': ['LoginIamRoleLambdaExecution', 'Name'] };
    broken.Resources.TokensTable!.Type = 'AWS::DynamoDB::Tabel';
    broken.Resources.UsersTable!.Condition = 'IsProd';
    expect(
      validateTemplate(broken).filter((problem) => !problem.includes('AWS::DynamoDB::Tabel has no attribute')),
    ).toEqual([
      'Resources.LoginLambdaFunction.Properties.Code.S3Bucket: 42 is not string',
      'Resources.LoginLambdaFunction.Properties.Role: AWS::IAM::Role has no attribute Name',
      'Resources.LoginLambdaFunction.Properties: no property Memorysize',
      'Resources.HttpApiStage.Properties.AutoDeploy: "yes" is not boolean',
      'Resources.TokensTable: no resource type AWS::DynamoDB::Tabel',
      'Resources.UsersTable.Condition: "IsProd" is not a condition',
      'Resources.UsersTable.Properties: required property KeySchema is missing',
    ]);
  }, 120_000);
});
