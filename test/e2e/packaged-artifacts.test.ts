import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_REGION, localClients } from '../../infra/local/stack.ts';
import { startCasServer, type CasServer } from '../../infra/peers/cas-server.ts';
import { startKdc, type Kdc } from '../../infra/peers/kdc.ts';
import { OIDC_CLIENT, startOidcPeer, type OidcPeer } from '../../infra/peers/oidc-provider.ts';
import { settleAll } from '../../infra/peers/settle.ts';
import { loadConfig } from '../../shared/config.ts';
import { passwordPolicy } from '../../shared/users/passwords.ts';
import { addUser } from '../../shared/users/user-admin.ts';
import { DynamoUserStore } from '../../shared/users/user-store.ts';
import { ifAssigned } from '../support/hooks.ts';
import { OpenApiContract } from '../support/openapi-contract.ts';
import type { GatewayRequest, GatewayResponse, PackagedGateway } from '../support/packaged-gateway.ts';
import { ACCOUNT_ID, type FunctionContainer, type PackagedFunction } from '../support/packaged-functions.ts';
import { startPackagedStage, stopStages, type StageRun } from '../support/packaged-run.ts';
import { PACKAGED_STAGES } from '../support/packaged-stack.ts';
import { allows, authorised, roleGrants, roleStatements, type Grant, type Statement } from '../support/iam-traffic.ts';

const BASE = '/xuc/api/2.0/auth';
const contract = new OpenApiContract();
const work = mkdtempSync(join(tmpdir(), 'xuc-auth-artifacts-'));
const user = { login: `artifact-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}` };
/** Values no log line may hold: the passwords, every credential and token, the generated secrets. */
const secrets: string[] = [user.password];
const answers: { request: GatewayRequest; response: GatewayResponse }[] = [];

/**
 * The exchanges whose roles depend on the stage's options (the OIDC client's and the keytab's
 * secrets): they are driven on the every-option stage, where those options are on.
 */
const OPTION_EXCHANGES = ['CasLambdaFunction', 'OidcLambdaFunction', 'SsoLambdaFunction'];
const EVERY_OPTION = PACKAGED_STAGES['every-option'].settings;
/** The user the CAS server, the OpenID provider and the KDC all know (their seeds call her alice). */
const PEER_USER = 'alice';
const kerberosPassword = `kpw-${randomUUID()}`;
/** A service of the CAS server's loopback pattern. */
const CAS_SERVICE = 'http://localhost:9999/app/';
/**
 * The rotation function's spacing rule (SECRETS_CACHE_TTL + TOKEN_MAX_TTL) at its shortest, so
 * that the stage's signing key may be rotated within the run: its variables say 60 s.
 */
const ROTATION_SPACING = { SECRETS_CACHE_TTL: '0', TOKEN_MAX_TTL: '60', TOKEN_TTL: '60' };
const ROTATION_SPACING_MS = 60_000;

let dev: StageRun;
let everyOption: StageRun;
let cas: CasServer;
let kdc: Kdc;
let oidc: OidcPeer;

/**
 * The default stage (`osls package` with nothing set) with every function started, and the
 * every-option stage with the three exchanges its options turn on, pointed at the real peers the
 * run starts: a CAS server, an OpenID provider, and an MIT KDC of the stage's Kerberos realm.
 */
