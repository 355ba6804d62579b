import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { handler as login } from '../../functions/login/handler.ts';
import { handler as check } from '../../functions/check/handler.ts';
import { handler as oidc } from '../../functions/oidc/handler.ts';
import { handler as cas } from '../../functions/cas/handler.ts';
import { handler as sso } from '../../functions/sso/handler.ts';
import { handler as logout } from '../../functions/logout/handler.ts';
import { handler as tokens } from '../../functions/tokens/handler.ts';
import { parseServiceResponse } from '../../shared/cas/cas-service-response.ts';
import { XucError } from '../../shared/errors.ts';
import { createUser, lambdaContext } from '../support/fixtures.ts';
import { services } from '../../shared/services.ts';
import { throughGateway } from '../support/gateway.ts';
import { ifAssigned } from '../support/hooks.ts';
import { startOidcPeer, OIDC_API_AUDIENCE, type OidcPeer } from '../../infra/peers/oidc-provider.ts';
import { startKdc, type Kdc } from '../../infra/peers/kdc.ts';
import { startHostileServer } from '../support/hostile-server.ts';
import {
  body,
  expectContractAnswer,
  FUZZ,
  FUZZ_CAS_SERVICE,
  headers,
  query,
  requestEvent,
  RUNS,
} from './arbitraries.ts';
import { settleAll } from '../../infra/peers/settle.ts';

let peer: OidcPeer;
let kdc: Kdc;
let cannedCas: Awaited<ReturnType<typeof startHostileServer>>;
const BASE = '/xuc/api/2.0/auth';
// No arbitrary input holds a credential of a user (their passwords are random, the CAS double
// refuses every ticket, the tokens are made up): a 200 would be a token given away.
const EXCHANGE_STATUSES = [400, 401, 403, 429, 502, 503];

