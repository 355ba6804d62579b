import { XucError } from '../../shared/errors.ts';

/** The contract error a synchronous call throws; fails the test when it returns or throws anything else. */
export function syncRefusal(call: () => unknown): XucError {
  try {
    call();
  } catch (error) {
    if (error instanceof XucError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
