// The functions' environment and the names of the stack's tables and secrets, for serverless.yml.
// shared/config.ts owns every default: of the variables it reads, only those the shell sets are
// passed on, and its defaults apply to the rest, deployed or local.
const { require: tsxRequire } = require('tsx/cjs/api');

const { DEFAULTS, loadConfig } = tsxRequire('../shared/config.ts', __filename);
const { httpApiCors } = tsxRequire('./cors.ts', __filename);

/** Set by serverless.yml from the stage and the stack's own resources, never from the shell as such. */
const FROM_THE_STACK = new Set([
  'STAGE',
  'TOKENS_TABLE',
  'USERS_TABLE',
  'ATTEMPTS_TABLE',
  'SIGNING_KEY_SECRET_ID',
  'PLAY_AUTH_TOKEN_SECRET_ID',
  'ALLOW_INSECURE_LOOPBACK',
]);
/** Only the oidc function sees these. */
const isOidc = (name) => name.startsWith('OIDC_');

/**
 * The introspection client's secret itself never enters a deployed template (whoever reads the
 * function's configuration or the stack would read it): deployed, it is the Secrets Manager secret
 * OIDC_CLIENT_SECRET_ID. Only `osls offline`, the local stack, may take the value as it is.
 */
function refusePlainClientSecret() {
  if (!process.env.OIDC_CLIENT_SECRET?.trim() || process.argv.includes('offline')) return;
  throw new Error(
    'OIDC_CLIENT_SECRET is for the local stack only: store the secret in Secrets Manager and set OIDC_CLIENT_SECRET_ID',
  );
}

const fromShell = (accept) =>
  Object.fromEntries(
    Object.keys(DEFAULTS)
      .filter((name) => accept(name) && !FROM_THE_STACK.has(name) && process.env[name]?.trim())
      .map((name) => [name, process.env[name].trim()]),
  );

/** Tables and secrets the stack creates: config.ts's names for the stage, unless the shell names them. */
async function names({ resolveVariable }) {
  const config = loadConfig({ ...process.env, STAGE: await resolveVariable('sls:stage') });
  return {
    tokensTable: config.tokensTable,
    usersTable: config.usersTable,
    attemptsTable: config.attemptsTable,
    signingKeySecret: config.signingKeySecretId,
    playAuthTokenSecret: config.playAuthTokenSecretId,
  };
}

module.exports = {
  names,
  /** What every function sees: the stage, the stack's resources, and the shell's settings. */
  common: async ({ resolveVariable }) => {
    const named = await names({ resolveVariable });
    return {
      STAGE: await resolveVariable('sls:stage'),
      TOKENS_TABLE: named.tokensTable,
      USERS_TABLE: named.usersTable,
      ATTEMPTS_TABLE: named.attemptsTable,
      SIGNING_KEY_SECRET_ID: named.signingKeySecret,
      PLAY_AUTH_TOKEN_SECRET_ID: named.playAuthTokenSecret,
      POWERTOOLS_SERVICE_NAME: 'xuc-auth',
      // Powertools logs at INFO unless told otherwise.
      ...(process.env.LOG_LEVEL ? { POWERTOOLS_LOG_LEVEL: process.env.LOG_LEVEL } : {}),
      ...fromShell((name) => !isOidc(name)),
    };
  },
  /** The OpenID Connect settings, for the oidc function alone. */
  oidc: () => {
    refusePlainClientSecret();
    return fromShell(isOidc);
  },
  /** The HTTP API's CORS configuration (provider.httpApi.cors) from CORS_ALLOWED_ORIGINS, or false. */
  cors: () => httpApiCors(loadConfig(process.env).corsAllowedOrigins),
};
