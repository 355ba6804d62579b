import { localClients, localRpcClients, provisionStack, startEmulators, type Endpoints } from '../infra/local/stack.ts';
import { createAuthorizerServices, type AuthorizerServices } from '../shared/authorizer/authorizer-services.ts';
import { loadConfig, type Config } from '../shared/config.ts';
import { createServices, type Services } from '../shared/services.ts';

/** The functions' environment for the benchmarks: defaults of a deployed stage, a stage of its own. */
export const BENCH_ENV = { STAGE: 'bench' } as const;
export const SHARED_TOKEN = 'bench-shared-token-0123456789abcdefghijklmnop';

export interface BenchStack {
  config: Config;
  endpoints: Endpoints;
  /** Services wired as the functions wire them. */
  services(options?: { now?: () => number }): Services;
  /** The authorizer's services, wired as its handler wires them. */
  authorizerServices(): AuthorizerServices;
  stop(): Promise<void>;
}

/** The embedded DynamoDB (dynalite, in memory) and Secrets Manager emulator, provisioned like a stage. */
export async function startBenchStack(): Promise<BenchStack> {
  const config = loadConfig(BENCH_ENV);
  const emulators = await startEmulators();
  await provisionStack(config, emulators.endpoints, { playAuthToken: SHARED_TOKEN });
  const built: Services[] = [];
  return {
    config,
    endpoints: emulators.endpoints,
    services: (options = {}) => {
      const services = createServices(config, { ...localClients(emulators.endpoints), ...options });
      built.push(services);
      return services;
    },
    authorizerServices: () => createAuthorizerServices(config, localRpcClients(emulators.endpoints)),
    stop: async () => {
      for (const services of built) {
        services.db.destroy();
        services.secrets.destroy();
      }
      await emulators.stop();
    },
  };
}
