const stops = new Set<() => Promise<unknown>>();

/**
 * Registers what must be stopped if the run is abandoned past its deadline: the local stack runs
 * in a detached process group that would outlive this process. Returns the unregistering function.
 */
export function onAbandon(stop: () => Promise<unknown>): () => void {
  stops.add(stop);
  return () => stops.delete(stop);
}

/** Stops whatever is registered, waiting at most `ms`. */
export async function abandon(ms: number): Promise<void> {
  const deadline = new Promise((resolve) => setTimeout(resolve, ms).unref());
  await Promise.race([Promise.allSettled([...stops].map((stop) => stop())), deadline]);
}
