import type { AuthorizerResults } from './authorizer-bench.ts';
import type { ColdStart } from './cold-start-bench.ts';
import type { ExchangeResult } from './exchanges-bench.ts';
import type { LocalStackResult } from './local-stack-bench.ts';
import type { Machine } from './machine.ts';
import type { Profile } from './profile.ts';
import type { RevocationResults } from './revocation-bench.ts';
import type { UsersImportResults } from './users-import-bench.ts';

export interface Results {
  profile: Profile;
  machine: Machine;
  authorizer: AuthorizerResults;
  revocation: RevocationResults;
  coldStarts: ColdStart[];
  exchanges: ExchangeResult[];
  usersImport: UsersImportResults;
  /** Absent in the quick run. */
  localStack?: LocalStackResult;
  durationSeconds: number;
}
