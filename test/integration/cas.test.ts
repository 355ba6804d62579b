import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/cas/handler.ts';
import {
  CasValidator,
  MAX_SERVICE_LENGTH,
  MAX_TICKET_LENGTH,
  type CasSettings,
} from '../../shared/cas/cas-validator.ts';
import { services } from '../../shared/services.ts';
import { bodyOf, ensureUser, httpEvent, lambdaContext, refusal } from '../support/fixtures.ts';
import { ifAssigned } from '../support/hooks.ts';
import { startHostileServer } from '../support/hostile-server.ts';
import { CAS_USERS, startCasServer, type CasServer } from '../../infra/peers/cas-server.ts';

const SERVICE = 'http://127.0.0.1:9999/app/';
let cas: CasServer;

const exchange = (query: Record<string, string>) =>
  handler(httpEvent({ path: '/xuc/api/2.0/auth/cas', query }), lambdaContext);

const settings = (overrides: Partial<CasSettings> = {}): CasSettings => ({
  serverUrl: cas.baseUrl,
  protocolVersion: 3,
  allowedServices: [SERVICE],
  timeoutMs: 1000,
  allowInsecureLoopback: true,
  ...overrides,
});

beforeAll(async () => {
  cas = await startCasServer();
  Object.assign(process.env, {
    CAS_SERVER_URL: cas.baseUrl,
    CAS_ALLOWED_SERVICES: 'http://127.0.0.1:9999/app/,http://localhost:9999/other/',
    ALLOW_INSECURE_LOOPBACK: 'true',
    UPSTREAM_TIMEOUT_MS: '1000',
  });
  await ensureUser(services(), 'alice');
}, 60_000);

afterAll(async () => {
  await ifAssigned(cas)?.close();
});

describe('CAS exchange against a real CAS server', () => {
  it('trades a fresh service ticket for a Xuc token, recording the released attributes', async () => {
    const ticket = await cas.ticketFor(SERVICE);
    const result = await exchange({ service: SERVICE, ticket });
    expect(result.statusCode).toBe(200);
    const body = bodyOf(result);
    expect(body).toEqual({ login: 'alice', token: expect.any(String), TTL: 3600 });
    const record = await services().tokens.verify(body.token as string);
    expect(record).toMatchObject({ login: 'alice', method: 'cas', attributes: { email: ['alice@example.test'] } });
  });

  it('refuses the same ticket a second time (tickets are single-use)', async () => {
    const ticket = await cas.ticketFor(SERVICE);
    expect((await exchange({ service: SERVICE, ticket })).statusCode).toBe(200);
    const replay = await exchange({ service: SERVICE, ticket });
    expect(replay.statusCode).toBe(401);
    expect(bodyOf(replay)).toEqual({ error: 'CasServerInvalidTicket', message: 'CAS server rejected the ticket' });
  });

  it('refuses a ticket issued for another service', async () => {
    const ticket = await cas.ticketFor('http://localhost:9999/other/page');
    const result = await exchange({ service: SERVICE, ticket });
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result).error).toBe('CasServerInvalidTicket');
  });

  it('refuses a garbage ticket', async () => {
    for (const ticket of ['ST-garbage', 'not-even-a-ticket', '%00<x>']) {
      const result = await exchange({ service: SERVICE, ticket });
      expect(result.statusCode).toBe(401);
      expect(bodyOf(result).error).toBe('CasServerInvalidTicket');
    }
  });

  it('refuses an expired ticket', async () => {
    const shortLived = await startCasServer({ ticketValiditySeconds: 1 });
    try {
      const ticket = await shortLived.ticketFor(SERVICE);
      await sleep(2100);
      const error = await refusal(
        new CasValidator(settings({ serverUrl: shortLived.baseUrl })).validate(SERVICE, ticket),
      );
      expect(error.code).toBe('CasServerInvalidTicket');
    } finally {
      await shortLived.close();
    }
  });

  it('answers 403 UserNotFound for a CAS user unknown to the user store', async () => {
    const ticket = await cas.ticketFor(SERVICE, CAS_USERS.bob);
    const result = await exchange({ service: SERVICE, ticket });
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toBe('UserNotFound');
  });

  it('validates with protocol 2 at /serviceValidate too', async () => {
    const ticket = await cas.ticketFor(SERVICE);
    expect(await new CasValidator(settings({ protocolVersion: 2 })).validate(SERVICE, ticket)).toMatchObject({
      user: 'alice',
    });
  });

  it('answers 503 while CAS is stopped, and recovers by itself when it is back', async () => {
    const ticket = await cas.ticketFor(SERVICE);
    await cas.stop();
    try {
      const result = await exchange({ service: SERVICE, ticket });
      expect(result.statusCode).toBe(503);
      expect(bodyOf(result)).toEqual({ error: 'CasServerUnavailable', message: 'CAS server unavailable' });
    } finally {
      await cas.start();
    }
    expect((await exchange({ service: SERVICE, ticket })).statusCode).toBe(200);
  });
});

