import fc from 'fast-check';
import type { HttpResult } from '../../shared/http/responses.ts';
import { ERRORS, type ErrorCode } from '../../shared/errors.ts';
import { httpEvent } from '../support/fixtures.ts';

/** How many runs each property gets (the hardening goal is at least 10,000). */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/**
 * fast-check options: CI replays one fixed seed so that a landing never hangs on luck; runs
 * elsewhere explore new inputs each time (a failure prints the seed that replays it, for FUZZ_SEED).
 */
const seed = process.env.FUZZ_SEED ?? (process.env.CI ? '20261128' : undefined);
export const FUZZ = { numRuns: RUNS, ...(seed ? { seed: Number(seed) } : {}) };

const base64url = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
  maxLength: 60,
});
const jwtLike = fc
  .tuple(
    fc.constantFrom('eyJhbGciOiJIUzI1NiJ9', 'eyJhbGciOiJub25lIn0', 'eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ'),
    base64url,
    base64url,
  )
  .map((parts) => parts.join('.'));
const anyText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  jwtLike,
  fc.constantFrom('', ' ', 'null', '{}', '[]', '%00', '\u0000', '\uFFFD', 'ST-1', 'admin', 'x'.repeat(20_000)),
);

export const headerValue = fc.oneof(
  anyText,
  anyText.map((v) => `Bearer ${v}`),
  anyText.map((v) => `Negotiate ${v}`),
  fc.base64String({ maxLength: 200 }).map((v) => `Negotiate ${v}`),
  jwtLike.map((v) => `Bearer ${v}`),
);

export const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom('authorization', 'Authorization', 'x-auth-token', 'X-AUTH-TOKEN', 'content-type', 'cookie'),
    fc.string({ maxLength: 20 }),
  ),
  headerValue,
  { maxKeys: 5 },
);

/** The CAS service the fuzzed stage allows (CAS_ALLOWED_SERVICES). */
export const FUZZ_CAS_SERVICE = 'https://app.example.org/xuc';

export const query = fc.option(
  fc.oneof(
    fc.dictionary(
      fc.oneof(fc.constantFrom('token', 'service', 'ticket', 'limit', 'cursor'), fc.string({ maxLength: 10 })),
      anyText,
      {
        maxKeys: 4,
      },
    ),
    // Shaped like a CAS callback, for an allowed service or any other, so that requests get as far as the CAS server.
    fc.record({
      service: fc.oneof(
        fc.webUrl({ withQueryParameters: true }),
        fc.webPath().map((path) => `${FUZZ_CAS_SERVICE}${path}`),
      ),
      ticket: anyText,
    }),
  ),
  { nil: undefined },
);

const loginShaped = fc.record(
  {
    login: fc.oneof(anyText, fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
    password: fc.oneof(anyText, fc.integer(), fc.boolean(), fc.object({ maxDepth: 1 })),
    expiration: fc.oneof(fc.integer(), fc.double(), anyText),
    token: fc.oneof(anyText, jwtLike, fc.integer()),
    softwareType: anyText,
  },
  { requiredKeys: [] },
);

export const body = fc.option(
  fc.oneof(
    anyText.map((text) => ({ body: text, isBase64Encoded: false })),
    fc.json({ maxDepth: 3 }).map((text) => ({ body: text, isBase64Encoded: false })),
    loginShaped.map((value) => ({ body: JSON.stringify(value), isBase64Encoded: false })),
    fc
      .uint8Array({ maxLength: 300 })
      .map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
  ),
  { nil: undefined },
);

/** Any request the gateway could hand a function. */
export const requestEvent = (path: string, methods: string[]) =>
  fc
    .record({ method: fc.constantFrom(...methods), headers, query, body })
    .map(({ method, headers: h, query: q, body: b }) =>
      httpEvent({ method, path, headers: h, ...(q ? { query: q } : {}), ...(b ?? {}) }),
    );

const LEAK = /\bat .+\(|node_modules|\/work\/|Error:|ECONN|stack|undefined/;

const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(ERRORS, value);

/** Every answer follows the contract: a known status, and for errors exactly `{error, message}` matching it. */
export function expectContractAnswer(result: HttpResult, allowed: number[]): void {
  if (!allowed.includes(result.statusCode ?? 0)) throw new Error(`status ${result.statusCode}: ${result.body}`);
  if ((result.statusCode ?? 0) < 400) return;
  const body = JSON.parse(result.body ?? '') as Record<string, unknown>;
  if (Object.keys(body).sort().join() !== 'error,message')
    throw new Error(`not the contract's error shape: ${result.body}`);
  const code = body.error;
  if (!isErrorCode(code) || ERRORS[code][0] !== result.statusCode)
    throw new Error(`${String(code)} with status ${result.statusCode}`);
  if (code === 'UnhandledError') throw new Error(`500 for client input: ${result.body}`);
  if (typeof body.message !== 'string' || LEAK.test(body.message))
    throw new Error(`internal detail in: ${result.body}`);
}
