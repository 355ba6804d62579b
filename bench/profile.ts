/** How much each section does: the full run for BENCHMARKS.md, the quick one for CI. */
export interface Profile {
  name: 'full' | 'quick';
  authorizer: {
    /** Decisions that never leave the process (cache hit, forged, expired, shared token). */
    inProcess: number;
    /** Decisions that read DynamoDB (cache miss) or everything (baseline). */
    withIo: number;
    tokens: number;
  };
  /** Fresh Node processes per function for the load timing (median kept); the authorizer's has a budget. */
  coldStarts: { authorizer: number; others: number };
  exchanges: { owaspHashes: number; cheap: number; cas: number; kerberos: number };
  localStack: { requests: number; connections: number } | undefined;
  /** Authorizer containers side by side, and revocations each one must see. */
  revocation: { containers: number; rounds: number };
  /** Users in the CSV of the import bench, at the production hashing cost. */
  usersImport: { users: number };
}

export const FULL: Profile = {
  name: 'full',
  authorizer: { inProcess: 50_000, withIo: 3_000, tokens: 5 },
  coldStarts: { authorizer: 9, others: 5 },
  exchanges: { owaspHashes: 10, cheap: 300, cas: 60, kerberos: 40 },
  localStack: { requests: 10_000, connections: 10 },
  revocation: { containers: 8, rounds: 12 },
  usersImport: { users: 32 },
};

export const QUICK: Profile = {
  name: 'quick',
  authorizer: { inProcess: 4_000, withIo: 200, tokens: 5 },
  coldStarts: { authorizer: 3, others: 1 },
  exchanges: { owaspHashes: 1, cheap: 20, cas: 5, kerberos: 4 },
  localStack: undefined,
  revocation: { containers: 8, rounds: 3 },
  usersImport: { users: 2 },
};

/** Untimed calls before timing: enough for the JIT, never more than a tenth of the run. */
export const warmupFor = (iterations: number): number => Math.min(1_000, Math.ceil(iterations / 10));
