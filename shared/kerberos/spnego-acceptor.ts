import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sdkGetSecretValue } from '../clients/aws.ts';
import type { Config } from '../config.ts';
import { XucError } from '../errors.ts';
import { keytabInstaller } from './keytab-installer.ts';

/** The part of the native `kerberos` binding (MIT krb5 through GSS-API) this service uses. */
interface KerberosBinding {
  initializeServer(
    service: string,
  ): Promise<{ step(token: string): Promise<string>; username: string; contextComplete: boolean }>;
}

export type KerberosSettings = Config['kerberos'];

export interface AcceptedPrincipal {
  login: string;
  principal: string;
  /** The GSS reply for mutual authentication, when the mechanism produced one. */
  mutualToken?: string;
}

// Large enough for tickets with big authorization data, below the 16 KB header limit.
export const MAX_SPNEGO_TOKEN_LENGTH = 12 * 1024;
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
  binding ??= (import(moduleName) as Promise<KerberosBinding & { default?: KerberosBinding }>).then(
    (module) => module.default ?? module,
  );
  return binding;
}

/**
 * Accepts SPNEGO (Kerberos) tokens for `KERBEROS_SERVICE` with the service keys of the keytab
 * (`KERBEROS_KEYTAB`, or the secret `KERBEROS_KEYTAB_SECRET_ID`, read through the service's
 * secrets client), installed on the first request. Replay detection stays on.
 */
export class SpnegoAcceptor {
  private readonly keytab: () => Promise<string>;

  constructor(
    private readonly settings: KerberosSettings,
    secrets: SecretsManagerClient,
    private readonly load: () => Promise<KerberosBinding> = loadBinding,
  ) {
    this.keytab = keytabInstaller(settings, sdkGetSecretValue(secrets));
  }

  /**
   * The login an `Authorization: Negotiate <token>` header proves, with the GSS reply for mutual
   * authentication. A missing, malformed or refused token is a 401 carrying the Negotiate challenge.
   */
  async accept(authorization: string | undefined): Promise<AcceptedPrincipal> {
    const token = /^Negotiate\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw authenticationFailed('no Negotiate token');
    if (token.length > MAX_SPNEGO_TOKEN_LENGTH) {
      throw authenticationFailed(`token longer than ${MAX_SPNEGO_TOKEN_LENGTH} characters`);
    }
    if (!BASE64.test(token)) throw authenticationFailed('token is not base64');

    const kerberos = await this.load().catch((error: unknown) => {
      throw notReady('Kerberos support is not installed on this server', error);
    });
    if (!this.settings.service) throw notReady('Kerberos is not configured (KERBEROS_SERVICE is unset)');
    await this.keytab();

    let server: Awaited<ReturnType<KerberosBinding['initializeServer']>>;
    let reply: string;
    try {
      server = await kerberos.initializeServer(this.settings.service);
      reply = await server.step(token);
    } catch (error) {
      if (/No credentials were supplied|Key table file .* not found/i.test((error as Error).message)) {
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
}
