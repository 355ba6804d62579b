import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/sso/handler.ts';
import {
  MAX_SPNEGO_TOKEN_LENGTH,
  SpnegoAcceptor,
  type KerberosSettings,
} from '../../shared/kerberos/spnego-acceptor.ts';
import { services } from '../../shared/services.ts';
import { bodyOf, ensureUser, httpEvent, lambdaContext, testServices, refusal } from '../support/fixtures.ts';
import { ifAssigned } from '../support/hooks.ts';
import { createSecret } from '../support/secrets.ts';
import { startKdc, type Kdc } from '../../infra/peers/kdc.ts';
import { settleAll } from '../../infra/peers/settle.ts';

let kdc: Kdc;
let other: Kdc;
let keytab: string;
let aliceCache: string;
const scratch = mkdtempSync(join(tmpdir(), 'xuc-auth-krb-test-'));

const sso = (authorization?: string) =>
  handler(
    httpEvent({ path: '/xuc/api/2.0/auth/sso', headers: authorization ? { Authorization: authorization } : {} }),
    lambdaContext,
  );

const acceptor = (overrides: Partial<KerberosSettings> = {}) =>
  new SpnegoAcceptor(
    { service: 'HTTP@localhost', keytab, realms: ['EXAMPLE.TEST'], ...overrides },
    testServices().secrets,
  );

beforeAll(async () => {
  await settleAll([
    startKdc({ realm: 'EXAMPLE.TEST' }).then((k) => (kdc = k)),
    startKdc({ realm: 'OTHER.TEST' }).then((k) => (other = k)),
  ]);
  await Promise.all([
    kdc.addPrincipal('alice', 'alicepw'),
    kdc.addPrincipal('bob', 'bobpw'),
    other.addPrincipal('alice', 'otherpw'),
  ]);
  keytab = await kdc.exportServiceKeytab('HTTP/localhost', join(scratch, 'http.keytab'));
  aliceCache = await kdc.kinit('alice', 'alicepw');
  Object.assign(process.env, {
    KERBEROS_SERVICE: 'HTTP@localhost',
    KERBEROS_KEYTAB: keytab,
    KERBEROS_REALMS: 'EXAMPLE.TEST',
    KRB5RCACHEDIR: scratch,
  });
  await ensureUser(services(), 'alice');
}, 60_000);

afterAll(async () => {
  await Promise.all([ifAssigned(kdc)?.stop(), ifAssigned(other)?.stop()]);
});

