import { localClients, localRpcClients, provisionStack, startEmulators, type Endpoints } from '../infra/local/stack.ts';
import { createAuthorizerServices, type AuthorizerServices } from '../shared/authorizer/authorizer-services.ts';
import { loadConfig, type Config } from '../shared/config.ts';
import { createServices, type Services } from '../shared/services.ts';
import { CallCounter } from './call-counter.ts';

/** The functions' environment for the benchmarks: defaults of a deployed stage, a stage of its own. */
export const BENCH_ENV = { STAGE: 'bench' } as const;
export const SHARED_TOKEN = 'bench-shared-token-0123456789abcdefghijklmnop';

export interface BenchStack {
  config: Config;
  endpoints: Endpoints;
  counter: CallCounter;
  /** Services on counted clients, wired as the functions wire them. */
  services(options?: { now?: () => number; config?: Partial<Config> }): Services;
  /** The authorizer's services on counted clients, wired as its handler wires them. */
  authorizerServices(options?: { now?: () => number }): AuthorizerServices;
  stop(): Promise<void>;
}

/** The embedded DynamoDB (dynalite, in memory) and Secrets Manager emulator, provisioned like a stage. */
export async function startBenchStack(): Promise<BenchStack> {
  const config = loadConfig(BENCH_ENV);
  const emulators = await startEmulators();
  await provisionStack(config, emulators.endpoints, { playAuthToken: SHARED_TOKEN });
  const counter = new CallCounter(5000);
  const built: Services[] = [];
  return {
    config,
    endpoints: emulators.endpoints,
    counter,
    services: (options = {}) => {
      const { db, secrets } = localClients(emulators.endpoints, counter.handler);
      const services = createServices({ ...config, ...options.config }, { db, secrets, ...(options.now ? { now: options.now } : {}) });
      built.push(services);
      return services;
    },
    authorizerServices: (options = {}) =>
      createAuthorizerServices(config, { ...localRpcClients(emulators.endpoints, counter.handler), ...options }),
    stop: async () => {
      for (const services of built) {
        services.db.destroy();
        services.secrets.destroy();
      }
      counter.handler.destroy();
      await emulators.stop();
    },
  };
}
