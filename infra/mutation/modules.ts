/** A security-critical module under mutation testing, and the tests that back its guarantees. */
export interface MutationModule {
  /** The name used on the command line and in MUTATION.md. */
  name: string;
  file: string;
  /** The tests run against each mutant: the ones whose failure a broken guarantee must cause. */
  tests: readonly string[];
}

const AUTHORIZER_TESTS = [
  'test/integration/authorizer.test.ts',
  'test/integration/authorizer-calls.test.ts',
  'test/integration/revocation.test.ts',
  'test/integration/faults.test.ts',
];

/**
 * The modules of SECURITY.md's guarantees. The fuzz tests are left out: they back the same
 * guarantees with 10,000 cases each, which every surviving mutant would run in full.
 */
export const MUTATION_MODULES: readonly MutationModule[] = [
  { name: 'authorize', file: 'shared/authorizer/authorize.ts', tests: AUTHORIZER_TESTS },
  { name: 'authorizer-services', file: 'shared/authorizer/authorizer-services.ts', tests: AUTHORIZER_TESTS },
  {
    name: 'decision-cache',
    file: 'shared/authorizer/decision-cache.ts',
    tests: ['test/unit/decision-cache.test.ts', ...AUTHORIZER_TESTS],
  },
  {
    name: 'revocation-view',
    file: 'shared/authorizer/revocation-view.ts',
    tests: ['test/integration/revocation-view.test.ts', ...AUTHORIZER_TESTS],
  },
  {
    name: 'shared-token-routes',
    file: 'shared/authorizer/shared-token-routes.ts',
    tests: ['test/unit/shared-token-routes.test.ts', 'test/integration/authorizer.test.ts'],
  },
  {
    name: 'token-verifier',
    file: 'shared/tokens/token-verifier.ts',
    tests: [
      'test/integration/token-service.test.ts',
      'test/integration/token-endpoints.test.ts',
      'test/integration/authorizer.test.ts',
      'test/integration/authorizer-calls.test.ts',
      'test/integration/concurrency.test.ts',
    ],
  },
  {
    name: 'token-issuer',
    file: 'shared/tokens/token-issuer.ts',
    tests: [
      'test/integration/token-service.test.ts',
      'test/integration/token-endpoints.test.ts',
      'test/integration/concurrency.test.ts',
    ],
  },
  {
    name: 'passwords',
    file: 'shared/users/passwords.ts',
    tests: ['test/unit/passwords.test.ts', 'test/integration/login.test.ts'],
  },
  {
    name: 'login-throttle',
    file: 'shared/auth/login-throttle.ts',
    tests: ['test/integration/login-throttle.test.ts', 'test/integration/login.test.ts'],
  },
  {
    name: 'lockout',
    file: 'shared/auth/lockout.ts',
    tests: ['test/unit/lockout.test.ts', 'test/integration/login-throttle.test.ts'],
  },
  { name: 'cas-validator', file: 'shared/cas/cas-validator.ts', tests: ['test/integration/cas.test.ts'] },
  {
    name: 'cas-services',
    file: 'shared/cas/cas-services.ts',
    tests: ['test/unit/cas-services.test.ts', 'test/integration/cas.test.ts'],
  },
  {
    name: 'cas-service-response',
    file: 'shared/cas/cas-service-response.ts',
    tests: ['test/unit/cas-response.test.ts', 'test/integration/cas.test.ts'],
  },
  {
    name: 'oidc-verifier',
    file: 'shared/oidc/oidc-verifier.ts',
    tests: ['test/integration/oidc.test.ts', 'test/integration/oidc-provider-answers.test.ts'],
  },
  {
    name: 'request',
    file: 'shared/http/request.ts',
    tests: ['test/unit/request.test.ts', 'test/integration/limits.test.ts'],
  },
];
