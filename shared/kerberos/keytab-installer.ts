import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { XucError } from '../errors.ts';
import { onceUntilFailure } from '../retry-on-failure.ts';
import type { GetSecretValue } from '../secrets/versioned-secret.ts';

export type KeytabSettings = Pick<Config['kerberos'], 'keytab' | 'keytabSecretId'>;

const notReady = (message: string, cause?: unknown) => new XucError('ServiceUnavailable', { message, cause });

/**
 * The keytab GSS-API accepts with, installed once per container: `KERBEROS_KEYTAB` as it is, or
 * the base64 keytab of secret `KERBEROS_KEYTAB_SECRET_ID` written to a private (0600) file in the
 * temp dir. Once installed it is the process's default keytab (`KRB5_KTNAME`, which krb5 reads
 * from the environment), and the replay cache goes to the temp dir, the one writable place on
 * Lambda. The returned function answers the keytab's path; a failure (secret unreadable, file
 * missing) is retried by the next call.
 */
export function keytabInstaller(settings: KeytabSettings, getSecretValue: GetSecretValue): () => Promise<string> {
  return onceUntilFailure(async () => {
    const path = settings.keytab
      ? await existingKeytab(settings.keytab)
      : await keytabFromSecret(settings.keytabSecretId, getSecretValue);
    process.env.KRB5_KTNAME = path;
    process.env.KRB5RCACHEDIR ??= tmpdir();
    return path;
  });
}

async function existingKeytab(path: string): Promise<string> {
  await access(path).catch((error: unknown) => {
    throw notReady('Kerberos keytab is missing or unreadable', error);
  });
  return path;
}

async function keytabFromSecret(secretId: string | undefined, getSecretValue: GetSecretValue): Promise<string> {
  if (!secretId)
    throw notReady('Kerberos is not configured (neither KERBEROS_KEYTAB nor KERBEROS_KEYTAB_SECRET_ID is set)');
  let encoded: string | undefined;
  try {
    encoded = (await getSecretValue({ SecretId: secretId, VersionStage: 'AWSCURRENT' })).SecretString;
  } catch (error) {
    throw notReady('Kerberos keytab secret is unreadable', error);
  }
  if (!encoded) throw notReady('Kerberos keytab secret is empty');
  const path = join(tmpdir(), `xuc-auth-${randomBytes(8).toString('hex')}.keytab`);
  await writeFile(path, Buffer.from(encoded, 'base64'), { mode: 0o600, flag: 'wx' });
  return path;
}
