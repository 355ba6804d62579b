/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (esbuild alias in
 * serverless.yml). On Lambda, and in the local stack, credentials are always in the environment,
 * so the SDK's whole provider chain (SSO, STS, INI files, IMDS, web identity, with their nested
 * clients) is dead weight on every cold start. The CLI, which is not bundled, keeps the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = () => fromEnv();
