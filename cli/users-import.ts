import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from './main.ts';
import { hashingConcurrency, importUsers, type ChangedUser, type ImportReport } from '../shared/users/user-import.ts';
import { formatXivoUsers, parseXivoUsers } from '../shared/users/xivo-users-csv.ts';

interface ImportOptions {
  dryRun?: boolean;
  disableMissing?: boolean;
  jobs?: number;
}

/** A whole number of at least 1, for --jobs. */
function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

const changedLine = (verb: string, user: ChangedUser): string => {
  const details = [...user.changes, ...(user.revokedTokens > 0 ? [`${user.revokedTokens} live token(s) revoked`] : [])];
  return `  ${verb.padEnd(10)} ${user.login}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
};

/** The summary: counts first, then one line per user changed or row refused (never a password). */
function summary(report: ImportReport, target: string): string {
  const would = report.dryRun ? 'would be ' : '';
  const counts = [
    `${report.created.length} ${would}created`,
    `${report.updated.length} ${would}updated`,
    `${report.unchanged.length} unchanged`,
    `${report.disabled.length} ${would}disabled`,
    `${report.refused.length} refused`,
  ].join(', ');
  const lines = [
    `${report.dryRun ? 'Dry run, nothing written' : 'Imported'} on ${target}: ${counts}`,
    ...report.created.map((user) => changedLine('created', user)),
    ...report.updated.map((user) => changedLine('updated', user)),
    ...report.disabled.map(({ login, revokedTokens }) =>
      changedLine('disabled', { login, row: 0, changes: [], revokedTokens }),
    ),
    ...report.refused.map(
      ({ row, login, reason }) => `  ${'refused'.padEnd(10)} row ${row}${login ? ` (${login})` : ''}: ${reason}`,
    ),
  ];
  if (report.stillDisabled.length > 0) {
    lines.push(`Disabled here, left disabled (xuc-auth users enable <login>): ${report.stillDisabled.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `users import` and `users export`: XiVO's users CSV in and out. */
export function importExportCommands(users: Command, cli: CliContext): void {
  users
    .command('import')
    .description("creates or updates users from XiVO's users CSV (confd's users export); - reads standard input")
    .argument(
      '<file>',
      'CSV: UTF-8, comma-separated, a header row with username, cti_profile_enabled, cti_profile_name',
    )
    .option('--dry-run', 'reports what would change and writes nothing')
    .option('--disable-missing', 'disables the users the file does not name and ends their sessions')
    .option(
      '--jobs <n>',
      'passwords hashed at a time (default: one per core, within memory); 1 may be faster where the cores are shared',
      positiveInteger,
    )
    .action(async (path: string, options: ImportOptions, command: Command) => {
      const { io } = cli;
      // Typed on a terminal, the file's passwords would be echoed: a pipe or a file only.
      if (path === '-' && io.stdin.isTTY)
        command.error('error: - reads a pipe or a file, not a terminal', { exitCode: 2 });
      const content = path === '-' ? await text(io.stdin) : await readFile(resolve(io.cwd, path), 'utf8');
      const file = parseXivoUsers(content);
      const target = cli.target();
      const { services } = target;
      const concurrency = options.jobs ?? hashingConcurrency(services.passwordPolicy, io.env);
      // A bar with an ETA on a terminal only: hashing takes a fraction of a second per password.
      const bar = (io.stderr as { isTTY?: boolean }).isTTY
        ? new SingleBar(
            {
              stream: io.stderr,
              format: 'Importing users [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted}',
              clearOnComplete: true,
              hideCursor: true,
            },
            Presets.shades_classic,
          )
        : undefined;
      bar?.start(file.rows.length, 0);
      let report: ImportReport;
      try {
        report = await importUsers(services, file, {
          dryRun: options.dryRun ?? false,
          disableMissing: options.disableMissing ?? false,
          concurrency,
          onProgress: (done, total) => {
            bar?.setTotal(total);
            bar?.update(done);
          },
        });
      } finally {
        bar?.stop();
      }
      cli.print(summary(report, target.description), { ...report, concurrency });
      if (report.refused.length > 0) throw new Error(`${report.refused.length} row(s) refused`);
    });

  users
    .command('export')
    .description("writes every user in XiVO's users CSV, with an empty password column")
    .option('--output <file>', 'write to this file instead of standard output')
    .action(async (options: { output?: string }) => {
      const all = await cli.target().services.users.list();
      const csv = formatXivoUsers(all);
      if (!options.output) {
        cli.io.stdout.write(csv);
        return;
      }
      // Names of people: readable by the owner only.
      await writeFile(resolve(cli.io.cwd, options.output), csv, { mode: 0o600 });
      cli.print(`Exported ${all.length} user(s) to ${options.output}\n`, {
        exported: all.length,
        file: options.output,
      });
    });
}
