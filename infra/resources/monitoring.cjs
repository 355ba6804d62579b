// What the alarms (alarms.cjs) and the dashboard (dashboard.cjs) watch: the stack's functions and
// tables as CloudFormation names them, and the custom metrics of shared/metrics.ts.

/** Every function of serverless.yml, by its key; the logical id is osls's (`rotateSigningKey` → `RotateSigningKeyLambdaFunction`). */
async function functionsOf(resolveConfigurationProperty) {
  const functions = await resolveConfigurationProperty(['functions']);
  return Object.keys(functions).map((key) => ({
    key,
    logicalId: `${key.charAt(0).toUpperCase()}${key.slice(1).replace(/[^A-Za-z0-9]/g, '')}LambdaFunction`,
  }));
}

const TABLES = ['TokensTable', 'UsersTable', 'AttemptsTable'];
/** The DynamoDB operations the functions and the CLI use, per which SystemErrors is reported. */
const TABLE_OPERATIONS = ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'];

/** shared/metrics.ts: namespace and the `service` dimension Powertools adds to every metric. */
const NAMESPACE = 'XucAuth';
const SERVICE = { Name: 'service', Value: 'xuc-auth' };
/** AuthorizerDenials' `Reason` values (shared/authorizer/authorize.ts). */
const DENIAL_REASONS = [
  'NoToken',
  'InvalidToken',
  'TokenExpired',
  'SharedTokenRoute',
  'UnreadablePath',
  'AmbiguousToken',
  'ServiceUnavailable',
  'UnhandledError',
];
/** Denials that are the authorizer failing, not the caller. */
const FAILURE_REASONS = ['ServiceUnavailable', 'UnhandledError'];

/** A positive integer from the deploy-time environment, or its default. */
function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

module.exports = {
  functionsOf,
  TABLES,
  TABLE_OPERATIONS,
  NAMESPACE,
  SERVICE,
  DENIAL_REASONS,
  FAILURE_REASONS,
  positive,
};