beforeAll(async () => {
  await settleAll([startOidcPeer().then((p) => (peer = p)), startKdc().then((k) => (kdc = k))]);
  const scratch = mkdtempSync(join(tmpdir(), 'xuc-auth-fuzz-'));
  // A CAS that always says INVALID_TICKET, so that well-formed requests go the whole way.
  cannedCas = await startHostileServer((_req, res) =>
    res.end(
      '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">no</cas:authenticationFailure></cas:serviceResponse>',
    ),
  );
  Object.assign(process.env, {
    OIDC_ISSUER: peer.issuer,
    OIDC_AUDIENCE: OIDC_API_AUDIENCE,
    CAS_SERVER_URL: `${cannedCas.origin}/cas`,
    CAS_ALLOWED_SERVICES: FUZZ_CAS_SERVICE,
    KERBEROS_SERVICE: 'HTTP@localhost',
    KERBEROS_KEYTAB: await kdc.exportServiceKeytab('HTTP/localhost', join(scratch, 'http.keytab')),
    KERBEROS_REALMS: kdc.realm,
    KRB5RCACHEDIR: scratch,
    ALLOW_INSECURE_LOOPBACK: 'true',
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([ifAssigned(peer)?.stop(), ifAssigned(kdc)?.stop(), ifAssigned(cannedCas)?.close()]);
});

describe(`every exchange answers arbitrary requests by the contract (${RUNS} runs each)`, { timeout: 300_000 }, () => {
  it.each([
    ['POST /login', login, `${BASE}/login`, ['POST']],
    ['GET /check', check, `${BASE}/check`, ['GET']],
    ['GET|POST /oidc', oidc, `${BASE}/oidc`, ['GET', 'POST']],
    ['GET /cas', cas, `${BASE}/cas`, ['GET']],
    ['GET /sso', sso, `${BASE}/sso`, ['GET']],
  ] as const)('%s', async (_, handler, path, methods) => {
    let runs = 0;
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestEvent(path, [...methods]), async (event) => {
        runs += 1;
        const result = await handler(event, lambdaContext);
        seen.set(result.statusCode ?? 0, (seen.get(result.statusCode ?? 0) ?? 0) + 1);
        expectContractAnswer(result, EXCHANGE_STATUSES);
      }),
      FUZZ,
    );
    expect(runs).toBe(RUNS);
    // The inputs reach past the request checks into the credential checks too.
    expect(seen.get(401) ?? 0).toBeGreaterThan(0);
  });

  it.each([
    ['POST /logout', logout, `${BASE}/logout`, 'POST'],
    ['GET|DELETE /tokens', tokens, `${BASE}/tokens`, 'GET'],
  ] as const)('%s behind the authorizer', async (_, handler, path, method) => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(headers, query, body, async (h, q, b) => {
        runs += 1;
        const result = await throughGateway(handler, {
          method,
          path,
          headers: h,
          ...(q ? { query: q } : {}),
          ...(b ?? {}),
        });
        expect([401, 403]).toContain(result.statusCode);
      }),
      FUZZ,
    );
    expect(runs).toBe(RUNS);
  });

  it.each([
    ['POST /logout', logout, 'POST', `${BASE}/logout`],
    ['GET /tokens', tokens, 'GET', `${BASE}/tokens`],
    ['DELETE /tokens', tokens, 'DELETE', `${BASE}/tokens`],
    ['DELETE /tokens/{id}', tokens, 'DELETE', `${BASE}/tokens/{id}`],
  ] as const)('%s behind real credentials, everything else hostile', async (_, handler, method, route) => {
    // A real user token (fresh each run: logout and DELETE /tokens end them) or the shared token,
    // in any of the places a token may be, beside arbitrary headers, query and body.
    const user = await createUser(services());
    const reached = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('user', 'shared'),
        fc.constantFrom('bearer', 'header', 'query'),
        headers,
        query,
        body,
        fc.oneof(fc.string({ maxLength: 40 }), fc.uuid()),
        async (who, place, h, q, b, id) => {
          const token =
            who === 'shared'
              ? inject('playAuthToken')
              : (await services().tokens.issue({ login: user.login, method: 'password' })).token;
          const credential =
            place === 'bearer'
              ? { headers: { ...h, authorization: `Bearer ${token}` } }
              : place === 'header'
                ? { headers: { ...h, 'x-auth-token': token } }
                : { headers: h };
          const result = await throughGateway(handler, {
            method,
            path: route.replace('{id}', encodeURIComponent(id)),
            ...credential,
            ...(place === 'query' ? { query: { ...(q ?? {}), token } } : q ? { query: q } : {}),
            ...(route.endsWith('{id}') ? { pathParameters: { id } } : {}),
            ...(b ?? {}),
          });
          const status = result.statusCode ?? 0;
          const body = JSON.parse(result.body ?? 'null') as Record<string, unknown> | null;
          // API Gateway's own refusals (say, a second, different token among the hostile headers) are not the functions'.
          if ((status === 401 || status === 403) && body && Object.keys(body).join() === 'message') return;
          expectContractAnswer(result, [200, 204, 400, 404, 503]);
          reached.set(status, (reached.get(status) ?? 0) + 1);
        },
      ),
      { ...FUZZ, numRuns: Math.ceil(RUNS / 10) },
    );
    // The functions themselves were reached, with a valid credential, and answered.
    const answered = [...reached.values()].reduce((sum, n) => sum + n, 0);
    expect(answered).toBeGreaterThan(Math.ceil(RUNS / 10) / 4);
  });

  it('parses any CAS answer into a user or a contract error, never anything else', () => {
    const xmlish = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .tuple(
          fc.string({ maxLength: 40 }),
          fc.constantFrom(
            '<cas:serviceResponse>',
            '<cas:user>',
            '<!DOCTYPE x>',
            '<cas:authenticationSuccess>',
            '&amp;',
          ),
          fc.string({ maxLength: 40 }),
        )
        .map((p) => p.join('')),
      fc
        .string({ maxLength: 30 })
        .map(
          (user) =>
            `<cas:serviceResponse xmlns:cas="x"><cas:authenticationSuccess><cas:user>${user}</cas:user></cas:authenticationSuccess></cas:serviceResponse>`,
        ),
    );
    let runs = 0;
    fc.assert(
      fc.property(xmlish, (text) => {
        runs += 1;
        let identity: ReturnType<typeof parseServiceResponse> | undefined;
        let error: unknown;
        try {
          identity = parseServiceResponse(text);
        } catch (thrown) {
          error = thrown;
        }
        if (identity) {
          expect(identity.user.length).toBeGreaterThan(0);
        } else {
          expect(error).toBeInstanceOf(XucError);
          expect(['CasServerInvalidResponse', 'CasServerInvalidTicket', 'CasServerUnavailable']).toContain(
            (error as XucError).code,
          );
        }
      }),
      FUZZ,
    );
    expect(runs).toBe(RUNS);
  });
});
