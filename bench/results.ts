import type { AuthorizerResults } from './authorizer-bench.ts';
import type { ColdStart } from './cold-start-bench.ts';
import type { ExchangeResult } from './exchanges-bench.ts';
import type { LocalStackResult } from './local-stack-bench.ts';
import type { Machine } from './machine.ts';
import type { Profile } from './profile.ts';
import type { RevocationResults } from './revocation-bench.ts';

export interface Results {
  profile: Profile;
  machine: Machine;
  authorizer: AuthorizerResults;
  revocation: RevocationResults;
  coldStarts: ColdStart[];
  exchanges: ExchangeResult[];
  /** Absent in the quick run. */
  localStack?: LocalStackResult;
  durationSeconds: number;
}
