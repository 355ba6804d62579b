import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError, XucError } from '../shared/errors.ts';
import { reasonOf } from '../shared/logger.ts';
import { secretsCommand } from './secrets.ts';
import { tokensCommand } from './tokens.ts';
import { usersCommand } from './users.ts';
import { resolveTarget, UsageError } from './target.ts';

export interface CliIo {
  argv: string[];
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  cwd: string;
}

export const USAGE = `Usage: xuc-auth [--stage <stage>] [--region <region>] [--json] <command>

Users
  users add <login> --profile <profile> [--no-cti-login] [--password-stdin | --no-password]
  users list
  users show <login>
  users disable <login>      also revokes the user's live tokens
  users enable <login>
  users remove <login>       also revokes the user's live tokens

Tokens
  tokens list [<login>]      live tokens (never their values)
  tokens revoke <token-id>
  tokens revoke-all <login>  every token issued before now, even one being issued elsewhere

Secrets
  secrets rotate signing-key | play-auth-token
                             the new version is current at once; the previous one stays
                             accepted until the next rotation

Without --stage the commands act on the running local stack (npm start). Passwords are read
from standard input (--password-stdin) or asked for on the terminal, never taken from an argument.
`;

const OPTIONS = {
  stage: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'no-cti-login': { type: 'boolean', default: false },
  'password-stdin': { type: 'boolean', default: false },
  'no-password': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export type CliOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Runs one CLI command; resolves with the process exit code (0 done, 1 failed, 2 misused). */
export async function run(io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: io.argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [group, action, ...rest] = positionals;
  if (values.help || !group) {
    io.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    const commands = { users: usersCommand, tokens: tokensCommand, secrets: secretsCommand };
    if (!Object.hasOwn(commands, group)) throw new UsageError(`Unknown command "${group}"`);
    const command = commands[group as keyof typeof commands];
    const target = resolveTarget({ stage: values.stage, region: values.region, env: io.env, cwd: io.cwd });
    await command(action, rest, values, target, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`Error: ${describe(error)}\n`);
    return 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof XucError && error.code === 'ServiceUnavailable') {
    return `cannot reach the stores (${reasonOf(error.cause)}); is the local stack running (npm start), or are the AWS credentials and region right?`;
  }
  if (error instanceof XucError || error instanceof ConfigError) return error.message;
  return reasonOf(error);
}
