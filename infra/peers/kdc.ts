/**
 * A real MIT Kerberos KDC on loopback, created fresh in a private temp dir, for tests of the
 * SPNEGO acceptor. Each KDC has its own realm, port, database and config files, so several can
 * run side by side (e.g. EXAMPLE.TEST and OTHER.TEST).
 *
 * The client side runs in child processes only: kinit, and a short node script that turns a
 * credential cache into a SPNEGO token. The test process keeps its own KRB5_* environment for the
 * acceptor (KRB5_KTNAME, KRB5RCACHEDIR), and realms never leak into each other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { freePort } from '../local/run-stack.ts';

export interface Kdc {
  realm: string;
  /** Private temp dir holding the database, configs, log, keytab and credential caches. */
  dir: string;
  port: number;
  /** The krb5.conf for clients and libraries of this realm (KRB5_CONFIG). */
  krb5Config: string;
  /** Adds a user principal with a password; `name` without a realm is in this realm. */
  addPrincipal(name: string, password: string): Promise<void>;
  /**
   * Adds the service principal, or re-keys it (bumping the kvno) if it exists, and writes its
   * keys to `keytabPath`, replacing that file: the keytab then holds the new kvno only.
   */
  exportServiceKeytab(service?: string, keytabPath?: string): Promise<string>;
  /** kinit into a private credential cache and returns its path; `lifetime` as kinit -l (e.g. '3s'). */
  kinit(name: string, password: string, lifetime?: string): Promise<string>;
  /** A fresh SPNEGO initial token (base64) for a GSS host-based service name, from `ccache`. */
  negotiateToken(ccache: string, service?: string): Promise<string>;
  /** Kills the KDC and removes its dir. Safe to call twice. */
  stop(): Promise<void>;
}

const TOOLS = ['krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit'] as const;
type Tool = (typeof TOOLS)[number];

// The KDC tools live in /usr/sbin, which is not on every user's PATH.
function which(name: Tool): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/** krb5kdc, kdb5_util, kadmin.local (Debian: krb5-kdc, krb5-admin-server) and kinit (krb5-user). */
export function kdcInstalled(): boolean {
  return TOOLS.every((name) => which(name) !== undefined);
}

function tool(name: Tool): string {
  const path = which(name);
  if (!path) throw new Error(`${name} not found: install krb5-kdc, krb5-admin-server and krb5-user`);
  return path;
}

/**
 * The environment of every child: this process's, minus the KRB5_* settings that the acceptor
 * under test may have set for itself, plus the given realm's. KRB5_TRACE stays for debugging.
 * NODE_OPTIONS goes too, so a loader of the test runner does not slow down the token script.
 */
function childEnv(krb5: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !(key.startsWith('KRB5') && key !== 'KRB5_TRACE') && key !== 'NODE_OPTIONS',
    ),
  );
  return { ...env, ...krb5 };
}

async function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input = '',
): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A child that fails before reading its input breaks the pipe; its exit status tells why.
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`${basename(command)} failed (${code ?? signal}): ${(stderr || stdout).trim()}`);
  return { stdout, stderr };
}

