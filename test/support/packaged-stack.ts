import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { privateServiceDir } from '../../infra/local/run-stack.ts';
import { DEFAULTS } from '../../shared/config.ts';
import type { Template } from './cloudformation-spec.ts';

/**
 * The stages the tests package: `osls package` as an operator runs it with nothing set, and a
 * stage with every option on (proxies, OIDC, CAS, the Kerberos layer and keytab secret).
 */
export const PACKAGED_STAGES = {
  default: { stage: 'dev', settings: {} },
  'every-option': {
    stage: 'prod',
    settings: {
      CONFIGMGT_URL: 'https://xivo.example.org/configmgt/',
      RECORDING_URL: 'https://xivo.example.org/recording',
      OIDC_ISSUER: 'https://idp.example.org',
      OIDC_AUDIENCE: 'urn:xuc:api',
      OIDC_LOGIN_CLAIM: 'xivo_login',
      OIDC_CLIENT_ID: 'xuc-web',
      OIDC_CLIENT_SECRET_ID: 'xuc-auth/prod/oidc-client-secret',
      ALARM_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:xuc-auth-alarms',
      ALARM_5XX_PERCENT: '10',
      CAS_SERVER_URL: 'https://cas.example.org/cas',
      CAS_PROTOCOL_VERSION: '2',
      CAS_ALLOWED_SERVICES: 'https://xivo.example.org/',
      KERBEROS_LAYER_ARN: 'arn:aws:lambda:eu-west-1:123456789012:layer:xuc-auth-kerberos:3',
      KERBEROS_KEYTAB_SECRET_ID: 'xuc-auth/prod/keytab',
      KERBEROS_SERVICE: 'HTTP@xuc.example.org',
      KERBEROS_REALMS: 'EXAMPLE.ORG',
      TOKEN_TTL: '600',
      LOG_LEVEL: 'WARN',
      CORS_ALLOWED_ORIGINS: 'https://xivo.example.org,https://cti.example.org:8443',
    },
  },
} as const satisfies Record<string, { stage: string; settings: Record<string, string> }>;
export type PackagedStage = keyof typeof PACKAGED_STAGES;

export interface Package {
  /** The folder `osls package` wrote: one zip per function and the CloudFormation templates. */
  dir: string;
  template: Template;
  /** The template's text, for searches across all of it. */
  raw: string;
}

const ROOT = process.cwd();
/** What the package is made of: a change to any of these makes a new one. */
const INPUTS = ['serverless.yml', 'package-lock.json', 'openapi.yaml', 'functions', 'shared', 'infra'];
/** Variables of the shell that change the template (besides config.ts's): the tests decide them. */
const DEPLOY_SETTINGS =
  /^(AWS_|THROTTLE_|LOG_LEVEL$|CONFIGMGT_URL$|RECORDING_URL$|KERBEROS_LAYER_ARN$|\w+_RESERVED_CONCURRENCY$)/;

/** Not read by osls: the deploy role's template. */
const NOT_PACKAGED = new Set(['infra/deploy']);

const files = (path: string): string[] =>
  NOT_PACKAGED.has(relative(ROOT, path))
    ? []
    : statSync(path).isDirectory()
      ? readdirSync(path)
          .sort()
          .flatMap((name) => files(join(path, name)))
      : [path];

/** A digest of the inputs and the settings: the cache key of a package. */
function digest(settings: Record<string, string>): string {
  const hash = createHash('sha256').update(JSON.stringify(settings));
  for (const file of INPUTS.flatMap((input) => files(join(ROOT, input)))) {
    hash.update(relative(ROOT, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The shell of the test process without any setting that would change the template. */
function cleanEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !(entry[0] in DEFAULTS) && !DEPLOY_SETTINGS.test(entry[0]),
    ),
  );
}

/** Whether the process that wrote the lock still runs (a lock just made or just removed counts as held). */
function holderAlive(lock: string): boolean {
  let text: string;
  try {
    text = readFileSync(lock, 'utf8');
  } catch {
    return true;
  }
  const pid = Number(text);
  if (text === '' || !Number.isInteger(pid)) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `osls package --stage …` of the checkout, for `stage`'s settings, with no AWS account. Test
 * files share one package per stage and content (it is kept in the temporary folder, keyed by a
 * digest of the sources and settings), so that a run packages each stage once however many files
 * read it. osls runs in a private service dir: its build folder never meets another's.
 */
export async function packagedStack(name: PackagedStage): Promise<Package> {
  const { stage, settings } = PACKAGED_STAGES[name];
  const dir = join(tmpdir(), `xuc-auth-package-${name}-${digest({ stage, ...settings })}`);
  const lock = `${dir}.lock`;
  while (!existsSync(dir)) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      // Another test file is packaging this very stage: wait for it, or take over the lock of a
      // process that died (a test that timed out) without removing it.
      if (!holderAlive(lock)) rmSync(lock, { force: true });
      await sleep(250);
      continue;
    }
    try {
      await packageInto(dir, stage, settings);
    } finally {
      rmSync(lock, { force: true });
    }
  }
  const raw = readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
  return { dir, raw, template: JSON.parse(raw) as Template };
}

async function packageInto(dir: string, stage: string, settings: Record<string, string>): Promise<void> {
  const serviceDir = await privateServiceDir(ROOT);
  const output = `${dir}.partial`;
  rmSync(output, { recursive: true, force: true });
  try {
    await promisify(execFile)(
      join(ROOT, 'node_modules/.bin/osls'),
      ['package', '--stage', stage, '--package', output],
      { cwd: serviceDir, env: { ...cleanEnvironment(), ...settings }, maxBuffer: 16 * 1024 * 1024 },
    );
    // Complete or absent: a reader never sees a package being written.
    renameSync(output, dir);
  } finally {
    await rm(serviceDir, { recursive: true, force: true });
    rmSync(output, { recursive: true, force: true });
  }
}
