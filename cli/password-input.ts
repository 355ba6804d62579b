import type { Readable, Writable } from 'node:stream';

export interface PasswordSource {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stderr: Writable;
}

/** The whole of standard input, less one trailing newline (as `echo pw |` or a file gives it). */
export async function readPasswordFromStdin(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks for a password on the terminal without echoing it. */
export function promptPassword(question: string, { stdin, stderr }: PasswordSource): Promise<string> {
  if (!stdin.isTTY || !stdin.setRawMode) {
    return Promise.reject(
      new Error('No terminal to ask for the password: pass it on standard input with --password-stdin'),
    );
  }
  const setRawMode = stdin.setRawMode.bind(stdin);
  stderr.write(question);
  setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (outcome: () => void) => {
      stdin.off('data', onData);
      setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n') {
          finish(() => resolve(value));
          return;
        }
        if (character === '\u0003') {
          finish(() => reject(new Error('Cancelled')));
          return;
        }
        value = character === '\u007f' || character === '\b' ? value.slice(0, -1) : value + character;
      }
    };
    stdin.on('data', onData);
  });
}
