/** How much each section does: the full run for BENCHMARKS.md, the quick one for CI. */
export interface Profile {
  name: 'full' | 'quick';
  authorizer: {
    /** Decisions that never leave the process (cache hit, forged, expired, shared token). */
    inProcess: number;
    /** Decisions that read DynamoDB (cache miss) or everything (baseline). */
    withIo: number;
    tokens: number;
    /** Cache windows of the call-count run, and decisions in each. */
    windows: number;
    decisionsPerWindow: number;
  };
  /** Fresh Node processes per function for the load timing. */
  coldStarts: number;
  exchanges: { owaspHashes: number; cheap: number; cas: number; kerberos: number };
  localStack: { requests: number; connections: number } | undefined;
}

export const FULL: Profile = {
  name: 'full',
  authorizer: { inProcess: 50_000, withIo: 3_000, tokens: 5, windows: 4, decisionsPerWindow: 2_500 },
  coldStarts: 7,
  exchanges: { owaspHashes: 10, cheap: 300, cas: 60, kerberos: 40 },
  localStack: { requests: 10_000, connections: 10 },
};

export const QUICK: Profile = {
  name: 'quick',
  authorizer: { inProcess: 5_000, withIo: 300, tokens: 5, windows: 3, decisionsPerWindow: 500 },
  coldStarts: 1,
  exchanges: { owaspHashes: 2, cheap: 30, cas: 8, kerberos: 6 },
  localStack: undefined,
};

/** Untimed calls before timing: enough for the JIT, never more than a tenth of the run. */
export const warmupFor = (iterations: number): number => Math.min(1_000, Math.ceil(iterations / 10));
