/** Characters as a person counts them: an emoji with its modifiers is one. */
const graphemes = (text: string): string[] =>
  Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (part) => part.segment);

/** Password length policy: long enough to resist guessing, short enough for scrypt's input. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

/** Throws the policy's message for a password that breaks it. */
export function checkPasswordPolicy(password: string): void {
  const length = graphemes(password).length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new Error(`A password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
}
