import { describe, expect, it } from 'vitest';
import { formatXivoUsers, parseXivoUsers } from '../../shared/users/xivo-users-csv.ts';
import type { User } from '../../shared/users/user-store.ts';

const HEADER = 'username,password,cti_profile_enabled,cti_profile_name';
const PASSWORD = 'twelve-chars-or-more';

describe("XiVO's users CSV", () => {
  it.each([
    ['1', true],
    ['0', false],
    ['true', true],
    ['FALSE', false],
    ['', false],
  ])('reads cti_profile_enabled %j as %s', (flag, enabled) => {
    const profile = enabled ? 'agent' : '';
    const { rows, refused } = parseXivoUsers(`${HEADER}\nalice,,${flag},${profile}\n`);
    expect(refused).toEqual([]);
    expect(rows).toEqual([{ row: 2, login: 'alice', ctiLoginEnabled: enabled, ...(enabled ? { profile } : {}) }]);
  });

  it('reads the header whatever its case, column order and extra columns, with a BOM and LF or CRLF line ends', () => {
    const text = `\uFEFF"LastName",CTI_Profile_Name,x,Username,cti_profile_enabled,Password\r\nDoe,agent,?,alice,1,${PASSWORD}\nRoe,agent,?,bob,0,\r\n\r\n`;
    expect(parseXivoUsers(text).rows).toEqual([
      { row: 2, login: 'alice', ctiLoginEnabled: true, profile: 'agent', lastname: 'Doe', password: PASSWORD },
      { row: 3, login: 'bob', ctiLoginEnabled: false, profile: 'agent', lastname: 'Roe' },
    ]);
  });

  it('keeps a password exactly as written, spaces and quotes included', () => {
    const password = ' "spaced, quoted" ';
    const [row] = parseXivoUsers(`${HEADER}\nalice,"${password.replaceAll('"', '""')}",1,agent\n`).rows;
    expect(row?.password).toBe(password);
  });

  it('counts rows as a spreadsheet shows them: a field over several lines is one row', () => {
    const { refused } = parseXivoUsers(`${HEADER},firstname\na,,1,agent,"two\nlines"\nb,,2,agent,x\n`);
    expect(refused).toEqual([{ row: 3, login: 'b', reason: 'cti_profile_enabled is neither 1/0 nor true/false' }]);
  });

  it('names every login of the file, refused rows included', () => {
    const file = parseXivoUsers(`${HEADER}\nalice,short,1,agent\nbob,,1,agent\nbob,,0,\n`);
    expect([...file.named].sort()).toEqual(['alice', 'bob']);
    expect(file.refused.map((r) => r.row)).toEqual([2, 4]);
  });

  it.each([
    ['', 'The file is empty'],
    ['username,password\nalice,x\n', 'lacks the column(s) cti_profile_enabled, cti_profile_name'],
    [`${HEADER},username\n`, 'names column username twice'],
    [`${HEADER}\n"alice,,1,agent\n`, 'The file is not valid CSV'],
  ])('refuses the whole file %j', (text, message) => {
    expect(() => parseXivoUsers(text)).toThrow(message);
  });

  it('writes what it reads back, quoting only where needed', () => {
    const user = (login: string, extra: Partial<User>): User => ({
      login,
      ctiLoginEnabled: true,
      disabled: false,
      createdAt: '',
      updatedAt: '',
      passwordHash: '$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA',
      ...extra,
    });
    const users = [
      user('alice', { profile: 'Agent, senior', firstname: 'A "quoted"\rname', lastname: 'Line\nbreak' }),
      user('bob', { ctiLoginEnabled: false }),
    ];
    const text = formatXivoUsers(users);
    expect(text).toBe(
      'username,password,cti_profile_enabled,cti_profile_name,firstname,lastname\r\n' +
        'alice,,1,"Agent, senior","A ""quoted""\rname","Line\nbreak"\r\n' +
        'bob,,0,,,\r\n',
    );
    expect(parseXivoUsers(text).rows).toEqual([
      {
        row: 2,
        login: 'alice',
        ctiLoginEnabled: true,
        profile: 'Agent, senior',
        firstname: 'A "quoted"\rname',
        lastname: 'Line\nbreak',
      },
      { row: 3, login: 'bob', ctiLoginEnabled: false },
    ]);
  });
});
