import { describe, expect, it } from 'vitest';
import { OpenApiContract } from '../support/openapi-contract.ts';

const contract = new OpenApiContract();
const BASE = '/xuc/api/2.0/auth';

describe('the OpenAPI contract checker', () => {
  it('accepts answers that follow the spec', () => {
    expect(contract.check('POST', `${BASE}/login`, 200, { login: 'a', token: 't', TTL: 60 })).toEqual([]);
    expect(
      contract.check('POST', `${BASE}/login`, 401, {
        error: 'InvalidCredentials',
        message: 'Invalid username or password',
      }),
    ).toEqual([]);
    expect(contract.check('DELETE', `${BASE}/tokens/0b7e2f4e-8a3c-4d5e-9f10-1a2b3c4d5e6f`, 204, undefined)).toEqual([]);
    expect(
      contract.check('GET', `${BASE}/tokens`, 200, {
        tokens: [
          {
            id: '0b7e2f4e-8a3c-4d5e-9f10-1a2b3c4d5e6f',
            session: '0b7e2f4e-8a3c-4d5e-9f10-1a2b3c4d5e6f',
            startedAt: '2026-11-28T10:00:00.000Z',
            method: 'password',
            issuedAt: '2026-11-28T10:00:00.000Z',
            expiresAt: '2026-11-28T11:00:00.000Z',
            current: true,
          },
        ],
      }),
    ).toEqual([]);
  });

  it('refuses what the spec does not say', () => {
    expect(contract.check('POST', `${BASE}/login`, 200, { login: 'a', token: 't' })).not.toEqual([]);
    expect(contract.check('POST', `${BASE}/login`, 401, { error: 'NoSuchCode', message: 'x' })).not.toEqual([]);
    expect(
      contract.check('POST', `${BASE}/login`, 401, { error: 'InvalidToken', message: 'x', stack: 'at x' }),
    ).not.toEqual([]);
    expect(contract.check('POST', `${BASE}/login`, 418, {})).toEqual([
      `POST ${BASE}/login: status 418 is not documented`,
    ]);
    expect(
      contract.check('GET', `${BASE}/tokens`, 200, {
        tokens: [{ id: 'not-a-uuid', method: 'password', issuedAt: 'x', expiresAt: 'y', current: true }],
      }),
    ).not.toEqual([]);
    expect(contract.check('GET', '/nowhere', 200, {})).toEqual(['GET /nowhere: no such path in the spec']);
  });
});
