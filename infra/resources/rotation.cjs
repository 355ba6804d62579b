// Secrets Manager rotates the signing key itself, on a schedule, through the rotateSigningKey
// function (functions/rotate-signing-key). The interval is SIGNING_KEY_ROTATION_DAYS (default 30)
// at deploy time; it must leave each version honoured as AWSPREVIOUS for as long as the CLI's
// spacing rule asks (SECRETS_CACHE_TTL + TOKEN_MAX_TTL), plus one day, since Secrets Manager may
// rotate anywhere within the last day of the interval. osls reads this file while it resolves
// serverless.yml.
const { require: tsxRequire } = require('tsx/cjs/api');

const { loadConfig } = tsxRequire('../../shared/config.ts', __filename);
const { rotationSpacingSeconds } = tsxRequire('../../shared/secrets/rotation.ts', __filename);

const DEFAULT_DAYS = 30;
const DAY_SECONDS = 86_400;

function rotationDays() {
  const raw = process.env.SIGNING_KEY_ROTATION_DAYS;
  const days = raw === undefined || raw === '' ? DEFAULT_DAYS : Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > 1000) {
    throw new Error(`SIGNING_KEY_ROTATION_DAYS must be an integer between 1 and 1000, got "${raw}"`);
  }
  const spacing = rotationSpacingSeconds('signing-key', loadConfig(process.env));
  if ((days - 1) * DAY_SECONDS < spacing) {
    throw new Error(
      `SIGNING_KEY_ROTATION_DAYS=${days} would drop a signing key still in use: rotations must be at least ` +
        `SECRETS_CACHE_TTL + TOKEN_MAX_TTL (${spacing} s) apart, plus one day of rotation window`,
    );
  }
  return days;
}

module.exports = () => ({
  Resources: {
    SigningKeyRotationPermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['RotateSigningKeyLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
        // Only for this secret: no other secret's rotation can invoke the function.
        SourceArn: { Ref: 'SigningKeySecret' },
      },
    },
    SigningKeyRotationSchedule: {
      Type: 'AWS::SecretsManager::RotationSchedule',
      DependsOn: ['SigningKeyRotationPermission'],
      Properties: {
        SecretId: { Ref: 'SigningKeySecret' },
        RotationLambdaARN: { 'Fn::GetAtt': ['RotateSigningKeyLambdaFunction', 'Arn'] },
        RotationRules: { AutomaticallyAfterDays: rotationDays() },
        // A deploy is no time to rotate: it could follow a manual rotation too closely.
        RotateImmediatelyOnUpdate: false,
      },
    },
  },
});
