import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TEST_ENV } from '../support/test-config.ts';

describe('npm run demo', () => {
  it('walks every exchange and the authorizer against real peers, then stops everything', { timeout: 120_000 }, () => {
    // As a user runs it: without the test run's own AWS endpoints and stage settings.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !(key in TEST_ENV)));
    const run = spawnSync('npm', ['run', 'demo'], { encoding: 'utf8', timeout: 110_000, env });
    expect(run.status).toBe(0);
    const steps = run.stdout.split('\n').filter((line) => /^\s+\[\s*\d+\] /.test(line));
    expect(steps.length).toBe(17);
    expect(steps.filter((line) => line.includes('✔'))).toHaveLength(17);
    for (const exchange of ['POST /login {', 'GET /oidc', 'GET /cas', 'GET /sso']) {
      expect(steps.find((line) => line.includes(exchange))).toMatch(/200 login=alice/);
    }
    expect(run.stdout).toContain('17 steps succeeded, 0 failed.');
    expect(spawnSync('pgrep', ['-f', 'xuc-auth-demo-']).status).not.toBe(0);
  });
});
