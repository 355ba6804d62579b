/**
 * Puts on this machine what the tests need beyond Node and npm: the Debian packages of the real
 * peers (apt-get), then the optional `kerberos` binding, built for the Node that runs the tests.
 *
 *   npm run setup:system        installs, asking for a sudo password where needed
 *   ... --unattended            what `npm test` runs first: installs only when nobody has to be
 *                               asked (root, or sudo without a password); otherwise stops before
 *                               any test runs, naming the one command to run
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kerberosBindingLoads, missingRequirements, type Requirement } from './system-requirements.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

class SetupError extends Error {}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): boolean {
  return spawnSync(command, args, { stdio: 'inherit', cwd: ROOT, ...options }).status === 0;
}

/** How to run apt-get as root here: directly, through sudo, or not at all without asking. */
function privilege(unattended: boolean): string[] | undefined {
  if (process.getuid?.() === 0) return [];
  if (spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return unattended ? undefined : ['sudo'];
}

function describe(requirements: Requirement[]): string {
  return requirements.map((requirement) => `${requirement.what} (${requirement.packages.join(' ')})`).join(', ');
}

function installDebianPackages(unattended: boolean): void {
  const missing = missingRequirements();
  if (missing.length === 0) return;
  const sudo = privilege(unattended);
  if (!sudo) {
    throw new SetupError(
      `The tests need Debian packages that are missing: ${describe(missing)}.\n` +
        'Install them (sudo asks for your password) with:\n\n    npm run setup:system\n',
    );
  }
  console.log(`Installing Debian packages for the tests: ${missing.flatMap((r) => r.packages).join(' ')}`);
  const [command, ...prefix] = [...sudo, 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const packages = missing.flatMap((requirement) => requirement.packages);
  if (
    !run(command, [...prefix, 'update', '-qq'], { env }) ||
    !run(command, [...prefix, 'install', '-y', '-qq', ...packages], { env })
  ) {
    throw new SetupError('apt-get could not install the packages above; see its output.');
  }
  const still = missingRequirements();
  if (still.length > 0) throw new SetupError(`Still missing after apt-get: ${describe(still)}.`);
}

/**
 * The headers of the running Node, for node-gyp: beside the binary (a system Node's prefix), in
 * the registry's `node` package, or else fetched from the registry into `scratch` (npm keeps them
 * in its cache; a later `npm install` prunes the copy inside the `node` package).
 */
function nodeHeaders(scratch: string): string {
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const found = [
    resolve(dirname(process.execPath), '..'),
    join(ROOT, 'node_modules/node/node_modules', platformPackage),
  ].find((dir) => existsSync(join(dir, 'include/node/node_api.h')));
  if (found) return found;
  const prefix = join(scratch, 'headers');
  if (
    !run('npm', [
      'install',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--no-save',
      `${platformPackage}@${process.versions.node}`,
    ])
  ) {
    throw new SetupError(
      `Could not fetch the headers of Node ${process.version} (${platformPackage}) from the registry.`,
    );
  }
  return join(prefix, 'node_modules', platformPackage);
}

/**
 * `npm ci` leaves the optional binding out when libkrb5-dev is missing, and installing the
 * Debian package later does not bring it back. It is built in a scratch prefix, against this
 * Node's headers, and moved into node_modules: an `npm install` in the project itself would
 * prune whatever the lockfile does not list, the `node` package's headers among them.
 */
function installKerberosBinding(): void {
  if (kerberosBindingLoads()) return;
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    optionalDependencies: Record<string, string>;
  };
  const version = manifest.optionalDependencies.kerberos;
  const scratch = mkdtempSync(join(tmpdir(), 'xuc-auth-kerberos-'));
  try {
    const env = { ...process.env, npm_config_nodedir: nodeHeaders(scratch) };
    console.log(`Building the kerberos binding ${version} for Node ${process.version}`);
    const prefix = join(scratch, 'kerberos');
    if (
      !run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `kerberos@${version}`], {
        env,
      })
    ) {
      throw new SetupError('npm could not install the kerberos binding; see its output above.');
    }
    const built = join(prefix, 'node_modules/kerberos');
    const target = join(ROOT, 'node_modules/kerberos');
    rmSync(target, { recursive: true, force: true });
    cpSync(built, target, { recursive: true });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!kerberosBindingLoads()) {
    throw new SetupError(`The kerberos binding does not load in Node ${process.version}; see the build output above.`);
  }
}

try {
  installDebianPackages(process.argv.includes('--unattended'));
  installKerberosBinding();
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`\n${error.message}`);
  process.exitCode = 1;
}
