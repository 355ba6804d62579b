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
    ]) {
      expect(await verifyPassword('pw', broken)).toBe(false);
    }
  });

  it('asks for a re-hash when the policy changes, not otherwise', async () => {
    const hash = await hashPassword('pw', cheap);
    expect(needsRehash(hash, cheap)).toBe(false);
    expect(needsRehash(hash, passwordPolicy(11))).toBe(true);
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
