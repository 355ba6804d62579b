import { describe, expect, it } from 'vitest';
import { canonicalPath } from '../../shared/authorizer/authorize.ts';

describe('canonical paths for route rules', () => {
  it.each([
    ['/configmgt/users', '/configmgt/users'],
    ['//configmgt//users', '/configmgt/users'],
    ['/xuc/../configmgt/x', '/configmgt/x'],
    ['/xuc/./%2E%2E/configmgt/x', '/configmgt/x'],
    ['/%63onfigmgt/x', '/configmgt/x'],
    ['/\\configmgt\\x', '/configmgt/x'],
    ['/\\', '/'],
    ['/xuc/%5C..%5Cconfigmgt/x', '/configmgt/x'],
  ])('%s is seen as %s', (raw, canonical) => {
    expect(canonicalPath(raw)).toBe(canonical);
  });

  it('gives up on undecodable paths', () => {
    expect(canonicalPath('/%E0%A4%A')).toBeUndefined();
  });
});
