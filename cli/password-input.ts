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

/** Characters as a person counts them: an emoji with its modifiers is one. */
const graphemes = (text: string): string[] =>
  Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (part) => part.segment);

// The length policy is shared with the users import.
export { checkPasswordPolicy } from '../shared/users/password-policy.ts';

/**
 * What a keystroke does to the password being typed. Enter (or Ctrl-D, as at a shell prompt)
 * ends it, Ctrl-C cancels, Backspace removes a character and Ctrl-U all of them; escape sequences
 * (arrow and function keys) and every other control character are ignored, never kept.
 */
export function applyKeys(value: string, keys: string): { value: string; done?: 'enter' | 'cancel' } {
  let typed = value;
  // Escape sequences first: CSI (ESC [ … final byte), SS3 (ESC O x), or a lone ESC with one character.
  // eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
  const characters = keys.replace(/\u001b\[[0-?]*[ -/]*[@-~]|\u001bO.|\u001b./gsu, '');
  for (const character of graphemes(characters)) {
    if (character === '\r' || character === '\n' || character === '\r\n' || character === '\u0004')
      return { value: typed, done: 'enter' };
    if (character === '\u0003') return { value: typed, done: 'cancel' };
    if (character === '\u007f' || character === '\b') typed = graphemes(typed).slice(0, -1).join('');
    else if (character === '\u0015') typed = '';
    else if (character >= ' ' && character !== '\u001b') typed += character;
  }
  return { value: typed };
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
      const next = applyKeys(value, chunk);
      value = next.value;
      if (next.done === 'enter') finish(() => resolve(value));
      else if (next.done === 'cancel') finish(() => reject(new Error('Cancelled')));
    };
    stdin.on('data', onData);
  });
}
