/**
 * A lazily started piece of one-off work (an IdP's discovery, a keytab written from its secret)
 * whose result is kept once it succeeds; a failure is not kept, so the next call tries again.
 */
export function onceUntilFailure<T>(work: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const attempt = work();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
