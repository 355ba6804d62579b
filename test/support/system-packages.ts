import { spawnSync } from 'node:child_process';

/**
 * The real peers some tests talk to come from Debian packages. The suite refuses to run without
 * them rather than skip those tests silently; `npm run setup:system` (or .ci/run) installs them.
 */
const checks: [string, () => boolean][] = [
  ['MIT Kerberos KDC (krb5-kdc, krb5-admin-server, krb5-user)', () => ['krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit'].every(found)],
  ['django-cas-server (python3-django-cas-server)', () => run('/usr/bin/python3', ['-c', 'import django, cas_server'])],
  ['Chromium, for the browser test of /docs (chromium)', () => run('test', ['-x', '/usr/bin/chromium'])],
  ['curl, the SPNEGO client of the end-to-end test (curl)', () => found('curl')],
  ['Java, for DynamoDB Local (default-jre-headless)', () => run('java', ['-version'])],
];

function found(command: string): boolean {
  return run('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`]);
}

function run(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

export function missingSystemPackages(): string[] {
  return checks.filter(([, present]) => !present()).map(([name]) => name);
}

export function assertSystemPackages(): void {
  const missing = missingSystemPackages();
  if (missing.length > 0) {
    throw new Error(
      `The test peers need Debian packages that are missing: ${missing.join(', ')}.\n` +
        'Install them with:  npm run setup:system   (apt-get; see infra/setup-system.sh)',
    );
  }
}