describe('CAS request checks', () => {
  it.each([
    ['no parameters', {}],
    ['no ticket', { service: SERVICE }],
    ['no service', { ticket: 'ST-1' }],
    ['an oversized ticket', { service: SERVICE, ticket: `ST-${'x'.repeat(300)}` }],
    ['an oversized service', { service: `${SERVICE}${'x'.repeat(2100)}`, ticket: 'ST-1' }],
    ['a service that is not a URL', { service: 'not a url', ticket: 'ST-1' }],
  ])('answers 400 InvalidRequest for %s', async (_, query) => {
    const result = await exchange(query);
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toBe('InvalidRequest');
  });

  it('examines a service and a ticket of exactly their length limits and refuses one character more', async () => {
    const validator = new CasValidator(settings());
    const service = (length: number) => SERVICE + 'x'.repeat(length - SERVICE.length);
    const ticket = (length: number) => `ST-${'x'.repeat(length - 3)}`;
    // At the limits: sent to CAS, which knows no such ticket.
    const atLimit = await refusal(validator.validate(service(MAX_SERVICE_LENGTH), ticket(MAX_TICKET_LENGTH)));
    expect(atLimit.code).toBe('CasServerInvalidTicket');
    for (const [s, t] of [
      [MAX_SERVICE_LENGTH + 1, MAX_TICKET_LENGTH],
      [MAX_SERVICE_LENGTH, MAX_TICKET_LENGTH + 1],
    ] as const) {
      const over = await refusal(validator.validate(service(s), ticket(t)));
      expect(over.code).toBe('InvalidRequest');
      expect(over.message).toMatch(/is limited to/);
    }
  });

  it.each([
    ['no ticket', SERVICE, undefined, 'The "service" and "ticket" query parameters are required'],
    [
      'an oversized ticket',
      SERVICE,
      `ST-${'x'.repeat(254)}`,
      '"service" is limited to 2048 characters and "ticket" to 256',
    ],
    ['a service that is not a URL', 'not a url', 'ST-1', '"service" must be an absolute URL'],
  ])('says what is wrong with %s', async (_, service, ticket, message) => {
    const error = await refusal(new CasValidator(settings()).validate(service, ticket));
    expect(error.toJSON()).toEqual({ error: 'InvalidRequest', message });
  });

  it('answers 403 ServiceNotAllowed for a service outside the allow-list, without calling CAS', async () => {
    const spy = await startHostileServer((_req, res) => res.end('should not be called'));
    try {
      const validator = new CasValidator(
        settings({ serverUrl: `${spy.origin}/cas`, allowedServices: ['https://app.example.org/xuc/'] }),
      );
      for (const service of [
        'https://evil.example.org/xuc/',
        'https://app.example.org.evil.test/xuc/',
        'https://app.example.org/other/',
        'http://app.example.org/xuc/',
      ]) {
        expect((await refusal(validator.validate(service, 'ST-1'))).code).toBe('ServiceNotAllowed');
      }
      expect(spy.requests()).toBe(0);
      expect((await exchange({ service: 'https://evil.example.org/', ticket: 'ST-1' })).statusCode).toBe(403);
      // A sibling path, another port or userinfo is another service.
      for (const service of [
        'https://app.example.org/xuc-evil/',
        'https://app.example.org:8443/xuc/',
        'https://u@app.example.org/xuc/',
      ]) {
        expect((await refusal(validator.validate(service, 'ST-1'))).code).toBe('ServiceNotAllowed');
      }
      expect(spy.requests()).toBe(0);
    } finally {
      await spy.close();
    }
  });

  it('refuses every service when CAS_ALLOWED_SERVICES is empty, naming the variable, without calling CAS', async () => {
    const spy = await startHostileServer((_req, res) => res.end('should not be called'));
    try {
      const validator = new CasValidator(settings({ serverUrl: `${spy.origin}/cas`, allowedServices: [] }));
      const error = await refusal(validator.validate(SERVICE, 'ST-1'));
      expect(error).toMatchObject({
        code: 'ServiceNotAllowed',
        message: 'No CAS service is allowed: set CAS_ALLOWED_SERVICES',
      });
      expect(spy.requests()).toBe(0);
    } finally {
      await spy.close();
    }
  });

  it('answers 503 with a clear cause when CAS_SERVER_URL is unset', async () => {
    const error = await refusal(new CasValidator(settings({ serverUrl: undefined })).validate(SERVICE, 'ST-1'));
    expect(error.code).toBe('CasServerUnavailable');
    expect((error.cause as Error).message).toContain('CAS_SERVER_URL is unset');
  });
});

