import { randomUUID } from 'node:crypto';
import type { Services } from '../shared/services.ts';
import { hashingConcurrency, importUsers } from '../shared/users/user-import.ts';
import { parseXivoUsers, XIVO_COLUMNS } from '../shared/users/xivo-users-csv.ts';
import type { BenchStack } from './bench-stack.ts';
import { measure } from './harness.ts';
import type { Profile } from './profile.ts';

export interface ImportRun {
  users: number;
  concurrency: number;
  seconds: number;
  usersPerSecond: number;
}

export interface UsersImportResults {
  logN: number;
  /** New users with passwords: one hash each, as many at a time as the CLI derives. */
  created: ImportRun;
  /** The same file again: one verification each, nothing written. */
  unchanged: ImportRun;
  /** New users one at a time, for the gain of using the cores. */
  sequential: ImportRun;
}

/** An XiVO users CSV of `count` new users with passwords, as confd exports them. */
const usersCsv = (count: number): string =>
  [
    XIVO_COLUMNS.join(','),
    ...Array.from(
      { length: count },
      (_, i) => `bench-import-${randomUUID().slice(0, 8)}-${i},pw-${randomUUID()},1,agent,Bench,User ${i}`,
    ),
  ].join('\r\n');

async function timedImport(services: Services, csv: string, concurrency: number): Promise<ImportRun> {
  const file = parseXivoUsers(csv);
  // One call is the whole import: tinybench times it once, with no warm-up (a second run would find the users).
  const { summary } = await measure(() => importUsers(services, file, { concurrency }), { iterations: 1, warmup: 0 });
  const seconds = summary.p50Ns / 1e9;
  return { users: file.rows.length, concurrency, seconds, usersPerSecond: file.rows.length / seconds };
}

/** `users import` through the same service the CLI calls, at the production hashing cost, against the emulators. */
export async function benchUsersImport(stack: BenchStack, profile: Profile): Promise<UsersImportResults> {
  const services = stack.services();
  const { users } = profile.usersImport;
  const concurrency = hashingConcurrency(services.passwordPolicy);
  const csv = usersCsv(users);
  const created = await timedImport(services, csv, concurrency);
  const unchanged = await timedImport(services, csv, concurrency);
  const sequential = await timedImport(services, usersCsv(users), 1);
  return { logN: services.passwordPolicy.logN, created, unchanged, sequential };
}
