import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as authorizer } from '../../functions/authorizer/handler.ts';
import { services } from '../../shared/services.ts';
import { authorizerEvent, createUser, postLogin } from '../support/fixtures.ts';

interface Emf {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

const lines: string[] = [];
const write = process.stdout.write.bind(process.stdout);

beforeAll(() => {
  const next = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = (chunk: unknown, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return next(chunk, ...rest);
  };
});
afterAll(() => {
  process.stdout.write = write;
});

const emitted = (): Emf[] => lines.filter((line) => line.startsWith('{"_aws"')).map((line) => JSON.parse(line) as Emf);
const find = (name: string, dimensions: Record<string, string>) =>
  emitted().find(
    (emf) =>
      emf._aws.CloudWatchMetrics[0]?.Metrics.some((metric) => metric.Name === name) &&
      Object.entries(dimensions).every(([key, value]) => emf[key] === value),
  );

describe('metrics (EMF, namespace XucAuth)', () => {
  it('counts tokens issued and failures by method, and times exchanges', async () => {
    const user = await createUser(services());
    const post = (password: string) => postLogin({ login: user.login, password });
    await post(user.password);
    await post('wrong');

    const issued = find('TokensIssued', { Method: 'password' });
    expect(issued?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'XucAuth',
      Metrics: [{ Name: 'TokensIssued', Unit: 'Count' }],
    });
    expect(issued?.TokensIssued).toBe(1);
    expect(find('ExchangeFailures', { Method: 'password', ErrorCode: 'InvalidCredentials' })).toBeDefined();
    const latency = find('ExchangeLatency', { Method: 'password', Outcome: 'success' });
    expect(latency?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'ExchangeLatency', Unit: 'Milliseconds' }]);
    expect(latency?.ExchangeLatency).toBeGreaterThan(0);
  });

  it('counts authorizer denials by a small set of reasons', async () => {
    await authorizer(authorizerEvent({ headers: { 'x-auth-token': 'forged' } }));
    await authorizer(authorizerEvent({})).catch(() => undefined);
    await authorizer(authorizerEvent({ path: '/configmgt/x', headers: { 'x-auth-token': 'forged' } }));
    expect(find('AuthorizerDenials', { Reason: 'InvalidToken' })).toBeDefined();
    expect(find('AuthorizerDenials', { Reason: 'NoToken' })).toBeDefined();
    expect(find('AuthorizerDenials', { Reason: 'SharedTokenRoute' })).toBeDefined();
  });
});
