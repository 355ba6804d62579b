/** Timing of one operation, sample by sample, and its summary. */
export interface Timing {
  /** Per-call latencies in nanoseconds, in call order. */
  samplesNs: Float64Array;
  /** Wall time of the timed loop, so that ops/s include the loop's own overhead. */
  elapsedNs: number;
}

export interface Summary {
  n: number;
  opsPerSecond: number;
  p50Ns: number;
  p99Ns: number;
}

export interface MeasureOptions {
  iterations: number;
  /** Untimed calls first, so that the JIT, the caches and the connections are warm. */
  warmup: number;
}

/**
 * Calls `fn(i)` one call at a time (each awaited before the next) and times each call. Sequential
 * calls measure latency without queueing; throughput is then 1 / latency plus loop overhead.
 */
export async function measure(fn: (i: number) => unknown, options: MeasureOptions): Promise<Timing> {
  for (let i = 0; i < options.warmup; i++) await fn(i);
  const samplesNs = new Float64Array(options.iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < options.iterations; i++) {
    const before = process.hrtime.bigint();
    await fn(i);
    samplesNs[i] = Number(process.hrtime.bigint() - before);
  }
  return { samplesNs, elapsedNs: Number(process.hrtime.bigint() - start) };
}

/** The q-quantile (0..1) of sorted values, nearest-rank. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(timing: Timing): Summary {
  const sorted = Float64Array.from(timing.samplesNs).sort();
  return {
    n: sorted.length,
    opsPerSecond: sorted.length / (timing.elapsedNs / 1e9),
    p50Ns: quantile(sorted, 0.5),
    p99Ns: quantile(sorted, 0.99),
  };
}

export const median = (values: number[]): number => quantile(Float64Array.from(values).sort(), 0.5);
