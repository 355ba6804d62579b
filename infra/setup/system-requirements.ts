import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Something the tests need from the system, and the Debian packages that provide it. */
export interface Requirement {
  what: string;
  packages: string[];
  present: () => boolean;
}

/**
 * What the real test peers and tools need beyond Node and npm. One list for the test command's
 * own set-up, `npm run setup:system`, and the guard of the test run.
 */
export const REQUIREMENTS: Requirement[] = [
  {
    what: 'MIT Kerberos KDC',
    packages: ['krb5-kdc', 'krb5-admin-server', 'krb5-user'],
    present: () => ['krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit'].every(commandExists),
  },
  {
    what: 'the MIT Kerberos headers the kerberos binding builds against',
    packages: ['libkrb5-dev'],
    present: () => existsSync('/usr/include/gssapi/gssapi.h'),
  },
  {
    what: 'django-cas-server',
    packages: ['python3-django-cas-server'],
    present: () => succeeds('/usr/bin/python3', ['-c', 'import django, cas_server']),
  },
  {
    what: 'Chromium, for the browser test of /docs',
    packages: ['chromium'],
    present: () => existsSync('/usr/bin/chromium'),
  },
  { what: 'curl, the SPNEGO client of the end-to-end test', packages: ['curl'], present: () => commandExists('curl') },
  {
    what: 'Java, for DynamoDB Local',
    packages: ['default-jre-headless'],
    present: () => succeeds('java', ['-version']),
  },
];

export function missingRequirements(): Requirement[] {
  return REQUIREMENTS.filter((requirement) => !requirement.present());
}

/** Whether `kerberos` loads in the Node that runs this process (the binding is optional in npm). */
export function kerberosBindingLoads(): boolean {
  return succeeds(process.execPath, ['-e', "require('kerberos')"]);
}

function commandExists(command: string): boolean {
  return succeeds('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`]);
}

function succeeds(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}