/** kadmin.local splits its query on blanks and honours double quotes, without escapes. */
function quoted(value: string): string {
  if (/["\\\n]/.test(value)) throw new Error(`unsupported character in ${JSON.stringify(value)}`);
  return `"${value}"`;
}

function krb5Conf(realm: string, port: number, dir: string): string {
  return `[libdefaults]
    default_realm = ${realm}
    dns_lookup_realm = false
    dns_lookup_kdc = false
    # 'HTTP@localhost' must stay HTTP/localhost whatever 127.0.0.1 reverse-resolves to.
    dns_canonicalize_hostname = false
    rdns = false
    # TCP first: no UDP fragmentation of large tickets.
    udp_preference_limit = 1
    # An acceptor using this file enforces ticket expiry within a second, not after the default 5 minutes.
    clockskew = 1
    ticket_lifetime = 10h
    default_ccache_name = FILE:${dir}/ccache
    default_keytab_name = FILE:${dir}/http.keytab

[realms]
    ${realm} = {
        kdc = 127.0.0.1:${port}
    }

[domain_realm]
    localhost = ${realm}
    .localhost = ${realm}
`;
}

function kdcConf(realm: string, port: number, dir: string): string {
  return `[kdcdefaults]
    kdc_listen = 127.0.0.1:${port}
    kdc_tcp_listen = 127.0.0.1:${port}

[realms]
    ${realm} = {
        database_name = ${dir}/db/principal
        key_stash_file = ${dir}/db/stash
        kdc_listen = 127.0.0.1:${port}
        kdc_tcp_listen = 127.0.0.1:${port}
        max_life = 10h 0m 0s
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }

[logging]
    kdc = FILE:${dir}/kdc.log
`;
}

/**
 * Runs krb5kdc in the foreground (-n) under a guard that kills it once the guard's stdin reaches
 * EOF. That happens when stop() closes the pipe, and also when this process dies in any way,
 * SIGKILL included, so no KDC outlives the tests. Background jobs of sh get /dev/null as stdin,
 * hence the copy of the pipe on fd 3.
 */
const GUARD = `exec 3<&0
"$@" </dev/null 3<&- & kdc=$!
(read -r _ <&3; kill "$kdc" 2>/dev/null) & guard=$!
wait "$kdc"; status=$?
kill "$guard" 2>/dev/null
exit "$status"`;

const READY_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 5;

class PortInUse extends Error {}

async function launchKdc(realm: string, dir: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const log = join(dir, 'kdc.log');
  await rm(log, { force: true });
  const child = spawn('sh', ['-c', GUARD, 'krb5kdc-guard', tool('krb5kdc'), '-n', '-r', realm], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // A KDC left running must not keep the test process alive; the guard still ends it at exit.
  child.unref();
  if (child.stdin instanceof Socket) child.stdin.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // The KDC's own log, not a connect to the port, tells that *this* KDC is serving.
  for (;;) {
    const text = await readFile(log, 'utf8').catch(() => '');
    if (text.includes('commencing operation')) return child;
    if (child.exitCode !== null || child.signalCode !== null) {
      const final = await readFile(log, 'utf8').catch(() => '');
      const message = `krb5kdc exited: ${final.trim().split('\n').slice(-3).join('\n')}`;
      throw final.includes('Address already in use') ? new PortInUse(message) : new Error(message);
    }
    if (Date.now() > deadline) {
      child.stdin.end();
      throw new Error(`krb5kdc not ready after ${READY_TIMEOUT_MS} ms: ${text.trim()}`);
    }
    await sleep(10);
  }
}

// KDCs die with this process through their guard; only their files would be left behind.
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

export async function startKdc(options: { realm?: string; port?: number } = {}): Promise<Kdc> {
  const realm = options.realm ?? 'EXAMPLE.TEST';
  const dir = await mkdtemp(join(tmpdir(), `kdc-${realm.toLowerCase()}-`));
  liveDirs.add(dir);
  const krb5Config = join(dir, 'krb5.conf');
  const env = childEnv({ KRB5_CONFIG: krb5Config, KRB5_KDC_PROFILE: join(dir, 'kdc.conf') });
  try {
    await mkdir(join(dir, 'db'));
    // The database does not depend on the port: a port taken in the meantime only needs new config files.
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      await writeFile(krb5Config, krb5Conf(realm, port, dir));
      await writeFile(join(dir, 'kdc.conf'), kdcConf(realm, port, dir));
      if (attempt === 1) await run(tool('kdb5_util'), ['create', '-s', '-r', realm, '-P', 'master-password'], env);
      try {
        const child = await launchKdc(realm, dir, env);
        return new RunningKdc(realm, dir, port, krb5Config, env, child);
      } catch (error) {
        if (!(error instanceof PortInUse) || options.port !== undefined || attempt === PORT_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    liveDirs.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The token script runs in its own process so that KRB5_CONFIG and KRB5CCNAME apply to it alone:
 * the krb5 library of the test process serves the acceptor.
 */
const TOKEN_SCRIPT = `
const [kerberosUrl, service] = process.argv.slice(1);
const { default: kerberos } = await import(kerberosUrl);
try {
  const client = await kerberos.initializeClient(service, { mechOID: kerberos.GSS_MECH_OID_SPNEGO });
  process.stdout.write(await client.step(''));
} catch (error) {
  process.stderr.write(error.message);
  process.exitCode = 1;
}`;

class RunningKdc implements Kdc {
  readonly #env: NodeJS.ProcessEnv;
  readonly #child: ChildProcess;
  readonly #principals = new Set<string>();
  #ccaches = 0;
  #stopped: Promise<void> | undefined;

  constructor(
    readonly realm: string,
    readonly dir: string,
    readonly port: number,
    readonly krb5Config: string,
    env: NodeJS.ProcessEnv,
    child: ChildProcess,
  ) {
    this.#env = env;
    this.#child = child;
  }

  async addPrincipal(name: string, password: string): Promise<void> {
    // The password goes to kadmin.local's prompt, so it needs no quoting and shows up in no error.
    await this.#kadmin(`addprinc ${quoted(name)}`, /^Principal ".*" created\.$/m, `${password}\n${password}\n`);
    this.#principals.add(this.#qualified(name));
  }

  async exportServiceKeytab(service = 'HTTP/localhost', keytabPath = join(this.dir, 'http.keytab')): Promise<string> {
    if (!this.#principals.has(this.#qualified(service))) {
      await this.#kadmin(`addprinc -randkey ${quoted(service)}`, /^Principal ".*" created\.$/m);
      this.#principals.add(this.#qualified(service));
    }
    // ktadd re-keys the principal and appends to an existing keytab, which would keep the old kvno valid.
    await rm(keytabPath, { force: true });
    await this.#kadmin(`ktadd -k ${quoted(keytabPath)} ${quoted(service)}`, /^Entry for principal .* with kvno \d+/m);
    return keytabPath;
  }

  async kinit(name: string, password: string, lifetime?: string): Promise<string> {
    const ccache = join(this.dir, `ccache-${++this.#ccaches}-${name.replace(/[^\w.-]/g, '_')}`);
    const args = [...(lifetime ? ['-l', lifetime] : []), '-c', `FILE:${ccache}`, name];
    await run(tool('kinit'), args, this.#env, `${password}\n`);
    return ccache;
  }

  async negotiateToken(ccache: string, service = 'HTTP@localhost'): Promise<string> {
    const kerberos = pathToFileURL(createRequire(import.meta.url).resolve('kerberos')).href;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', TOKEN_SCRIPT, kerberos, service], {
      ...this.#env,
      KRB5CCNAME: ccache,
    });
    return stdout;
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const child = this.#child;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        // It was unref'd at launch; waiting for its exit must keep this process alive.
        child.ref();
        child.stdin?.end();
        await exited;
      }
      await rm(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
    })();
    return this.#stopped;
  }

  /** kadmin.local exits 0 even when its query fails, so success is told by the expected output. */
  async #kadmin(query: string, success: RegExp, input = ''): Promise<void> {
    const { stdout, stderr } = await run(tool('kadmin.local'), ['-r', this.realm, '-q', query], this.#env, input);
    if (success.test(stdout)) return;
    const reason = stderr.split('\n').filter((line) => line && !line.startsWith('No policy specified'));
    throw new Error(`kadmin.local ${query}: ${reason.join('\n') || stdout.trim()}`);
  }

  #qualified(name: string): string {
    return name.includes('@') ? name : `${name}@${this.realm}`;
  }
}
