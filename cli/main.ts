import type { Readable, Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { ConfigError, XucError } from '../shared/errors.ts';
import { reasonOf } from '../shared/logger.ts';
import packageJson from '../package.json' with { type: 'json' };
import { printer } from './output.ts';
import { secretsCommands } from './secrets.ts';
import { resolveTarget, type Target } from './target.ts';
import { tokensCommands } from './tokens.ts';
import { usersCommands } from './users.ts';

export interface CliIo {
  argv: string[];
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** What every command's action works with. */
export interface CliContext {
  io: CliIo;
  /** The stores the command acts on: resolved only once its arguments have been checked. */
  target(): Target;
  /** Writes the human text, or the data as JSON with --json. */
  print(human: string, data: unknown): void;
}

interface GlobalOptions {
  stage?: string;
  region?: string;
  json?: boolean;
}

const FOOTER = `
Without --stage the commands act on the running local stack (npm start). Passwords are read
from standard input (--password-stdin) or asked for on the terminal, never taken from an argument.`;

/** The whole command line: every command, argument and option is declared, and checked before any store is reached. */
function program(io: CliIo): Command {
  const root = new Command('xuc-auth')
    .description('Administers the users, tokens and secrets of xuc-auth')
    .version(packageJson.version, '-V, --version')
    .option('--stage <stage>', 'act on a deployed stage (standard AWS credentials)')
    .option('--region <region>', 'AWS region of the stage')
    .option('--json', 'machine-readable output')
    .addHelpText('after', FOOTER)
    // Settings below are inherited by every command declared after them.
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  const globals = () => root.opts<GlobalOptions>();
  const context: CliContext = {
    io,
    target: () => resolveTarget({ stage: globals().stage, region: globals().region, env: io.env, cwd: io.cwd }),
    print: (human, data) => printer(globals().json, io.stdout)(human, data),
  };
  usersCommands(root, context);
  tokensCommands(root, context);
  secretsCommands(root, context);
  return root;
}

/** Runs one CLI command; resolves with the process exit code (0 done, 1 failed, 2 misused). */
export async function run(io: CliIo): Promise<number> {
  try {
    await program(io).parseAsync(io.argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already written its message (and the usage) for misuse, help and version.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
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
