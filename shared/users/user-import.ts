import { availableParallelism, freemem } from 'node:os';
import type { TokenStore } from '../tokens/token-store.ts';
import { revokeAllTokens } from '../tokens/user-tokens.ts';
import { needsRehash, scryptHasher, type PasswordHasher, type ScryptParams } from './passwords.ts';
import { mayLogIn, type User, type UserChanges, type UserStore } from './user-store.ts';
import type { Column, RefusedRow, XivoUserRow, XivoUsersFile } from './xivo-users-csv.ts';

export interface ImportServices {
  users: UserStore;
  tokenStore: TokenStore;
  passwordPolicy: ScryptParams;
  now: () => number;
}

export interface ImportOptions {
  /** Decide everything (passwords verified included), write nothing. */
  dryRun?: boolean;
  /** Disable the users the file does not name, and end their sessions. */
  disableMissing?: boolean;
  /** Rows worked on at a time: each may derive a password, the slow part. */
  concurrency: number;
  hasher?: PasswordHasher;
  /** Called as each row is done, for a progress display. */
  onProgress?: (done: number, total: number) => void;
}

export interface ChangedUser {
  login: string;
  row: number;
  /** What changed: attribute names, `password` when it is a new one, `password hash` when only re-hashed. */
  changes: string[];
  /** Live tokens ended because the password changed or the user may no longer log in. */
  revokedTokens: number;
}

export interface ImportReport {
  dryRun: boolean;
  created: ChangedUser[];
  updated: ChangedUser[];
  unchanged: string[];
  disabled: { login: string; revokedTokens: number }[];
  refused: RefusedRow[];
  /** Users of the file that are disabled here: an import never enables anyone (`users enable` does). */
  stillDisabled: string[];
}

/**
 * How many passwords to derive at once: one per core, within libuv's threadpool (where node's
 * async scrypt runs; the CLI sizes it to the cores) and within half the free memory (scrypt
 * takes 128·N·r bytes each: 128 MiB at the production cost).
 */
export function hashingConcurrency(
  policy: ScryptParams,
  env: Record<string, string | undefined> = process.env,
): number {
  const perHash = 128 * 2 ** policy.logN * policy.r * policy.p;
  const threadpool = Number(env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), threadpool, Math.floor(freemem() / 2 / perHash)));
}

/** Runs `work` on every item, `limit` at a time; stops taking new items after the first failure. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const nullable = (value: string | undefined): string | null => value ?? null;

/** The attributes a row changes on a stored user, the password aside; names only where the file has their column. */
function attributeChanges(row: XivoUserRow, stored: User, columns: Set<Column>): UserChanges {
  const changes: UserChanges = {};
  if (nullable(row.profile) !== nullable(stored.profile)) changes.profile = nullable(row.profile);
  if (row.ctiLoginEnabled !== stored.ctiLoginEnabled) changes.ctiLoginEnabled = row.ctiLoginEnabled;
  for (const name of ['firstname', 'lastname'] as const) {
    if (columns.has(name) && nullable(row[name]) !== nullable(stored[name])) changes[name] = nullable(row[name]);
  }
  return changes;
}

/**
 * Creates or updates the users of an XiVO users file (see `parseXivoUsers`). A row without a
 * password keeps the stored one; a new user without one is created without a password (external
 * logins only, as `users add --no-password`). A password is "unchanged" when it verifies against
 * the stored hash of the current policy, so that a second import writes nothing. Each user is one
 * conditional write, never overwriting a change made since the import read it. A new password, or
 * a change that takes away the right to log in, ends the user's sessions. An import never enables
 * a disabled user.
 */
