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
    // Tabs and newlines, which URL parsers drop, leave no gap between segments.
    ['/config%09mgt/x', '/configmgt/x'],
    ['/a/%09/b%0A/', '/a/b/'],
    // A percent sign followed by less than two hex digits escapes nothing.
    ['/a/50%25a', '/a/50%a'],
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
    ['no path but a URL', 'https://[::1/configmgt'],
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

  it('strips only the stage the request names, and not a $default one', () => {
    // A custom domain mapped to a named stage puts no stage in the path.
    expect(rule('/configmgt/api', 'prod')).toBe(true);
    expect(rule('/$default/configmgt/api')).toBe(false);
    expect(rule('/prod/configmgt/api')).toBe(false);
  });

  it('answers requests that lack a stage, a route key or a path', () => {
    expect(isSharedTokenRoute({ rawPath: '/configmgt/api' }, PREFIXES)).toBe(true);
    expect(isSharedTokenRoute({ rawPath: '/prod/configmgt/api' }, PREFIXES)).toBe(false);
    expect(isSharedTokenRoute({}, PREFIXES)).toBe(false);
  });

  it('remembers answers per stage and route key, not per path alone', () => {
    expect(rule('/prod/configmgt/api', 'prod')).toBe(true);
    expect(rule('/prod/configmgt/api', '$default')).toBe(false);
    expect(rule('/other', '$default', 'ANY /configmgt/{proxy+}')).toBe(true);
    expect(rule('/other', '$default', 'ANY /other')).toBe(false);
  });

  it('matches every segment of a prefix, and nothing for an empty one', () => {
    expect(isSharedTokenRoute({ rawPath: '/configmgt/api/x' }, ['/configmgt/api/'])).toBe(true);
    expect(isSharedTokenRoute({ rawPath: '/configmgt/other' }, ['/configmgt/api/'])).toBe(false);
    expect(isSharedTokenRoute({ rawPath: '/configmgt/x' }, ['/'])).toBe(false);
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
