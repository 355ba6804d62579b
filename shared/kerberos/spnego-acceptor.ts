import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config.ts';
import { XucError } from '../errors.ts';
import { onceUntilFailure } from '../retry-on-failure.ts';

/** The part of the native `kerberos` binding (MIT krb5 through GSS-API) this service uses. */
interface KerberosBinding {
  initializeServer(service: string): Promise<{ step(token: string): Promise<string>; username: string; contextComplete: boolean }>;
}

export type KerberosSettings = Config['kerberos'];

export interface AcceptedPrincipal {
  login: string;
  principal: string;
  /** The GSS reply for mutual authentication, when the mechanism produced one. */
  mutualToken?: string;
}

// Large enough for tickets with big authorization data, below the 16 KB header limit.
const MAX_TOKEN_LENGTH = 12 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const NEGOTIATE = { 'www-authenticate': 'Negotiate' };

/** 401 with the challenge that starts (or restarts) the Negotiate handshake (RFC 4559). */
const authenticationFailed = (reason: string, cause?: unknown) =>
  new XucError('SsoAuthenticationFailed', { cause: new Error(reason, { cause }), headers: NEGOTIATE });
const notReady = (message: string, cause?: unknown) => new XucError('ServiceUnavailable', { message, cause });

// The binding is native and optional: a machine without the Kerberos headers installs without
// it, and then only this exchange is unavailable.
const moduleName = 'kerberos';
let binding: Promise<KerberosBinding> | undefined;
function loadBinding(): Promise<KerberosBinding> {
  binding ??= (import(moduleName) as Promise<KerberosBinding & { default?: KerberosBinding }>).then((module) => module.default ?? module);
  return binding;
}

/**
 * Accepts SPNEGO (Kerberos) tokens for `KERBEROS_SERVICE` with the service keys of a keytab,
 * either a file (`KERBEROS_KEYTAB`) or a secret holding it base64-encoded
 * (`KERBEROS_KEYTAB_SECRET_ID`), written once per container to a private file under the temp
 * dir. Replay detection stays on, with its cache in the temp dir (the one writable place on Lambda).
 */
export class SpnegoAcceptor {
  // Resolved once per container; a failure (secret unreadable, file missing) is retried next time.
  private readonly keytab = onceUntilFailure(() => this.resolveKeytab());

  constructor(
    private readonly settings: KerberosSettings,
    private readonly secrets: SecretsManagerClient,
    private readonly load: () => Promise<KerberosBinding> = loadBinding,
  ) {}

  async accept(authorization: string | undefined): Promise<AcceptedPrincipal> {
    const token = /^Negotiate\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw authenticationFailed('no Negotiate token');
    if (token.length > MAX_TOKEN_LENGTH || !BASE64.test(token)) throw authenticationFailed('token is not base64');

    const kerberos = await this.load().catch((error: unknown) => {
      throw notReady('Kerberos support is not installed on this server', error);
    });
    if (!this.settings.service) throw notReady('Kerberos is not configured (KERBEROS_SERVICE is unset)');
    process.env.KRB5_KTNAME = await this.keytab();
    process.env.KRB5RCACHEDIR ??= tmpdir();

    let server: Awaited<ReturnType<KerberosBinding['initializeServer']>>;
    let reply: string;
    try {
      server = await kerberos.initializeServer(this.settings.service);
      reply = await server.step(token);
    } catch (error) {
      if (/No credentials were supplied|Key table file .* not found/i.test(String((error as Error).message))) {
        throw notReady('Kerberos keytab is missing or unreadable', error);
      }
      throw authenticationFailed('GSS accept failed', error);
    }
    if (!server.contextComplete) throw authenticationFailed('GSS context not complete after one step');
    return { ...this.login(server.username), ...(reply ? { mutualToken: reply } : {}) };
  }

  /** `alice@REALM` is the login `alice` when `REALM` is trusted; any other principal maps to no user. */
  private login(principal: string): { login: string; principal: string } {
    const at = principal.lastIndexOf('@');
    const name = principal.slice(0, at);
    const realm = principal.slice(at + 1);
    if (at <= 0 || !this.settings.realms.includes(realm)) {
      throw new XucError('UserNotFound', { cause: new Error(`principal of an untrusted realm "${realm}"`) });
    }
    return { login: name, principal };
  }

  private async resolveKeytab(): Promise<string> {
    const { keytab, keytabSecretId } = this.settings;
    if (keytab) {
      await access(keytab).catch((error: unknown) => {
        throw notReady('Kerberos keytab is missing or unreadable', error);
      });
      return keytab;
    }
    if (!keytabSecretId) throw notReady('Kerberos is not configured (neither KERBEROS_KEYTAB nor KERBEROS_KEYTAB_SECRET_ID is set)');
    let encoded: string | undefined;
    try {
      encoded = (await this.secrets.send(new GetSecretValueCommand({ SecretId: keytabSecretId }))).SecretString;
    } catch (error) {
      throw notReady('Kerberos keytab secret is unreadable', error);
    }
    if (!encoded) throw notReady('Kerberos keytab secret is empty');
    const path = join(tmpdir(), `xuc-auth-${randomBytes(8).toString('hex')}.keytab`);
    await writeFile(path, Buffer.from(encoded, 'base64'), { mode: 0o600, flag: 'wx' });
    return path;
  }
}
