import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';

describe('configuration', () => {
  it("applies the contract's defaults, named after the stage", () => {
    const config = loadConfig({ STAGE: 'prod' });
    expect(config).toMatchObject({
      tokenTtl: 3600,
      tokenMaxTtl: 86_400,
      tokensTable: 'xuc-auth-prod-tokens',
      usersTable: 'xuc-auth-prod-users',
      signingKeySecretId: 'xuc-auth/prod/signing-key',
      playAuthTokenSecretId: 'xuc-auth/prod/play-auth-token',
      sharedTokenRoutes: ['/configmgt/', '/recording/'],
      upstreamTimeoutMs: 3000,
      allowInsecureLoopback: false,
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      TOKEN_TTL: '600',
      TOKEN_MAX_TTL: '7200',
      TOKENS_TABLE: 't',
      USERS_TABLE: 'u',
      SHARED_TOKEN_ROUTES: ' /a/ , /b/ ,',
      ALLOW_INSECURE_LOOPBACK: 'true',
    });
    expect(config).toMatchObject({
      tokenTtl: 600,
      tokenMaxTtl: 7200,
      tokensTable: 't',
      usersTable: 'u',
      allowInsecureLoopback: true,
    });
    expect(config.sharedTokenRoutes).toEqual(['/a/', '/b/']);
  });

  it.each([
    ['TOKEN_TTL', 'soon'],
    ['TOKEN_TTL', '-5'],
    ['TOKEN_MAX_TTL', '1.5'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
    ['PASSWORD_SCRYPT_LOG_N', '40'],
  ])('refuses %s=%s and names the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('reads CORS_ALLOWED_ORIGINS as whole origins, and refuses anything else', () => {
    expect(loadConfig({}).corsAllowedOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ALLOWED_ORIGINS: 'https://xivo.example.org, http://localhost:8080' }).corsAllowedOrigins,
    ).toEqual(['https://xivo.example.org', 'http://localhost:8080']);
    for (const value of [
      '*',
      'https://xivo.example.org/',
      'https://xivo.example.org/app',
      'xivo.example.org',
      'ftp://h',
    ]) {
      expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: value }), value).toThrow('CORS_ALLOWED_ORIGINS');
    }
  });

  it('refuses the OIDC client secret given both as it is and as a Secrets Manager secret', () => {
    expect(loadConfig({ OIDC_CLIENT_SECRET_ID: 'xuc-auth/prod/oidc' }).oidc.clientSecretId).toBe('xuc-auth/prod/oidc');
    expect(() => loadConfig({ OIDC_CLIENT_SECRET: 's', OIDC_CLIENT_SECRET_ID: 'xuc-auth/prod/oidc' })).toThrow(
      'OIDC_CLIENT_SECRET_ID',
    );
  });

  it('refuses a token lifetime above its own maximum', () => {
    expect(() => loadConfig({ TOKEN_TTL: '7200', TOKEN_MAX_TTL: '3600' })).toThrow('TOKEN_TTL');
  });
});

describe('the README documents the configuration as config.ts has it', () => {
  const section = readFileSync('README.md', 'utf8').split('## Configuration')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map(
    [...section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map(([, name, defaultCell]) => [
      name as string,
      (defaultCell as string).trim(),
    ]),
  );

  it.each(Object.entries(DEFAULTS))('%s, with its default', (name, fallback) => {
    expect(rows.get(name)).toBeDefined();
    if (fallback === undefined) expect(rows.get(name)).toMatch(/^unset\b/);
    else expect(rows.get(name)).toMatch(new RegExp(`^\`${fallback.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\``));
  });

  it('and no variable config.ts does not read', () => {
    expect([...rows.keys()].filter((name) => !(name in DEFAULTS))).toEqual([]);
  });
});
