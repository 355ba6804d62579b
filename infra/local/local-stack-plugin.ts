import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../shared/config.ts';
import { proxyRoutes, type ProxyRoute } from '../proxy-routes.ts';
import { authorizerEvent, invokeAuthorizer } from './gateway-authorizer.ts';
import { httpApiCors } from '../cors.ts';
import { gatewayCors } from './gateway-cors.ts';
import { matchProxyRoute, proxyRouteServer, requestPath } from './proxy-route-server.ts';
import { interceptRequests, onListening, serveLocalCallersOnly } from './servers.ts';
import { localAwsEnvironment, LOCAL_REGION, provisionStack, startEmulators, type Emulators } from './stack.ts';

/** The user every local stack starts with, so that the README's quick start works at once. */
export const DEMO_USER = { login: 'demo', password: 'demo-password', profile: 'demo' } as const;
const BASE_PATH = '/xuc/api/2.0/auth';

interface Serverless {
  service: {
    provider: { environment?: Record<string, string> };
    custom?: { 'serverless-offline'?: { httpPort?: string | number; lambdaPort?: string | number } };
    getFunction(key: string): { name: string };
  };
  config: { servicePath?: string; serviceDir?: string };
}

/** What the CLI reads to reach a running local stack. */
export interface LocalStackFile {
  apiUrl: string;
  region: string;
  endpoints: { dynamodb: string; secretsManager: string };
  environment: Record<string, string>;
}

const localDataDir = (serviceDir: string): string => resolve(serviceDir, process.env.LOCAL_DATA_DIR ?? '.local');

/**
 * serverless-offline companion: before the functions start, it starts dynalite and the Secrets
 * Manager emulator in this process, creates the tables, the secrets and the demo user, and
 * injects the emulators' endpoints into the functions' environment (serverless-offline passes
 * functions nothing else). Once the API listens it prints how to try it.
 */