beforeAll(async () => {
  const endpoints = inject('endpoints');
  await settleAll([
    startCasServer().then((server) => (cas = server)),
    startKdc({ realm: EVERY_OPTION.KERBEROS_REALMS }).then((server) => (kdc = server)),
    startOidcPeer().then((peer) => (oidc = peer)),
  ]);
  dev = await startPackagedStage('default', {
    endpoints,
    work: join(work, 'default'),
    environment: (fn) => ({
      // A low session cap, so that the third login below ends the oldest session (the cap's grants).
      ...(fn.logicalId === 'LoginLambdaFunction' ? { MAX_SESSIONS_PER_USER: '2' } : {}),
      ...(fn.logicalId === 'RotateSigningKeyLambdaFunction' ? ROTATION_SPACING : {}),
    }),
  });
  secrets.push(...dev.secretValues);

  // What the every-option stage names but does not create: the OIDC client's secret and the keytab.
  await kdc.addPrincipal(PEER_USER, kerberosPassword);
  secrets.push(kerberosPassword);
  const service = EVERY_OPTION.KERBEROS_SERVICE.replace('@', '/');
  const keytab = readFileSync(await kdc.exportServiceKeytab(service)).toString('base64');
  secrets.push(keytab, OIDC_CLIENT.clientSecret);
  const { db, secrets: secretsClient } = localClients(endpoints);
  for (const [name, value] of [
    [EVERY_OPTION.OIDC_CLIENT_SECRET_ID, OIDC_CLIENT.clientSecret],
    [EVERY_OPTION.KERBEROS_KEYTAB_SECRET_ID, keytab],
  ] as const) {
    await secretsClient.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  }
  everyOption = await startPackagedStage('every-option', {
    endpoints,
    work: join(work, 'every-option'),
    start: (fn) => OPTION_EXCHANGES.includes(fn.logicalId),
    // Where the peers run (loopback, plain HTTP); the rest is the template's: the realm, the
    // Kerberos service, the audience, the OIDC client, the CAS protocol version, the secrets.
    environment: (fn) => ({
      ALLOW_INSECURE_LOOPBACK: 'true',
      // Each exchange after the first ends the session before it (the cap's grants, each function's).
      MAX_SESSIONS_PER_USER: '1',
      ...(fn.logicalId === 'CasLambdaFunction'
        ? { CAS_SERVER_URL: cas.baseUrl, CAS_ALLOWED_SERVICES: CAS_SERVICE }
        : {}),
      // The provider's accounts carry their login as preferred_username, not as the stage's claim.
      ...(fn.logicalId === 'OidcLambdaFunction'
        ? { OIDC_ISSUER: oidc.issuer, OIDC_LOGIN_CLAIM: 'preferred_username' }
        : {}),
    }),
  });
  secrets.push(...everyOption.secretValues);

  const login = dev.functions.find((fn) => fn.logicalId === 'LoginLambdaFunction') as PackagedFunction;
  const config = loadConfig(dev.variables(login));
  await addUser(
    new DynamoUserStore(db, config.usersTable),
    { ...user, profile: 'agent', ctiLoginEnabled: true },
    // A hash made with older parameters than the function's: the first login replaces it (the
    // users table's conditional UpdateItem grant).
    passwordPolicy(config.passwordScryptLogN - 1),
  );
  const casFunction = everyOption.functions.find((fn) => fn.logicalId === 'CasLambdaFunction') as PackagedFunction;
  await addUser(
    new DynamoUserStore(db, loadConfig(everyOption.variables(casFunction)).usersTable),
    { login: PEER_USER, profile: 'agent', ctiLoginEnabled: true },
    passwordPolicy(config.passwordScryptLogN),
  );
  db.destroy();
  secretsClient.destroy();
}, 180_000);

afterAll(async () => {
  await stopStages([ifAssigned(dev), ifAssigned(everyOption)]);
  await settleAll([
    ifAssigned(cas)?.close() ?? Promise.resolve(),
    ifAssigned(kdc)?.stop() ?? Promise.resolve(),
    ifAssigned(oidc)?.stop() ?? Promise.resolve(),
  ]);
  rmSync(work, { recursive: true, force: true });
}, 30_000);

/** A request to a stage's HTTP API (the default stage's unless told), its answer kept for the contract check. */
async function send(
  request: GatewayRequest,
  gateway: PackagedGateway = dev.gateway,
): Promise<GatewayResponse & { json: Record<string, unknown> }> {
  const response = await gateway.request(request);
  answers.push({ request, response });
  const json = response.headers['content-type']?.includes('json') ? (JSON.parse(response.body) as object) : {};
  return { ...response, json: json as Record<string, unknown> };
}

/** `POST /login` with a JSON body. */
const logIn = (body: string) =>
  send({ method: 'POST', path: `${BASE}/login`, headers: { 'Content-Type': 'application/json' }, body });

