import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { casServerInstalled, startCasServer, type CasServer } from '../infra/peers/cas-server.ts';
import { kdcInstalled, startKdc, type Kdc } from '../infra/peers/kdc.ts';
import { startOidcPeer, type OidcPeer } from '../infra/peers/oidc-provider.ts';
import { settleAll } from '../infra/peers/settle.ts';

/** The identity providers of the test suite, on loopback. A missing one is skipped, with the reason. */
export interface Peers {
  oidc: OidcPeer;
  cas: CasServer | string;
  kerberos: { kdc: Kdc; keytab: string; ccache: string; scratch: string } | string;
  stop(): Promise<void>;
}

export const KERBEROS_USER = { name: 'alice', password: 'alicepw' };

async function kerberosAvailable(): Promise<string | undefined> {
  if (!kdcInstalled()) return 'MIT KDC not installed (npm run setup:system)';
  try {
    // Named through a variable: a machine without the optional binding still type-checks.
    const bindingName = 'kerberos';
    await import(bindingName);
    return undefined;
  } catch {
    return 'the optional kerberos binding is not installed';
  }
}

async function startKerberos(): Promise<Peers['kerberos']> {
  const missing = await kerberosAvailable();
  if (missing) return missing;
  const kdc = await startKdc();
  const scratch = await mkdtemp(join(tmpdir(), 'xuc-auth-bench-krb-'));
  await kdc.addPrincipal(KERBEROS_USER.name, KERBEROS_USER.password);
  const keytab = await kdc.exportServiceKeytab('HTTP/localhost', join(scratch, 'http.keytab'));
  const ccache = await kdc.kinit(KERBEROS_USER.name, KERBEROS_USER.password);
  return { kdc, keytab, ccache, scratch };
}

export async function startPeers(): Promise<Peers> {
  const started: Partial<Omit<Peers, 'stop'>> = {};
  const stop = async () => {
    const { oidc, cas, kerberos } = started;
    await Promise.all([
      oidc?.stop(),
      typeof cas === 'object' ? cas.close() : undefined,
      typeof kerberos === 'object'
        ? kerberos.kdc.stop().then(() => rm(kerberos.scratch, { recursive: true, force: true }))
        : undefined,
    ]);
  };
  try {
    // Side by side; when one fails to start, the others are stopped rather than left running.
    await settleAll([
      startOidcPeer().then((oidc) => (started.oidc = oidc)),
      (casServerInstalled()
        ? startCasServer()
        : Promise.resolve('django-cas-server not installed (npm run setup:system)')
      ).then((cas) => (started.cas = cas)),
      startKerberos().then((kerberos) => (started.kerberos = kerberos)),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const { oidc, cas, kerberos } = started as Omit<Peers, 'stop'>;
  return { oidc, cas, kerberos, stop };
}
