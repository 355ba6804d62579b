/**
 * Waits for every promise to settle, then rejects with the first failure, if any. Peers started
 * side by side with it and assigned as each one starts are all known to `afterAll`, which stops
 * them; with `Promise.all`, one failing start would leave the others running unseen.
 */
export async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}
