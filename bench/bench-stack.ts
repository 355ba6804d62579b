import { localClients, provisionStack, startEmulators, type Endpoints } from '../infra/local/stack.ts';
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
  stop(): Promise<void>;
}

/** The embedded DynamoDB (dynalite, in memory) and Secrets Manager emulator, provisioned like a stage. */
export async function startBenchStack(): Promise<BenchStack> {
  const config = loadConfig(BENCH_ENV);
  const emulators = await startEmulators();
  await provisionStack(config, emulators.endpoints, { playAuthToken: SHARED_TOKEN });
  const counter = new CallCounter();
  const built: Services[] = [];
  return {
    config,
    endpoints: emulators.endpoints,
    counter,
    services: (options = {}) => {
      const { db, secrets } = localClients(emulators.endpoints);
      counter.attach('dynamodb', db);
      counter.attach('secretsManager', secrets);
      const services = createServices({ ...config, ...options.config }, { db, secrets, ...(options.now ? { now: options.now } : {}) });
      built.push(services);
      return services;
    },
    stop: async () => {
      for (const services of built) {
        services.db.destroy();
        services.secrets.destroy();
      }
      await emulators.stop();
    },
  };
}
