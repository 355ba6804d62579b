/**
 * A real CAS server (django-cas-server from the Debian package python3-django-cas-server) on
 * loopback, one per call to startCasServer, each with its own sqlite database in a temp dir.
 */
import { execFile, spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../local/run-stack.ts';

// Debian's interpreter is the one with django and cas_server; a pyenv or venv python3 on PATH is not.
const PYTHON = '/usr/bin/python3';
const PROJECT_DIR = fileURLToPath(new URL('./cas/', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
// runserver logs every request; only the tail is useful in an error message.
const OUTPUT_LIMIT = 64 * 1024;

/** The accounts seed.py creates. */
export const CAS_USERS = {
  alice: { username: 'alice', password: 'alicepw' },
  bob: { username: 'bob', password: 'bobpw' },
} as const;

export interface CasServer {
  /** e.g. `http://127.0.0.1:PORT/cas`, without a trailing slash. */
  baseUrl: string;
  port: number;
  /** Logs in through the real login form and returns the service ticket (ST-...) the CAS redirect carries. */
  ticketFor(service: string, user?: { username: string; password: string }): Promise<string>;
  /** Kills the server process (idempotent); the database is kept so that start() resumes with it. */
  stop(): Promise<void>;
  /** Starts the server again on the same port with the same database. */
  start(): Promise<void>;
  /** stop(), then removes the temp dir. */
  close(): Promise<void>;
}

let installed: boolean | undefined;

/** True when /usr/bin/python3 can import django and cas_server. */
export function casServerInstalled(): boolean {
  installed ??= spawnSync(PYTHON, ['-c', 'import django, cas_server'], { stdio: 'ignore' }).status === 0;
  return installed;
}

// What is still running or on disk, for the exit hook.
const liveProcesses = new Set<ChildProcessByStdio<null, Readable, Readable>>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** Kills servers and removes temp dirs a test forgot to close. Only synchronous work is possible here. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveProcesses) child.kill('SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

class PortInUseError extends Error {}

export async function startCasServer(
  options: { port?: number; ticketValiditySeconds?: number } = {},
): Promise<CasServer> {
  if (!casServerInstalled()) {
    throw new Error(
      `${PYTHON} cannot import django and cas_server; install the Debian package python3-django-cas-server`,
    );
  }
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'xuc-auth-cas-'));
  liveDirs.add(dir);
  const env = pythonEnv(join(dir, 'cas.sqlite3'), options.ticketValiditySeconds ?? 60);
  try {
    await promisify(execFile)(PYTHON, ['seed.py'], { cwd: PROJECT_DIR, env });
    // A port found free can be taken before runserver binds it; only then is another one worth a try.
    for (let attempt = 1; ; attempt++) {
      const server = casServer(options.port ?? (await freePort()), env, dir);
      try {
        await server.start();
        return server;
      } catch (error) {
        if (!(error instanceof PortInUseError) || options.port !== undefined || attempt === 3) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
    throw error;
  }
}

function pythonEnv(database: string, ticketValiditySeconds: number): NodeJS.ProcessEnv {
  // Either would point Debian's python at a library tree without django.
  const { PYTHONHOME: _home, PYTHONPATH: _path, ...inherited } = process.env;
  return {
    ...inherited,
    DJANGO_SETTINGS_MODULE: 'casproj.settings',
    CAS_DB: database,
    CAS_TICKET_VALIDITY: String(ticketValiditySeconds),
    CAS_PARENT_PID: String(process.pid),
    // No __pycache__ in the repository tree.
    PYTHONDONTWRITEBYTECODE: '1',
    // So that the captured output is complete when the server dies.
    PYTHONUNBUFFERED: '1',
  };
}

function casServer(port: number, env: NodeJS.ProcessEnv, dir: string): CasServer {
  const baseUrl = `http://127.0.0.1:${port}/cas`;
  let child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let closed = false;

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const start = async () => {
    if (closed) throw new Error(`CAS server ${baseUrl} was closed`);
    if (child) return;
    output = '';
    const proc = spawn(PYTHON, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${port}`], {
      cwd: PROJECT_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    liveProcesses.add(proc);
    const append = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_LIMIT));
    proc.stdout.on('data', append);
    proc.stderr.on('data', append);
    exited = new Promise((resolve) => {
      const done = () => {
        liveProcesses.delete(proc);
        if (child === proc) child = undefined;
        resolve();
      };
      proc.once('exit', done);
      proc.once('error', (error) => {
        output += `\n${error.message}`;
        done();
      });
    });
    // A forgotten close() must not keep the test process alive; the exit hook kills the server then.
    proc.unref();
    if (proc.stdout instanceof Socket) proc.stdout.unref();
    if (proc.stderr instanceof Socket) proc.stderr.unref();

    try {
      await waitUntilReady(proc);
    } catch (error) {
      await stop();
      throw error;
    }
  };

  const waitUntilReady = async (proc: NonNullable<typeof child>) => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null || child !== proc) {
        const message = `CAS server on port ${port} exited before it was ready:\n${output}`;
        throw output.includes('port is already in use') ? new PortInUseError(message) : new Error(message);
      }
      try {
        const response = await fetch(`${baseUrl}/login`, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(`CAS server did not answer ${baseUrl}/login within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
      }
      await sleep(100);
    }
  };

  const ticketFor = async (service: string, user: { username: string; password: string } = CAS_USERS.alice) => {
    const loginUrl = `${baseUrl}/login?service=${encodeURIComponent(service)}`;
    const page = await fetch(loginUrl);
    // The CSRF check and the login ticket are tied to the session these cookies carry.
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const html = await page.text();
    const form = new URLSearchParams({
      csrfmiddlewaretoken: hiddenField(html, 'csrfmiddlewaretoken'),
      lt: hiddenField(html, 'lt'),
      service,
      username: user.username,
      password: user.password,
    });
    const response = await fetch(loginUrl, {
      method: 'POST',
      body: form,
      headers: { cookie, referer: loginUrl },
      redirect: 'manual',
    });
    const body = await response.text();
    // A refused login (bad password, service not admitted) is the form again, with HTTP 200.
    const location = response.headers.get('location');
    const ticket = response.status === 302 && location ? new URL(location).searchParams.get('ticket') : null;
    if (!ticket?.startsWith('ST-')) {
      const reason = errorMessages(body) || `HTTP ${response.status}, location ${location ?? 'none'}`;
      throw new Error(`CAS login of ${user.username} for ${service} gave no service ticket: ${reason}`);
    }
    return ticket;
  };

  const close = async () => {
    closed = true;
    await stop();
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  return { baseUrl, port, ticketFor, stop, start, close };
}

function hiddenField(html: string, name: string): string {
  const input = html.match(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`))?.[0];
  const value = input?.match(/\bvalue="([^"]*)"/)?.[1];
  if (value === undefined) throw new Error(`the CAS login page has no ${name} field`);
  return value;
}

/** The text of the error boxes on a CAS page, e.g. "The credentials you provided cannot be determined to be authentic." */
function errorMessages(html: string): string {
  return [...html.matchAll(/<div class="alert alert-danger[^"]*">([\s\S]*?)<\/div>/g)]
    .map((match) =>
      match[1]!
        .replace(/<[^>]*>|&\w+;/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .join('; ');
}
