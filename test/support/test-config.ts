/** The environment the functions see under test: a stage of its own and a cheap password hash. */
export const TEST_ENV = {
  STAGE: 'test',
  PASSWORD_SCRYPT_LOG_N: '10',
  SECRETS_CACHE_TTL: '300',
  // Revocation must show at once in most tests; the window has tests of its own.
  AUTHORIZER_CACHE_TTL: '0',
  // Every in-process request comes from 127.0.0.1: the per-address limit has tests of its own.
  SOURCE_MAX_FAILURES: '100000',
  // Everything is logged, captured and scanned for credentials at the end of the run.
  POWERTOOLS_LOG_LEVEL: 'DEBUG',
} as const;
