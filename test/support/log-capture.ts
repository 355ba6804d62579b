import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every structured log line the functions write during the whole suite goes to a file per test
 * worker (and not to the console); at the end of the run the global teardown scans them all for
 * anything secret. Tests log at DEBUG, so nothing escapes the scan by its level.
 */
export function captureLogs(dir: string): void {
  const file = join(dir, `${process.pid}.log`);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      // Structured logs and EMF metric lines alike.
      if (text.startsWith('{"level"') || text.startsWith('{"_aws"')) {
        appendFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return write(chunk, ...rest);
    };
  }
}

/**
 * Adds values of no telling shape (opaque OIDC tokens, say) to what the end-of-run scan looks
 * for, from any test worker.
 */
export function rememberSecrets(dir: string, values: string[]): void {
  if (values.length > 0) appendFileSync(join(dir, `${process.pid}.secrets`), `${values.join('\n')}\n`);
}

/** Throws unless this worker's log file holds `marker`. */
export function assertCaptured(dir: string, marker: string): void {
  const file = join(dir, `${process.pid}.log`);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // No file at all: nothing was captured.
  }
  if (!text.includes(marker))
    throw new Error('The log capture is not working: the credential scan would prove nothing');
}

/** Shapes that only credentials have, plus the run's own secret values. */
const CREDENTIAL_SHAPES: [string, RegExp][] = [
  ['a JWT (Xuc or OIDC token)', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/],
  ['a test password', /\bpw-[0-9a-f]{8}-[0-9a-f]{4}-|\b(alicepw|bobpw|otherpw|demo-password|e2e-password)\b/],
  ['a CAS service ticket', /\bST-[A-Za-z0-9-]{30,}/],
  ['a SPNEGO token', /\bYII[A-Za-z0-9+/]{100,}/],
  ['a keytab', /\bBQI[A-Za-z0-9+/]{40,}/],
];

export interface LogScan {
  lines: number;
  auditEvents: number;
  /** How many exact values were looked for besides the credential shapes. */
  secrets: number;
  leaks: string[];
}

/** The lines of `text` that hold a credential's shape or one of `secrets`, described. */
export function findCredentials(lines: string[], secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const line of lines) {
    for (const [what, shape] of CREDENTIAL_SHAPES)
      if (shape.test(line)) leaks.push(`${what} in: ${line.slice(0, 160)}`);
    for (const secret of secrets)
      if (secret && line.includes(secret)) leaks.push(`a secret value in: ${line.slice(0, 160)}`);
  }
  return leaks;
}

export function scanLogs(dir: string, secrets: string[]): LogScan {
  const read = (extension: string) =>
    readdirSync(dir)
      .filter((name) => name.endsWith(extension))
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
  const lines = read('.log');
  const remembered = read('.secrets');
  // The capture's own check logs an audit event: it proves the capture works, not that the functions were heard.
  const auditEvents = lines.filter(
    (line) => line.includes('"audit"') && !line.includes('"audit":"capture-check"'),
  ).length;
  return {
    lines: lines.length,
    auditEvents,
    secrets: secrets.length + remembered.length,
    leaks: findCredentials(lines, [...secrets, ...remembered]),
  };
}
