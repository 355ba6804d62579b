import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findCredentials } from '../support/log-capture.ts';
import { TEST_ENV } from '../support/test-config.ts';

/** The command lines of the machine's processes (Linux). */
function commandLines(): string[] {
  const lines = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        return ''; // the process ended while the list was read
      }
    });
  if (!lines.some((line) => line.includes('node'))) throw new Error('could not read the process list');
  return lines;
}

describe('npm run demo', () => {
  it('walks every exchange and the authorizer against real peers, then stops everything', { timeout: 120_000 }, () => {
    // As a user runs it: without the test run's own AWS endpoints and stage settings.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !(key in TEST_ENV)),
    );
    const run = spawnSync('npm', ['run', 'demo'], { encoding: 'utf8', timeout: 110_000, env });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const steps = run.stdout.split('\n').filter((line) => /^\s+\[\s*\d+\] /.test(line));
    expect(steps.length).toBe(18);
    expect(steps.filter((line) => line.includes('✔'))).toHaveLength(18);
    for (const exchange of ['POST /login {', 'GET /oidc', 'GET /cas', 'GET /sso']) {
      expect(steps.find((line) => line.includes(exchange))).toMatch(/200 login=alice/);
    }
    // Its calls go through the typed client, which starts from the contract the stack serves.
    expect(steps.find((line) => line.includes('GET /openapi.json'))).toMatch(/200 OpenAPI 3\.1\.\d+, \d+ paths/);
    expect(run.stdout).toContain('18 steps succeeded, 0 failed.');
    // What the demo and its stack print holds no credential (the demo's own password is never echoed).
    expect(findCredentials(`${run.stdout}\n${run.stderr}`.split('\n'), ['alice-password'])).toEqual([]);
    expect(commandLines().some((line) => line.includes('xuc-auth-demo-'))).toBe(false);
  });
});
