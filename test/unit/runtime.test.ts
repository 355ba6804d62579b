import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import packageJson from '../../package.json' with { type: 'json' };

// CloudFormation's short tags (!Ref, !GetAtt) mean nothing here: read the plain settings only.
const serverless = parse(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' }) as {
  provider: { runtime: string };
  custom: { esbuild: { target: string } };
};
const lambdaMajor = /^nodejs(\d+)\.x$/.exec(serverless.provider.runtime)?.[1];

describe('one Node everywhere: the Lambda runtime', () => {
  it('runs the tests on the major version of the functions’ Lambda runtime', () => {
    expect(lambdaMajor).toBeDefined();
    expect(process.versions.node.split('.')[0]).toBe(lambdaMajor);
  });

  it('bundles for it, pins it for the npm scripts, types against it and names it for nvm', () => {
    expect(serverless.custom.esbuild.target).toBe(`node${lambdaMajor}`);
    expect(packageJson.devDependencies.node.split('.')[0]).toBe(lambdaMajor);
    expect(packageJson.devDependencies['@types/node'].split('.')[0]).toBe(lambdaMajor);
    expect(readFileSync('.nvmrc', 'utf8').trim()).toBe(lambdaMajor);
  });
});