describe('CAS answers a real CAS never sends', () => {
  const success = (user: string) =>
    `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>${user}</cas:user></cas:authenticationSuccess></cas:serviceResponse>`;
  const cases: [string, (res: ServerResponse) => void, string][] = [
    [
      'an entity-spoofed cas:user',
      (res) => res.end(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY who "alice">]>${success('&who;')}`),
      'CasServerInvalidResponse',
    ],
    [
      'an HTML page',
      (res) =>
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body><h1>Login</h1><form></form></body></html>'),
      'CasServerInvalidResponse',
    ],
    [
      'a 10 MB body',
      (res) => res.end(`<cas:serviceResponse>${'x'.repeat(10 * 1024 * 1024)}</cas:serviceResponse>`),
      'CasServerInvalidResponse',
    ],
    [
      'a 10 MB body without content-length',
      (res) => {
        const chunk = 'y'.repeat(64 * 1024);
        let sent = 0;
        const push = () => {
          while (sent < 160 && res.write(chunk)) sent += 1;
          if (sent < 160) res.once('drain', push);
          else res.end();
        };
        push();
      },
      'CasServerInvalidResponse',
    ],
    [
      'two users',
      (res) => res.end(success('alice').replace('</cas:user>', '</cas:user><cas:user>admin</cas:user>')),
      'CasServerInvalidResponse',
    ],
    [
      'broken XML',
      (res) => res.end('<cas:serviceResponse><cas:authenticationSuccess><cas:user>alice'),
      'CasServerInvalidResponse',
    ],
    // Found by fuzzing: fast-xml-parser's validator accepts it and its parser then throws.
    ['a lone self-closing tag', (res) => res.end('<A/'), 'CasServerInvalidResponse'],
    ['an empty user', (res) => res.end(success('')), 'CasServerInvalidResponse'],
    ['an HTTP 500', (res) => res.writeHead(500).end('oops'), 'CasServerUnavailable'],
    [
      'a redirect',
      (res) => res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end(),
      'CasServerInvalidResponse',
    ],
    [
      'INTERNAL_ERROR',
      (res) =>
        res.end(
          '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INTERNAL_ERROR">x</cas:authenticationFailure></cas:serviceResponse>',
        ),
      'CasServerUnavailable',
    ],
    ['no answer at all (a hanging connection)', () => undefined, 'CasServerUnavailable'],
  ];

  it.each(cases)('never issues a token for %s', async (_, respond, code) => {
    const hostile = await startHostileServer((_req, res) => respond(res));
    try {
      const validator = new CasValidator(settings({ serverUrl: `${hostile.origin}/cas`, timeoutMs: 500 }));
      const error = await refusal(validator.validate(SERVICE, 'ST-1'));
      expect(error.code).toBe(code);
      expect(error.status).toBeGreaterThanOrEqual(500);
    } finally {
      await hostile.close();
    }
  });

  it.each([
    ['an HTTP 404', (res: ServerResponse) => res.writeHead(404).end('no'), 'CAS answered HTTP 404'],
    ['an HTTP 500', (res: ServerResponse) => res.writeHead(500).end('oops'), 'CAS answered HTTP 500'],
    [
      'a declared body over 64 KB',
      (res: ServerResponse) => res.end(success('alice').padEnd(64 * 1024 + 1)),
      `CAS answer of ${64 * 1024 + 1} bytes`,
    ],
    [
      'an undeclared body over 64 KB',
      (res: ServerResponse) => {
        res.write(success('alice').padEnd(64 * 1024));
        res.end(' ');
      },
      `CAS answer over ${64 * 1024} bytes`,
    ],
    [
      'bytes that are not UTF-8',
      (res: ServerResponse) => res.end(Buffer.from(success('ali\xffce'), 'latin1')),
      'CAS answer unreadable',
    ],
  ])('names the reason of %s for the logs', async (_, respond, reason) => {
    const hostile = await startHostileServer((_req, res) => respond(res));
    try {
      const validator = new CasValidator(settings({ serverUrl: `${hostile.origin}/cas`, timeoutMs: 500 }));
      const error = await refusal(validator.validate(SERVICE, 'ST-1'));
      expect((error.cause as Error).message).toBe(reason);
    } finally {
      await hostile.close();
    }
  });

  it('names an unreachable CAS server and a plain-http one that is not on loopback', async () => {
    // A port that was just listened on and closed: connection refused (fetch blocks port 9 itself).
    const gone = await startHostileServer(() => undefined);
    await gone.close();
    const closed = await refusal(
      new CasValidator(settings({ serverUrl: `${gone.origin}/cas` })).validate(SERVICE, 'ST-1'),
    );
    expect({ code: closed.code, reason: (closed.cause as Error).message }).toEqual({
      code: 'CasServerUnavailable',
      reason: 'CAS unreachable',
    });
    const plain = await refusal(
      new CasValidator(settings({ serverUrl: 'http://cas.example.invalid/cas', timeoutMs: 200 })).validate(
        SERVICE,
        'ST-1',
      ),
    );
    expect({ code: plain.code, reason: (plain.cause as Error).message }).toEqual({
      code: 'CasServerUnavailable',
      reason: 'CAS_SERVER_URL must use https (plain http only for loopback with ALLOW_INSECURE_LOOPBACK=true)',
    });
  });

  it('takes an answer of exactly 64 KB, declared or not', async () => {
    const body = success('alice').padEnd(64 * 1024);
    for (const respond of [
      (res: ServerResponse) => res.end(body),
      (res: ServerResponse) => res.write(body, () => res.end()),
    ]) {
      const server = await startHostileServer((_req, res) => respond(res));
      try {
        expect(await new CasValidator(settings({ serverUrl: server.origin })).validate(SERVICE, 'ST-1')).toMatchObject({
          user: 'alice',
        });
      } finally {
        await server.close();
      }
    }
  });

  it('asks /p3/serviceValidate for protocol 3 and /serviceValidate for protocol 2', async () => {
    const server = await startHostileServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      res.end(success(path === '/cas/p3/serviceValidate' ? 'three' : path === '/cas/serviceValidate' ? 'two' : ''));
    });
    try {
      const validate = (protocolVersion: 2 | 3) =>
        new CasValidator(settings({ serverUrl: `${server.origin}/cas`, protocolVersion })).validate(SERVICE, 'ST-1');
      expect((await validate(3)).user).toBe('three');
      expect((await validate(2)).user).toBe('two');
    } finally {
      await server.close();
    }
  });

  it('accepts a plain, well-formed success from any CAS 3 server', async () => {
    const plain = await startHostileServer((_req, res) => res.end(success('alice')));
    try {
      expect(await new CasValidator(settings({ serverUrl: plain.origin })).validate(SERVICE, 'ST-1')).toEqual({
        user: 'alice',
        attributes: {},
      });
    } finally {
      await plain.close();
    }
  });
});
