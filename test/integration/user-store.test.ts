import { describe, expect, it } from 'vitest';
import { XucError } from '../../shared/errors.ts';
import { addUser, ensureUser } from '../../shared/users/user-admin.ts';
import { mayLogIn } from '../../shared/users/user-store.ts';
import { createUser, refusal, testServices, uniqueLogin } from '../support/fixtures.ts';

describe('user store', () => {
  it('adds a user with a hashed password and reads it back', async () => {
    const services = testServices();
    const login = uniqueLogin();
    await addUser(
      services.users,
      { login, password: 'secret-pw', profile: 'supervisor', ctiLoginEnabled: true },
      services.passwordPolicy,
    );
    const user = await services.users.get(login);
    expect(user).toMatchObject({ login, profile: 'supervisor', ctiLoginEnabled: true, disabled: false });
    expect(user?.passwordHash).toMatch(/^\$scrypt\$/);
    expect(JSON.stringify(user)).not.toContain('secret-pw');
    expect(mayLogIn(user)).toBe(true);
  });

  it('refuses a taken login and leaves the first user untouched', async () => {
    const services = testServices();
    const { login } = await createUser(services, { profile: 'first' });
    await refusal(
      addUser(
        services.users,
        { login, password: 'x', profile: 'second', ctiLoginEnabled: true },
        services.passwordPolicy,
      ),
    );
    expect((await services.users.get(login))?.profile).toBe('first');
  });

  it.each(['', 'has space', 'x'.repeat(129), 'semi;colon', 'é'])('refuses the malformed login %j', async (login) => {
    const services = testServices();
    await expect(
      addUser(services.users, { login, password: 'x', profile: 'p', ctiLoginEnabled: true }, services.passwordPolicy),
    ).rejects.toBeInstanceOf(XucError);
  });

  it('ensures a user: adds it once, leaves an existing one as it is, also under concurrent calls', async () => {
    const services = testServices();
    const login = uniqueLogin('ensured');
    const adds = await Promise.all(
      ['first', 'second', 'third'].map((profile) =>
        ensureUser(services.users, { login, profile, ctiLoginEnabled: true }, services.passwordPolicy),
      ),
    );
    expect(adds.filter(Boolean)).toHaveLength(1);
    const kept = (await services.users.get(login))?.profile;
    expect(
      await ensureUser(services.users, { login, profile: 'other', ctiLoginEnabled: false }, services.passwordPolicy),
    ).toBe(false);
    expect((await services.users.get(login))?.profile).toBe(kept);
  });

  it('applies the XiVO rule: CTI login enabled, a profile, not disabled', async () => {
    const services = testServices();
    const { login } = await createUser(services);
    const user = (await services.users.get(login))!;
    expect(mayLogIn({ ...user, ctiLoginEnabled: false })).toBe(false);
    expect(mayLogIn({ ...user, profile: '' })).toBe(false);
    const { profile: _profile, ...withoutProfile } = user;
    expect(mayLogIn(withoutProfile)).toBe(false);
    expect(mayLogIn({ ...user, disabled: true })).toBe(false);
    expect(mayLogIn(undefined)).toBe(false);
  });

  it('disables, re-enables and removes users, answering false for unknown ones', async () => {
    const services = testServices();
    const { login } = await createUser(services);
    expect(await services.users.setDisabled(login, true, new Date())).toBe(true);
    expect((await services.users.get(login))?.disabled).toBe(true);
    expect(await services.users.setDisabled(login, false, new Date())).toBe(true);
    expect(await services.users.remove(login)).toBe(true);
    expect(await services.users.get(login)).toBeUndefined();
    expect(await services.users.remove(login)).toBe(false);
    expect(await services.users.setDisabled(login, true, new Date())).toBe(false);
    expect(await services.users.get(login)).toBeUndefined();
  });

  it('replaces a password hash only if nobody changed it meanwhile', async () => {
    const services = testServices();
    const { login } = await createUser(services);
    const { passwordHash } = (await services.users.get(login))!;
    await services.users.replacePasswordHash(login, 'stale-hash', 'new-hash', new Date());
    expect((await services.users.get(login))?.passwordHash).toBe(passwordHash);
    await services.users.replacePasswordHash(login, passwordHash!, 'new-hash', new Date());
    expect((await services.users.get(login))?.passwordHash).toBe('new-hash');
  });

  it('updates several attributes in one write, removing those set to null, only if nobody changed the user since it was read', async () => {
    const services = testServices();
    const { login } = await createUser(services, { profile: 'agent' });
    const read = (await services.users.get(login))!;
    const later = new Date(Date.parse(read.updatedAt) + 1000);
    expect(await services.users.update(login, { profile: null, firstname: 'Ann' }, 'stale', later)).toBe(false);
    expect(await services.users.get(login)).toEqual(read);
    expect(await services.users.update(uniqueLogin(), { firstname: 'Nobody' }, read.updatedAt, later)).toBe(false);
    expect(
      await services.users.update(
        login,
        { profile: null, ctiLoginEnabled: false, firstname: 'Ann' },
        read.updatedAt,
        later,
      ),
    ).toBe(true);
    const { profile: _gone, ...kept } = read;
    expect(await services.users.get(login)).toEqual({
      ...kept,
      ctiLoginEnabled: false,
      firstname: 'Ann',
      updatedAt: later.toISOString(),
    });
    // The read is stale now: a second writer from the same read is refused.
    expect(await services.users.update(login, { lastname: 'Late' }, read.updatedAt, later)).toBe(false);
  });
});