export async function importUsers(
  services: ImportServices,
  file: XivoUsersFile,
  options: ImportOptions,
): Promise<ImportReport> {
  const { users, tokenStore, passwordPolicy: policy, now } = services;
  const hasher = options.hasher ?? scryptHasher;
  const dryRun = options.dryRun ?? false;
  if (options.disableMissing && file.named.size === 0) {
    throw new Error('The file names no user: --disable-missing would disable every user');
  }
  const stored = new Map((await users.list()).map((user) => [user.login, user]));
  const report: ImportReport = {
    dryRun,
    created: [],
    updated: [],
    unchanged: [],
    disabled: [],
    refused: [...file.refused],
    stillDisabled: [],
  };
  const missing = options.disableMissing
    ? [...stored.values()].filter((user) => !file.named.has(user.login) && !user.disabled)
    : [];
  const total = file.rows.length + missing.length;
  let done = 0;
  const progress = () => options.onProgress?.(++done, total);
  const endSessions = async (login: string) => (dryRun ? 0 : revokeAllTokens(tokenStore, login, now));

  const importRow = async (row: XivoUserRow) => {
    const current = stored.get(row.login);
    const at = new Date(now());
    if (!current) {
      const user: User = {
        login: row.login,
        ctiLoginEnabled: row.ctiLoginEnabled,
        disabled: false,
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
        ...(row.profile !== undefined ? { profile: row.profile } : {}),
        ...(row.firstname !== undefined ? { firstname: row.firstname } : {}),
        ...(row.lastname !== undefined ? { lastname: row.lastname } : {}),
        ...(row.password !== undefined && !dryRun ? { passwordHash: await hasher.hash(row.password, policy) } : {}),
      };
      if (!dryRun && !(await users.create(user))) {
        report.refused.push({ row: row.row, login: row.login, reason: 'the user was created meanwhile; import again' });
        return;
      }
      const changes = row.password === undefined ? ['without a password: external logins only'] : [];
      report.created.push({ login: row.login, row: row.row, changes, revokedTokens: 0 });
      return;
    }
    if (current.disabled) report.stillDisabled.push(row.login);
    const changes = attributeChanges(row, current, file.columns);
    const changed: string[] = Object.keys(changes);
    let newPassword = false;
    if (row.password !== undefined) {
      const same = current.passwordHash ? await hasher.verify(row.password, current.passwordHash) : false;
      if (!same || needsRehash(current.passwordHash ?? '', policy)) {
        newPassword = !same;
        changed.push(same ? 'password hash' : 'password');
        if (!dryRun) changes.passwordHash = await hasher.hash(row.password, policy);
      }
    }
    if (changed.length === 0) {
      report.unchanged.push(row.login);
      return;
    }
    if (!dryRun && !(await users.update(row.login, changes, current.updatedAt, at))) {
      report.refused.push({ row: row.row, login: row.login, reason: 'the user changed meanwhile; import again' });
      return;
    }
    const { profile: _previous, ...rest } = current;
    const after: User = {
      ...rest,
      ctiLoginEnabled: row.ctiLoginEnabled,
      ...(row.profile ? { profile: row.profile } : {}),
    };
    const mayNoLonger = mayLogIn(current) && !mayLogIn(after);
    const revokedTokens = newPassword || mayNoLonger ? await endSessions(row.login) : 0;
    report.updated.push({ login: row.login, row: row.row, changes: changed, revokedTokens });
  };

  await eachLimited(file.rows, options.concurrency, async (row) => {
    await importRow(row);
    progress();
  });
  for (const user of missing) {
    // A user removed since the import listed them has nothing left to disable.
    if (dryRun || (await users.setDisabled(user.login, true, new Date(now())))) {
      report.disabled.push({ login: user.login, revokedTokens: await endSessions(user.login) });
    }
    progress();
  }
  // Rows finish in any order; the report follows the file.
  for (const list of [report.refused, report.created, report.updated]) list.sort((a, b) => a.row - b.row);
  const rowOf = new Map(file.rows.map((row) => [row.login, row.row]));
  for (const list of [report.unchanged, report.stillDisabled])
    list.sort((a, b) => (rowOf.get(a) ?? 0) - (rowOf.get(b) ?? 0));
  return report;
}