describe('the packaged artifacts, each run alone as Lambda runs it', () => {
  it('unpacks each zip alone, outside the repository, where no node_modules can be reached', () => {
    expect(dev.functions.map((fn) => fn.name).sort()).toEqual(
      [
        'authorizer',
        'cas',
        'check',
        'docs',
        'health',
        'login',
        'logout',
        'oidc',
        'rotateSigningKey',
        'sso',
        'tokens',
      ].map((name) => `xuc-auth-dev-${name}`),
    );
    for (const root of [...dev.taskRoots.values(), ...everyOption.taskRoots.values()]) {
      expect(root.startsWith(process.cwd())).toBe(false);
      for (let dir = dirname(root); dir !== dirname(dir); dir = dirname(dir)) {
        expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
      }
    }
  });

  it(`loads every function's handler, as the template's Handler names it, on the runtime's Node`, () => {
    for (const container of [...dev.containers.values(), ...everyOption.containers.values()]) {
      const fn = container.fn;
      expect(fn.runtime).toBe('nodejs24.x');
      expect(container.node).toMatch(/^v24\./);
    }
  });

  it('a wrong password is refused and counted', async () => {
    const refused = await logIn(JSON.stringify({ ...user, password: `${user.password}-wrong` }));
    expect(refused.statusCode).toBe(401);
  });

  it('login issues a token, check renews it, the authorizer admits it, tokens lists it, logout ends it', async () => {
    const login = await logIn(JSON.stringify(user));
    expect(login.statusCode).toBe(200);
    const token = login.json.token as string;
    secrets.push(token);

    const check = await send({ method: 'GET', path: `${BASE}/check`, headers: { 'X-Auth-Token': token } });
    expect(check.statusCode).toBe(200);
    expect(check.json).toMatchObject({ login: user.login });
    const renewed = check.json.token as string;
    secrets.push(renewed);
    expect(renewed).not.toBe(token);

    // Behind the authorizer: it ran, admitted the token, and handed its context to the function.
    dev.gateway.invoked.clear();
    const listed = await send({
      method: 'GET',
      path: `${BASE}/tokens`,
      headers: { Authorization: `Bearer ${renewed}` },
    });
    expect(listed.statusCode).toBe(200);
    expect(dev.gateway.invoked).toEqual(new Set(['xuc-auth-dev-authorizer', 'xuc-auth-dev-tokens']));
    // One session, its current token the renewed one.
    expect(listed.json.tokens).toEqual([expect.objectContaining({ method: 'password', current: true })]);

    const logout = await send({ method: 'POST', path: `${BASE}/logout`, headers: { 'X-Auth-Token': renewed } });
    expect(logout.statusCode).toBe(204);
    // REVOCATION_WINDOW (1 s): then the authorizer refuses the session's tokens, and check does too.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await send({ method: 'GET', path: `${BASE}/tokens`, query: { token: renewed } });
    expect(after.statusCode).toBe(403);
    for (const ended of [token, renewed]) {
      const checked = await send({ method: 'GET', path: `${BASE}/check`, headers: { 'X-Auth-Token': ended } });
      expect(checked.statusCode).toBe(401);
    }
  });

  it('three logins under a cap of two end the oldest session; one token, then all, are revoked', async () => {
    const tokens: string[] = [];
    for (let index = 0; index < 3; index++) {
      const login = await logIn(JSON.stringify(user));
      expect(login.statusCode).toBe(200);
      tokens.push(login.json.token as string);
    }
    secrets.push(...tokens);
    const [, second, third] = tokens as [string, string, string];
    const listed = await send({ method: 'GET', path: `${BASE}/tokens`, headers: { Authorization: `Bearer ${third}` } });
    expect(listed.statusCode).toBe(200);
    const sessions = listed.json.tokens as { id: string; current: boolean }[];
    expect(sessions).toHaveLength(2);
    const other = sessions.find((session) => !session.current) as { id: string };
    const one = await send({
      method: 'DELETE',
      path: `${BASE}/tokens/${other.id}`,
      headers: { Authorization: `Bearer ${third}` },
    });
    expect(one.statusCode).toBe(204);
    const all = await send({ method: 'DELETE', path: `${BASE}/tokens`, headers: { Authorization: `Bearer ${third}` } });
    expect(all.statusCode).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const checked = await send({ method: 'GET', path: `${BASE}/check`, headers: { 'X-Auth-Token': second } });
    expect(checked.statusCode).toBe(401);
  });

  it('docs serves the page and its script, health answers, sso says Kerberos support is not installed', async () => {
    const page = await send({ method: 'GET', path: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('redoc');
    const script = await send({ method: 'GET', path: '/docs/redoc.standalone.js' });
    expect(script.statusCode).toBe(200);
    expect(script.body.length).toBeGreaterThan(100_000);

    const health = await send({ method: 'GET', path: `${BASE}/health` });
    expect(health.statusCode).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok' });

    // The default stage attaches no Kerberos layer: the binding is not in the artifact either.
    expect(dev.functions.find((fn) => fn.name === 'xuc-auth-dev-sso')?.layers).toEqual([]);
    const sso = await send({ method: 'GET', path: `${BASE}/sso`, headers: { Authorization: 'Negotiate YIIC' } });
    expect(sso.statusCode).toBe(503);
    expect(sso.json).toEqual({
      error: 'ServiceUnavailable',
      message: 'Kerberos support is not installed on this server',
    });
  });

  it('the every-option stage trades a CAS ticket, OIDC tokens and a Kerberos ticket from real peers for tokens', async () => {
    const exchanged: Record<string, unknown>[] = [];
    const exchange = async (request: GatewayRequest, credential: string) => {
      secrets.push(credential);
      const answer = await send(request, everyOption.gateway);
      expect(answer.statusCode, `${request.method} ${request.path}: ${answer.body}`).toBe(200);
      expect(answer.json).toEqual({ login: PEER_USER, token: expect.any(String), TTL: Number(EVERY_OPTION.TOKEN_TTL) });
      secrets.push(answer.json.token as string);
      exchanged.push(answer.json);
      return answer;
    };
    const casTicket = async () => {
      const ticket = await cas.ticketFor(CAS_SERVICE);
      return exchange({ method: 'GET', path: `${BASE}/cas`, query: { service: CAS_SERVICE, ticket } }, ticket);
    };

    await casTicket();
    // A JWT access token: the first OIDC exchange binds the provider's subject to the login.
    const jwt = await oidc.mintAccessToken(PEER_USER);
    await exchange({ method: 'GET', path: `${BASE}/oidc`, headers: { Authorization: `Bearer ${jwt}` } }, jwt);
    // An opaque one: introspected with the client secret the function reads from Secrets Manager.
    const opaque = await oidc.mintOpaqueToken(PEER_USER);
    await exchange(
      {
        method: 'POST',
        path: `${BASE}/oidc`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: opaque }),
      },
      opaque,
    );
    // SPNEGO through the Kerberos layer, accepted with the keytab read from Secrets Manager.
    const ccache = await kdc.kinit(PEER_USER, kerberosPassword);
    const negotiate = await kdc.negotiateToken(ccache, EVERY_OPTION.KERBEROS_SERVICE);
    const sso = await exchange(
      { method: 'GET', path: `${BASE}/sso`, headers: { Authorization: `Negotiate ${negotiate}` } },
      negotiate,
    );
    expect(sso.headers['www-authenticate']).toMatch(/^Negotiate \S+$/);
    // The same SPNEGO token again is a replay: refused.
    const replay = await send(
      { method: 'GET', path: `${BASE}/sso`, headers: { Authorization: `Negotiate ${negotiate}` } },
      everyOption.gateway,
    );
    expect(replay.statusCode).toBe(401);
    await casTicket();
    expect(new Set(exchanged.map((answer) => answer.token)).size).toBe(5);
  });

  it('rotateSigningKey rotates the signing key in the four steps Secrets Manager drives, and refuses to rotate too soon', async () => {
    const { secrets: client } = localClients(inject('endpoints'));
    try {
      const rotate = dev.containers.get('xuc-auth-dev-rotateSigningKey') as FunctionContainer;
      const signingKey = dev.resolve({ Ref: 'SigningKeySecret' });
      const schedule = dev.pkg.template.Resources.SigningKeyRotationSchedule?.Properties ?? {};
      const stages = async () =>
        (await client.send(new DescribeSecretCommand({ SecretId: signingKey }))).VersionIdsToStages ?? {};
      /** What Secrets Manager does before it invokes the function: a version for the token, AWSPENDING. */
      const openRotation = async () => {
        const token = randomUUID();
        await client.send(
          new RotateSecretCommand({
            SecretId: signingKey,
            ClientRequestToken: token,
            RotationLambdaARN: dev.resolve(schedule.RotationLambdaARN),
            RotationRules: schedule.RotationRules as { AutomaticallyAfterDays: number },
          }),
        );
        return token;
      };
      const step = (token: string, Step: string) =>
        rotate.invoke({ Step, SecretId: signingKey, ClientRequestToken: token });

      // The key the stack created must have outlived the spacing rule first.
      const current = await client.send(new GetSecretValueCommand({ SecretId: signingKey }));
      await sleep(Math.max(0, (current.CreatedDate?.getTime() ?? 0) + ROTATION_SPACING_MS + 1_000 - Date.now()));
      const token = await openRotation();
      for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
        expect(await step(token, name), name).toEqual({ result: null });
      }
      expect(await stages()).toEqual({ [token]: ['AWSCURRENT'], [current.VersionId as string]: ['AWSPREVIOUS'] });
      const rotated = (await client.send(new GetSecretValueCommand({ SecretId: signingKey }))).SecretString ?? '';
      secrets.push(rotated);
      expect(Buffer.byteLength(rotated)).toBeGreaterThanOrEqual(32);

      // At once again: the new key is younger than the spacing rule, so nothing moves.
      const tooSoon = await openRotation();
      expect((await step(tooSoon, 'createSecret')).error?.errorMessage).toMatch(/too recent/);
      expect((await stages())[token]).toEqual(['AWSCURRENT']);
    } finally {
      client.destroy();
    }
  }, 90_000);

  it('answered as openapi.yaml documents, and logged no password, token or secret value', () => {
    const problems = answers
      .filter(({ request }) => request.path.startsWith(BASE))
      .flatMap(({ request, response }) =>
        contract.check(
          request.method,
          request.path,
          response.statusCode,
          response.body === '' ? undefined : (JSON.parse(response.body) as unknown),
        ),
      );
    expect(problems).toEqual([]);
    const logs = [...dev.containers.values(), ...everyOption.containers.values()]
      .map((container) => container.output())
      .join('\n');
    expect(logs).toContain('"level"');
    for (const value of secrets) expect(logs).not.toContain(value);
  });

  /** A grant on a secret an option names (`Fn::Sub` of a secret ARN): the OIDC client's or the keytab's. */
  const optionSecret = (statement: Statement): Statement => {
    const sub = (statement.Resource as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
    return typeof sub === 'string' && sub.includes(':secret:')
      ? { ...statement, Resource: 'the secret of an option' }
      : statement;
  };

  it("gives cas, oidc and sso the every-option stage's roles on the default stage, the option secrets a placeholder", () => {
    for (const logicalId of OPTION_EXCHANGES) {
      const defaultRole = roleStatements(dev.pkg.template, logicalId);
      expect(defaultRole.map(optionSecret), logicalId).toEqual(
        roleStatements(everyOption.pkg.template, logicalId).map(optionSecret),
      );
      // Unset, an option's secret grant names a secret that exists nowhere.
      for (const statement of defaultRole.filter((candidate) => optionSecret(candidate) !== candidate)) {
        expect((statement.Resource as { 'Fn::Sub': string })['Fn::Sub']).toMatch(/:secret:xuc-auth-no-[\w-]+$/);
      }
    }
  });

  it('least privilege, proven by the recorded traffic: every call allowed by its own role, every grant used', () => {
    const tableArn = (name: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${ACCOUNT_ID}:table/${name}`;
    // IAM checks a secret's ARN; a call may name it by name (the emulator's ARN for one the stack created).
    const created = new Map([...dev.secretArns, ...everyOption.secretArns]);
    const secretArn = (id: string) =>
      id.startsWith('arn:')
        ? id
        : (created.get(id) ?? `arn:aws:secretsmanager:${LOCAL_REGION}:${ACCOUNT_ID}:secret:${id}-AbCdEf`);
    // Each role is proven on the stage where all it grants is used: the option exchanges on the
    // every-option stage (the test above ties their default roles to those), the rest on the default.
    const proven = (run: StageRun, fn: PackagedFunction) =>
      (run === everyOption) === OPTION_EXCHANGES.includes(fn.logicalId);
    const refused: string[] = [];
    const unused: string[] = [];
    const recorded: Record<string, number> = {};
    for (const run of [dev, everyOption]) {
      for (const container of run.containers.values()) {
        const fn = container.fn;
        const grants = roleGrants(run.pkg.template, fn.logicalId, run.resolve);
        const used = new Set<Grant>();
        const calls = container.calls();
        recorded[fn.name] = calls.length;
        for (const call of calls) {
          const request = authorised(call, tableArn, secretArn);
          for (const resource of request.resources) {
            const allowing = grants.filter((grant) => allows(grant, request, resource));
            // The key, not the body: an UpdateItem's values may be a password hash.
            const key = JSON.stringify(call.body.Key ?? call.body.SecretId ?? '');
            if (allowing.length === 0) refused.push(`${fn.name}: ${request.action} ${resource} ${key}`);
            for (const grant of allowing) used.add(grant);
          }
        }
        if (!proven(run, fn)) continue;
        for (const grant of grants) if (!used.has(grant)) unused.push(`${fn.name}: ${grant.action} ${grant.resource}`);
      }
    }
    expect(refused).toEqual([]);
    expect(unused).toEqual([]);
    // Every role of the template is proven on one of the stages.
    expect(
      [dev, everyOption]
        .flatMap((run) => [...run.containers.values()].filter((container) => proven(run, container.fn)))
        .map((container) => container.fn.logicalId)
        .sort(),
    ).toEqual(dev.functions.map((fn) => fn.logicalId).sort());
    // The recorder saw the traffic: the functions that speak to AWS made calls.
    for (const name of ['dev-login', 'dev-rotateSigningKey', 'prod-cas', 'prod-oidc', 'prod-sso']) {
      expect(recorded[`xuc-auth-${name}`], name).toBeGreaterThan(0);
    }
  });
});
