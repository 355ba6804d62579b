import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { casServerInstalled, startCasServer, type CasServer } from '../test/peers/cas-server.ts';
import { kdcInstalled, startKdc, type Kdc } from '../test/peers/kdc.ts';
import { startOidcPeer, type OidcPeer } from '../test/peers/oidc-provider.ts';

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
    await import('kerberos');
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
  const [oidc, cas, kerberos] = await Promise.all([
    startOidcPeer(),
    casServerInstalled() ? startCasServer() : Promise.resolve('django-cas-server not installed (npm run setup:system)'),
    startKerberos(),
  ]);
  return {
    oidc,
    cas,
    kerberos,
    stop: async () => {
      await Promise.all([
        oidc.stop(),
        typeof cas === 'string' ? undefined : cas.close(),
        typeof kerberos === 'string' ? undefined : kerberos.kdc.stop().then(() => rm(kerberos.scratch, { recursive: true, force: true })),
      ]);
    },
  };
}
