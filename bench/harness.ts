import { Bench } from 'tinybench';

/** Latency of one operation over a run, and its rate. */
export interface Summary {
  n: number;
  /** Calls per second of time spent in calls: 1 / mean latency. */
  opsPerSecond: number;
  p50Ns: number;
  p99Ns: number;
}

export interface Timing {
  summary: Summary;
  /** Per-call latencies in nanoseconds, for the chart. */
  samplesNs: Float64Array;
}

export interface MeasureOptions {
  iterations: number;
  /** Untimed calls first, so that the JIT, the caches and the connections are warm. */
  warmup: number;
}

/**
 * Times `fn(i)` with tinybench: `warmup` untimed calls, then exactly `iterations` timed ones, each
 * awaited before the next, so that latency is measured without queueing. `i` counts every call,
 * warm-up included, for operations that need a fresh input each time (single-use tickets).
 */
export async function measure(
  fn: (i: number) => Promise<unknown>,
  { iterations, warmup }: MeasureOptions,
): Promise<Timing> {
  let calls = 0;
  const bench = new Bench({
    iterations,
    time: 0,
    warmup: warmup > 0,
    warmupIterations: warmup,
    warmupTime: 0,
    timestampProvider: 'hrtimeNow',
    retainSamples: true,
    throws: true,
  });
  // Declared async, so that tinybench does not call it once more to find out.
  const [task] = await bench.add('measured', () => fn(calls++), { async: true }).run();
  const result = task?.result;
  if (result?.state !== 'completed') throw new Error(`measurement did not complete: ${result?.state ?? 'no task'}`);
  const { latency } = result;
  return {
    summary: {
      n: latency.samplesCount,
      opsPerSecond: 1000 / latency.mean,
      p50Ns: latency.p50 * 1e6,
      p99Ns: latency.p99 * 1e6,
    },
    samplesNs: Float64Array.from(latency.samples ?? [], (ms) => ms * 1e6),
  };
}
