import { describe, expect, it } from 'vitest';
import { canonicalPath, isSharedTokenRoute } from '../../shared/authorizer/shared-token-routes.ts';

describe('canonical paths for route rules', () => {
  it.each([
    ['/configmgt/users', '/configmgt/users'],
    ['//configmgt//users', '/configmgt/users'],
    ['/xuc/../configmgt/x', '/configmgt/x'],
    ['/xuc/./%2E%2E/configmgt/x', '/configmgt/x'],
    ['/%63onfigmgt/x', '/configmgt/x'],
    ['/\\configmgt\\x', '/configmgt/x'],
    ['/\\', '/'],
  ])('%s is seen as %s', (raw, canonical) => {
    expect(canonicalPath(raw)).toBe(canonical);
  });

  it.each([
    ['undecodable', '/%E0%A4%A'],
    ['an encoded NUL', '/configmgt%00/x'],
    ['an encoded slash', '/configmgt%2Fx'],
    ['an encoded backslash', '/xuc/%5C..%5Cconfigmgt/x'],
    ['a double encoding', '/%2563onfigmgt/x'],
    ['a double-encoded slash', '/configmgt%252Fx'],
  ])('gives up on %s path: %s', (_, raw) => {
    expect(canonicalPath(raw)).toBeUndefined();
  });
});

describe('routes that admit only the shared token', () => {
  const PREFIXES = ['/configmgt/', '/recording/'];
  const rule = (rawPath: string, stage = '$default', routeKey = '$default') =>
    isSharedTokenRoute({ rawPath, routeKey, requestContext: { stage } }, PREFIXES);

  it.each([
    ['/configmgt/api/1.0/users'],
    ['/configmgt'],
    ['/Configmgt/api'],
    ['/RECORDING/x'],
    ['/configmgt;a=b/api'],
    ['/x/../configmgt/api'],
    ['//configmgt//api'],
  ])('covers %s', (path) => {
    expect(rule(path)).toBe(true);
  });

  it('strips a named stage from the path, as API Gateway puts it there', () => {
    expect(rule('/prod/configmgt/api', 'prod')).toBe(true);
    expect(rule('/prod/Configmgt;x/api', 'prod')).toBe(true);
    expect(rule('/prod/xuc/api/2.0/auth/tokens', 'prod')).toBe(false);
  });

  it('reads the route key too, for an authorizer attached to a proxy route', () => {
    expect(rule('/anything', '$default', 'ANY /configmgt/{proxy+}')).toBe(true);
  });

  it.each([['/configmgtx/api'], ['/config/mgt'], ['/xuc/api/2.0/auth/tokens'], ['/'], ['/api/configmgt/x']])(
    'leaves %s to user tokens',
    (path) => {
      expect(rule(path)).toBe(false);
    },
  );

  it.each([['/configmgt%00/api'], ['/%2563onfigmgt/api'], ['/x%2F..%2Fconfigmgt/api']])(
    'refuses the ambiguous %s',
    (path) => {
      expect(rule(path)).toBeUndefined();
    },
  );
});
