import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, passwordPolicy, verifyPassword } from '../../shared/users/passwords.ts';
import { loadConfig } from '../../shared/config.ts';

const cheap = passwordPolicy(10);

describe('password hashing', () => {
  it('makes a self-describing scrypt PHC string with a fresh salt each time', async () => {
    const first = await hashPassword('correct horse', cheap);
    const second = await hashPassword('correct horse', cheap);
    expect(first).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(first).not.toBe(second);
  });

  it('accepts the right password and refuses any other', async () => {
    const hash = await hashPassword('correct horse', cheap);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('treats canonically equivalent Unicode passwords as one', async () => {
    const hash = await hashPassword('caf\u00e9', cheap);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it('never matches a malformed or truncated stored hash', async () => {
    const hash = await hashPassword('pw', cheap);
    for (const broken of [
      '',
      'plain',
      hash.slice(0, -30),
      hash.replace('ln=10', 'ln=99'),
      hash.replace('$scrypt$', '$argon2id$'),
      `x${hash}`,
      `${hash}$x`,
      hash.replace('ln=10', 'ln=0'),
      hash.replace('ln=10', 'ln=23'),
      hash.replace('r=8', 'r=0'),
      hash.replace('p=1', 'p=0'),
    ]) {
      expect(await verifyPassword('pw', broken)).toBe(false);
    }
  });

  it('derives with the parameters it names, as scrypt itself does', async () => {
    for (const params of [cheap, { logN: 1, r: 1, p: 1 }, { logN: 4, r: 10, p: 10 }, { logN: 16, r: 8, p: 2 }]) {
      const hash = await hashPassword('pw', params);
      const [, , , salt, derived] = hash.split('$') as [string, string, string, string, string];
      const N = 2 ** params.logN;
      const expected = scryptSync('pw', Buffer.from(salt, 'base64'), 32, { ...params, N, maxmem: 2 ** 27 });
      expect(Buffer.from(derived, 'base64')).toEqual(expected);
      expect(await verifyPassword('pw', hash)).toBe(true);
    }
  });

  it('checks a stored hash of 16 bytes, and none shorter', async () => {
    const salt = Buffer.alloc(16, 7);
    const encode = (length: number) =>
      `$scrypt$ln=10,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$` +
      scryptSync('pw', salt, length, { N: 1024, r: 8, p: 1 }).toString('base64').replace(/=+$/, '');
    expect(await verifyPassword('pw', encode(16))).toBe(true);
    expect(await verifyPassword('pw', encode(15))).toBe(false);
  });

  it('asks for a re-hash when the policy changes, not otherwise', async () => {
    const hash = await hashPassword('pw', cheap);
    expect(needsRehash(hash, cheap)).toBe(false);
    expect(needsRehash(hash, passwordPolicy(11))).toBe(true);
    expect(needsRehash(hash, { ...cheap, r: 4 })).toBe(true);
    expect(needsRehash(hash, { ...cheap, p: 2 })).toBe(true);
    expect(needsRehash('garbage', cheap)).toBe(true);
  });

  it("defaults to OWASP's scrypt level (N=2^17, r=8, p=1)", async () => {
    const policy = passwordPolicy(loadConfig({}).passwordScryptLogN);
    expect(policy).toEqual({ logN: 17, r: 8, p: 1 });
    const hash = await hashPassword('pw', policy);
    expect(hash.startsWith('$scrypt$ln=17,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('pw', hash)).toBe(true);
  });
});