describe('Kerberos (SPNEGO) exchange against a real KDC', () => {
  it('trades a valid ticket for a Xuc token for the principal, with the mutual-authentication token', async () => {
    const result = await sso(`Negotiate ${await kdc.negotiateToken(aliceCache)}`);
    expect(result.statusCode).toBe(200);
    const body = bodyOf(result);
    expect(body).toEqual({ login: 'alice', token: expect.any(String), TTL: 3600 });
    expect(result.headers?.['www-authenticate']).toMatch(/^Negotiate [A-Za-z0-9+/]+=*$/);
    expect(await services().tokens.verify(body.token as string)).toMatchObject({ login: 'alice', method: 'kerberos' });
  });

  it('answers 401 with WWW-Authenticate: Negotiate when there is no Negotiate token', async () => {
    for (const authorization of [undefined, 'Basic YWxpY2U6cHc=', 'Negotiate']) {
      const result = await sso(authorization);
      expect(result.statusCode).toBe(401);
      expect(result.headers?.['www-authenticate']).toBe('Negotiate');
      expect(bodyOf(result)).toEqual({ error: 'SsoAuthenticationFailed', message: 'Kerberos authentication failed' });
    }
  });

  it.each([
    ['garbage', () => 'garbage!!'],
    ['non-GSS base64', () => Buffer.from('definitely not a GSS token').toString('base64')],
    ['truncated', async () => (await kdc.negotiateToken(aliceCache)).slice(0, 200)],
    ['oversized', () => 'A'.repeat(13_000)],
  ])('answers 401 SsoAuthenticationFailed for a %s token', async (_, make) => {
    const result = await sso(`Negotiate ${await make()}`);
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['www-authenticate']).toBe('Negotiate');
    expect(bodyOf(result).error).toBe('SsoAuthenticationFailed');
  });

  it('examines a token of exactly the length limit and refuses one character more for its length', async () => {
    const atLimit = await refusal(acceptor().accept(`Negotiate ${'A'.repeat(MAX_SPNEGO_TOKEN_LENGTH)}`));
    expect(atLimit.code).toBe('SsoAuthenticationFailed');
    expect((atLimit.cause as Error).message).not.toMatch(/longer than/);
    const over = await refusal(acceptor().accept(`Negotiate ${'A'.repeat(MAX_SPNEGO_TOKEN_LENGTH + 1)}`));
    expect((over.cause as Error).message).toBe(`token longer than ${MAX_SPNEGO_TOKEN_LENGTH} characters`);
  });

  it('refuses a header past the request limit with 400 before any GSS work', async () => {
    const result = await sso(`Negotiate ${'A'.repeat(70_000)}`);
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toBe('InvalidRequest');
  });

  it('refuses the same token a second time (replay cache)', async () => {
    const token = await kdc.negotiateToken(aliceCache);
    expect((await sso(`Negotiate ${token}`)).statusCode).toBe(200);
    const replay = await sso(`Negotiate ${token}`);
    expect(replay.statusCode).toBe(401);
    expect(bodyOf(replay).error).toBe('SsoAuthenticationFailed');
  });

  it('answers 403 UserNotFound for a principal unknown to the user store', async () => {
    const bobCache = await kdc.kinit('bob', 'bobpw');
    const result = await sso(`Negotiate ${await kdc.negotiateToken(bobCache)}`);
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toBe('UserNotFound');
  });

  it('refuses a ticket of a realm outside KERBEROS_REALMS: 401 without its key, 403 with it', async () => {
    const otherCache = await other.kinit('alice', 'otherpw');
    const foreignKeytab = await other.exportServiceKeytab('HTTP/localhost', join(scratch, 'other.keytab'));
    expect((await refusal(acceptor().accept(`Negotiate ${await other.negotiateToken(otherCache)}`))).code).toBe(
      'SsoAuthenticationFailed',
    );

    // A keytab holding both realms' keys: the ticket is genuine, but its realm is not trusted.
    const both = join(scratch, 'both.keytab');
    writeFileSync(both, Buffer.concat([readFileSync(keytab), readFileSync(foreignKeytab).subarray(2)]));
    const error = await refusal(
      acceptor({ keytab: both }).accept(`Negotiate ${await other.negotiateToken(otherCache)}`),
    );
    expect(error.code).toBe('UserNotFound');
    const trusting = await acceptor({ keytab: both, realms: ['EXAMPLE.TEST', 'OTHER.TEST'] }).accept(
      `Negotiate ${await other.negotiateToken(otherCache)}`,
    );
    expect(trusting).toMatchObject({ login: 'alice', principal: 'alice@OTHER.TEST' });
  });

  it('reads the keytab from Secrets Manager (base64), written once to a private file', async () => {
    const secretId = await createSecret(readFileSync(keytab).toString('base64'));
    const fromSecret = acceptor({ keytab: undefined, keytabSecretId: secretId });
    expect(await fromSecret.accept(`Negotiate ${await kdc.negotiateToken(aliceCache)}`)).toMatchObject({
      login: 'alice',
    });
    // The file the acceptor now uses: private to this user, and the very file written at first.
    const written = process.env.KRB5_KTNAME!;
    expect(written).not.toBe(keytab);
    const first = statSync(written);
    expect(first.mode & 0o777).toBe(0o600);
    expect(readFileSync(written)).toEqual(readFileSync(keytab));
    expect(await fromSecret.accept(`Negotiate ${await kdc.negotiateToken(aliceCache)}`)).toMatchObject({
      login: 'alice',
    });
    const second = statSync(process.env.KRB5_KTNAME!);
    expect({ path: process.env.KRB5_KTNAME, ino: second.ino, mtimeMs: second.mtimeMs }).toEqual({
      path: written,
      ino: first.ino,
      mtimeMs: first.mtimeMs,
    });
  });

  it('answers 503 when the keytab is missing', async () => {
    const error = await refusal(
      acceptor({ keytab: join(scratch, 'missing.keytab') }).accept(`Negotiate ${await kdc.negotiateToken(aliceCache)}`),
    );
    expect(error.code).toBe('ServiceUnavailable');
    expect(error.status).toBe(503);
  });

  it('answers 503 saying so when Kerberos support is not installed', async () => {
    const withoutBinding = new SpnegoAcceptor(
      { service: 'HTTP@localhost', keytab, realms: ['EXAMPLE.TEST'] },
      testServices().secrets,
      () => Promise.reject(new Error("Cannot find module 'kerberos'")),
    );
    const error = await refusal(withoutBinding.accept('Negotiate YIIC'));
    expect(error.toJSON()).toEqual({
      error: 'ServiceUnavailable',
      message: 'Kerberos support is not installed on this server',
    });
  });

  it('refuses a ticket for a service key no longer in the keytab', async () => {
    const staleToken = await kdc.negotiateToken(aliceCache);
    const rekeyed = await kdc.exportServiceKeytab('HTTP/localhost', join(scratch, 'rekeyed.keytab'));
    const error = await refusal(acceptor({ keytab: rekeyed }).accept(`Negotiate ${staleToken}`));
    expect(error.code).toBe('SsoAuthenticationFailed');
    const fresh = await kdc.kinit('alice', 'alicepw');
    expect(await acceptor({ keytab: rekeyed }).accept(`Negotiate ${await kdc.negotiateToken(fresh)}`)).toMatchObject({
      login: 'alice',
    });
  });
});