export default class LocalStackPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  #emulators: Promise<Emulators> | undefined;
  #generatedPlayAuthToken: string | undefined;
  #demoUserCreated = false;
  #proxyRoutes: ProxyRoute[] = [];
  #stopWatching: (() => void) | undefined;

  constructor(private readonly serverless: Serverless) {
    const start = () => this.start();
    this.hooks = {
      'before:offline:start': start,
      'before:offline:start:init': start,
      'offline:start:ready': () => this.announce(),
      'offline:start:end': () => this.stop(),
    };
  }

  private get serviceDir(): string {
    return this.serverless.config.serviceDir ?? this.serverless.config.servicePath ?? process.cwd();
  }

  private start(): Promise<void> {
    this.#emulators ??= this.launch();
    return this.#emulators.then(() => undefined);
  }

  /** serverless-offline's ports, as serverless.yml's custom block resolves them. */
  private get ports(): { http: number; lambda: number } {
    const settings = this.serverless.service.custom?.['serverless-offline'];
    return { http: Number(settings?.httpPort ?? 3000), lambda: Number(settings?.lambdaPort ?? 3002) };
  }

  /**
   * Takes the first decision on serverless-offline's two servers as they start listening. On
   * the Lambda port: local callers only. On the API port: CORS as API Gateway does it (preflights first, then each answer's headers),
   * and the XiVO proxy routes, which serverless-offline does not emulate for HTTP APIs.
   */
  private watchOfflineServers(environment: Record<string, string>): void {
    const { http, lambda } = this.ports;
    const lambdaEndpoint = `http://localhost:${lambda}`;
    const authorizerName = this.serverless.service.getFunction('authorizer').name;
    const config = loadConfig(environment);
    const cors = gatewayCors(httpApiCors(config.corsAllowedOrigins));
    const routes = proxyRouteServer({
      routes: this.#proxyRoutes,
      timeoutMs: config.upstreamTimeoutMs,
      authorize: (request, route, proxyPath) =>
        invokeAuthorizer(
          lambdaEndpoint,
          authorizerName,
          authorizerEvent(request, route.routeKey, { proxy: proxyPath }),
        ),
    });
    this.#stopWatching = onListening({ http, lambda }, (name: string, server: Server) => {
      // The Lambda API invokes any function for whoever asks: the emulators' rule (loopback Host
      // names, no Origin) keeps web pages and DNS-rebound domains out; the SDK, curl and the proxy
      // routes' authorizer calls pass.
      if (name === 'lambda') {
        serveLocalCallersOnly(server, { type: 'AccessDeniedException', contentType: 'application/json' });
        return;
      }
      interceptRequests(server, (request, response, expectsContinue) => {
        if (cors.preflight(request, response)) return true;
        const proxied = matchProxyRoute(this.#proxyRoutes, requestPath(request)) !== undefined;
        cors.answer(request, response, { fromBackend: proxied });
        return routes(request, response, expectsContinue);
      });
    });
  }

  private async launch(): Promise<Emulators> {
    const dataDir = localDataDir(this.serviceDir);
    this.#proxyRoutes = proxyRoutes();
    const emulators = await startEmulators({
      dataDir,
      dynamodbPort: Number(process.env.DYNAMODB_PORT ?? 8000),
      secretsManagerPort: Number(process.env.SECRETS_MANAGER_PORT ?? 8001),
    });
    const environment = this.serverless.service.provider.environment ?? {};
    Object.assign(environment, localAwsEnvironment(emulators.endpoints), { ALLOW_INSECURE_LOOPBACK: 'true' });
    // serverless-offline runs functions in worker threads, whose process.env is a private copy
    // that the native GSS library never sees: the keytab and replay cache must be named in this
    // (main) thread's real environment.
    if (environment.KERBEROS_KEYTAB) {
      process.env.KRB5_KTNAME = resolve(environment.KERBEROS_KEYTAB);
      process.env.KRB5RCACHEDIR ??= join(dataDir, 'rcache');
      mkdirSync(process.env.KRB5RCACHEDIR, { recursive: true });
    }
    this.serverless.service.provider.environment = environment;
    this.watchOfflineServers(environment);

    const seeded = await provisionStack(loadConfig(environment), emulators.endpoints, {
      demoUser: DEMO_USER,
      ...(process.env.PLAY_AUTH_TOKEN ? { playAuthToken: process.env.PLAY_AUTH_TOKEN } : {}),
    });
    this.#generatedPlayAuthToken = seeded.generatedPlayAuthToken;
    this.#demoUserCreated = seeded.demoUserCreated;

    const stackFile: LocalStackFile = {
      apiUrl: this.apiUrl,
      region: LOCAL_REGION,
      endpoints: emulators.endpoints,
      environment,
    };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'stack.json'), JSON.stringify(stackFile, null, 2), { mode: 0o600 });
    return emulators;
  }

  private get apiUrl(): string {
    return `http://localhost:${process.env.PORT ?? 3000}${BASE_PATH}`;
  }

  private async announce(): Promise<void> {
    const { endpoints } = await (this.#emulators ?? this.launch());
    const url = this.apiUrl;
    const lines = [
      '',
      'xuc-auth local stack is ready',
      `  API          ${url}`,
      `  DynamoDB     ${endpoints.dynamodb} (dynalite)`,
      `  Secrets      ${endpoints.secretsManager}`,
      `  Demo user    login "${DEMO_USER.login}", password "${DEMO_USER.password}"${this.#demoUserCreated ? ' (created)' : ''}`,
      ...this.#proxyRoutes.map(
        ({ prefix, upstream }) =>
          `  Proxy        http://localhost:${this.ports.http}/${prefix}/… → ${upstream}/… (shared token)`,
      ),
    ];
    if (this.#generatedPlayAuthToken) {
      lines.push(
        `  Shared token ${this.#generatedPlayAuthToken}  (generated now, shown once; set PLAY_AUTH_TOKEN to choose it)`,
      );
    }
    lines.push(
      '',
      'Try it:',
      `  TOKEN=$(curl -s -X POST ${url}/login -H 'Content-Type: application/json' \\`,
      `      -d '{"login":"${DEMO_USER.login}","password":"${DEMO_USER.password}"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
      `  curl -s ${url}/check -H "X-Auth-Token: $TOKEN"`,
      `  curl -s ${url}/tokens -H "Authorization: Bearer $TOKEN"`,
      `  curl -s -X POST ${url}/logout -H "X-Auth-Token: $TOKEN" -o /dev/null -w '%{http_code}\\n'`,
      `  curl -s ${url}/health`,
      '',
      'Manage users: npm run admin -- users list',
      '',
    );
    console.log(lines.join('\n'));
  }

  private async stop(): Promise<void> {
    this.#stopWatching?.();
    if (!this.#emulators) return;
    const emulators = await this.#emulators;
    this.#emulators = undefined;
    await emulators.stop();
  }
}
