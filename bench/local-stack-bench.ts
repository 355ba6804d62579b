import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DEMO_USER } from '../infra/local/local-stack-plugin.ts';
import { privateStackEnv, startLocalStack } from '../infra/local/run-stack.ts';
import { onAbandon } from './abandon.ts';
import type { Profile } from './profile.ts';

export interface LocalStackResult {
  requests: number;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors (timeouts included) and answers other than 2xx. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Distinct error lines the stack printed during the run, to tell why requests failed. */
  incidents: string[];
}

const SHARED_TOKEN = 'bench-local-stack-shared-token-0123456789ab';
export const LOCAL_STACK_WARMUP = 200;
/** serverless-offline marks failures with `×`; request ids and durations differ from line to line. */
function incidents(log: string): string[] {
  const lines = log
    .split('\n')
    .filter((line) => /^\s*×|Error|"level":"(ERROR|CRITICAL)"/.test(line))
    .map((line) =>
      line
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…')
        .replace(/"timestamp":"[^"]*",?/, '')
        .trim()
        .slice(0, 240),
    );
  return [...new Set(lines)].slice(0, 5);
}

/**
 * The real `npm start` stack (serverless-offline, every request through the authorizer and the
 * tokens function in their workers, dynalite and the Secrets Manager emulator in the same process)
 * on free loopback ports with a data dir of its own, loaded by autocannon with authorized calls.
 */
export async function benchLocalStack(
  root: string,
  settings: NonNullable<Profile['localStack']>,
): Promise<LocalStackResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'xuc-auth-bench-data-'));
  const env = await privateStackEnv(dataDir, SHARED_TOKEN);
  const port = Number(env.PORT);
  const stack = await startLocalStack(env, { root });
  const forget = onAbandon(() => stack.stop());
  try {
    const base = `http://127.0.0.1:${port}/xuc/api/2.0/auth`;
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: DEMO_USER.login, password: DEMO_USER.password }),
    });
    if (login.status !== 200) throw new Error(`local stack login answered ${login.status}: ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };
    const target = {
      url: `${base}/tokens`,
      method: 'GET',
      headers: { 'x-auth-token': token },
      connections: settings.connections,
    };
    // Untimed first: serverless-offline loads each function in its worker on the first request.
    await autocannon({ ...target, amount: LOCAL_STACK_WARMUP });
    // Longer than the functions' 10 s timeout, so that a stuck invocation shows as serverless-offline's 504.
    const logStart = stack.output().length;
    const result = await autocannon({ ...target, amount: settings.requests, timeout: 15 });
    const alive = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) }).then(
      (response) => response.ok,
      () => false,
    );
    return {
      // What autocannon completed, not what it was asked for: the budget counts answers.
      requests: result.requests.total,
      connections: settings.connections,
      requestsPerSecond: result.requests.total / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      errors: result.errors + result.non2xx,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
      incidents: [
        ...(alive ? [] : ['the stack no longer answered /health after the run (process stopped?)']),
        ...incidents(stack.output().slice(logStart)),
      ],
    };
  } finally {
    forget();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
