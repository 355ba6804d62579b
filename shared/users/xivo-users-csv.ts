import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { checkPasswordPolicy } from './password-policy.ts';
import { isValidLogin, LOGIN_RULE } from './user-admin.ts';
import type { User } from './user-store.ts';

/**
 * XiVO's users CSV, the format of confd's users import and export: UTF-8, comma-separated,
 * double quotes escaped by doubling, a header row. These are the columns xuc-auth reads and
 * writes; any other column is ignored.
 */
export const XIVO_COLUMNS = [
  'username',
  'password',
  'cti_profile_enabled',
  'cti_profile_name',
  'firstname',
  'lastname',
] as const;
export type Column = (typeof XIVO_COLUMNS)[number];
/** Without these a row cannot say who the user is and whether they may log in; the others may be left out. */
const REQUIRED: readonly Column[] = ['username', 'cti_profile_enabled', 'cti_profile_name'];

/** One valid row: a user as XiVO describes them. */
export interface XivoUserRow {
  /** The row's number as a spreadsheet shows the file: the header is row 1. */
  row: number;
  login: string;
  /** Absent when the cell is empty: an existing user keeps the stored password. */
  password?: string;
  ctiLoginEnabled: boolean;
  profile?: string;
  firstname?: string;
  lastname?: string;
}

export interface RefusedRow {
  row: number;
  login?: string;
  reason: string;
}

export interface XivoUsersFile {
  rows: XivoUserRow[];
  refused: RefusedRow[];
  /** Every login the file names, those of refused rows included: none of them is missing from it. */
  named: Set<string>;
  /** The columns of the header: an optional one left out leaves that attribute as it is stored. */
  columns: Set<Column>;
}

/** XiVO writes 1/0; true/false are accepted too. An empty cell is XiVO's default, off. */
function parseFlag(value: string): boolean | undefined {
  const flag = value.trim().toLowerCase();
  if (flag === '1' || flag === 'true') return true;
  if (flag === '0' || flag === 'false' || flag === '') return false;
  return undefined;
}

const present = (value: string | undefined): string | undefined => (value?.trim() ? value : undefined);

/** The header's columns by name; throws when one xuc-auth needs is missing or a name repeats. */
function columnIndexes(header: string[]): Map<Column, number> {
  const names = header.map((name) => name.trim().toLowerCase());
  const repeated = names.filter((name, i) => name && names.indexOf(name) !== i);
  if (repeated.length > 0) throw new Error(`The header names column ${repeated[0]} twice`);
  const indexes = new Map<Column, number>();
  for (const column of XIVO_COLUMNS) if (names.includes(column)) indexes.set(column, names.indexOf(column));
  const missing = REQUIRED.filter((column) => !indexes.has(column));
  if (missing.length > 0) throw new Error(`The header lacks the column(s) ${missing.join(', ')}`);
  return indexes;
}

/** A row's user, or the reason it is refused (never quoting the password). */
function readRow(row: number, fields: string[], indexes: Map<Column, number>, width: number): XivoUserRow | string {
  if (fields.length !== width) return `it has ${fields.length} field(s) where the header has ${width}`;
  const cell = (column: Column): string => {
    const index = indexes.get(column);
    return index === undefined ? '' : (fields[index] ?? '');
  };
  const login = cell('username');
  if (!isValidLogin(login)) return `username: ${LOGIN_RULE}`;
  const ctiLoginEnabled = parseFlag(cell('cti_profile_enabled'));
  if (ctiLoginEnabled === undefined) return 'cti_profile_enabled is neither 1/0 nor true/false';
  const profile = present(cell('cti_profile_name'));
  if (ctiLoginEnabled && !profile) return 'cti_profile_enabled is on but cti_profile_name is empty';
  const password = cell('password') || undefined;
  if (password !== undefined) {
    try {
      checkPasswordPolicy(password);
    } catch (error) {
      return `password: ${(error as Error).message}`;
    }
  }
  const firstname = present(cell('firstname'));
  const lastname = present(cell('lastname'));
  return {
    row,
    login,
    ctiLoginEnabled,
    ...(password !== undefined ? { password } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(firstname !== undefined ? { firstname } : {}),
    ...(lastname !== undefined ? { lastname } : {}),
  };
}

/** The file's records, as arrays of fields. */
function readRecords(text: string): string[][] {
  let failure: (Error & { lines?: number }) | undefined;
  try {
    return parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
    });
  } catch (error) {
    failure = error as Error;
  }
  // csv-parse's message goes on to quote the field it stopped at, which may be a password: never
  // pass it on, not even as a cause (the CLI prints causes). Its title and the line are enough.
  const title = failure.message.split(':')[0] ?? 'unreadable';
  throw new Error(`The file is not valid CSV: ${title}${failure.lines ? ` at line ${failure.lines}` : ''}`);
}

/**
 * Reads XiVO's users CSV. A file that is not valid CSV or whose header lacks a needed column
 * throws (nothing of it may be applied); a row that is wrong is refused alone, with its number
 * and the reason. A username already seen refuses the later rows.
 */
export function parseXivoUsers(text: string): XivoUsersFile {
  const records = readRecords(text);
  const [header, ...body] = records;
  if (!header) throw new Error('The file is empty: it needs at least the header row');
  const indexes = columnIndexes(header);
  const file: XivoUsersFile = { rows: [], refused: [], named: new Set(), columns: new Set(indexes.keys()) };
  const firstRow = new Map<string, number>();
  body.forEach((fields, i) => {
    const row = i + 2;
    const login = fields[indexes.get('username') ?? -1];
    if (login) file.named.add(login);
    const read = readRow(row, fields, indexes, header.length);
    if (typeof read === 'string') {
      file.refused.push({ row, ...(login ? { login } : {}), reason: read });
      return;
    }
    const first = firstRow.get(read.login);
    if (first !== undefined) {
      file.refused.push({ row, login: read.login, reason: `username ${read.login} is already on row ${first}` });
      return;
    }
    firstRow.set(read.login, row);
    file.rows.push(read);
  });
  return file;
}

/**
 * The users in XiVO's format, header first, the password column left empty: importing it back
 * keeps every stored password. Line ends are CRLF, as RFC 4180 and confd's export write them.
 */
export function formatXivoUsers(users: User[]): string {
  return stringify(
    users.map((user) => ({
      username: user.login,
      password: '',
      cti_profile_enabled: user.ctiLoginEnabled ? '1' : '0',
      cti_profile_name: user.profile ?? '',
      firstname: user.firstname ?? '',
      lastname: user.lastname ?? '',
    })),
    {
      header: true,
      columns: [...XIVO_COLUMNS],
      record_delimiter: '\r\n',
      // A field holding a lone \n or \r must be quoted too: readers take either for a line end.
      quote_record_delimiter: true,
    },
  );
}
